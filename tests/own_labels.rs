//! A user's own labels end to end: the synthetic corpus listed in a manifest trains exactly
//! the model its folder trains; a manifest's split column is an evaluation protocol; the
//! `train` example on a manifest of custom labels writes a model whose labels `predict` prints.
#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use std::path::{Path, PathBuf};
use std::process::Command;

use ser::data::synth::{SynthParams, SynthSpeaker, generate, write_wav};
use ser::data::{CorpusOptions, Emotion, LabelMap, Progress, RowFault};
use ser::evaluate::{EvalOptions, Protocol, evaluate_dir, evaluate_multi};
use ser::pipeline::{Grouping, PipelineError, PipelineSpec, Preset, predict_files, train_dir};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-own-labels-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a synthetic TESS-named corpus under `dir`; returns (relative path, speaker, emotion)
/// of every clip in generation order.
fn write_synthetic(
    dir: &Path,
    emotions: &[Emotion],
    per_class: usize,
) -> Vec<(PathBuf, String, Emotion)> {
    write_synthetic_seeded(dir, emotions, per_class, SynthParams::default().seed)
}

fn write_synthetic_seeded(
    dir: &Path,
    emotions: &[Emotion],
    per_class: usize,
    seed: u64,
) -> Vec<(PathBuf, String, Emotion)> {
    let params = SynthParams {
        speakers: SynthSpeaker::defaults(2),
        emotions: emotions.to_vec(),
        utterances_per_class: per_class,
        seed,
        ..SynthParams::default()
    };
    generate(&params)
        .unwrap()
        .into_iter()
        .map(|u| {
            let rel = u.relative_path();
            let path = dir.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            write_wav(&path, &u.samples, u.sample_rate).unwrap();
            (rel, u.speaker, u.emotion)
        })
        .collect()
}

/// A CSV field, quoted.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quick_options() -> EvalOptions {
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.model.c_grid = vec![0.01, 1.0];
    EvalOptions {
        spec,
        progress: Progress::Hidden,
        ..EvalOptions::default()
    }
}

#[test]
fn the_synthetic_corpus_as_a_manifest_trains_the_same_model_as_its_folder() {
    let dir = temp_dir("same");
    let clips = write_synthetic(&dir, &[Emotion::Angry, Emotion::Sad, Emotion::Surprise], 5);
    // The same files, listed in reverse with relative paths, canonical labels and speakers.
    let mut text = String::from("path,label,speaker\n");
    for (rel, speaker, emotion) in clips.iter().rev() {
        let rel = rel.to_str().unwrap();
        text += &format!("{},{},{}\n", q(rel), emotion.name(), speaker);
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, text).unwrap();

    let opts = quick_options();
    let (by_folder, rf) = train_dir(&dir, &opts, |f, r| panic!("{}: {r}", f.display())).unwrap();
    let (by_manifest, rm) =
        train_dir(&manifest, &opts, |f, r| panic!("{}: {r}", f.display())).unwrap();
    assert_eq!((rf.source.as_str(), rf.scheme.as_str()), ("folder", "tess"));
    assert_eq!(
        (rm.source.as_str(), rm.scheme.as_str()),
        ("manifest", "manifest")
    );
    assert_eq!(rf.classes, ["sad", "angry", "surprise"]);
    assert_eq!(rm.classes, rf.classes);
    assert_eq!(
        (rm.files, rm.used, rm.skipped),
        (rf.files, rf.used, rf.skipped)
    );
    assert_eq!(rm.confusion, rf.confusion);
    assert_eq!(
        (rm.accuracy, rm.uar, rm.macro_f1),
        (rf.accuracy, rf.uar, rf.macro_f1)
    );
    assert_eq!(rm.speaker_independent_uar, rf.speaker_independent_uar);
    assert_eq!(
        rm.speaker_independent_cold_uar,
        rf.speaker_independent_cold_uar
    );
    assert!(
        rf.speaker_independent_uar.is_some(),
        "two speakers: a LOSO figure"
    );
    // The fitted pipelines are the same, bit for bit, and so are their predictions.
    assert_eq!(by_manifest.to_json().unwrap(), by_folder.to_json().unwrap());
    let files: Vec<PathBuf> = clips.iter().map(|(rel, ..)| dir.join(rel)).collect();
    let pf = predict_files(&by_folder, &files, &Grouping::ByFolder).unwrap();
    let pm = predict_files(&by_manifest, &files, &Grouping::ByFolder).unwrap();
    for (a, b) in pf.iter().zip(&pm) {
        let (sa, _) = a.outcome.as_ref().unwrap();
        let (sb, _) = b.outcome.as_ref().unwrap();
        assert_eq!(sa, sb, "{}", a.file.display());
    }
}

#[test]
fn a_manifest_split_column_is_an_evaluation_protocol() {
    let dir = temp_dir("split");
    let clips = write_synthetic(&dir, &[Emotion::Angry, Emotion::Sad], 4);
    // Speaker SFA's clips train, SMB's test; labels of the user's own.
    let label = |e: Emotion| if e == Emotion::Angry { "loud" } else { "soft" };
    let mut text = String::from("path\tlabel\tspeaker\tsplit\n");
    let mut n_test = 0;
    for (rel, speaker, emotion) in &clips {
        let side = if speaker == "SMB" { "test" } else { "train" };
        n_test += usize::from(side == "test");
        text += &format!(
            "{}\t{}\t{speaker}\t{side}\n",
            rel.display(),
            label(*emotion)
        );
    }
    let manifest = dir.join("list.tsv");
    std::fs::write(&manifest, text).unwrap();
    let opts = quick_options();
    let r = evaluate_dir(&manifest, &opts).unwrap();
    assert_eq!(r.protocol, "manifest");
    assert_eq!(r.scheme.as_deref(), Some("manifest"));
    assert_eq!(r.classes, ["loud", "soft"]);
    assert_eq!(r.folds.len(), 1);
    assert_eq!(r.folds[0].test_speakers, ["SMB"]);
    assert_eq!((r.folds[0].n_test, r.n_rows), (n_test, n_test));
    // Another protocol when asked; the manifest protocol needs a split.
    let loso = evaluate_dir(
        &manifest,
        &EvalOptions {
            protocol: Some(Protocol::Loso),
            ..quick_options()
        },
    )
    .unwrap();
    assert_eq!((loso.protocol.as_str(), loso.folds.len()), ("loso", 2));
    let e = evaluate_dir(
        &dir,
        &EvalOptions {
            protocol: Some(Protocol::Manifest),
            ..quick_options()
        },
    )
    .unwrap_err();
    assert!(matches!(e, PipelineError::Unusable { .. }), "{e:?}");
    // A label map applies to the evaluated corpus; its unused rule is reported once.
    let map = dir.join("map.csv");
    std::fs::write(&map, "from,to\nloud,intense\nmissing,x\n").unwrap();
    let mapped = evaluate_dir(
        &manifest,
        &EvalOptions {
            corpus: CorpusOptions {
                label_map: Some(LabelMap::read(&map).unwrap()),
                ..CorpusOptions::default()
            },
            ..quick_options()
        },
    )
    .unwrap();
    assert_eq!(mapped.classes, ["intense", "soft"]);
    let rows: Vec<(usize, RowFault)> = mapped.bad_rows.iter().map(|r| (r.line, r.kind)).collect();
    assert_eq!(rows, [(3, RowFault::UnusedRule)]);
}

#[test]
fn cross_corpus_keeps_the_custom_classes_both_corpora_have() {
    // Training: a folder per class (loud, soft, flat); test: a manifest (loud, soft, other).
    let train = temp_dir("cross-train");
    let raw = temp_dir("cross-raw");
    let emotions = [Emotion::Angry, Emotion::Sad, Emotion::Neutral];
    let name = |e: Emotion| match e {
        Emotion::Angry => "loud",
        Emotion::Sad => "soft",
        _ => "flat",
    };
    for (k, (rel, _, e)) in write_synthetic_seeded(&raw, &emotions, 3, 1)
        .into_iter()
        .enumerate()
    {
        let to = train.join(name(e)).join(format!("{k}.wav"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(raw.join(rel), to).unwrap();
    }
    let test = temp_dir("cross-test");
    let mut text = String::from("path,label,speaker\n");
    for (rel, speaker, e) in write_synthetic_seeded(&test, &emotions, 3, 2) {
        let label = if e == Emotion::Neutral {
            "other"
        } else {
            name(e)
        };
        text += &format!("{},{label},{speaker}\n", rel.display());
    }
    let manifest = test.join("m.csv");
    std::fs::write(&manifest, text).unwrap();
    let r = evaluate_multi(std::slice::from_ref(&train), &manifest, &quick_options()).unwrap();
    assert_eq!(r.protocol, "cross-corpus");
    assert_eq!(r.classes, ["loud", "soft"]);
    assert_eq!(r.n_rows, 12, "the test corpus's loud and soft clips");
    assert_eq!(r.folds[0].n_train, 12);
    assert_eq!(r.scheme.as_deref(), Some("manifest"));
}

/// The folder of this build's example binaries, `train`, `predict` and `eda` built (once per
/// run) with the profile that built this test.
fn examples_dir() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap();
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let out = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--profile", &profile, "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .args(["-p", "ser", "--example", "train", "--example", "predict"])
            .args(["--example", "eda"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir.join("examples")
    })
}

fn example(name: &str) -> Command {
    Command::new(examples_dir().join(name))
}

#[test]
fn train_on_a_manifest_of_custom_labels_and_predict_prints_them() {
    let dir = temp_dir("cli");
    let clips = write_synthetic(&dir, &[Emotion::Angry, Emotion::Sad, Emotion::Neutral], 4);
    let custom = |e: Emotion| match e {
        Emotion::Angry => "excited",
        Emotion::Sad => "calm-ish",
        _ => "boring",
    };
    let mut text = String::from("path,label,speaker\n");
    for (rel, speaker, emotion) in &clips {
        text += &format!(
            "{},{},{speaker}\n",
            q(rel.to_str().unwrap()),
            custom(*emotion)
        );
    }
    text += "gone.wav,excited,SFA\n";
    let manifest = dir.join("labels.csv");
    std::fs::write(&manifest, &text).unwrap();
    let map = dir.join("map.csv");
    std::fs::write(&map, "from,to\nboring,\n").unwrap();
    let bad_line = text.lines().count();

    // eda says it is a manifest, lists the bad row and counts the custom classes.
    let out = example("eda")
        .arg(&manifest)
        .args(["--label-map", map.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eda: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(eda["source"], "manifest");
    assert_eq!(eda["scheme"], "manifest");
    assert_eq!(eda["by_emotion"]["excited"], 8);
    assert_eq!(eda["by_emotion"]["calm-ish"], 8);
    assert!(eda["by_emotion"].get("boring").is_none());
    assert_eq!(eda["bad_rows"][0]["line"], bad_line);
    assert_eq!(eda["bad_rows"][0]["kind"], "missing_file");
    let dropped = eda["faulty"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kinds"][0] == "dropped")
        .count();
    assert_eq!(dropped, 8);

    let model = dir.join("custom.json");
    let out = example("train")
        .args(["--data", manifest.to_str().unwrap()])
        .args(["--out", model.to_str().unwrap()])
        .args([
            "--preset",
            "study",
            "--model",
            "svm",
            "--features",
            "mfcc40",
        ])
        .args(["--label-map", map.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("is a manifest"), "{stderr}");
    assert!(
        stderr.contains(&format!("line {bad_line}")) && stderr.contains("gone.wav"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["classes"],
        serde_json::json!(["calm-ish", "excited"])
    );
    assert_eq!(report["source"], "manifest");
    assert_eq!(report["used"], 16);

    let some: Vec<String> = clips
        .iter()
        .filter(|(_, _, e)| *e != Emotion::Neutral)
        .take(3)
        .map(|(rel, ..)| dir.join(rel).to_str().unwrap().to_string())
        .collect();
    let out = example("predict").arg(&model).args(&some).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        let emotion = l["emotion"].as_str().unwrap();
        assert!(["calm-ish", "excited"].contains(&emotion), "{l}");
        let mut keys: Vec<&String> = l["scores"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["calm-ish", "excited"], "{l}");
    }
}
