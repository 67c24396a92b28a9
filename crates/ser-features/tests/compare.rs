//! The ComParE-scale set: each functional on contours whose values are known by hand, the LLDs
//! on signals whose values are known by construction, agreement with the functionals and
//! eGeMAPS sets where the definitions are the same, and finite vectors for any accepted input.
#![allow(clippy::unwrap_used)]

mod common;

use ser_features::compare::{
    self, Compare, DIM, FUNCTIONAL_NAMES, N_FUNCTIONALS, contour_functionals,
};
use ser_features::functionals::FunctionalsParams;
use ser_features::{FeatureError, FeatureSpec, egemaps, functionals};

const SR: u32 = 22_050;

fn plan() -> Compare {
    Compare::new(&FunctionalsParams::default().sample_rate(SR)).unwrap()
}

/// Functional `name` of a [`contour_functionals`] result.
fn f(values: &[f32; N_FUNCTIONALS], name: &str) -> f32 {
    values[FUNCTIONAL_NAMES.iter().position(|n| *n == name).unwrap()]
}

/// Value `name` of a vector named by `names`.
fn at(v: &[f32], names: &[String], name: &str) -> f32 {
    v[names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name}"))]
}

fn close(got: f32, want: f64, tol: f64, what: &str) {
    assert!(
        (f64::from(got) - want).abs() <= tol,
        "{what}: got {got}, want {want}"
    );
}

/// A small deterministic generator (LCG), uniform in [-1, 1).
fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn sine(hz: f32, secs: f32, amp: f32) -> Vec<f32> {
    (0..(secs * SR as f32) as usize)
        .map(|i| amp * (std::f32::consts::TAU * hz * i as f32 / SR as f32).sin())
        .collect()
}

/// Five harmonics of `f0`, falling 1/h.
fn harmonic(f0: f32, secs: f32) -> Vec<f32> {
    (0..(secs * SR as f32) as usize)
        .map(|i| {
            let t = i as f32 / SR as f32;
            (1..6)
                .map(|h| 0.2 / h as f32 * (std::f32::consts::TAU * f0 * h as f32 * t).sin())
                .sum()
        })
        .collect()
}

#[test]
fn statistics_of_a_ramp() {
    let ramp: Vec<f32> = (1..=100).map(|v| v as f32).collect();
    let s = contour_functionals(&ramp, 0.01);
    close(f(&s, "mean"), 50.5, 1e-5, "mean");
    // Population std of 1..=100: sqrt((100² − 1) / 12).
    close(f(&s, "std"), (9999.0f64 / 12.0).sqrt(), 1e-4, "std");
    close(f(&s, "skewness"), 0.0, 1e-6, "skewness");
    // Discrete uniform: kurtosis 3/5 · (3n² − 7)/(n² − 1).
    close(
        f(&s, "kurtosis"),
        0.6 * (3.0 * 10000.0 - 7.0) / 9999.0,
        1e-5,
        "kurtosis",
    );
    // np.percentile(range(1, 101), [25, 50, 75, 1, 99]).
    close(f(&s, "quartile_1"), 25.75, 1e-5, "q1");
    close(f(&s, "quartile_2"), 50.5, 1e-5, "q2");
    close(f(&s, "quartile_3"), 75.25, 1e-5, "q3");
    close(f(&s, "iqr_1_2"), 24.75, 1e-5, "iqr12");
    close(f(&s, "iqr_2_3"), 24.75, 1e-5, "iqr23");
    close(f(&s, "iqr_1_3"), 49.5, 1e-5, "iqr13");
    close(f(&s, "percentile_1"), 1.99, 1e-5, "p1");
    close(f(&s, "percentile_99"), 99.01, 1e-5, "p99");
    close(f(&s, "pctlrange_1_99"), 97.02, 1e-4, "p1-99");
    close(f(&s, "max_pos"), 1.0, 0.0, "max_pos");
    close(f(&s, "min_pos"), 0.0, 0.0, "min_pos");
    close(f(&s, "range"), 99.0, 0.0, "range");
    // y = x + 1 against x = 0..100: a line, no error, no curvature.
    close(f(&s, "lin_slope"), 1.0, 1e-6, "slope");
    close(f(&s, "lin_offset"), 1.0, 1e-5, "offset");
    close(f(&s, "lin_qerror"), 0.0, 1e-9, "lin err");
    close(f(&s, "quad_a"), 0.0, 1e-7, "quad a");
    close(f(&s, "quad_b"), 1.0, 1e-5, "quad b");
    close(f(&s, "quad_c"), 1.0, 1e-4, "quad c");
    // Above min + level·range = 1 + level·99: 75, 50, 25 and 10 of the 100 values.
    close(f(&s, "uplevel_25"), 0.75, 0.0, "up25");
    close(f(&s, "uplevel_50"), 0.50, 0.0, "up50");
    close(f(&s, "uplevel_75"), 0.25, 0.0, "up75");
    close(f(&s, "uplevel_90"), 0.10, 1e-7, "up90");
    close(f(&s, "rise_time"), 1.0, 0.0, "rise");
    close(f(&s, "mean_abs_delta"), 1.0, 1e-6, "mad");
    // A monotone contour has no peaks.
    for name in [
        "peaks_per_sec",
        "peak_mean",
        "peak_dist_mean",
        "peak_dist_std",
    ] {
        close(f(&s, name), 0.0, 0.0, name);
    }
}

#[test]
fn regressions_of_a_noisy_line_and_a_parabola() {
    // y = 3 − 0.5·x plus the pattern +1 −1 −1 +1, orthogonal to 1 and x in every block of four:
    // the line is unchanged and the mean squared residual is exactly 1.
    let pattern = [1.0f32, -1.0, -1.0, 1.0];
    let noisy: Vec<f32> = (0..40)
        .map(|i| 3.0 - 0.5 * i as f32 + pattern[i % 4])
        .collect();
    let s = contour_functionals(&noisy, 0.01);
    close(f(&s, "lin_slope"), -0.5, 1e-6, "slope");
    close(f(&s, "lin_offset"), 3.0, 1e-5, "offset");
    close(f(&s, "lin_qerror"), 1.0, 1e-5, "lin err");
    // y = 0.25·x² − 2·x + 7: the parabola exactly; the line misses it.
    let parabola: Vec<f32> = (0..60)
        .map(|i| {
            let x = i as f32;
            0.25 * x * x - 2.0 * x + 7.0
        })
        .collect();
    let s = contour_functionals(&parabola, 0.01);
    close(f(&s, "quad_a"), 0.25, 1e-6, "a");
    close(f(&s, "quad_b"), -2.0, 1e-4, "b");
    close(f(&s, "quad_c"), 7.0, 1e-3, "c");
    close(f(&s, "quad_qerror"), 0.0, 1e-4, "quad err");
    assert!(f(&s, "lin_qerror") > 100.0);
    // Least-squares line of the parabola: slope 0.25·(n − 1) − 2 (the x² term's projection).
    close(
        f(&s, "lin_slope"),
        0.25 * 59.0 - 2.0,
        1e-3,
        "parabola slope",
    );
    // Its minimum is at x = 4 of 0..60.
    close(f(&s, "min_pos"), 4.0 / 59.0, 1e-7, "min pos");
    close(f(&s, "max_pos"), 1.0, 0.0, "max pos");
}

#[test]
fn moments_of_symmetric_and_skewed_sequences() {
    let s = contour_functionals(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.01);
    close(f(&s, "skewness"), 0.0, 1e-7, "symmetric skew");
    // m2 = 2, m4 = 6.8: kurtosis 1.7.
    close(f(&s, "kurtosis"), 1.7, 1e-6, "symmetric kurtosis");
    // [0, 0, 0, 0, 10]: mean 2, deviations −2 (four) and 8: m2 = 16, m3 = 96, m4 = 832.
    let s = contour_functionals(&[0.0, 0.0, 0.0, 0.0, 10.0], 0.01);
    close(f(&s, "skewness"), 96.0 / 64.0, 1e-6, "skew");
    close(f(&s, "kurtosis"), 832.0 / 256.0, 1e-6, "kurtosis");
    let s = contour_functionals(&[0.0, 0.0, 0.0, 0.0, -10.0], 0.01);
    close(f(&s, "skewness"), -1.5, 1e-6, "left skew");
    // A constant has no shape: zeros, not NaN.
    let s = contour_functionals(&[4.2; 30], 0.01);
    close(f(&s, "std"), 0.0, 0.0, "const std");
    close(f(&s, "skewness"), 0.0, 0.0, "const skew");
    close(f(&s, "kurtosis"), 0.0, 0.0, "const kurtosis");
    close(f(&s, "uplevel_50"), 0.0, 0.0, "const uplevel");
    // First maximum and minimum positions over n − 1.
    let s = contour_functionals(&[3.0, 9.0, 1.0, 9.0, 0.0], 0.01);
    close(f(&s, "max_pos"), 0.25, 0.0, "max_pos");
    close(f(&s, "min_pos"), 1.0, 0.0, "min_pos");
}

#[test]
fn rise_time_of_a_sawtooth_and_peaks_of_a_sine() {
    // Period 5: four rises and one fall; 20 values have 19 steps of which 3 fall.
    let saw: Vec<f32> = (0..20).map(|i| (i % 5) as f32).collect();
    let s = contour_functionals(&saw, 0.01);
    close(f(&s, "rise_time"), 16.0 / 19.0, 1e-7, "rise");
    // Peaks at the 4s that a 0 follows (the last 4 ends the contour): three.
    close(f(&s, "peaks_per_sec"), 3.0 / 0.2, 1e-4, "saw peaks/s");
    close(f(&s, "peak_dist_mean"), 0.05, 1e-7, "saw dist");
    // mean |Δ| = (16·1 + 3·4) / 19.
    close(f(&s, "mean_abs_delta"), 28.0 / 19.0, 1e-6, "saw mad");

    // A sine of period 20 frames over 200 frames (10 ms each): ten peaks 0.2 s apart, at 1.
    let sine: Vec<f32> = (0..200)
        .map(|i| (std::f64::consts::TAU * i as f64 / 20.0).sin() as f32)
        .collect();
    let s = contour_functionals(&sine, 0.01);
    close(f(&s, "peaks_per_sec"), 10.0 / 2.0, 1e-5, "sine peaks/s");
    close(f(&s, "peak_dist_mean"), 0.2, 1e-6, "sine dist");
    close(f(&s, "peak_dist_std"), 0.0, 1e-6, "sine dist std");
    close(f(&s, "peak_mean"), 1.0, 1e-6, "sine peak mean");
    close(f(&s, "mean"), 0.0, 1e-6, "sine mean");
    close(f(&s, "std"), 0.5f64.sqrt(), 1e-6, "sine std");
    close(f(&s, "kurtosis"), 1.5, 1e-5, "sine kurtosis");
    close(f(&s, "rise_time"), 100.0 / 199.0, 0.02, "sine rise");
    // A plateau at the top is one peak.
    let s = contour_functionals(&[0.0, 2.0, 2.0, 2.0, 1.0, 3.0, 0.0], 1.0);
    close(f(&s, "peaks_per_sec"), 2.0 / 7.0, 1e-6, "plateau peaks");
    close(f(&s, "peak_mean"), 2.5, 1e-6, "plateau peak mean");
    close(f(&s, "peak_dist_mean"), 4.0, 1e-6, "plateau dist");
}

#[test]
fn empty_and_single_contours_are_zeros_or_their_value() {
    assert_eq!(contour_functionals(&[], 0.01), [0.0; N_FUNCTIONALS]);
    let s = contour_functionals(&[5.0], 0.01);
    assert!(s.iter().all(|v| v.is_finite()));
    for name in [
        "mean",
        "quartile_1",
        "percentile_99",
        "lin_offset",
        "quad_c",
    ] {
        close(f(&s, name), 5.0, 0.0, name);
    }
    for name in ["std", "range", "lin_slope", "rise_time", "mean_abs_delta"] {
        close(f(&s, name), 0.0, 0.0, name);
    }
}

#[test]
fn names_match_the_vector() {
    let names = compare::names();
    assert_eq!(names.len(), DIM);
    assert_eq!(FeatureSpec::Compare.dim(), DIM);
    assert!((3500..=6500).contains(&DIM), "{DIM}");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), DIM);
    for n in [
        "mfcc_3_delta_percentile_99",
        "loudness_mean",
        "audspec_mel_25_quad_a",
        "f0_st_delta_rise_time",
        "jitter_ddp_mean",
        "log_hnr_peaks_per_sec",
    ] {
        assert!(names.iter().any(|m| m == n), "{n}");
    }
    let v = plan().extract(&harmonic(180.0, 1.0)).unwrap();
    assert_eq!(v.len(), DIM);
}

#[test]
fn a_1khz_tone_has_its_centroid_roll_off_and_zcr_there() {
    let names = compare::names();
    let v = plan().extract(&sine(1000.0, 2.0, 0.5)).unwrap();
    let bin = f64::from(SR) / 2048.0;
    close(
        at(&v, &names, "spectral_centroid_quartile_2"),
        1000.0,
        5.0,
        "centroid",
    );
    for p in [25, 50, 75, 90] {
        close(
            at(&v, &names, &format!("rolloff_{p}_quartile_2")),
            1000.0,
            2.0 * bin,
            "roll-off",
        );
    }
    // Two crossings per period: 2·f / sr per sample.
    close(
        at(&v, &names, "zcr_quartile_2"),
        2.0 * 1000.0 / f64::from(SR),
        0.002,
        "zcr",
    );
    // All of a 1 kHz tone's power lies in 1–4 kHz, none in 250–650 Hz.
    assert!(at(&v, &names, "energy_1000_4000_mean") > at(&v, &names, "energy_250_650_mean") + 60.0);
    // RMS of a sine of amplitude 0.5: 0.5/√2.
    close(
        at(&v, &names, "rms_energy_quartile_2"),
        0.5 / 2f64.sqrt(),
        0.005,
        "rms",
    );
    // A steady tone: its deltas are (nearly) zero.
    assert!(at(&v, &names, "spectral_centroid_delta_std") < 1.0);
}

#[test]
fn noise_is_flat_and_a_tone_is_peaked() {
    let names = compare::names();
    let p = plan();
    let tone = p.extract(&sine(1000.0, 2.0, 0.5)).unwrap();
    let white = p.extract(&noise(2 * SR as usize, 7)).unwrap();
    let (tone_h, noise_h) = (
        at(&tone, &names, "spectral_entropy_quartile_2"),
        at(&white, &names, "spectral_entropy_quartile_2"),
    );
    assert!(
        noise_h > 0.9 && tone_h < 0.3,
        "noise {noise_h}, tone {tone_h}"
    );
    // White noise: centroid near a quarter of the rate, roll-offs at their shares of Nyquist.
    let nyq = f64::from(SR) / 2.0;
    close(
        at(&white, &names, "spectral_centroid_quartile_2"),
        nyq / 2.0,
        300.0,
        "noise centroid",
    );
    close(
        at(&white, &names, "rolloff_75_quartile_2"),
        0.75 * nyq,
        300.0,
        "noise roll-off",
    );
    // Flat spectrum: the dB slope is near zero; a tone's voicing is strong, noise's weak.
    assert!(at(&white, &names, "spectral_slope_quartile_2").abs() < 0.5);
    let voiced = p.extract(&harmonic(220.0, 2.0)).unwrap();
    assert!(at(&voiced, &names, "voicing_prob_quartile_2") > 0.9);
    assert!(at(&white, &names, "voicing_prob_quartile_2") < 0.5);
    // Noise has no F0: every voiced-only functional is zero.
    for lld in ["f0_st", "jitter_local", "log_hnr"] {
        assert_eq!(at(&white, &names, &format!("{lld}_mean")), 0.0, "{lld}");
    }
}

#[test]
fn f0_of_a_harmonic_tone_in_semitones_above_100_hz() {
    let names = compare::names();
    let v = plan().extract(&harmonic(220.0, 2.0)).unwrap();
    let want = 12.0 * (220.0f64 / 100.0).log2();
    close(at(&v, &names, "f0_st_quartile_2"), want, 0.1, "f0 median");
    close(at(&v, &names, "f0_st_mean"), want, 0.1, "f0 mean");
    assert!(at(&v, &names, "f0_st_std") < 0.1);
    // A clean periodic tone: high HNR, tiny jitter.
    assert!(at(&v, &names, "log_hnr_mean") > 15.0);
    assert!(at(&v, &names, "jitter_local_mean") < 0.01);
    // A higher tone is higher.
    let up = plan().extract(&harmonic(330.0, 2.0)).unwrap();
    close(
        at(&up, &names, "f0_st_quartile_2"),
        12.0 * 3.3f64.log2(),
        0.1,
        "330 Hz",
    );
}

#[test]
fn shared_definitions_agree_with_the_functionals_and_egemaps() {
    let p = plan();
    let (names, fnames, enames) = (compare::names(), functionals::names(), egemaps::names());
    for clip in ["speech_24414", "speech_16000"] {
        let y = common::load(clip, "load_study").data;
        let v = p.extract(&y).unwrap();
        let fv = FeatureSpec::Functionals.extract(&y, SR).unwrap();
        let ev = FeatureSpec::Egemaps.extract(&y, SR).unwrap();
        let same = |ours: &str, theirs: f32| {
            let got = at(&v, &names, ours);
            assert!(
                (got - theirs).abs() <= 1e-5 * theirs.abs().max(1.0),
                "{clip} {ours}: {got} vs {theirs}"
            );
        };
        for i in 1..=14 {
            same(
                &format!("mfcc_{i}_mean"),
                at(&fv, &fnames, &format!("mfcc_{i}_mean")),
            );
            same(
                &format!("mfcc_{i}_std"),
                at(&fv, &fnames, &format!("mfcc_{i}_std")),
            );
        }
        assert!(at(&fv, &fnames, "voiced_fraction") > 0.1, "{clip}");
        same("f0_st_mean", at(&fv, &fnames, "f0_st_mean"));
        same("f0_st_std", at(&fv, &fnames, "f0_st_std"));
        same("f0_st_quartile_2", at(&fv, &fnames, "f0_st_p50"));
        for (ours, theirs) in [
            ("loudness_mean", "loudness_amean"),
            ("spectral_flux_mean", "spectralFlux_amean"),
            ("jitter_local_mean", "jitterLocal_amean"),
            ("shimmer_local_mean", "shimmerLocal_amean"),
            ("log_hnr_mean", "HNRdBACF_amean"),
        ] {
            same(ours, at(&ev, &enames, theirs));
        }
        // Jitter DDP is three times the RAP.
        let rap = at(&ev, &enames, "jitterRAP_amean");
        assert!(rap > 0.0);
        same("jitter_ddp_mean", 3.0 * rap);
        assert!(v.iter().all(|x| x.is_finite()));
    }
}

#[test]
fn any_accepted_input_gives_a_finite_vector_and_bad_input_the_same_errors() {
    let p = plan();
    let mut clipped = noise(SR as usize, 3);
    clipped
        .iter_mut()
        .for_each(|x| *x = (4.0 * *x).clamp(-1.0, 1.0));
    let mut loud = noise(SR as usize / 2, 5);
    loud.iter_mut().for_each(|x| *x *= 1e6);
    for (what, x) in [
        ("silence", vec![0.0f32; SR as usize]),
        ("0.1 s", harmonic(200.0, 0.1)),
        ("0.1 s noise", noise(SR as usize / 10, 9)),
        ("one sample", vec![0.3]),
        ("three samples", vec![0.1, -0.1, 0.2]),
        ("clipped noise", clipped),
        (
            "full-scale square",
            (0..SR)
                .map(|i| if i % 100 < 50 { 1.0 } else { -1.0 })
                .collect(),
        ),
        ("very loud", loud),
        ("dc", vec![1.0; SR as usize]),
    ] {
        let v = p.extract(&x).unwrap();
        assert_eq!(v.len(), DIM, "{what}");
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            panic!("{what}: {} = {}", compare::names()[i], v[i]);
        }
    }
    assert_eq!(p.extract(&[]), Err(FeatureError::EmptyInput));
    assert!(matches!(
        p.extract(&[0.0, f32::NAN]),
        Err(FeatureError::NonFiniteSample { index: 1, .. })
    ));
    assert!(matches!(
        p.extract(&[0.0, 1e13]),
        Err(FeatureError::SampleOutOfRange { index: 1, .. })
    ));
    for params in [
        FunctionalsParams::default().sample_rate(0),
        FunctionalsParams::default().sample_rate(2000),
        FunctionalsParams::default().active_range_db(f32::NAN),
        FunctionalsParams::default().f0_range(300.0, 200.0),
    ] {
        assert!(
            matches!(
                Compare::new(&params),
                Err(FeatureError::InvalidParameter { .. })
            ),
            "{params:?}"
        );
    }
}

#[test]
fn deterministic_and_the_same_through_the_spec() {
    let p = plan();
    let y = common::load("short_22050", "load_study").data;
    let v = p.extract(&y).unwrap();
    let mut scratch = p.make_scratch();
    assert_eq!(p.extract_with_scratch(&y, &mut scratch).unwrap(), v);
    // The scratch, used for another clip in between, gives the same again.
    p.extract_with_scratch(&harmonic(150.0, 0.5), &mut scratch)
        .unwrap();
    assert_eq!(p.extract_with_scratch(&y, &mut scratch).unwrap(), v);
    assert_eq!(FeatureSpec::Compare.extract(&y, SR).unwrap(), v);
    let extractor = FeatureSpec::Compare.extractor(SR).unwrap();
    let mut shared = ser_features::spec::ExtractorScratch::default();
    assert_eq!(extractor.extract_with_scratch(&y, &mut shared).unwrap(), v);
    assert_eq!("compare".parse(), Ok(FeatureSpec::Compare));
    assert!(FeatureSpec::ALL.contains(&FeatureSpec::Compare));
    assert_eq!(
        serde_json::to_string(&FeatureSpec::Compare).unwrap(),
        "\"compare\""
    );
}
