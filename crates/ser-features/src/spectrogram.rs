//! One power spectrogram per clip, shared by every spectral feature.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::error::{FeatureError, Result};
use crate::signal::check_signal;
use crate::stft::Stft;

/// The power spectrogram `|STFT|²` of one clip with the parameters it was made with. Stored frame
/// by frame (`frames × bins`, each frame contiguous); [`Spectrogram::power`] gives librosa's
/// orientation (`bins × frames`).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    frames: Array2<f32>,
    sample_rate: u32,
    n_fft: usize,
    hop_length: usize,
}

impl Spectrogram {
    /// Computes the power spectrogram of `signal` (at `sample_rate` Hz) with `stft`.
    pub fn compute(stft: &Stft, signal: &[f32], sample_rate: u32) -> Result<Self> {
        check_signal(signal)?;
        if sample_rate == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "sample_rate",
                reason: "must be positive".into(),
            });
        }
        let n_frames = stft.n_frames(signal.len());
        let mut frames = Array2::zeros((n_frames, stft.n_bins()));
        let mut scratch = stft.make_scratch();
        for (t, mut row) in frames.rows_mut().into_iter().enumerate() {
            match row.as_slice_mut() {
                Some(out) => stft.frame_power(signal, t, &mut scratch, out)?,
                None => {
                    return Err(FeatureError::ShapeMismatch {
                        expected: vec![stft.n_bins()],
                        actual: row.shape().to_vec(),
                    });
                }
            }
        }
        Ok(Self {
            frames,
            sample_rate,
            n_fft: stft.n_fft(),
            hop_length: stft.hop_length(),
        })
    }

    /// Computes the power spectrogram with [`PreciseStft`] (an `f64` FFT, as librosa does).
    pub fn compute_precise(stft: &PreciseStft, signal: &[f32], sample_rate: u32) -> Result<Self> {
        check_signal(signal)?;
        if sample_rate == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "sample_rate",
                reason: "must be positive".into(),
            });
        }
        let n_frames = crate::stft::frame_count(signal.len(), stft.n_fft, stft.hop_length);
        let n_bins = 1 + stft.n_fft / 2;
        let mut frames = Array2::zeros((n_frames, n_bins));
        let half = stft.half.is_some();
        let fft = stft.half.as_ref().unwrap_or(&stft.fft);
        let mut buf = vec![Complex::<f64>::default(); fft.len()];
        let mut scratch = vec![Complex::<f64>::default(); fft.get_inplace_scratch_len()];
        let mut frame = vec![0f64; stft.n_fft];
        let pad = (stft.n_fft / 2) as isize;
        let m = stft.n_fft / 2;
        for (t, mut row) in frames.rows_mut().into_iter().enumerate() {
            let start = (t * stft.hop_length) as isize - pad;
            // The part of the frame inside the signal; zeros around it.
            let n = stft.n_fft as isize;
            let lo = (-start).clamp(0, n) as usize;
            let hi = (signal.len() as isize - start).clamp(0, n) as usize;
            frame.fill(0.0);
            if lo < hi {
                let s0 = (start + lo as isize) as usize;
                for ((x, &v), &w) in frame[lo..hi]
                    .iter_mut()
                    .zip(&signal[s0..s0 + (hi - lo)])
                    .zip(&stft.window[lo..hi])
                {
                    *x = v as f64 * w;
                }
            }
            if half {
                for (c, pair) in buf.iter_mut().zip(frame.chunks_exact(2)) {
                    *c = Complex::new(pair[0], pair[1]);
                }
            } else {
                for (c, &x) in buf.iter_mut().zip(&frame) {
                    *c = Complex::new(x, 0.0);
                }
            }
            fft.process_with_scratch(&mut buf, &mut scratch);
            // librosa stores complex64 and squares its |·|: the parts are rounded to f32 first;
            // |X|² from them in f64, rounded once (within an ulp of librosa's f32 square).
            let power = |re: f64, im: f64| {
                let (re, im) = (re as f32 as f64, im as f32 as f64);
                (re * re + im * im) as f32
            };
            if half {
                // X[k] = E[k] + e^{−2πik/n} O[k], E = (Z[k] + conj Z[m−k]) / 2,
                // O = (Z[k] − conj Z[m−k]) / 2i (see `Stft::split`).
                for (k, p) in row.iter_mut().enumerate() {
                    *p = if k == 0 {
                        power(buf[0].re + buf[0].im, 0.0)
                    } else if k == m {
                        power(buf[0].re - buf[0].im, 0.0)
                    } else {
                        let (a, b) = (buf[k], buf[m - k]);
                        let (c, s) = stft.twiddles[k];
                        let e_re = 0.5 * (a.re + b.re);
                        let e_im = 0.5 * (a.im - b.im);
                        let o_re = 0.5 * (a.im + b.im);
                        let o_im = -0.5 * (a.re - b.re);
                        power(e_re + c * o_re + s * o_im, e_im + c * o_im - s * o_re)
                    };
                }
            } else {
                for (p, c) in row.iter_mut().zip(&buf) {
                    *p = power(c.re, c.im);
                }
            }
        }
        Ok(Self {
            frames,
            sample_rate,
            n_fft: stft.n_fft,
            hop_length: stft.hop_length,
        })
    }

    /// Power, `bins × frames` (librosa's orientation; a transposed view).
    pub fn power(&self) -> ArrayView2<'_, f32> {
        self.frames.t()
    }

    /// Power, `frames × bins` (each frame contiguous).
    pub fn frames(&self) -> ArrayView2<'_, f32> {
        self.frames.view()
    }

    /// Magnitude `|STFT|`, `bins × frames` (the square root of the power).
    pub fn magnitude(&self) -> Array2<f32> {
        self.power().mapv(f32::sqrt)
    }

    /// Number of frames.
    pub fn n_frames(&self) -> usize {
        self.frames.nrows()
    }

    /// Number of frequency bins, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        self.frames.ncols()
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// FFT length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop length in samples.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }
}

/// An STFT plan computing in `f64` like librosa (window and FFT in double precision, rounded to
/// `f32` at the end). About twice the cost of [`Stft`]; use it where a feature reads the
/// spectrum's floor (spectral contrast's valleys sit at the signal's rounding noise, which an
/// `f32` FFT would replace by its own).
#[derive(Clone)]
pub struct PreciseStft {
    n_fft: usize,
    hop_length: usize,
    window: Vec<f64>,
    /// Full-length complex FFT (odd `n_fft`).
    fft: Arc<dyn Fft<f64>>,
    /// Half-length complex FFT of sample pairs (even `n_fft`), with `(cos, sin)(2πk/n_fft)`.
    half: Option<Arc<dyn Fft<f64>>>,
    twiddles: Vec<(f64, f64)>,
}

impl std::fmt::Debug for PreciseStft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreciseStft")
            .field("n_fft", &self.n_fft)
            .field("hop_length", &self.hop_length)
            .finish_non_exhaustive()
    }
}

impl PreciseStft {
    /// Builds the plan (`n_fft ≥ 2`, `hop_length ≥ 1`).
    pub fn new(n_fft: usize, hop_length: usize) -> Result<Self> {
        // Same checks and messages as the f32 plan.
        Stft::new(n_fft, hop_length)?;
        let window = (0..n_fft)
            .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n_fft as f64).cos())
            .collect();
        let mut planner = FftPlanner::<f64>::new();
        let even = n_fft.is_multiple_of(2);
        let twiddles = if even {
            (0..n_fft / 2)
                .map(|k| {
                    let a = 2.0 * std::f64::consts::PI * k as f64 / n_fft as f64;
                    (a.cos(), a.sin())
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            n_fft,
            hop_length,
            window,
            fft: planner.plan_fft_forward(if even { 1 } else { n_fft }),
            half: even.then(|| planner.plan_fft_forward(n_fft / 2)),
            twiddles,
        })
    }

    /// FFT length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop length in samples.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precise_and_fast_spectrograms_agree_for_even_and_odd_sizes() {
        let signal: Vec<f32> = (0..3000)
            .map(|i| (i as f32 * 0.07).sin() + 0.3 * ((i * 13 % 17) as f32 / 17.0 - 0.5))
            .collect();
        for n_fft in [6, 7, 64, 255, 512] {
            let fast =
                Spectrogram::compute(&Stft::new(n_fft, 100).unwrap(), &signal, 16000).unwrap();
            let precise = Spectrogram::compute_precise(
                &PreciseStft::new(n_fft, 100).unwrap(),
                &signal,
                16000,
            )
            .unwrap();
            assert_eq!(fast.power().dim(), precise.power().dim());
            let scale = precise.power().iter().fold(0f32, |m, &v| m.max(v));
            for (a, b) in fast.power().iter().zip(precise.power()) {
                assert!((a - b).abs() <= 1e-5 * scale, "n_fft {n_fft}: {a} vs {b}");
            }
        }
    }
}
