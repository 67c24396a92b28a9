//! Resampler properties: frequency, amplitude and phase kept; round trips; lengths; stop band.

use proptest::prelude::*;
use ser_audio::{Resampler, resample};

fn sine(freq: f64, rate: u32, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin() as f32)
        .collect()
}

/// Output samples this far from either end see the whole filter.
fn margin(from: u32, to: u32) -> usize {
    let up = (f64::from(to) / f64::from(from)).max(1.0);
    (110.0 * up).ceil() as usize + 2
}

/// Any rate 8–192 kHz: common ones and arbitrary ones.
fn rate() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![
            8_000u32, 11_025, 16_000, 22_050, 24_414, 32_000, 44_100, 48_000, 96_000, 192_000
        ]),
        8_000u32..=192_000,
    ]
}

// Each case plans a filter (unoptimised in test builds): a few cases each.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// A sine below 0.8 × the lower Nyquist comes out as the same sine, same phase
    /// (measured errors stay below 1e-6; 1e-5 leaves room for f32 rounding):
    /// the filter is flat there and centred (no delay).
    #[test]
    fn sine_keeps_frequency_amplitude_and_phase(from in rate(), to in rate(), f in 0.01f64..0.8) {
        let freq = f * f64::from(from.min(to)) / 2.0;
        let len = (f64::from(from) * 0.06) as usize + 2 * margin(to, from);
        let y = resample(&sine(freq, from, len), from, to).expect("resample");
        let expected = sine(freq, to, y.len());
        let m = margin(from, to);
        prop_assert!(y.len() > 2 * m);
        let err = y[m..y.len() - m].iter().zip(&expected[m..]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        prop_assert!(err < 1e-5, "{from} -> {to} Hz, sine at {freq:.1} Hz: max error {err}");
    }

    /// from → to → from returns a band-limited signal.
    #[test]
    fn round_trip_returns_the_signal(from in rate(), to in rate(), f1 in 0.01f64..0.4, f2 in 0.4f64..0.8) {
        let low = f64::from(from.min(to)) / 2.0;
        // Both passes' edge effects, in input samples: each filter reaches
        // 102 · max(1, from / to) input samples.
        let m = 2 * margin(to, from);
        let len = (f64::from(from) * 0.05) as usize + 2 * m;
        let x: Vec<f32> = sine(f1 * low, from, len).iter().zip(sine(f2 * low, from, len)).map(|(a, b)| 0.6 * a + 0.3 * b).collect();
        let back = resample(&resample(&x, from, to).expect("there"), to, from).expect("back");
        prop_assert!(back.len() >= x.len() && back.len() <= x.len() + 1 + (f64::from(from) / f64::from(to)) as usize);
        let err = back[m..x.len() - m].iter().zip(&x[m..]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        prop_assert!(err < 1e-5, "{from} -> {to} -> {from}: max error {err}");
    }

    /// Output length is ceil(len · to / from), as soxr and librosa give.
    #[test]
    fn output_length_is_ceiling(from in rate(), to in rate(), lens in proptest::collection::vec(0usize..5_000, 8)) {
        let plan = Resampler::new(from, to).expect("plan");
        for len in lens {
            let expected = (len as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize;
            prop_assert_eq!(plan.output_len(len), expected);
            prop_assert_eq!(plan.process(&vec![0.25; len]).len(), expected);
        }
    }
}

/// Tones between the new Nyquist and the old one are removed (≥ 100 dB) when downsampling.
#[test]
fn stop_band_rejects_aliases() {
    for (from, to) in [
        (44_100u32, 22_050u32),
        (24_414, 22_050),
        (48_000, 16_000),
        (96_000, 22_050),
    ] {
        for f in [1.0, 1.2, 1.6] {
            let freq = f * f64::from(to) / 2.0;
            if freq >= f64::from(from) / 2.0 {
                continue;
            }
            let y = resample(&sine(freq, from, from as usize / 5), from, to).expect("resample");
            let m = margin(from, to);
            let peak = y[m..y.len() - m].iter().fold(0.0f32, |p, v| p.max(v.abs()));
            assert!(
                peak < 1e-5,
                "{from} -> {to}, tone at {freq} Hz leaks {peak}"
            );
        }
    }
}

/// Equal rates copy; empty input gives empty output.
#[test]
fn trivial_cases() {
    let x = sine(440.0, 16_000, 100);
    assert_eq!(resample(&x, 16_000, 16_000).expect("copy"), x);
    assert!(resample(&[], 16_000, 22_050).expect("empty").is_empty());
    let plan = Resampler::new(16_000, 22_050).expect("plan");
    assert_eq!((plan.from_rate(), plan.to_rate()), (16_000, 22_050));
    let mut out = vec![9.0; 3];
    plan.process_into(&x, &mut out);
    assert_eq!(out, plan.process(&x));
}
