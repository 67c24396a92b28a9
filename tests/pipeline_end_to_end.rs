//! The pipeline a user keeps: `train_dir` fits what `evaluate` measures, the model file
//! round-trips, version-1 files still predict, and `predict`'s line schema is pinned.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a test failure is the report

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{Array1, Array2};
use ser::data::synth::{SynthParams, SynthSpeaker, synthesize, write_wav};
use ser::data::{Dataset, Emotion, Progress};
use ser::evaluate::{EvalOptions, Protocol, evaluate_dir};
use ser::models::{
    ConfusionMatrix, FeatureConfig, Fit, LinearSvm, ModelFile, StandardScaler, TrainSet,
};
use ser::pipeline::{
    ColdModel, FittedPipeline, Grouping, ModelChoice, Normalisation, PipelineError, PipelineSpec,
    Preset, SpeakerContext, StatsSource, fit, predict_files, train_dir,
};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-pipe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const EMOTIONS: [Emotion; 3] = [Emotion::Neutral, Emotion::Angry, Emotion::Sad];

/// A TESS-named synthetic corpus: speakers OAF and YAF, `per_class` clips per emotion.
fn write_tess(dir: &Path, per_class: usize) {
    let params = SynthParams {
        speakers: SynthSpeaker::defaults(2),
        emotions: EMOTIONS.to_vec(),
        utterances_per_class: per_class,
        ..SynthParams::default()
    };
    for (s, spk) in ["OAF", "YAF"].iter().enumerate() {
        for &e in &EMOTIONS {
            for i in 0..per_class {
                let u = synthesize(&params, s, e, i).unwrap();
                let path = dir
                    .join(format!("{spk}_{}", e.name()))
                    .join(format!("{spk}_w{i}_{}.wav", e.name()));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                write_wav(&path, &u.samples, u.sample_rate).unwrap();
            }
        }
    }
}

fn quick_spec() -> PipelineSpec {
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.model.c_grid = vec![0.01, 1.0];
    spec
}

#[test]
fn train_then_predict_same_speaker_gives_the_evaluate_fold() {
    let all = temp_dir("agree-all");
    write_tess(&all, 6);
    // The OAF folders alone, as a user would copy them.
    let oaf = temp_dir("agree-oaf");
    for e in EMOTIONS {
        let name = format!("OAF_{}", e.name());
        std::fs::create_dir_all(oaf.join(&name)).unwrap();
        for f in std::fs::read_dir(all.join(&name)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, oaf.join(&name).join(f.file_name().unwrap())).unwrap();
        }
    }
    let opts = EvalOptions {
        spec: quick_spec(),
        progress: Progress::Hidden,
        protocol: Some(Protocol::Loso),
        ..EvalOptions::default()
    };
    let report = evaluate_dir(&all, &opts).unwrap();
    let yaf_fold = report
        .folds
        .iter()
        .find(|f| f.test_speakers == ["YAF"])
        .unwrap();
    let (fitted, tr) = train_dir(&oaf, &opts, |_, _| {}).unwrap();
    assert_eq!(tr.used, 18);
    assert_eq!(tr.speaker_independent_uar, None, "one speaker: no protocol");
    let model = oaf.join("m.json");
    fitted.save(&model).unwrap();
    let loaded = FittedPipeline::load(&model).unwrap();
    let mut yaf: Vec<PathBuf> = Vec::new();
    for e in EMOTIONS {
        let mut v: Vec<PathBuf> = std::fs::read_dir(all.join(format!("YAF_{}", e.name())))
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        v.sort();
        yaf.extend(v);
    }
    let results = predict_files(&loaded, &yaf, &Grouping::SameSpeaker).unwrap();
    let truth: Array1<usize> = yaf
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            loaded
                .classes()
                .iter()
                .position(|c| name.ends_with(&format!("_{c}.wav")))
                .unwrap()
        })
        .collect();
    let pred: Array1<usize> = results
        .iter()
        .map(|r| {
            let (p, source) = r.outcome.as_ref().unwrap();
            assert_eq!(source.name(), "same-speaker");
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            ser::models::argmax(p).0
        })
        .collect();
    let uar = ConfusionMatrix::new(truth.view(), pred.view(), 3)
        .unwrap()
        .uar();
    assert!(
        (uar - yaf_fold.uar).abs() <= 0.01,
        "predict --same-speaker {uar} vs evaluate's YAF fold {}",
        yaf_fold.uar
    );
    // Without context: the training fallback, said on every row.
    let cold = predict_files(&loaded, &yaf[..2], &Grouping::None).unwrap();
    assert_eq!(
        cold[0].outcome.as_ref().unwrap().1.name(),
        "training-fallback"
    );
    // A bad file among good ones is its own error; the others still go through.
    let bad = oaf.join("bad.wav");
    std::fs::write(&bad, b"RIFF....WAVEjunk").unwrap();
    let mixed = predict_files(&loaded, &[yaf[0].clone(), bad.clone()], &Grouping::None).unwrap();
    assert!(mixed[0].outcome.is_ok());
    match &mixed[1].outcome {
        Err(PipelineError::Audio(e)) => assert_eq!(e.path(), bad.as_path()),
        other => panic!("expected an audio error naming the file, got {other:?}"),
    }
    std::fs::remove_dir_all(&all).unwrap();
    std::fs::remove_dir_all(&oaf).unwrap();
}

/// Rows of 40 features (mfcc40's width), three classes, two speakers offset from each other.
fn table() -> Dataset {
    let n = 60;
    let x = Array2::from_shape_fn((n, 40), |(i, j)| {
        let c = (i % 3) as f32;
        let spk = if i < n / 2 { 0.0 } else { 25.0 };
        let wobble = ((i * 31 + j * 17) as f32 * 0.37).sin();
        spk + c * (1.0 + (j % 5) as f32) + 0.8 * wobble
    });
    Dataset::new(
        x,
        (0..n).map(|i| i % 3).collect(),
        vec!["angry".into(), "neutral".into(), "sad".into()],
        (0..n)
            .map(|i| if i < n / 2 { "a" } else { "b" }.into())
            .collect(),
        (0..n).map(|i| PathBuf::from(format!("{i}.wav"))).collect(),
    )
    .unwrap()
}

fn spec40(kind: ModelChoice) -> PipelineSpec {
    let mut spec = quick_spec();
    spec.features = FeatureConfig::study(ser::features::FeatureSpec::Mfcc40Mean);
    spec.model.kind = kind;
    spec.model.lstm_epochs = 3;
    spec
}

#[test]
fn a_v2_file_round_trips_bit_identical_predictions() {
    let d = table();
    let dir = temp_dir("v2");
    for kind in [
        ModelChoice::Svm,
        ModelChoice::Knn,
        ModelChoice::SvmKnn,
        ModelChoice::Lstm,
    ] {
        let fitted = fit(&spec40(kind), &d).unwrap();
        let q = d.records.mapv(|v| v * 1.01 + 0.3);
        let ctx = SpeakerContext::none();
        let before = fitted.predict_rows(q.view(), &ctx).unwrap();
        let path = dir.join(format!("{kind}.json"));
        fitted.save(&path).unwrap();
        let loaded = FittedPipeline::load(&path).unwrap();
        assert_eq!(loaded, FittedPipeline::load(&path).unwrap());
        let after = loaded.predict_rows(q.view(), &ctx).unwrap();
        assert_eq!(before, after, "{kind}: predictions changed bit for bit");
        for r in after.probabilities.rows() {
            assert!((r.sum() - 1.0).abs() < 1e-4, "{kind}: {r}");
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["format"], "ser-model");
        assert_eq!(v["version"], 2);
        assert_eq!(v["pipeline"]["spec"]["model"]["kind"], kind.name());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_v1_file_written_by_the_old_code_still_predicts() {
    let d = table();
    let scaler = StandardScaler::fit(d.records.view()).unwrap();
    let xs = scaler.transform(d.records.view()).unwrap();
    let set = TrainSet::new(xs.view(), d.targets.view(), 3).unwrap();
    let svm = LinearSvm::params().fit(&set).unwrap();
    let v1 = ModelFile::new(
        FeatureConfig::study(ser::features::FeatureSpec::Mfcc40Mean),
        Some(scaler),
        d.classes.clone(),
        svm.into(),
    )
    .unwrap();
    let dir = temp_dir("v1");
    let path = dir.join("v1.json");
    v1.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"version\": 1"));
    let p = FittedPipeline::load(&path).unwrap();
    assert_eq!(p.classes(), d.classes.as_slice());
    assert!(!p.per_speaker() && !p.self_trains());
    use ser::models::Predict;
    let old = v1.predict_scores(d.records.view()).unwrap();
    let new = p
        .predict_rows(d.records.view(), &SpeakerContext::none())
        .unwrap();
    assert_eq!(
        ser::models::argmax_rows(old.view()),
        ser::models::argmax_rows(new.probabilities.view())
    );
    for (o, n) in old.rows().into_iter().zip(new.probabilities.rows()) {
        let total: f32 = o.sum();
        for (a, b) in o.iter().zip(n) {
            assert!((a / total - b).abs() < 1e-6);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn corrupt_part(r: Result<FittedPipeline, PipelineError>, path: &Path) -> String {
    match r {
        Err(PipelineError::CorruptModelFile { path: p, part, .. }) => {
            assert_eq!(p, path);
            part
        }
        other => panic!("expected CorruptModelFile, got {other:?}"),
    }
}

#[test]
fn corrupt_and_mismatched_model_files_are_typed_errors_naming_the_part() {
    let d = table();
    let fitted = fit(&spec40(ModelChoice::Svm), &d).unwrap();
    let dir = temp_dir("corrupt");
    let good: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();
    let path = dir.join("m.json");
    let write = |v: &serde_json::Value| std::fs::write(&path, v.to_string()).unwrap();
    type Change = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "classes",
            Box::new(|v| v["pipeline"]["classes"][1] = "angry".into()),
        ),
        (
            "classes",
            Box::new(|v| v["pipeline"]["classes"][0] = "".into()),
        ),
        (
            "spec",
            Box::new(|v| v["pipeline"]["spec"]["self_training"]["fraction"] = 2.0.into()),
        ),
        (
            "n_features",
            Box::new(|v| v["pipeline"]["n_features"] = 41.into()),
        ),
        (
            "members",
            Box::new(|v| v["pipeline"]["members"] = serde_json::json!([])),
        ),
        (
            "normaliser",
            Box::new(|v| v["pipeline"]["fallback"] = serde_json::Value::Null),
        ),
        (
            "training rows",
            Box::new(|v| v["pipeline"]["refit"] = serde_json::Value::Null),
        ),
        (
            "cold members",
            Box::new(|v| v["pipeline"]["cold"] = serde_json::Value::Null),
        ),
        (
            "cold members",
            Box::new(|v| v["pipeline"]["cold"]["members"] = serde_json::json!([])),
        ),
        (
            "cold member 0",
            Box::new(|v| {
                v["pipeline"]["cold"]["members"][0]["scaler"]["scale"]["data"][0] = (-1.0).into()
            }),
        ),
        (
            "pipeline",
            Box::new(|v| v["pipeline"]["combine"] = "vote".into()),
        ),
        ("envelope", Box::new(|v| v["format"] = "pickle".into())),
        ("envelope", Box::new(|v| v["version"] = "two".into())),
    ];
    for (want, change) in cases {
        let mut v = good.clone();
        change(&mut v);
        write(&v);
        assert_eq!(corrupt_part(FittedPipeline::load(&path), &path), want);
    }
    let mut v = good.clone();
    v["version"] = 3.into();
    write(&v);
    assert!(matches!(
        FittedPipeline::load(&path),
        Err(PipelineError::UnsupportedVersion {
            found: 3,
            supported: 2,
            ..
        })
    ));
    // Not a regular file; not UTF-8; truncated.
    assert_eq!(corrupt_part(FittedPipeline::load(&dir), &dir), "file");
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    assert_eq!(corrupt_part(FittedPipeline::load(&path), &path), "file");
    let text = fitted.to_json().unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    assert_eq!(corrupt_part(FittedPipeline::load(&path), &path), "envelope");
    // A FIFO as model path would block forever if it were opened: refused unread.
    let fifo = dir.join("fifo.json");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        assert_eq!(corrupt_part(FittedPipeline::load(&fifo), &fifo), "file");
    }
    // The size limit applies before anything is read.
    assert!(matches!(
        ser::pipeline::read_limited(&path, 10),
        Err(PipelineError::CorruptModelFile { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn clips_of_no_known_speaker_go_to_the_cold_stage_and_old_files_keep_the_fallback() {
    let d = table();
    let spec = spec40(ModelChoice::Svm);
    assert_eq!(spec.cold, ColdModel::Global, "the robust preset's default");
    let fitted = fit(&spec, &d).unwrap();
    // The cold stage is the same pipeline fitted without speaker normalisation.
    let mut plain = spec.clone();
    plain.normalisation = Normalisation::None;
    plain.self_training.rounds = 0;
    let plain = fit(&plain, &d).unwrap();
    let q = d.records.mapv(|v| v * 1.01 + 0.3);
    let none = SpeakerContext::none();
    let cold = fitted.predict_rows(q.view(), &none).unwrap();
    assert!(
        cold.normalisation
            .iter()
            .all(|s| *s == StatsSource::TrainingFallback)
    );
    for i in 0..q.nrows() {
        // Each clip as it is alone, whatever it is predicted with.
        let row = q.select(ndarray::Axis(0), &[i]);
        let alone = fitted.predict_rows(row.view(), &none).unwrap();
        assert_eq!(alone.probabilities.row(0), cold.probabilities.row(i));
        assert_eq!(
            alone.probabilities,
            plain.predict_rows(row.view(), &none).unwrap().probabilities,
            "row {i}: not what the same pipeline without speaker normalisation gives"
        );
    }
    // Rows with their speaker's statistics still go through the speaker-normalised members;
    // in a batch mixing both, the known rows are predicted together and the others alone.
    let even: Vec<usize> = (0..q.nrows()).step_by(2).collect();
    let q_even = q.select(ndarray::Axis(0), &even);
    let stats = fitted.speaker_stats(q_even.view()).unwrap();
    let plain_fitted = fitted.without_self_training();
    let warm = plain_fitted
        .predict_rows(
            q_even.view(),
            &SpeakerContext {
                stats: vec![(stats.clone(), StatsSource::SameSpeaker)],
                row_group: vec![Some(0); even.len()],
            },
        )
        .unwrap();
    let both = plain_fitted
        .predict_rows(
            q.view(),
            &SpeakerContext {
                stats: vec![(stats, StatsSource::SameSpeaker)],
                row_group: (0..q.nrows()).map(|i| (i % 2 == 0).then_some(0)).collect(),
            },
        )
        .unwrap();
    for i in 0..q.nrows() {
        let want = if i % 2 == 0 {
            warm.probabilities.row(i / 2)
        } else {
            cold.probabilities.row(i)
        };
        assert_eq!(both.probabilities.row(i), want, "row {i}");
    }
    assert_ne!(warm.probabilities.row(0), cold.probabilities.row(0));
    // A file written before the cold stage existed (no `cold` in spec or pipeline) loads as
    // the fallback pipeline and predicts what it predicted then.
    let mut old_spec = spec.clone();
    old_spec.cold = ColdModel::Fallback;
    let old = fit(&old_spec, &d).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();
    v["pipeline"]["spec"]
        .as_object_mut()
        .unwrap()
        .remove("cold");
    v["pipeline"].as_object_mut().unwrap().remove("cold");
    let dir = temp_dir("cold");
    let path = dir.join("old.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let loaded = FittedPipeline::load(&path).unwrap();
    assert_eq!(loaded.spec().cold, ColdModel::Fallback);
    assert_eq!(
        loaded.predict_rows(q.view(), &none).unwrap(),
        old.predict_rows(q.view(), &none).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_emotion_or_duplicate_classes_cannot_be_trained_on() {
    let mut d = table();
    d.targets.fill(0);
    assert!(matches!(
        fit(&spec40(ModelChoice::Knn), &d),
        Err(PipelineError::Unusable { .. })
    ));
    let mut d = table();
    d.classes[2] = "angry".into();
    assert!(matches!(
        fit(&spec40(ModelChoice::Svm), &d),
        Err(PipelineError::Unusable { .. })
    ));
}

#[test]
fn evaluate_options_default_is_what_the_command_runs_without_flags() {
    let o = EvalOptions::default();
    assert_eq!(o.spec, PipelineSpec::preset(Preset::Robust));
    assert_eq!(o.protocol, None);
    assert!(o.augment.is_empty() && o.extra_train.is_empty());
}

/// Runs an example already built by cargo for this test run.
fn example(name: &str) -> Command {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        })
        .join("examples")
        .join(name);
    Command::new(exe)
}

#[test]
fn the_prediction_line_schema_is_pinned() {
    let dir = temp_dir("schema");
    write_tess(&dir, 3);
    let model = dir.join("m.json");
    let status = example("train")
        .args([
            "--data",
            dir.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
            "--c",
            "1",
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    for key in [
        "accuracy",
        "uar",
        "macro_f1",
        "preset",
        "speaker_independent_uar",
        "speaker_independent_cold_uar",
    ] {
        assert!(report.get(key).is_some(), "train JSON lacks {key}");
    }
    assert_eq!(report["preset"], "robust");
    let clip = dir.join("OAF_angry").join("OAF_w0_angry.wav");
    let missing = dir.join("missing.wav");
    let out = example("predict")
        .arg(&model)
        .arg(&clip)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("training-fallback"), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let ok = lines[0].as_object().unwrap();
    let mut keys: Vec<&str> = ok.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["emotion", "file", "normalisation", "scores"]);
    assert_eq!(ok["normalisation"], "training-fallback");
    let scores = ok["scores"].as_object().unwrap();
    assert_eq!(scores.len(), 3);
    let total: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-4);
    assert!(scores.contains_key(ok["emotion"].as_str().unwrap()));
    let err = lines[1].as_object().unwrap();
    let mut keys: Vec<&str> = err.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["error", "file"]);
    assert!(err["error"].as_str().unwrap().contains("missing.wav"));
    // Silence and a noise floor at about −70 dBFS: no speech heard, no emotion presented.
    let silent = dir.join("silent.wav");
    write_wav(&silent, &vec![0.0; 22_050], 22_050).unwrap();
    let hiss = dir.join("hiss.wav");
    let noise: Vec<f32> = (0..22_050u32)
        .map(|i| 3e-4 * (((i.wrapping_mul(2_654_435_761)) >> 16) as f32 / 32_768.0 - 1.0))
        .collect();
    write_wav(&hiss, &noise, 22_050).unwrap();
    let out = example("predict")
        .arg(&model)
        .arg(&silent)
        .arg(&hiss)
        .arg(&clip)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for quiet in &lines[..2] {
        assert_eq!(quiet["speech"], false, "{quiet}");
        assert!(quiet["emotion"].is_null());
        assert!(quiet["reason"].as_str().unwrap().starts_with("no speech"));
        let p: Vec<f64> = quiet["scores"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(p.iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-6), "{p:?}");
    }
    assert!(lines[2].get("speech").is_none() && lines[2]["emotion"].is_string());
    // --same-speaker says so on every line.
    let out = example("predict")
        .arg(&model)
        .arg(&clip)
        .arg(dir.join("OAF_sad").join("OAF_w1_sad.wav"))
        .arg("--same-speaker")
        .output()
        .unwrap();
    assert!(out.status.success());
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["normalisation"], "same-speaker");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_data_set_without_speaker_ids_normalises_per_corpus_and_says_so() {
    let mut d = table();
    let fitted = fit(&spec40(ModelChoice::Svm), &d).unwrap();
    assert_eq!(fitted.normalised_per(), Some("speaker"));
    d.speakers.iter_mut().for_each(|s| s.clear());
    let fitted = fit(&spec40(ModelChoice::Svm), &d).unwrap();
    assert!(
        fitted.normalised_per().unwrap().starts_with("corpus"),
        "{:?}",
        fitted.normalised_per()
    );
}
