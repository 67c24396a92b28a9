//! `FeatureSpec`: names, parsing, serde form, and the clip vectors it extracts.

mod common;

use common::{load, max_abs_diff};
use ser_features::functionals::{self, Functionals, FunctionalsParams};
use ser_features::{FeatureError, FeatureSpec};

#[test]
fn parses_and_serialises_as_its_short_name() {
    for spec in FeatureSpec::ALL {
        assert_eq!(spec.to_string().parse::<FeatureSpec>(), Ok(spec));
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(json, format!("\"{}\"", spec.name()));
        assert_eq!(serde_json::from_str::<FeatureSpec>(&json).unwrap(), spec);
    }
    assert_eq!("mfcc40".parse(), Ok(FeatureSpec::Mfcc40Mean));
    assert_eq!(" Enriched ".parse(), Ok(FeatureSpec::Enriched));
    assert!(matches!(
        "mfcc13".parse::<FeatureSpec>(),
        Err(FeatureError::UnknownFeatureSet { .. })
    ));
    assert_eq!(FeatureSpec::default(), FeatureSpec::Mfcc40Mean);
}

#[test]
fn names_are_unique_and_match_the_dimension() {
    assert_eq!(FeatureSpec::Mfcc40Mean.dim(), 40);
    assert_eq!(FeatureSpec::Enriched.dim(), 40 + 12 + 128 + 7 + 1 + 1);
    for spec in FeatureSpec::ALL {
        let names = spec.names();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }
    assert_eq!(FeatureSpec::Mfcc40Mean.names()[3], "mfcc_3_mean");
}

#[test]
fn mfcc40_extracts_the_golden_mfcc_mean() {
    for clip in common::CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "mfcc_mean").data;
        let got = FeatureSpec::Mfcc40Mean.extract(&y, 22050).unwrap();
        assert_eq!(got.len(), 40);
        let d = max_abs_diff(&got, &want);
        assert!(d <= 1e-2, "{clip}: {d}");
        // A second call (cached plan) gives the same vector.
        assert_eq!(FeatureSpec::Mfcc40Mean.extract(&y, 22050).unwrap(), got);
    }
}

#[test]
fn extract_reports_bad_input_and_bad_rates() {
    assert_eq!(
        FeatureSpec::Mfcc40Mean.extract(&[], 22050),
        Err(FeatureError::EmptyInput)
    );
    assert!(matches!(
        FeatureSpec::Mfcc40Mean.extract(&[0.1; 100], 0),
        Err(FeatureError::InvalidParameter { .. })
    ));
}

#[test]
fn enriched_matches_the_golden_arrays_means() {
    for clip in common::CLIPS {
        let y = load(clip, "load_study").data;
        let got = FeatureSpec::Enriched.extract(&y, 22050).unwrap();
        assert_eq!(got.len(), FeatureSpec::Enriched.dim());
        // The study's enriched vector: row means of mfcc, chroma, mel, contrast, zcr, rms.
        let mut want = load(clip, "mfcc_mean").data;
        for name in [
            "chroma_stft",
            "mel_spectrogram",
            "spectral_contrast",
            "zero_crossing_rate",
            "rms",
        ] {
            let a = load(clip, name).array2();
            want.extend(a.rows().into_iter().map(|r| r.mean().unwrap()));
        }
        assert_eq!(want.len(), got.len());
        for (i, ((g, w), name)) in got
            .iter()
            .zip(&want)
            .zip(FeatureSpec::Enriched.names())
            .enumerate()
        {
            let tol = 1e-3 * w.abs().max(1e-2);
            assert!((g - w).abs() <= tol, "{clip} [{i}] {name}: {g} vs {w}");
        }
    }
}

#[test]
fn functionals_parses_and_extracts_what_its_plan_does() {
    assert_eq!("functionals".parse(), Ok(FeatureSpec::Functionals));
    assert_eq!(FeatureSpec::Functionals.to_string(), "functionals");
    assert_eq!(
        FeatureSpec::Functionals.to_string().parse(),
        Ok(FeatureSpec::Functionals)
    );
    assert_eq!(
        serde_json::from_str::<FeatureSpec>("\"functionals\"").unwrap(),
        FeatureSpec::Functionals
    );
    assert!(FeatureSpec::ALL.contains(&FeatureSpec::Functionals));
    assert_eq!(FeatureSpec::Functionals.dim(), functionals::DIM);
    assert_eq!(FeatureSpec::Functionals.names(), functionals::names());

    // Real speech at 22050 Hz, and a 16 kHz tone with silence around it.
    let mut inputs: Vec<(u32, Vec<f32>)> = common::CLIPS
        .iter()
        .map(|clip| (22050, load(clip, "load_study").data))
        .collect();
    let mut tone = vec![0f32; 4000];
    tone.extend((0..24_000).map(|i| {
        let t = i as f32 / 16_000.0;
        0.3 * (std::f32::consts::TAU * 150.0 * t).sin()
            + 0.1 * (std::f32::consts::TAU * 300.0 * t).sin()
    }));
    tone.extend(vec![0f32; 4000]);
    inputs.push((16_000, tone));
    for (rate, y) in &inputs {
        let plan = Functionals::new(&FunctionalsParams::default().sample_rate(*rate)).unwrap();
        let want = plan.extract(y).unwrap();
        assert_eq!(want.len(), functionals::DIM);
        assert!(want.iter().all(|v| v.is_finite()));
        assert_eq!(FeatureSpec::Functionals.extract(y, *rate).unwrap(), want);
        // Cached plan: the same again.
        assert_eq!(FeatureSpec::Functionals.extract(y, *rate).unwrap(), want);
        // The extractor, with its own scratch and with another spec's.
        let extractor = FeatureSpec::Functionals.extractor(*rate).unwrap();
        let mut scratch = extractor.make_scratch();
        assert_eq!(
            extractor.extract_with_scratch(y, &mut scratch).unwrap(),
            want
        );
        let mut other = FeatureSpec::Mfcc40Mean
            .extractor(*rate)
            .unwrap()
            .make_scratch();
        assert_eq!(extractor.extract_with_scratch(y, &mut other).unwrap(), want);
        // …which still serves its own spec afterwards.
        let mfcc = FeatureSpec::Mfcc40Mean.extractor(*rate).unwrap();
        assert_eq!(
            mfcc.extract_with_scratch(y, &mut other).unwrap(),
            mfcc.extract(y).unwrap()
        );
    }
    assert_eq!(
        FeatureSpec::Functionals.extract(&[], 22050),
        Err(FeatureError::EmptyInput)
    );
}
