//! Long recordings: `predict_segments` / `predict --segments` on a 60 s recording built from
//! synthetic utterances joined by silence and noise, with known speech boundaries.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a test failure is the report

mod common;

use common::{EMOTIONS, RATE, clip, example, pipeline, temp_dir};
use ser::audio::{LoadOptions, load};
use ser::data::synth::write_wav;
use ser::features::vad::{self, VadParams};
use ser::pipeline::{Grouping, predict_segments};

/// The active extent of a clip: from the first to the last 10 ms frame within 30 dB of its
/// loudest frame.
fn active(x: &[f32]) -> (usize, usize) {
    let hop = (RATE / 100) as usize;
    let rms: Vec<f32> = x
        .chunks(hop)
        .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let peak = rms.iter().copied().fold(0.0, f32::max);
    let on = |r: &f32| *r > peak * 10f32.powf(-30.0 / 20.0);
    let first = rms.iter().position(on).unwrap();
    let last = rms.iter().rposition(on).unwrap();
    (first * hop, ((last + 1) * hop).min(x.len()))
}

/// About 60 s: speaker 1's held-out clips (6 and 7 of each emotion, three times over) with
/// 0.6–2.0 s of silence between them and white noise 20 dB below the speech; the truth is
/// each clip's active extent, in samples.
fn recording() -> (Vec<f32>, Vec<(usize, usize)>) {
    let mut x = vec![0.0f32; RATE as usize];
    let mut truth = Vec::new();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut speech_power = (0.0f64, 0usize);
    'outer: for _round in 0..3 {
        for &e in &EMOTIONS {
            for i in 6..8 {
                let c = clip(1, e, i);
                let (a, b) = active(&c);
                truth.push((x.len() + a, x.len() + b));
                speech_power.0 += c[a..b].iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
                speech_power.1 += b - a;
                x.extend_from_slice(&c);
                let gap = ((0.6 + 1.4 * next()) * f64::from(RATE)) as usize;
                x.extend(std::iter::repeat_n(0.0, gap));
                if x.len() > 58 * RATE as usize {
                    break 'outer;
                }
            }
        }
    }
    let power = speech_power.0 / speech_power.1 as f64;
    let noise_rms = (power / 100.0).sqrt(); // 20 dB SNR
    for v in &mut x {
        // Uniform noise of the given RMS: ±√3·σ.
        *v += ((next() * 2.0 - 1.0) * 3f64.sqrt() * noise_rms) as f32;
    }
    (x, truth)
}

#[test]
fn segments_of_a_constructed_recording_match_its_speech_and_are_predicted() {
    let dir = temp_dir("segments", "constructed");
    let (x, truth) = recording();
    let path = dir.join("recording.wav");
    write_wav(&path, &x, RATE).unwrap();
    let pipeline = pipeline();
    let rec = predict_segments(pipeline, &path, &VadParams::default(), &Grouping::None).unwrap();
    assert!((rec.duration - x.len() as f64 / f64::from(RATE)).abs() < 1e-9);

    // Streaming through the file gives the segmenter's segments of the whole signal.
    let whole = load(&path, &LoadOptions::default()).unwrap();
    let direct = vad::segments(&whole.samples, RATE, &VadParams::default()).unwrap();
    assert_eq!(rec.segments.len(), direct.len());
    for (s, d) in rec.segments.iter().zip(&direct) {
        assert_eq!(s.start, d.start_seconds(RATE));
        assert_eq!(s.end, d.end_seconds(RATE));
    }

    // Every segment lies on a clip (a clip with a long pause inside may give two); the first
    // and last segment of each clip are within the segmenter's measured error of its edges.
    let rate = f64::from(RATE);
    let clip_of = |start: f64, end: f64| {
        truth
            .iter()
            .position(|&(a, b)| start < b as f64 / rate + 0.1 && end > a as f64 / rate - 0.1)
    };
    let owners: Vec<usize> = rec
        .segments
        .iter()
        .map(|s| clip_of(s.start, s.end).unwrap_or_else(|| panic!("false segment {s:?}")))
        .collect();
    let mut errors: Vec<f64> = Vec::new();
    for (c, &(a, b)) in truth.iter().enumerate() {
        let mine: Vec<_> = rec
            .segments
            .iter()
            .zip(&owners)
            .filter(|&(_, &o)| o == c)
            .map(|(s, _)| s)
            .collect();
        assert!(!mine.is_empty(), "clip {c} at {a}..{b} missed");
        errors.push((mine[0].start - a as f64 / rate).abs());
        errors.push((mine[mine.len() - 1].end - b as f64 / rate).abs());
    }
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    assert!(median <= 0.05, "median boundary error {median} s");
    assert!(errors[errors.len() - 1] <= 0.4, "largest error {errors:?}");

    // Every segment predicted, normalised over the recording's own segments; most right.
    assert_eq!(rec.normalisation, ser::pipeline::StatsSource::SameSpeaker);
    let mut right = 0;
    for (s, &c) in rec.segments.iter().zip(&owners) {
        let p = s.probabilities.as_ref().unwrap();
        assert_eq!(p.len(), 3);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        // Clips go neutral, neutral, angry, angry, sad, sad, neutral, ...
        right += usize::from(ser::models::argmax(p).0 == (c / 2) % 3);
    }
    assert!(
        right * 4 >= rec.segments.len() * 3,
        "{right} of {} segments right",
        rec.segments.len()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn predict_segments_prints_a_line_per_segment_and_says_when_there_is_no_speech() {
    let dir = temp_dir("segments", "example");
    let model = dir.join("model.json");
    pipeline().save(&model).unwrap();
    let (x, truth) = recording();
    let speech = dir.join("speech.wav");
    write_wav(&speech, &x, RATE).unwrap();
    let silent = dir.join("silent.wav");
    write_wav(&silent, &vec![0.0; 5 * RATE as usize], RATE).unwrap();
    let missing = dir.join("missing.wav");
    let out = example("predict")
        .arg(&model)
        .arg("--segments")
        .args([&speech, &silent, &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a missing file fails the run");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = lines.len() - 2;
    assert!(n >= truth.len(), "{n} segments for {} clips", truth.len());
    let rec =
        predict_segments(pipeline(), &speech, &VadParams::default(), &Grouping::None).unwrap();
    assert_eq!(rec.segments.len(), n);
    for (l, s) in lines[..n].iter().zip(&rec.segments) {
        assert!((l["start"].as_f64().unwrap() - s.start).abs() < 1e-3);
        assert!((l["end"].as_f64().unwrap() - s.end).abs() < 1e-3);
        assert_eq!(l["file"], speech.to_str().unwrap());
        let (start, end) = (l["start"].as_f64().unwrap(), l["end"].as_f64().unwrap());
        assert!(start < end);
        let emotion = l["emotion"].as_str().unwrap();
        let scores = l["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 3);
        let best = scores
            .iter()
            .max_by(|a, b| a.1.as_f64().unwrap().total_cmp(&b.1.as_f64().unwrap()))
            .unwrap();
        assert_eq!(best.0, emotion);
        assert_eq!(l["normalisation"], "same-speaker");
    }
    let quiet = &lines[n];
    assert_eq!(quiet["file"], silent.to_str().unwrap());
    assert_eq!(quiet["speech"], false);
    assert_eq!(quiet["duration"], 5.0);
    let failed = &lines[n + 1];
    assert_eq!(failed["file"], missing.to_str().unwrap());
    assert!(failed["error"].as_str().unwrap().contains("missing.wav"));
    let _ = std::fs::remove_dir_all(dir);
}
