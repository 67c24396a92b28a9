//! Feature sets (names, order, agreement with the golden arrays and with FeatureSpec),
//! summaries and fixed-length fitting.

mod common;

use common::load;
use ndarray::{Array2, arr2};
use ser_features::summary::{Padding, Summary, Truncation, fit_length, summarize, summary_names};
use ser_features::{Feature, FeatureError, FeatureSet, FeatureSpec};

#[test]
fn enriched_rows_are_named_in_order_and_their_means_are_feature_spec_enriched() {
    let set = FeatureSet::enriched();
    let names = set.row_names();
    assert_eq!(names.len(), 189);
    assert_eq!(names[0], "mfcc_0");
    assert_eq!(names[40], "chroma_0");
    assert_eq!(names[52], "mel_0");
    assert_eq!(names[183], "spectral_contrast_3");
    assert_eq!(names[187..], ["zero_crossing_rate", "rms"]);
    let y = load("speech_24414", "load_study").data;
    let frames = set.extractor(22050).unwrap().compute(&y).unwrap();
    assert_eq!(frames.values.dim(), (189, 130));
    let (summary, values) = frames.summarize(&[Summary::Mean]).unwrap();
    assert_eq!(summary[187], "zero_crossing_rate_mean");
    let spec = FeatureSpec::Enriched.extract(&y, 22050).unwrap();
    for (i, (a, b)) in values.iter().zip(&spec).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * b.abs().max(1.0),
            "{i} {}: {a} vs {b}",
            names[i]
        );
    }
}

#[test]
fn every_feature_row_block_matches_its_golden_array() {
    let clip = "speech_16000";
    let y = load(clip, "load_study").data;
    let all = FeatureSet {
        features: vec![
            Feature::Mfcc,
            Feature::MfccDelta,
            Feature::Chroma,
            Feature::SpectralContrast,
            Feature::SpectralCentroid,
            Feature::SpectralBandwidth,
            Feature::SpectralRolloff,
            Feature::SpectralFlatness,
            Feature::ZeroCrossingRate,
            Feature::Rms,
            Feature::OnsetStrength,
            Feature::F0,
            Feature::Mel,
        ],
        n_mfcc: 40,
    };
    let got = all.extractor(22050).unwrap().compute(&y).unwrap();
    assert_eq!(got.names.len(), got.values.nrows());
    let mut row = 0;
    for name in [
        "mfcc",
        "mfcc_delta",
        "chroma_stft",
        "spectral_contrast",
        "spectral_centroid",
        "spectral_bandwidth",
        "spectral_rolloff",
        "spectral_flatness",
        "zero_crossing_rate",
        "rms",
        "onset_strength",
        "yin_f0",
        "mel_spectrogram",
    ] {
        let want = load(clip, name).array2();
        let block = got.values.slice_axis(
            ndarray::Axis(0),
            ndarray::Slice::from(row..row + want.nrows()),
        );
        let range = want.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        let d = block
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(d <= 1e-3 * range, "{name}: {d} (scale {range})");
        row += want.nrows();
    }
    assert_eq!(row, got.values.nrows());
}

#[test]
fn summaries_match_hand_computed_values() {
    let x = arr2(&[[1.0f32, 2.0, 3.0, 4.0], [4.0, 4.0, 0.0, 0.0]]);
    let s = [
        Summary::Mean,
        Summary::Std,
        Summary::Min,
        Summary::Max,
        Summary::Percentile(25.0),
        Summary::Percentile(50.0),
        Summary::Slope,
    ];
    let v = summarize(x.view(), &s).unwrap();
    let want = [
        2.5, 2.0, // mean
        1.118_034, 2.0, // std
        1.0, 0.0, // min
        4.0, 4.0, // max
        1.75, 0.0, // p25: numpy.percentile([1,2,3,4], 25) = 1.75, ([0,0,4,4], 25) = 0
        2.5, 2.0, // median
        1.0, -1.6, // slope
    ];
    for (i, (g, w)) in v.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-5, "{i}: {g} vs {w}");
    }
    let names = summary_names(&["a".into(), "b".into()], &s);
    assert_eq!(names[0], "a_mean");
    assert_eq!(names[9], "b_p25");
    assert_eq!(names[13], "b_slope");
    assert!(matches!(
        summarize(x.view(), &[Summary::Percentile(101.0)]),
        Err(FeatureError::InvalidParameter { .. })
    ));
    assert_eq!(
        summarize(Array2::<f32>::zeros((2, 0)).view(), &[Summary::Mean]),
        Err(FeatureError::EmptyInput)
    );
}

#[test]
fn fit_length_pads_and_truncates_with_a_mask() {
    let x = Array2::from_shape_fn((2, 5), |(r, t)| (10 * r + t) as f32);
    let padded = fit_length(x.view(), 7, Padding::Zero, Truncation::KeepStart).unwrap();
    assert_eq!(padded.values.row(0).to_vec(), [0., 1., 2., 3., 4., 0., 0.]);
    assert_eq!(
        padded.mask.to_vec(),
        [true, true, true, true, true, false, false]
    );
    let edge = fit_length(x.view(), 7, Padding::Edge, Truncation::KeepStart).unwrap();
    assert_eq!(
        edge.values.row(1).to_vec(),
        [10., 11., 12., 13., 14., 14., 14.]
    );
    let start = fit_length(x.view(), 2, Padding::Zero, Truncation::KeepStart).unwrap();
    assert_eq!(start.values.row(0).to_vec(), [0., 1.]);
    let centre = fit_length(x.view(), 2, Padding::Zero, Truncation::KeepCentre).unwrap();
    assert_eq!(centre.values.row(0).to_vec(), [1., 2.]);
    let end = fit_length(x.view(), 2, Padding::Zero, Truncation::KeepEnd).unwrap();
    assert_eq!(end.values.row(0).to_vec(), [3., 4.]);
    assert!(end.mask.iter().all(|&m| m));
    assert!(fit_length(x.view(), 0, Padding::Zero, Truncation::KeepEnd).is_err());
}

#[test]
fn egemaps_like_preset_computes_and_deltas_need_nine_frames() {
    let set = FeatureSet::egemaps_like();
    let y = load("short_22050", "load_study").data;
    let frames = set.extractor(22050).unwrap().compute(&y).unwrap();
    assert_eq!(frames.values.nrows(), set.row_names().len());
    assert!(frames.values.iter().all(|v| v.is_finite()));
    let deltas = FeatureSet {
        features: vec![Feature::MfccDelta],
        n_mfcc: 13,
    };
    let short = vec![0.1f32; 2000]; // 4 frames
    assert!(matches!(
        deltas.extractor(22050).unwrap().compute(&short),
        Err(FeatureError::InputTooShort { needed: 9, got: 4 })
    ));
    assert!(
        FeatureSet {
            features: vec![],
            n_mfcc: 40
        }
        .extractor(22050)
        .is_err()
    );
}
