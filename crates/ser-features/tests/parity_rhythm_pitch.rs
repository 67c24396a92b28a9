//! Parity of deltas, onset strength, tempo and YIN with librosa 0.11's golden arrays.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{CLIPS, load, max_abs_diff};
use ser_features::delta::{delta, delta2};
use ser_features::pitch::{YinParams, yin};
use ser_features::rhythm::{onset_strength, tempo};
use ser_features::{Mfcc, MfccParams};

#[test]
fn delta_of_mfcc_matches_librosa() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    for clip in CLIPS {
        let want = load(clip, "mfcc_delta");
        // On librosa's own MFCCs the filter alone is compared…
        let golden = load(clip, "mfcc").array2();
        let d = delta(golden.view()).unwrap();
        let filter_only = max_abs_diff(&d.iter().copied().collect::<Vec<_>>(), &want.data);
        // …and end to end from the signal.
        let y = load(clip, "load_study").data;
        let ours = delta(mfcc.process(&y).unwrap().view()).unwrap();
        let end_to_end = max_abs_diff(&ours.iter().copied().collect::<Vec<_>>(), &want.data);
        println!(
            "{clip}: mfcc_delta max abs diff {filter_only:.3e} (filter), {end_to_end:.3e} (end to end)"
        );
        assert!(filter_only <= 1e-4, "{clip}: {filter_only}");
        assert!(end_to_end <= 1e-2, "{clip}: {end_to_end}");
    }
}

#[test]
fn delta_of_a_ramp_is_its_slope_and_delta2_of_a_parabola_its_curvature() {
    let ramp = ndarray::Array2::from_shape_fn((2, 20), |(r, t)| (r as f32 + 1.0) * t as f32);
    let d = delta(ramp.view()).unwrap();
    for ((r, _), &v) in d.indexed_iter() {
        assert!((v - (r as f32 + 1.0)).abs() < 1e-5);
    }
    let parabola = ndarray::Array2::from_shape_fn((1, 20), |(_, t)| 0.5 * (t as f32).powi(2));
    let d2 = delta2(parabola.view()).unwrap();
    assert!(d2.iter().all(|&v| (v - 1.0).abs() < 1e-4), "{d2:?}");
    assert!(delta(ndarray::Array2::<f32>::zeros((3, 8)).view()).is_err());
}

#[test]
fn onset_strength_matches_librosa_to_1e3() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "onset_strength").data;
        let env = onset_strength(mfcc.log_mel(&y).unwrap().view(), 2048, 512).unwrap();
        let d = max_abs_diff(env.as_slice().unwrap(), &want);
        println!("{clip}: onset_strength max abs diff {d:.3e}");
        assert!(d <= 1e-3, "{clip}: {d}");
    }
}

#[test]
fn tempo_matches_librosa_within_1_bpm() {
    for clip in CLIPS {
        let want = load(clip, "tempo").data[0];
        // From librosa's own onset envelope, then from ours.
        let golden_env = load(clip, "onset_strength").data;
        let from_golden = tempo(&golden_env, 22050, 512).unwrap();
        let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
        let y = load(clip, "load_study").data;
        let env = onset_strength(mfcc.log_mel(&y).unwrap().view(), 2048, 512).unwrap();
        let ours = tempo(env.as_slice().unwrap(), 22050, 512).unwrap();
        println!(
            "{clip}: tempo {ours} BPM (from librosa's envelope {from_golden}), librosa {want}"
        );
        assert!((from_golden - want).abs() <= 1.0, "{clip}");
        assert!((ours - want).abs() <= 1.0, "{clip}");
    }
}

#[test]
fn yin_matches_librosa_within_1_percent() {
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "yin_f0").data;
        let f0 = yin(&y, &YinParams::default()).unwrap();
        assert_eq!(f0.len(), want.len());
        let rel: Vec<f32> = f0
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs() / b)
            .collect();
        let worst = rel.iter().fold(0f32, |m, &r| m.max(r));
        let within = rel.iter().filter(|&&r| r <= 0.01).count();
        println!(
            "{clip}: yin worst relative diff {worst:.3e}; {within}/{} frames within 1 %",
            rel.len()
        );
        assert!(worst <= 0.01, "{clip}: {worst}");
    }
}
