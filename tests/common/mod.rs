//! What the live and long-recording tests share: a small robust pipeline fitted on synthetic
//! clips (once per test binary), the clips themselves, temp folders and the built examples.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ndarray::{Array1, Array2};
use ser::audio::resample;
use ser::data::synth::{SynthParams, SynthSpeaker, synthesize};
use ser::data::{Dataset, Emotion};
use ser::pipeline::{FittedPipeline, PipelineSpec, Preset, fit};

pub const RATE: u32 = 22_050;
pub const EMOTIONS: [Emotion; 3] = [Emotion::Neutral, Emotion::Angry, Emotion::Sad];

pub fn temp_dir(tag: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-{tag}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn params() -> SynthParams {
    SynthParams {
        speakers: SynthSpeaker::defaults(2),
        emotions: EMOTIONS.to_vec(),
        utterances_per_class: 8,
        ..SynthParams::default()
    }
}

/// Utterance `i` of `emotion` by speaker `s`, at 22050 Hz.
pub fn clip(s: usize, emotion: Emotion, i: usize) -> Vec<f32> {
    let u = synthesize(&params(), s, emotion, i).unwrap();
    resample(&u.samples, u.sample_rate, RATE).unwrap()
}

/// A robust pipeline fitted on both synthetic speakers' first six clips per emotion (fitted
/// once for the tests of this file).
pub fn pipeline() -> &'static FittedPipeline {
    static FITTED: OnceLock<FittedPipeline> = OnceLock::new();
    FITTED.get_or_init(fit_pipeline)
}

pub fn fit_pipeline() -> FittedPipeline {
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.model.c_grid = vec![0.01, 1.0];
    spec.self_training.rounds = 0;
    let (mut rows, mut targets, mut speakers, mut paths) = (vec![], vec![], vec![], vec![]);
    for s in 0..2 {
        for (k, &e) in EMOTIONS.iter().enumerate() {
            for i in 0..6 {
                let x = clip(s, e, i);
                rows.extend(spec.features.spec.extract(&x, RATE).unwrap());
                targets.push(k);
                speakers.push(format!("s{s}"));
                paths.push(PathBuf::from(format!("s{s}_{}_{i}.wav", e.name())));
            }
        }
    }
    let n = targets.len();
    let d = rows.len() / n;
    let data = Dataset::new(
        Array2::from_shape_vec((n, d), rows).unwrap(),
        Array1::from(targets),
        EMOTIONS.iter().map(|e| e.name().to_string()).collect(),
        speakers,
        paths,
    )
    .unwrap();
    fit(&spec, &data).unwrap()
}

/// The example `name`, built first in this test profile.
pub fn example(name: &str) -> Command {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let exe = target.join(profile).join("examples").join(name);
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", name])
        .args((profile == "release").then_some("--release"))
        .status()
        .unwrap();
    assert!(status.success(), "building the {name} example");
    Command::new(exe)
}
