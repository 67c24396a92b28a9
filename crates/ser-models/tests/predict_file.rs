//! `ModelFile::predict_file`: a recording in, class scores out, equal to doing each step by
//! hand; a missing file is a typed error naming it.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use ndarray::{Array1, Array2};
use ser_models::{
    FeatureConfig, FeatureSpec, Fit, LinearSvm, ModelError, ModelFile, Predict, StandardScaler,
    TrainSet,
};

/// A mono 16-bit wav of `seconds` of a tone at `hz`, written with std only.
fn write_tone(path: &Path, hz: f32, seconds: f32) {
    let rate = 22_050u32;
    let n = (seconds * rate as f32) as usize;
    let data: Vec<u8> = (0..n)
        .flat_map(|i| {
            let v = 0.3 * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin();
            ((v * 32767.0) as i16).to_le_bytes()
        })
        .collect();
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&data);
    std::fs::write(path, b).unwrap();
}

fn model() -> ModelFile {
    let spec = FeatureSpec::Mfcc40Mean;
    let x = Array2::from_shape_fn((40, 40), |(i, j)| {
        ((i % 2) as f32) * 3.0 + ((i * 7 + j * 3) % 11) as f32 * 0.1
    });
    let y: Array1<usize> = (0..40).map(|i| i % 2).collect();
    let (scaler, xs) = StandardScaler::fit_transform(x.view()).unwrap();
    let svm = LinearSvm::params()
        .fit(&TrainSet::new(xs.view(), y.view(), 2).unwrap())
        .unwrap();
    ModelFile::new(
        FeatureConfig::study(spec),
        Some(scaler),
        vec!["low".into(), "high".into()],
        svm.into(),
    )
    .unwrap()
}

#[test]
fn predict_file_equals_the_steps_done_by_hand() {
    let dir = std::env::temp_dir().join(format!("ser-models-predict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = dir.join("tone.wav");
    write_tone(&wav, 440.0, 2.0);
    let file = model();

    let scores = file.predict_file(&wav).unwrap();
    assert_eq!(scores.len(), 2);
    assert!((scores.sum() - 1.0).abs() < 1e-5);

    let audio = ser_audio::load(&wav, &ser_audio::LoadOptions::study()).unwrap();
    let row = FeatureSpec::Mfcc40Mean
        .extract(&audio.samples, audio.sample_rate)
        .unwrap();
    let x = Array2::from_shape_vec((1, 40), row).unwrap();
    let by_hand = file.predict_scores(x.view()).unwrap();
    assert_eq!(scores, by_hand.row(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn predict_file_names_a_missing_file() {
    let err = model()
        .predict_file("/no/such/clip.wav")
        .expect_err("a missing file is an error");
    assert!(matches!(err, ModelError::Audio(_)), "{err:?}");
    assert!(err.to_string().contains("/no/such/clip.wav"), "{err}");
}
