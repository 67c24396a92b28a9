//! `ser_data::augment` against hand-computed facts: exact gain, the SNR asked, frequency
//! ratios of shifted sines, lengths of tempo changes, a decaying impulse response, seeds, and
//! typed errors for bad parameters.

#![allow(clippy::unwrap_used)] // tests panic on failure

use ser_data::DataError;
use ser_data::augment::{
    AugmentChain, Augmentation, add_noise, convolve, gain, impulse_response, parse_plan,
    pitch_shift, power, reverb, spectral_warp, time_stretch, warp_frequency,
};

const SR: u32 = 22_050;

fn sine(freq: f32, seconds: f32) -> Vec<f32> {
    let n = (seconds * SR as f32) as usize;
    (0..n)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / SR as f32).sin())
        .collect()
}

/// Frequency from upward zero crossings (linearly interpolated) over the middle 60 %.
fn frequency(x: &[f32]) -> f64 {
    let (a, b) = (x.len() / 5, x.len() * 4 / 5);
    let mut crossings = Vec::new();
    for i in a..b {
        let (p, q) = (f64::from(x[i]), f64::from(x[i + 1]));
        if p < 0.0 && q >= 0.0 {
            crossings.push(i as f64 + p / (p - q));
        }
    }
    let n = crossings.len();
    assert!(n > 10, "{n} crossings");
    (n - 1) as f64 * f64::from(SR) / (crossings[n - 1] - crossings[0])
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

#[test]
fn gain_is_exact_in_decibels() {
    let x = sine(440.0, 0.2);
    for g in [-12.0f32, -6.0, 0.0, 3.0, 20.0] {
        let y = gain(&x, g).unwrap();
        assert!(
            (db(power(&y) / power(&x)) - f64::from(g)).abs() < 1e-4,
            "{g}"
        );
        let factor = 10f32.powf(g / 20.0);
        assert!((y[7] - x[7] * factor).abs() < 1e-6);
    }
}

#[test]
fn noise_has_the_snr_asked_and_follows_its_seed() {
    let x = sine(300.0, 0.5);
    for snr in [0.0f32, 10.0, 20.0, 35.0] {
        let y = add_noise(&x, snr, 7).unwrap();
        let noise: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
        let measured = db(power(&x) / power(&noise));
        assert!((measured - f64::from(snr)).abs() < 0.1, "{snr}: {measured}");
    }
    assert_eq!(
        add_noise(&x, 20.0, 7).unwrap(),
        add_noise(&x, 20.0, 7).unwrap()
    );
    assert_ne!(
        add_noise(&x, 20.0, 7).unwrap(),
        add_noise(&x, 20.0, 8).unwrap()
    );
}

#[test]
fn pitch_shift_moves_a_sine_by_the_semitone_ratio_and_keeps_the_length() {
    let x = sine(220.0, 1.0);
    for st in [-3.0f32, -1.0, 2.0, 4.0] {
        let y = pitch_shift(&x, SR, st).unwrap();
        assert_eq!(y.len(), x.len());
        let want = 220.0 * 2f64.powf(f64::from(st) / 12.0);
        let got = frequency(&y);
        assert!((got / want - 1.0).abs() < 0.005, "{st}: {got} vs {want}");
    }
    assert_eq!(pitch_shift(&x, SR, 0.0).unwrap(), x);
}

#[test]
fn tempo_changes_the_length_by_the_ratio_and_keeps_the_pitch() {
    let x = sine(330.0, 1.0);
    for rate in [0.8f32, 0.9, 1.1, 1.25] {
        let y = time_stretch(&x, SR, rate).unwrap();
        let want = (x.len() as f64 / f64::from(rate)).round() as usize;
        assert_eq!(y.len(), want, "{rate}");
        let got = frequency(&y);
        assert!((got / 330.0 - 1.0).abs() < 0.005, "{rate}: {got}");
        // Overlap-add of Hann frames at half overlap keeps the level.
        let mid = &y[y.len() / 4..y.len() * 3 / 4];
        assert!(db(power(mid) / power(&x)).abs() < 0.5, "{rate}");
    }
}

#[test]
fn spectral_warp_moves_a_low_sine_by_alpha() {
    let x = sine(1000.0, 1.0);
    for alpha in [0.9f32, 1.1] {
        let y = spectral_warp(&x, SR, alpha).unwrap();
        assert_eq!(y.len(), x.len());
        // The strongest bin of the whole output's spectrum.
        let spec = magnitude_spectrum(&y);
        let peak = spec
            .iter()
            .enumerate()
            .fold(0, |b, (i, &v)| if v > spec[b] { i } else { b });
        let hz = peak as f64 * f64::from(SR) / y.len() as f64;
        let want = 1000.0 * f64::from(alpha);
        // Bins of the 46 ms STFT are 21.5 Hz apart; the warped magnitude is interpolated
        // between them.
        assert!((hz - want).abs() < 25.0, "{alpha}: {hz} vs {want}");
    }
    assert!((warp_frequency(1000.0, 1.1, 11_025.0) - 1100.0).abs() < 1e-3);
    assert!((warp_frequency(11_025.0, 0.9, 11_025.0) - 11_025.0).abs() < 1e-2);
}

/// |DFT| of the whole signal at every bin below 2 kHz (a direct sum: one-hertz bins for a
/// one-second signal).
fn magnitude_spectrum(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    // Bins up to 2 kHz only.
    let max_bin = 2_000 * n / SR as usize;
    (0..max_bin)
        .map(|k| {
            let (mut re, mut im) = (0f64, 0f64);
            let w = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            for (t, &v) in x.iter().enumerate() {
                let a = w * t as f64;
                re += f64::from(v) * a.cos();
                im -= f64::from(v) * a.sin();
            }
            (re * re + im * im).sqrt()
        })
        .collect()
}

#[test]
fn impulse_response_decays_and_has_the_ratio_asked() {
    let h = impulse_response(SR, 0.4, 6.0, 3).unwrap();
    assert_eq!(h.len(), (0.4 * SR as f32).round() as usize);
    assert_eq!(h[0], 1.0);
    let tail: f64 = h[1..].iter().map(|&v| f64::from(v).powi(2)).sum();
    assert!((db(1.0 / tail) - 6.0).abs() < 1e-3);
    // Energy per 50 ms window falls from each window to the next, ~60 dB over the RT60.
    let win = (0.05 * SR as f32) as usize;
    let energies: Vec<f64> = h[1..]
        .chunks(win)
        .filter(|c| c.len() == win)
        .map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum())
        .collect();
    for pair in energies.windows(2) {
        assert!(pair[1] < pair[0], "{energies:?}");
    }
    let span = db(energies[0] / energies[energies.len() - 1]);
    // 7 windows apart of 8 over 0.4 s: 52.5 dB expected; noise leaves a few dB.
    assert!((span - 52.5).abs() < 6.0, "{span}");
    assert_eq!(h, impulse_response(SR, 0.4, 6.0, 3).unwrap());
    assert_ne!(h, impulse_response(SR, 0.4, 6.0, 4).unwrap());
}

#[test]
fn reverb_of_an_impulse_is_the_impulse_response() {
    let mut x = vec![0f32; 20_000];
    x[0] = 1.0;
    let y = reverb(&x, SR, 0.3, 0.0, 11).unwrap();
    let h = impulse_response(SR, 0.3, 0.0, 11).unwrap();
    assert_eq!(y.len(), x.len());
    for (a, b) in y.iter().zip(&h) {
        assert!((a - b).abs() < 1e-5);
    }
    assert!(y[h.len()..].iter().all(|v| v.abs() < 1e-5));
}

#[test]
fn fft_convolution_matches_the_direct_sum() {
    let x = [1.0f32, -2.0, 0.5, 3.0, 0.0, 1.5];
    let h = [0.5f32, 0.25, -1.0];
    let y = convolve(&x, &h).unwrap();
    assert_eq!(y.len(), 8);
    for (n, &v) in y.iter().enumerate() {
        let direct: f32 = (0..h.len())
            .filter(|&k| n >= k && n - k < x.len())
            .map(|k| h[k] * x[n - k])
            .sum();
        assert!((v - direct).abs() < 1e-5, "{n}");
    }
}

#[test]
fn plans_parse_into_copies_and_chains_and_are_seeded() {
    let plan = parse_plan("pitch:-2,2; noise:20 ;warp:0.9+reverb:0.3").unwrap();
    assert_eq!(plan.len(), 4);
    assert_eq!(plan[0].0, vec![Augmentation::Pitch { semitones: -2.0 }]);
    assert_eq!(plan[2].to_string(), "noise:20");
    assert_eq!(plan[3].to_string(), "warp:0.9+reverb:0.3/3");
    let x = sine(200.0, 0.3);
    let c: &AugmentChain = &plan[3];
    assert_eq!(c.apply(&x, SR, 5).unwrap(), c.apply(&x, SR, 5).unwrap());
    assert_ne!(c.apply(&x, SR, 5).unwrap(), c.apply(&x, SR, 6).unwrap());
    for bad in [
        "",
        "pitch",
        "pitch:x",
        "speed:2",
        "pitch:20",
        "noise:NaN",
        "warp:2",
    ] {
        assert!(
            matches!(parse_plan(bad), Err(DataError::InvalidParameter { .. })),
            "{bad}"
        );
    }
}

#[test]
fn bad_parameters_and_inputs_are_typed_errors() {
    let x = sine(200.0, 0.1);
    let invalid =
        |r: Result<Vec<f32>, DataError>| matches!(r, Err(DataError::InvalidParameter { .. }));
    assert!(invalid(gain(&x, f32::NAN)));
    assert!(invalid(add_noise(&x, f32::INFINITY, 0)));
    assert!(invalid(add_noise(&x, -40.0, 0)));
    assert!(invalid(pitch_shift(&x, SR, 13.0)));
    assert!(invalid(pitch_shift(&x, 10, 1.0)));
    assert!(invalid(time_stretch(&x, SR, 0.0)));
    assert!(invalid(spectral_warp(&x, SR, f32::NAN)));
    assert!(invalid(reverb(&x, SR, -1.0, 0.0, 0)));
    assert!(invalid(gain(&[1.0, f32::NAN], 1.0)));
    assert!(matches!(
        add_noise(&[0.0; 100], 10.0, 0),
        Err(DataError::SilentSignal { .. })
    ));
    assert!(matches!(
        pitch_shift(&[], SR, 1.0),
        Err(DataError::EmptyInput { .. })
    ));
    // Very short signals still work.
    assert_eq!(pitch_shift(&[0.1, -0.1, 0.2], SR, 2.0).unwrap().len(), 3);
    assert_eq!(time_stretch(&[0.1], SR, 0.5).unwrap().len(), 2);
    assert_eq!(spectral_warp(&[0.1, 0.3], SR, 1.1).unwrap().len(), 2);
}
