//! The eGeMAPS-style descriptors against signals whose true values are known by construction:
//! pulse trains with drawn period and amplitude perturbation, harmonic tones in white noise at a
//! known HNR, a vowel through known resonators, known spectra and gains.
#![allow(clippy::unwrap_used)]

use ser_features::egemaps::{self, DIM, Egemaps};
use ser_features::functionals::{self, Functionals, FunctionalsParams};
use ser_features::pitch::{AutocorrPitch, AutocorrPitchParams};
use ser_features::voice::{self, Perturbation};
use ser_features::{FeatureError, FeatureSpec};

const SR: u32 = 22_050;

/// A small deterministic generator (LCG) with uniform and Gaussian draws.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Gaussian glottal-like pulses (σ = 0.5 ms) at `f0` Hz for `secs` seconds, each period
/// `T0·(1 + jitter·g)` and each amplitude `10^(shimmer_db·g/20)` (`g` standard normal). Returns
/// the signal, the true pulse times (samples) and amplitudes.
fn pulse_train(f0: f64, secs: f64, jitter: f64, shimmer_db: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    let n = (secs * f64::from(SR)) as usize;
    let t0 = f64::from(SR) / f0;
    let sigma = 0.0005 * f64::from(SR);
    let mut x = vec![0f32; n];
    let mut t = 0.3 * t0;
    while t < n as f64 {
        let a = 0.5 * 10f64.powf(shimmer_db * rng.gauss() / 20.0);
        let lo = (t - 6.0 * sigma).max(0.0) as usize;
        let hi = ((t + 6.0 * sigma) as usize).min(n - 1);
        for (i, v) in x.iter_mut().enumerate().take(hi + 1).skip(lo) {
            let d = (i as f64 - t) / sigma;
            *v += (a * (-0.5 * d * d).exp()) as f32;
        }
        t += t0 * (1.0 + jitter * rng.gauss());
    }
    x
}

/// The pulse times and amplitudes `pulse_train` draws (the same generator sequence).
fn truth(f0: f64, secs: f64, jitter: f64, shimmer_db: f64, seed: u64) -> Perturbation {
    let mut rng = Rng(seed);
    let n = secs * f64::from(SR);
    let t0 = f64::from(SR) / f0;
    let mut pulses = Vec::new();
    let mut t = 0.3 * t0;
    while t < n {
        let a = 0.5 * 10f64.powf(shimmer_db * rng.gauss() / 20.0);
        pulses.push(voice::Pulse {
            position: t,
            amplitude: a as f32,
        });
        t += t0 * (1.0 + jitter * rng.gauss());
    }
    Perturbation::of(&pulses).unwrap()
}

fn plan(rate: u32) -> Egemaps {
    Egemaps::new(&FunctionalsParams::default().sample_rate(rate)).unwrap()
}

/// Value `name` of an eGeMAPS vector.
fn at(v: &[f32], name: &str) -> f32 {
    let names = egemaps::names();
    v[names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name}"))]
}

/// Clip-level perturbation measured on `x`: the tracker's F0, the pulses, pooled.
fn measured(x: &[f32]) -> Perturbation {
    let pitch = AutocorrPitch::new(&AutocorrPitchParams::default().sample_rate(SR)).unwrap();
    let f0 = pitch.process(x).unwrap();
    let stretches = voice::glottal_pulses(x, SR, &f0, 512).unwrap();
    Perturbation::of_stretches(&stretches).unwrap()
}

#[test]
fn jitter_of_pulse_trains_matches_the_drawn_periods() {
    let plan = plan(SR);
    let mut last = (0.0, 0.0, 0.0, 0.0);
    for (rel, seed) in [(0.01, 11), (0.03, 12)] {
        let x = pulse_train(120.0, 2.0, rel, 0.0, seed);
        let want = truth(120.0, 2.0, rel, 0.0, seed);
        let got = measured(&x);
        let v = plan.extract(&x).unwrap();
        let (frame_local, frame_rap) = (at(&v, "jitterLocal_amean"), at(&v, "jitterRAP_amean"));
        println!(
            "jitter {rel}: local true {:.5} clip {:.5} frames {frame_local:.5}; \
             RAP true {:.5} clip {:.5} frames {frame_rap:.5}",
            want.jitter_local, got.jitter_local, want.jitter_rap, got.jitter_rap
        );
        assert!(
            (got.jitter_local / want.jitter_local - 1.0).abs() < 0.05,
            "local {} vs {}",
            got.jitter_local,
            want.jitter_local
        );
        assert!(
            (got.jitter_rap / want.jitter_rap - 1.0).abs() < 0.08,
            "RAP {} vs {}",
            got.jitter_rap,
            want.jitter_rap
        );
        // Per frame (a 93 ms window), averaged: the same within sampling error.
        assert!((frame_local / want.jitter_local - 1.0).abs() < 0.2);
        assert!((frame_rap / want.jitter_rap - 1.0).abs() < 0.25);
        assert!(got.jitter_local > last.0 && got.jitter_rap > last.1);
        assert!(frame_local > last.2 && frame_rap > last.3);
        last = (got.jitter_local, got.jitter_rap, frame_local, frame_rap);
        // No amplitude perturbation was drawn.
        assert!(got.shimmer_db < 0.05, "{}", got.shimmer_db);
    }
}

#[test]
fn shimmer_of_pulse_trains_matches_the_drawn_amplitudes() {
    let plan = plan(SR);
    let mut last = 0.0;
    for (db, seed) in [(0.5, 21), (1.5, 22)] {
        let x = pulse_train(150.0, 2.0, 0.0, db, seed);
        let want = truth(150.0, 2.0, 0.0, db, seed);
        let got = measured(&x);
        let v = plan.extract(&x).unwrap();
        let frames = at(&v, "shimmerLocaldB_amean");
        println!(
            "shimmer {db} dB: local dB true {:.4} clip {:.4} frames {frames:.4}; \
             local true {:.4} clip {:.4} frames {:.4}",
            want.shimmer_db,
            got.shimmer_db,
            want.shimmer_local,
            got.shimmer_local,
            at(&v, "shimmerLocal_amean")
        );
        assert!((got.shimmer_db / want.shimmer_db - 1.0).abs() < 0.03);
        assert!((got.shimmer_local / want.shimmer_local - 1.0).abs() < 0.03);
        assert!((frames / want.shimmer_db - 1.0).abs() < 0.2);
        assert!(frames > last);
        last = frames;
        // No period perturbation was drawn: the jitter is the measurement floor.
        assert!(got.jitter_local < 0.001, "{}", got.jitter_local);
    }
}

/// A 140 Hz tone (ten harmonics at 1/h) plus white Gaussian noise at `hnr` dB.
fn noisy_tone(hnr: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    let n = 2 * SR as usize;
    let harmonic_power: f64 = (1..=10).map(|h| 0.5 * (0.2 / h as f64).powi(2)).sum();
    let noise_sd = (harmonic_power / 10f64.powf(hnr / 10.0)).sqrt();
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SR);
            let tone: f64 = (1..=10)
                .map(|h| 0.2 / h as f64 * (std::f64::consts::TAU * 140.0 * h as f64 * t).sin())
                .sum();
            (tone + noise_sd * rng.gauss()) as f32
        })
        .collect()
}

#[test]
fn hnr_follows_the_mixed_noise() {
    let plan = plan(SR);
    let mut last = f32::NEG_INFINITY;
    for (hnr, seed) in [(5.0, 31), (10.0, 32), (20.0, 33)] {
        let v = plan.extract(&noisy_tone(hnr, seed)).unwrap();
        let got = at(&v, "HNRdBACF_amean");
        println!("HNR {hnr} dB: measured {got:.2} dB");
        assert!((got - hnr as f32).abs() < 2.0, "{hnr}: {got}");
        assert!(got > last);
        last = got;
    }
}

/// A two-pole resonator at `f` Hz with bandwidth `bw` Hz (unit gain at DC).
fn resonate(x: &[f64], f: f64, bw: f64) -> Vec<f64> {
    let t = 1.0 / f64::from(SR);
    let c = -(-2.0 * std::f64::consts::PI * bw * t).exp();
    let b = 2.0 * (-std::f64::consts::PI * bw * t).exp() * (std::f64::consts::TAU * f * t).cos();
    let a = 1.0 - b - c;
    let (mut y1, mut y2) = (0.0, 0.0);
    x.iter()
        .map(|&v| {
            let y = a * v + b * y1 + c * y2;
            y2 = y1;
            y1 = y;
            y
        })
        .collect()
}

/// An impulse train at 120 Hz through resonators at 700/1220/2600 Hz (80/90/120 Hz wide).
fn vowel() -> Vec<f32> {
    let n = 2 * SR as usize;
    let period = f64::from(SR) / 120.0;
    let mut x = vec![0f64; n];
    let mut t = 0.0;
    while (t as usize) < n {
        x[t as usize] = 1.0;
        t += period;
    }
    let mut y = x;
    for (f, bw) in [(700.0, 80.0), (1220.0, 90.0), (2600.0, 120.0)] {
        y = resonate(&y, f, bw);
    }
    let peak = y.iter().fold(0f64, |m, v| m.max(v.abs()));
    y.iter().map(|v| (0.5 * v / peak) as f32).collect()
}

#[test]
fn formants_of_a_synthetic_vowel() {
    let plan = plan(SR);
    let v = plan.extract(&vowel()).unwrap();
    for (i, (f, bw)) in [(700.0f32, 80.0f32), (1220.0, 90.0), (2600.0, 120.0)]
        .into_iter()
        .enumerate()
    {
        let k = i + 1;
        let got_f = at(&v, &format!("F{k}frequency_amean"));
        let got_bw = at(&v, &format!("F{k}bandwidth_amean"));
        let spread = at(&v, &format!("F{k}frequency_stddevNorm"));
        println!(
            "F{k}: {got_f:.1} Hz (true {f}), bandwidth {got_bw:.1} Hz (true {bw}), CoV {spread:.4}"
        );
        assert!((got_f / f - 1.0).abs() < 0.05, "F{k} {got_f} vs {f}");
        assert!(
            got_bw > bw / 2.0 && got_bw < bw * 2.0,
            "B{k} {got_bw} vs {bw}"
        );
    }
    // The resonances decrease in level: F1 is the loudest, so A3 is well below H1's... and
    // every formant amplitude is finite.
    assert!(at(&v, "F1amplitudeLogRelF0_amean") > at(&v, "F3amplitudeLogRelF0_amean"));
    // 120 Hz is 12·log2(120/27.5) = 25.50 semitones above 27.5 Hz.
    let st = at(&v, "F0semitoneFrom27.5Hz_percentile50.0");
    assert!((st - 25.50).abs() < 0.1, "{st}");
}

/// A bin-centred sine (bin `k` of the 2048-point FFT at 22050 Hz) of amplitude `a`.
fn bin_tone(k: usize, a: f32, n: usize) -> impl Iterator<Item = f32> {
    let f = k as f32 * SR as f32 / 2048.0;
    (0..n).map(move |i| a * (std::f32::consts::TAU * f * i as f32 / SR as f32).sin())
}

#[test]
fn spectral_balance_of_known_spectra() {
    let plan = plan(SR);
    let n = SR as usize;
    // Bins 46 (495 Hz) and 279 (3004 Hz) at 1 and 0.1: both ratios are 20 dB. The pair repeats
    // every 1/10.77 s, with F0 at 495 Hz's common period... voiced or not, the ratio is the
    // same; both V and UV means are read from whichever frames there are.
    let x: Vec<f32> = bin_tone(46, 0.5, n)
        .zip(bin_tone(279, 0.05, n))
        .map(|(a, b)| a + b)
        .collect();
    let v = plan.extract(&x).unwrap();
    let (alpha, hamm) = if at(&v, "alphaRatioV_amean") != 0.0 {
        (
            at(&v, "alphaRatioV_amean"),
            at(&v, "hammarbergIndexV_amean"),
        )
    } else {
        (
            at(&v, "alphaRatioUV_amean"),
            at(&v, "hammarbergIndexUV_amean"),
        )
    };
    println!("two tones 20 dB apart: alpha ratio {alpha:.3} dB, Hammarberg {hamm:.3} dB");
    // openSMILE's sign: the high band over the low one.
    assert!((alpha + 20.0).abs() < 0.2, "{alpha}");
    assert!((hamm - 20.0).abs() < 0.2, "{hamm}");

    // White noise: unvoiced; alpha ratio is the ratio of the band widths, 4000 / 950 Hz.
    let mut rng = Rng(41);
    let noise: Vec<f32> = (0..2 * n).map(|_| (0.1 * rng.gauss()) as f32).collect();
    let v = plan.extract(&noise).unwrap();
    let alpha = at(&v, "alphaRatioUV_amean");
    let want = 10.0 * (4000.0f32 / 950.0).log10();
    let (s1, s2) = (
        at(&v, "slope0-500UV_amean"),
        at(&v, "slope500-1500UV_amean"),
    );
    println!(
        "white noise: alpha ratio {alpha:.3} dB (band widths {want:.3}); slopes {s1:.5}, {s2:.5} dB/Hz"
    );
    assert!((alpha - want).abs() < 0.5, "{alpha} vs {want}");
    assert!(s1.abs() < 0.003 && s2.abs() < 0.001, "{s1} {s2}");
    assert_eq!(at(&v, "VoicedSegmentsPerSec"), 0.0);
    // Noise through a one-pole low-pass falls with frequency.
    let mut y = 0.0f32;
    let brown: Vec<f32> = noise
        .iter()
        .map(|&x| {
            y = 0.95 * y + x;
            y
        })
        .collect();
    let v = plan.extract(&brown).unwrap();
    assert!(at(&v, "slope500-1500UV_amean") < -0.003);
    assert!(at(&v, "alphaRatioUV_amean") < alpha - 10.0);
}

#[test]
fn loudness_grows_as_gain_to_the_power_0_66_and_the_level_is_the_mean_square() {
    let plan = plan(SR);
    let x = vowel();
    let mut previous: Option<(f32, f32)> = None;
    for gain in [0.1f32, 0.3, 1.0] {
        let scaled: Vec<f32> = x.iter().map(|v| v * gain).collect();
        let v = plan.extract(&scaled).unwrap();
        let (loud, leq) = (at(&v, "loudness_amean"), at(&v, "equivalentSoundLevel_dBp"));
        if let Some((l0, e0)) = previous {
            let step = if gain == 0.3 { 3.0f32 } else { 1.0 / 0.3 };
            assert!(loud > l0);
            assert!(
                (loud / l0 / step.powf(0.66) - 1.0).abs() < 0.01,
                "{loud} {l0}"
            );
            assert!((leq - e0 - 20.0 * step.log10()).abs() < 0.05);
        }
        previous = Some((loud, leq));
    }
    // A sine of amplitude 0.5: mean square 0.125, −9.03 dB.
    let sine: Vec<f32> = bin_tone(20, 0.5, SR as usize).collect();
    let leq = at(&plan.extract(&sine).unwrap(), "equivalentSoundLevel_dBp");
    println!("sine 0.5: equivalent sound level {leq:.3} dB (true −9.031)");
    assert!((leq + 9.031).abs() < 0.2, "{leq}");
    // 215 Hz (bin 20): 12·log2(215.33/27.5) semitones.
    let st = at(&plan.extract(&sine).unwrap(), "F0semitoneFrom27.5Hz_amean");
    let want = 12.0 * (20.0 * 22050.0 / 2048.0 / 27.5f32).log2();
    assert!((st - want).abs() < 0.1, "{st} vs {want}");
}

#[test]
fn voiced_segments_of_tone_bursts() {
    let plan = plan(SR);
    // Four 0.4 s bursts of a 200 Hz tone, 0.3 s of silence between.
    let mut x = Vec::new();
    for k in 0..4 {
        x.extend(bin_tone(19, 0.3, (0.4 * SR as f32) as usize));
        if k < 3 {
            x.extend(std::iter::repeat_n(0.0f32, (0.3 * SR as f32) as usize));
        }
    }
    let v = plan.extract(&x).unwrap();
    let names = [
        "VoicedSegmentsPerSec",
        "MeanVoicedSegmentLengthSec",
        "MeanUnvoicedSegmentLength",
        "loudnessPeaksPerSec",
    ];
    let got: Vec<f32> = names.iter().map(|n| at(&v, n)).collect();
    println!("bursts: {names:?} = {got:?} (true 1.6, 0.4, 0.3)");
    assert!((got[0] - 1.6).abs() < 0.1, "{got:?}");
    assert!((got[1] - 0.4).abs() < 0.06, "{got:?}");
    assert!((got[2] - 0.3).abs() < 0.06, "{got:?}");
    assert!(at(&v, "StddevVoicedSegmentLengthSec") < 0.03);
}

#[test]
fn paralinguistic_is_the_functionals_then_egemaps_bit_for_bit() {
    let x = vowel();
    let para = FeatureSpec::Paralinguistic.extract(&x, SR).unwrap();
    let func = Functionals::new(&FunctionalsParams::default())
        .unwrap()
        .extract(&x)
        .unwrap();
    let ege = FeatureSpec::Egemaps.extract(&x, SR).unwrap();
    assert_eq!(para.len(), functionals::DIM + DIM);
    assert_eq!(para[..functionals::DIM], func[..]);
    assert_eq!(para[functionals::DIM..], ege[..]);
    assert_eq!(FeatureSpec::Functionals.extract(&x, SR).unwrap(), func);
    // The frame rows are the functionals' rows.
    let (llds, voice) = plan(SR).llds(&x).unwrap();
    assert_eq!(
        llds,
        Functionals::new(&FunctionalsParams::default())
            .unwrap()
            .llds(&x)
            .unwrap()
    );
    assert_eq!(plan(SR).from_llds(&llds, &voice).unwrap(), ege);
}

#[test]
fn paralinguistic_frames_is_paralinguistic_then_the_pooled_frame_rows() {
    let x = vowel();
    let both = FeatureSpec::ParalinguisticFrames.extract(&x, SR).unwrap();
    let para = FeatureSpec::Paralinguistic.extract(&x, SR).unwrap();
    let frames = FeatureSpec::Frames.extract(&x, SR).unwrap();
    let layout = FeatureSpec::ParalinguisticFrames.frame_layout().unwrap();
    assert_eq!(both.len(), FeatureSpec::ParalinguisticFrames.dim());
    assert_eq!(layout.range(), para.len()..both.len());
    assert_eq!(both[..para.len()], para[..]);
    assert_eq!(both[layout.range()], frames[..]);
    let params = FunctionalsParams::default();
    let llds = Functionals::new(&params).unwrap().llds(&x).unwrap();
    assert_eq!(
        ser_features::frames::pool(&llds, params.active_range_db).unwrap(),
        frames
    );
    assert_eq!(FeatureSpec::Frames.frame_layout().unwrap().start, 0);
    assert!(FeatureSpec::Paralinguistic.frame_layout().is_none());
    // The vowel is voiced throughout its active span: every step's voiced fraction is high.
    let step_dim = layout.step_dim;
    let voiced: Vec<f32> = (0..layout.steps)
        .map(|t| frames[t * step_dim + step_dim - 1])
        .collect();
    assert!(
        voiced.iter().filter(|&&v| v > 0.5).count() > layout.steps * 3 / 4,
        "{voiced:?}"
    );
}

#[test]
fn names_parse_and_dims() {
    assert_eq!(FeatureSpec::Egemaps.dim(), 92);
    assert_eq!(FeatureSpec::Paralinguistic.dim(), 220);
    assert_eq!(FeatureSpec::Frames.dim(), 48 * 42);
    assert_eq!(FeatureSpec::ParalinguisticFrames.dim(), 220 + 48 * 42);
    for spec in [
        FeatureSpec::Egemaps,
        FeatureSpec::Paralinguistic,
        FeatureSpec::Frames,
        FeatureSpec::ParalinguisticFrames,
    ] {
        assert_eq!(spec.name().parse::<FeatureSpec>().unwrap(), spec);
        let mut names = spec.names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), spec.dim());
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(json, format!("\"{}\"", spec.name()));
    }
}

#[test]
fn silence_short_and_unvoiced_clips_are_finite() {
    for rate in [8_000, 16_000, 22_050, 44_100] {
        let plan = plan(rate);
        let mut rng = Rng(5);
        let noise: Vec<f32> = (0..rate).map(|_| (0.05 * rng.gauss()) as f32).collect();
        for x in [
            vec![0.0f32; rate as usize],
            vec![0.1; 1],
            vec![0.1, -0.1, 0.2],
            vec![0.3; 700],
            noise,
        ] {
            for v in [
                plan.extract(&x).unwrap(),
                plan.extract_paralinguistic(&x).unwrap(),
            ] {
                assert!(v.iter().all(|x| x.is_finite()), "{rate} {v:?}");
            }
        }
    }
}

#[test]
fn bad_input_and_parameters_are_typed_errors() {
    let plan = plan(SR);
    assert_eq!(plan.extract(&[]), Err(FeatureError::EmptyInput));
    assert!(matches!(
        plan.extract(&[0.0, f32::NAN]),
        Err(FeatureError::NonFiniteSample { index: 1, .. })
    ));
    assert!(matches!(
        plan.extract(&[0.0, 1e20]),
        Err(FeatureError::SampleOutOfRange { index: 1, .. })
    ));
    assert_eq!(plan.from_llds(&[], &[]), Err(FeatureError::EmptyInput));
    let (llds, voice) = plan.llds(&vowel()).unwrap();
    assert!(matches!(
        plan.from_llds(&llds, &voice[1..]),
        Err(FeatureError::ShapeMismatch { .. })
    ));
    for params in [
        FunctionalsParams::default().sample_rate(0),
        FunctionalsParams::default().sample_rate(3_000),
        FunctionalsParams::default().active_range_db(-1.0),
        FunctionalsParams::default().f0_range(300.0, 200.0),
    ] {
        assert!(
            matches!(
                Egemaps::new(&params),
                Err(FeatureError::InvalidParameter { .. })
            ),
            "{params:?}"
        );
    }
}
