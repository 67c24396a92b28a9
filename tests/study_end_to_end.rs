//! The study end to end on a tiny synthetic corpus: every stage runs, every file is written, and
//! the numbers in `results.json` agree with what `run` returned.

use ser::data::Emotion;
use ser::data::synth::SynthParams;
use ser::study::{StudyConfig, run};

#[test]
fn study_runs_end_to_end_on_a_small_synthetic_corpus() {
    let out = std::env::temp_dir().join(format!("ser-study-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let config = StudyConfig {
        out: out.clone(),
        lstm_epochs: 2,
        synth: SynthParams {
            emotions: vec![Emotion::Angry, Emotion::Sad, Emotion::Neutral],
            utterances_per_class: 10,
            ..SynthParams::default()
        },
        quiet: true,
        ..StudyConfig::default()
    };
    let results = run(&config).unwrap();

    assert_eq!(results.eda.files, 60);
    assert_eq!(results.eda.read, 60);
    assert_eq!(results.examples.len(), 3, "one example clip per emotion");
    let lstm = results.lstm.as_ref().unwrap();
    assert_eq!(lstm.metrics.n_samples, 12, "20 % of 60 clips");
    assert!(results.models.iter().any(|m| m.name == "svm_mfcc40"));
    assert!(results.models.iter().any(|m| m.name == "knn_mfcc40"));
    for m in &results.models {
        assert!(
            m.metrics.accuracy > 0.5,
            "{}: {}",
            m.name,
            m.metrics.accuracy
        );
    }
    assert_eq!(results.speaker_independent.folds.len(), 2);
    let prediction = results.prediction.as_ref().unwrap();
    let total: f32 = prediction.scores.values().sum();
    assert!((total - 1.0).abs() < 1e-4, "scores sum to {total}");

    for name in [
        "results.json",
        "report.html",
        "eda_counts.png",
        "best_model.json",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    for clip in &results.examples {
        assert!(out.join(&clip.waveplot).is_file());
        assert!(out.join(&clip.spectrogram).is_file());
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let svm = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "svm_mfcc40")
        .unwrap();
    let svm_run = results
        .models
        .iter()
        .find(|m| m.name == "svm_mfcc40")
        .unwrap();
    assert_eq!(
        svm["metrics"]["accuracy"].as_f64().unwrap(),
        svm_run.metrics.accuracy
    );
    assert!(json["timings_s"].as_object().unwrap().len() >= 9);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<audio").count(), 3);
    assert!(html.matches("data:image/png;base64,").count() >= 10);
    assert!(html.contains("<table"));
    std::fs::remove_dir_all(&out).unwrap();
}
