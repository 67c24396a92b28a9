//! The study end to end on a tiny synthetic corpus: every stage runs, every file is written, and
//! the numbers in `results.json` agree with what `run` returned.

use ser::data::Emotion;
use ser::data::synth::{SynthParams, synthesize, write_wav};
use ser::study::{StudyConfig, run};

#[test]
fn study_runs_end_to_end_on_a_small_synthetic_corpus() {
    let out = std::env::temp_dir().join(format!("ser-study-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    // Recordings for --timeline: 20 s of clips and pauses, one of 4 s, and a missing file.
    let inputs = std::env::temp_dir().join(format!("ser-study-timeline-{}", std::process::id()));
    std::fs::create_dir_all(&inputs).unwrap();
    let synth = SynthParams::default();
    let (mut long, mut rate) = (Vec::new(), 0);
    for (i, e) in [Emotion::Angry, Emotion::Sad, Emotion::Neutral]
        .into_iter()
        .cycle()
        .take(9)
        .enumerate()
    {
        let u = synthesize(&synth, i % 2, e, i).unwrap();
        rate = u.sample_rate;
        long.extend_from_slice(&u.samples);
        long.extend(std::iter::repeat_n(0.0, rate as usize * 3 / 4));
    }
    while long.len() < 20 * rate as usize {
        long.push(0.0);
    }
    let long_path = inputs.join("long.wav");
    write_wav(&long_path, &long, rate).unwrap();
    let short_path = inputs.join("short.wav");
    write_wav(&short_path, &long[..4 * rate as usize], rate).unwrap();
    let missing = inputs.join("missing.wav");
    let config = StudyConfig {
        out: out.clone(),
        lstm_epochs: 2,
        synth: SynthParams {
            emotions: vec![Emotion::Angry, Emotion::Sad, Emotion::Neutral],
            utterances_per_class: 10,
            ..SynthParams::default()
        },
        quiet: true,
        timelines: vec![long_path.clone(), short_path, missing],
        ..StudyConfig::default()
    };
    let results = run(&config).unwrap();

    // Emotion over time: a plot for the long recording, reasons for the others.
    assert_eq!(results.timelines.len(), 3);
    let t = &results.timelines[0];
    assert!(t.error.is_none(), "{:?}", t.error);
    assert!((t.duration.unwrap() - long.len() as f64 / f64::from(rate)).abs() < 0.01);
    assert!(t.segments.len() >= 6, "{:?}", t.segments);
    assert!(t.segments.windows(2).all(|w| w[0].end <= w[1].start));
    assert!(out.join(t.plot.as_ref().unwrap()).is_file());
    let short_error = results.timelines[1].error.as_deref().unwrap();
    assert!(short_error.contains("10 s"), "{short_error}");
    let missing_error = results.timelines[2].error.as_deref().unwrap();
    assert!(missing_error.contains("missing.wav"), "{missing_error}");

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
    assert!(html.contains("Emotion over time"));
    assert_eq!(json["timelines"].as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(&inputs).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}
