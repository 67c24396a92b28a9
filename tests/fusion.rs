//! The frame-level stage beside the feature-level ensemble (issue 18.2 and 18.5): the fusion
//! weight is chosen by inner speaker folds, a frame model reads the temporal pattern the
//! functionals cannot see, its members survive a model file, and the spec refuses a frame model
//! without a frame sequence.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use std::path::PathBuf;

use ndarray::{Array1, Array2};
use ser::data::Dataset;
use ser::evaluate::{EvalOptions, Protocol, evaluate_dataset};
use ser::features::FeatureSpec;
use ser::pipeline::{
    FittedPipeline, FrameModel, FrameStage, Fusion, PipelineSpec, Preset, SpeakerContext,
};

const SPEC: FeatureSpec = FeatureSpec::ParalinguisticFrames;

/// `speakers × per_speaker` rows of the paralinguistic+frames width, two classes. When
/// `in_frames`, the class is the *order in time* of two bumps in the frame sequence and the
/// functionals are noise; else the functionals carry the class and the frames are noise.
fn table(speakers: usize, per_speaker: usize, in_frames: bool) -> Dataset {
    let layout = SPEC.frame_layout().unwrap();
    let n = speakers * per_speaker;
    let noise = |i: usize, j: usize| (((i * 7919 + j * 104_729) % 997) as f32 / 997.0) - 0.5;
    let records = Array2::from_shape_fn((n, SPEC.dim()), |(i, j)| {
        let class = i % 2;
        let spk = (i / per_speaker) as f32;
        if j < layout.start {
            let signal = if !in_frames && j < 5 {
                2.0 * class as f32
            } else {
                0.0
            };
            return signal + spk + noise(i, j);
        }
        let k = j - layout.start;
        let (t, d) = (k / layout.step_dim, k % layout.step_dim);
        // A rising or falling sweep: bands 0–4 then 5–9 (class 0) or 5–9 then 0–4 (class 1),
        // 4 steps each, starting anywhere in steps 4–33. Every band's mean over the clip is
        // the same for both classes: only the order in time tells them apart.
        let start = 4 + (i * 31) % 30;
        let first = (start..start + 4).contains(&t);
        let second = (start + 4..start + 8).contains(&t);
        let low = d < 5;
        let high = (5..10).contains(&d);
        let bump = in_frames
            && if class == 0 {
                (first && low) || (second && high)
            } else {
                (first && high) || (second && low)
            };
        (if bump { 3.0 } else { 0.0 }) + 0.5 * noise(i, j)
    });
    Dataset::new(
        records,
        Array1::from_shape_fn(n, |i| i % 2),
        vec!["a".into(), "b".into()],
        (0..n).map(|i| format!("s{:02}", i / per_speaker)).collect(),
        (0..n).map(|i| PathBuf::from(format!("{i}.wav"))).collect(),
    )
    .unwrap()
}

fn spec(fusion: Fusion) -> PipelineSpec {
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.features = PipelineSpec::features_for(SPEC);
    spec.model.c_grid = vec![0.1, 1.0];
    spec.model.inner_folds = 3;
    spec.model.frames = Some(FrameStage {
        model: FrameModel::Cnn,
        epochs: 25,
        fusion,
    });
    spec.check().unwrap();
    spec
}

fn options(spec: PipelineSpec) -> EvalOptions {
    EvalOptions {
        protocol: Some(Protocol::Loso),
        spec,
        ..EvalOptions::default()
    }
}

#[test]
fn inner_folds_give_the_frame_model_weight_when_only_the_frames_tell_the_classes() {
    let d = table(4, 24, true);
    let fused = evaluate_dataset(&d, &options(spec(Fusion::Inner))).unwrap();
    let alone = evaluate_dataset(&d, &options(spec(Fusion::Weight(0.0)))).unwrap();
    assert!(
        fused.uar >= 0.9,
        "fused {} (ensemble alone {})",
        fused.uar,
        alone.uar
    );
    assert!(alone.uar < 0.75, "the functionals are noise: {}", alone.uar);
    for f in &fused.folds {
        // Every weight of the grid was scored on inner folds of the training speakers only.
        assert_eq!(
            f.inner_scores.len(),
            Fusion::GRID.len(),
            "{:?}",
            f.inner_scores
        );
        assert!(f.chosen.contains("frame CNN"), "{}", f.chosen);
        assert!(f.chosen.contains("[inner folds: speakers]"), "{}", f.chosen);
        assert!(!f.chosen.contains("at weight 0 "), "{}", f.chosen);
    }
    // The cold figures use the same fused stage, fitted without speaker normalisation.
    assert!(fused.cold.uar >= 0.9, "cold {}", fused.cold.uar);
}

#[test]
fn inner_folds_keep_the_ensemble_when_the_frames_are_noise() {
    let d = table(4, 24, false);
    let r = evaluate_dataset(&d, &options(spec(Fusion::Inner))).unwrap();
    assert!(r.uar >= 0.95, "{}", r.uar);
    for f in &r.folds {
        let best = f
            .inner_scores
            .iter()
            .max_by(|a, b| a.mean_uar.total_cmp(&b.mean_uar))
            .unwrap();
        // The frame model alone is near chance on noise: it never wins the inner folds.
        let frame_alone = f
            .inner_scores
            .iter()
            .find(|s| s.candidate == "frame weight 1")
            .unwrap();
        assert!(frame_alone.mean_uar < best.mean_uar, "{:?}", f.inner_scores);
    }
}

#[test]
fn a_fused_pipeline_survives_its_model_file_and_predicts_the_same() {
    let d = table(3, 16, true);
    let mut spec = spec(Fusion::Weight(0.5));
    spec.model.frames.as_mut().unwrap().epochs = 5;
    let fitted = ser::pipeline::fit(&spec, &d).unwrap();
    let dir = std::env::temp_dir().join(format!("ser-fusion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fused.json");
    fitted.save(&path).unwrap();
    let loaded = FittedPipeline::load(&path).unwrap();
    assert_eq!(loaded, fitted);
    let rows = d.records.select(ndarray::Axis(0), &[0, 1, 2, 3, 4, 5]);
    let a = fitted
        .predict_rows(rows.view(), &SpeakerContext::none())
        .unwrap();
    let b = loaded
        .predict_rows(rows.view(), &SpeakerContext::none())
        .unwrap();
    assert_eq!(a.probabilities, b.probabilities);
    assert!(
        a.probabilities
            .rows()
            .into_iter()
            .all(|r| (r.sum() - 1.0).abs() < 1e-4)
    );
    // A member reading values beyond the row is a corrupt file, named, not a panic.
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen(
        &format!("\"end\":{}", SPEC.dim()),
        &format!("\"end\":{}", SPEC.dim() + 5),
        1,
    );
    assert_ne!(bad, text);
    std::fs::write(&path, bad).unwrap();
    let err = FittedPipeline::load(&path).unwrap_err().to_string();
    assert!(err.contains("member"), "{err}");
    // So is a fusion weight outside [0, 1].
    let bad = text.replacen("\"frame_weight\":0.5", "\"frame_weight\":7.0", 1);
    assert_ne!(bad, text);
    std::fs::write(&path, bad).unwrap();
    let err = FittedPipeline::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("combine") && err.contains("frame weight 7"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_frame_model_needs_a_frame_sequence_and_the_flags_add_one() {
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.model.frames = Some(FrameStage::default());
    let err = spec.check().unwrap_err().to_string();
    assert!(err.contains("frame sequence"), "{err}");
    // The command lines' flags switch the paralinguistic set to paralinguistic+frames.
    let mut spec = PipelineSpec::preset(Preset::Robust);
    spec.apply_frame_flags(Some("cnn"), Some(12), None).unwrap();
    spec.check().unwrap();
    assert_eq!(spec.features.spec, SPEC);
    assert_eq!(
        spec.model.frames,
        Some(FrameStage {
            model: FrameModel::Cnn,
            epochs: 12,
            fusion: Fusion::Inner
        })
    );
    spec.apply_frame_flags(Some("none"), None, None).unwrap();
    assert_eq!(spec.model.frames, None);
    assert!(spec.apply_frame_flags(Some("gru"), None, None).is_err());
    assert_eq!("0.4".parse::<Fusion>().unwrap(), Fusion::Weight(0.4));
    assert_eq!("inner".parse::<Fusion>().unwrap(), Fusion::Inner);
    assert!("1.5".parse::<Fusion>().is_err());
    // Frames alone leave the ensemble nothing: only weight 1 is a valid fusion.
    let mut frames_only = PipelineSpec::preset(Preset::Robust);
    frames_only.features = PipelineSpec::features_for(FeatureSpec::Frames);
    frames_only.model.frames = Some(FrameStage::default());
    assert!(frames_only.check().is_err());
    frames_only.model.frames = Some(FrameStage {
        fusion: Fusion::Weight(1.0),
        ..FrameStage::default()
    });
    frames_only.check().unwrap();
    // A spec written without the stage reads as none.
    let mut json: serde_json::Value =
        serde_json::to_value(PipelineSpec::preset(Preset::Robust)).unwrap();
    assert!(json["model"].get("frames").is_none());
    json["model"].as_object_mut().unwrap().insert(
        "frames".into(),
        serde_json::json!({"model": "lstm", "epochs": 3, "fusion": {"weight": 0.3}}),
    );
    let back: PipelineSpec = serde_json::from_value(json).unwrap();
    assert_eq!(
        back.model.frames,
        Some(FrameStage {
            model: FrameModel::Lstm,
            epochs: 3,
            fusion: Fusion::Weight(0.3)
        })
    );
}

#[test]
fn the_lstm_over_frame_steps_is_a_frame_model_too() {
    let d = table(3, 12, true);
    let mut spec = spec(Fusion::Weight(0.5));
    spec.model.frames = Some(FrameStage {
        model: FrameModel::Lstm,
        epochs: 3,
        fusion: Fusion::Weight(0.5),
    });
    let fitted = ser::pipeline::fit(&spec, &d).unwrap();
    assert!(
        fitted.chosen().contains("frame LSTM, 3 epochs"),
        "{}",
        fitted.chosen()
    );
    assert!(
        fitted.chosen().contains("at weight 0.5 (fixed)"),
        "{}",
        fitted.chosen()
    );
    let p = fitted
        .predict_rows(d.records.view(), &SpeakerContext::none())
        .unwrap();
    assert_eq!(p.probabilities.dim(), (d.len(), 2));
    assert!(
        p.probabilities
            .rows()
            .into_iter()
            .all(|r| (r.sum() - 1.0).abs() < 1e-4)
    );
}
