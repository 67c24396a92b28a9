//! Bad input gets typed errors; edge cases behave as documented.

use ndarray::Array2;
use ser_features::mel::{MelFilterbank, MelParams, hz_to_mel, mel_to_hz};
use ser_features::stft::Stft;
use ser_features::{FeatureError, Mfcc, MfccParams};

fn tone(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i as f32 * 0.05).sin()).collect()
}

#[test]
fn defaults_are_librosas_and_study_has_40() {
    let d = MfccParams::default();
    assert_eq!(
        (d.sample_rate, d.n_fft, d.hop_length, d.n_mels, d.n_mfcc),
        (22050, 2048, 512, 128, 20)
    );
    assert_eq!(
        (d.fmin, d.fmax, d.top_db, d.htk),
        (0.0, None, Some(80.0), false)
    );
    let s = MfccParams::study();
    assert_eq!(s.n_mfcc, 40);
    assert_eq!(s, d.clone().n_mfcc(40));
}

#[test]
fn empty_non_finite_and_huge_inputs_are_typed_errors() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    assert_eq!(mfcc.process(&[]), Err(FeatureError::EmptyInput));
    assert_eq!(mfcc.mean(&[]).unwrap_err(), FeatureError::EmptyInput);
    let mut x = tone(3000);
    x[1234] = f32::NAN;
    assert!(matches!(
        mfcc.process(&x),
        Err(FeatureError::NonFiniteSample { index: 1234, .. })
    ));
    x[1234] = 0.0;
    x[17] = f32::NEG_INFINITY;
    assert!(matches!(
        mfcc.mean(&x),
        Err(FeatureError::NonFiniteSample { index: 17, value }) if value == f32::NEG_INFINITY
    ));
    x[17] = 3e12;
    assert!(matches!(
        mfcc.process(&x),
        Err(FeatureError::SampleOutOfRange { index: 17, .. })
    ));
    let stft = Stft::new(2048, 512).unwrap();
    assert_eq!(stft.power_spectrogram(&[]), Err(FeatureError::EmptyInput));
}

#[test]
fn invalid_parameters_are_rejected_when_the_plan_is_built() {
    let bad = [
        (MfccParams::study().n_mfcc(0), "n_mfcc"),
        (MfccParams::study().n_mfcc(129), "n_mfcc"),
        (MfccParams::study().hop_length(0), "hop_length"),
        (MfccParams::study().n_fft(1), "n_fft"),
        (MfccParams::study().n_mels(0), "n_mels"),
        (MfccParams::study().sample_rate(0), "sample_rate"),
        (MfccParams::study().fmax(Some(12000.0)), "fmax"),
        (MfccParams::study().fmin(5000.0).fmax(Some(4000.0)), "fmax"),
        (MfccParams::study().fmin(-1.0), "fmin"),
        (MfccParams::study().fmin(f64::NAN), "fmin"),
        (MfccParams::study().top_db(Some(-3.0)), "top_db"),
    ];
    for (params, field) in bad {
        match Mfcc::new(&params) {
            Err(FeatureError::InvalidParameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{params:?}: expected InvalidParameter({field}), got {other:?}"),
        }
    }
}

#[test]
fn short_input_is_zero_padded_into_one_frame() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    let x = tone(100);
    let m = mfcc.process(&x).unwrap();
    assert_eq!(m.dim(), (40, 1));
    // Centred frame 0 holds the whole signal: padding it with zeros up to 511 samples (still one
    // frame, same window placement) changes nothing.
    let mut padded = x.clone();
    padded.resize(511, 0.0);
    let p = mfcc.process(&padded).unwrap();
    for (a, b) in m.iter().zip(&p) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
}

#[test]
fn process_into_checks_the_output_shape_and_reuses_scratch() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    let x = tone(5000);
    let mut scratch = mfcc.make_scratch();
    let mut wrong = Array2::zeros((40, 3));
    assert!(matches!(
        mfcc.process_into(&x, &mut scratch, wrong.view_mut()),
        Err(FeatureError::ShapeMismatch { .. })
    ));
    let mut out = Array2::zeros((40, mfcc.n_frames(x.len())));
    mfcc.process_into(&x, &mut scratch, out.view_mut()).unwrap();
    // The same scratch after a longer clip gives identical results.
    mfcc.process_with_scratch(&tone(20000), &mut scratch)
        .unwrap();
    let again = mfcc.process_with_scratch(&x, &mut scratch).unwrap();
    assert_eq!(out, again);
    assert_eq!(out, mfcc.process(&x).unwrap());
}

#[test]
fn mel_scales_match_librosa_reference_points() {
    // librosa 0.11: hz_to_mel(1000) = 15, hz_to_mel(4000) = 35.16376…, htk: 999.98553…
    assert!((hz_to_mel(1000.0, false) - 15.0).abs() < 1e-12);
    assert!((hz_to_mel(4000.0, false) - 35.163_760_314_616_65).abs() < 1e-9);
    assert!((hz_to_mel(1000.0, true) - 999.985_537_139_624_4).abs() < 1e-9);
    for f in [0.0, 10.0, 500.0, 999.0, 1000.0, 1001.0, 8000.0, 22050.0] {
        for htk in [false, true] {
            let back = mel_to_hz(hz_to_mel(f, htk), htk);
            assert!((back - f).abs() < 1e-6 * (1.0 + f), "{f} {htk} → {back}");
        }
    }
}

#[test]
fn htk_and_slaney_filterbanks_differ_but_both_peak_on_their_centres() {
    let slaney = MelFilterbank::new(&MelParams::default()).unwrap();
    let htk = MelFilterbank::new(&MelParams {
        htk: true,
        ..MelParams::default()
    })
    .unwrap();
    assert_ne!(slaney.to_dense(), htk.to_dense());
    assert!(slaney.empty_bands().is_empty());
    assert!(htk.empty_bands().is_empty());
    // Sparse storage: about two weights per bin, far below the dense 128 × 1025.
    assert!(slaney.nonzero_len() < 3 * 1025, "{}", slaney.nonzero_len());
}

#[test]
fn mfcc_plan_is_reusable_across_threads() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    let x = tone(22050);
    let want = mfcc.mean(&x).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2).map(|_| s.spawn(|| mfcc.mean(&x).unwrap())).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), want);
        }
    });
}
