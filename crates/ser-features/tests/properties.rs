//! Property tests: STFT linearity and Parseval, filterbank shape, frame counts, finiteness,
//! and what silence gives.

use proptest::prelude::*;
use ser_features::FeatureError;
use ser_features::mel::{MelFilterbank, MelParams, mel_frequencies};
use ser_features::signal::MAX_SAMPLE_MAGNITUDE;
use ser_features::stft::{Stft, fft_frequencies};
use ser_features::{Mfcc, MfccParams};

fn signal(max_len: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-1.0f32..1.0, 1..max_len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// STFT(a·x + b·y) = a·STFT(x) + b·STFT(y).
    #[test]
    fn stft_is_linear(
        (x, y) in (1usize..3000).prop_flat_map(|n| (
            prop::collection::vec(-1.0f32..1.0, n),
            prop::collection::vec(-1.0f32..1.0, n),
        )),
        a in -2.0f32..2.0,
        b in -2.0f32..2.0,
    ) {
        let stft = Stft::new(512, 128).unwrap();
        let mix: Vec<f32> = x.iter().zip(&y).map(|(p, q)| a * p + b * q).collect();
        let sx = stft.complex_spectrogram(&x).unwrap();
        let sy = stft.complex_spectrogram(&y).unwrap();
        let sm = stft.complex_spectrogram(&mix).unwrap();
        let scale = sx.iter().chain(sy.iter()).map(|c| c.norm()).fold(1e-3f32, f32::max);
        for ((m, p), q) in sm.iter().zip(&sx).zip(&sy) {
            let want = p * a + q * b;
            prop_assert!((m - want).norm() <= 1e-5 * scale * (a.abs() + b.abs() + 1.0));
        }
    }

    /// Parseval per frame: Σ_k |X_k|² over the full spectrum = N · Σ_n (w_n x_n)².
    #[test]
    fn stft_frames_satisfy_parseval(x in signal(4000), log_n in 6u32..12) {
        let n_fft = 1usize << log_n;
        let hop = n_fft / 4;
        let stft = Stft::new(n_fft, hop).unwrap();
        let power = stft.power_spectrogram(&x).unwrap();
        let w = stft.window();
        for (t, col) in power.columns().into_iter().enumerate() {
            let start = (t * hop) as isize - (n_fft / 2) as isize;
            let energy: f64 = (0..n_fft)
                .map(|i| {
                    let j = start + i as isize;
                    let s = if j >= 0 && (j as usize) < x.len() { x[j as usize] } else { 0.0 };
                    (s as f64 * w[i] as f64).powi(2)
                })
                .sum();
            let last = col.len() - 1;
            let spectral: f64 = col
                .iter()
                .enumerate()
                .map(|(k, &p)| if k == 0 || k == last { p as f64 } else { 2.0 * p as f64 })
                .sum();
            let want = n_fft as f64 * energy;
            prop_assert!((spectral - want).abs() <= 1e-4 * want + 1e-6, "{spectral} vs {want}");
        }
    }

    /// Weights are non-negative, zero outside [fmin, fmax], and every bin strictly inside the
    /// band is covered by at least one filter.
    #[test]
    fn filterbank_is_non_negative_and_covers_the_band(
        sr in 8000u32..48001,
        log_n in 8u32..12,
        n_mels in 1usize..129,
        lo in 0.0f64..0.4,
        hi in 0.5f64..1.0,
        htk in any::<bool>(),
    ) {
        let nyquist = sr as f64 / 2.0;
        let params = MelParams {
            sample_rate: sr,
            n_fft: 1 << log_n,
            n_mels,
            fmin: lo * nyquist,
            fmax: Some(hi * nyquist),
            htk,
            ..MelParams::default()
        };
        let bank = MelFilterbank::new(&params).unwrap().to_dense();
        prop_assert!(bank.iter().all(|&w| w >= 0.0 && w.is_finite()));
        let edges = mel_frequencies(n_mels + 2, params.fmin, hi * nyquist, htk);
        let (f_lo, f_hi) = (edges[0], edges[n_mels + 1]);
        for (k, f) in fft_frequencies(sr as f64, params.n_fft).into_iter().enumerate() {
            let total: f32 = bank.column(k).sum();
            if f > f_lo * (1.0 + 1e-9) && f < f_hi * (1.0 - 1e-9) {
                prop_assert!(total > 0.0, "bin {k} at {f} Hz uncovered");
            } else if f < f_lo || f > f_hi {
                prop_assert!(total == 0.0, "bin {k} at {f} Hz outside the band has weight");
            }
        }
    }

    /// Frame count is 1 + len / hop (even n_fft), for every length including shorter than a frame.
    #[test]
    fn frame_count_is_one_plus_len_over_hop(len in 1usize..6000, hop in 1usize..700) {
        let mfcc = Mfcc::new(&MfccParams::study().hop_length(hop)).unwrap();
        let x = vec![0.25f32; len];
        let out = mfcc.process(&x).unwrap();
        prop_assert_eq!(out.dim(), (40, 1 + len / hop));
        let power = Stft::new(2048, hop).unwrap().power_spectrogram(&x).unwrap();
        prop_assert_eq!(power.dim(), (1025, 1 + len / hop));
    }

    /// Any finite input gives finite MFCCs, or (beyond ±1e12) a typed range error.
    #[test]
    fn finite_input_gives_finite_output(
        x in prop::collection::vec(
            prop_oneof![
                4 => -1.0f32..1.0,
                1 => prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
            ],
            1..3000,
        ),
    ) {
        let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
        match mfcc.process(&x) {
            Ok(m) => {
                prop_assert!(x.iter().all(|v| v.abs() <= MAX_SAMPLE_MAGNITUDE));
                prop_assert!(m.iter().all(|v| v.is_finite()));
            }
            Err(FeatureError::SampleOutOfRange { index, value, .. }) => {
                prop_assert_eq!(x[index], value);
                prop_assert!(value.abs() > MAX_SAMPLE_MAGNITUDE);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// Silence sits on the floor: every log-mel value is 10·log10(amin) = −100 dB, so MFCC 0 is
    /// −100·√128 (orthonormal DCT of a constant) and every other coefficient is 0 — what librosa
    /// 0.11 gives for `mfcc(y=np.zeros(n), n_mfcc=40)`.
    #[test]
    fn silence_gives_the_floor(len in 1usize..20000) {
        let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
        let x = vec![0.0f32; len];
        let log_mel = mfcc.log_mel(&x).unwrap();
        prop_assert!(log_mel.iter().all(|&v| (v + 100.0).abs() < 1e-4));
        let m = mfcc.process(&x).unwrap();
        let c0 = -100.0 * 128f32.sqrt();
        for col in m.columns() {
            prop_assert!((col[0] - c0).abs() < 1e-2, "{} vs {c0}", col[0]);
            prop_assert!(col.iter().skip(1).all(|v| v.abs() < 1e-3));
        }
        let mean = mfcc.mean(&x).unwrap();
        prop_assert!((mean[0] - c0).abs() < 1e-2);
    }
}
