//! Short-time Fourier transform as librosa ≥ 0.10 computes it: periodic Hann window, centred
//! frames with zero padding (`pad_mode="constant"`), one-sided spectrum of `1 + n_fft / 2` bins.
//!
//! [`Stft`] is a plan: the FFT plan and the window are built once, the plan is `Send + Sync` and
//! works through `&self`, and [`StftScratch`] carries every buffer a frame needs, so the per-frame
//! path allocates nothing.
//!
//! For an even `n_fft` a frame is transformed as `n_fft / 2` complex samples (even samples real,
//! odd ones imaginary) with rustfft, then split into the real signal's spectrum by one pass that
//! makes bins `k` and `n_fft/2 − k` together, four pairs per step, which the compiler vectorises;
//! the power spectrum comes out of that same pass. An odd `n_fft` uses a full-length complex FFT.

use std::sync::Arc;

use ndarray::{Array2, ArrayViewMut2};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::error::{FeatureError, Result};
use crate::signal::check_signal;

/// The periodic ("fftbins") Hann window of length `n`: `0.5 - 0.5 cos(2π k / n)`, as
/// `scipy.signal.get_window("hann", n, fftbins=True)` gives it (computed in `f64`).
pub fn hann_periodic(n: usize) -> Vec<f32> {
    (0..n)
        .map(|k| {
            let phase = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            (0.5 - 0.5 * phase.cos()) as f32
        })
        .collect()
}

/// Number of centred frames librosa produces for `len` samples: `1 + (len + 2·⌊n_fft/2⌋ − n_fft) / hop`,
/// which is `1 + len / hop` for an even `n_fft`. Zero when even the padded signal is shorter than
/// one frame (only possible for odd `n_fft` and `len == 0`).
pub fn frame_count(len: usize, n_fft: usize, hop_length: usize) -> usize {
    let padded = len + 2 * (n_fft / 2);
    if padded < n_fft || hop_length == 0 {
        0
    } else {
        1 + (padded - n_fft) / hop_length
    }
}

/// The frequency (Hz) of each of the `1 + n_fft / 2` bins, as `librosa.fft_frequencies`.
pub fn fft_frequencies(sample_rate: f64, n_fft: usize) -> Vec<f64> {
    let n_bins = 1 + n_fft / 2;
    (0..n_bins)
        .map(|k| k as f64 * sample_rate / n_fft as f64)
        .collect()
}

/// A built STFT: FFT plan and window for one `(n_fft, hop_length)`.
#[derive(Clone)]
pub struct Stft {
    n_fft: usize,
    hop_length: usize,
    window: Vec<f32>,
    /// Complex FFT of length `n_fft / 2` (even `n_fft`) or `n_fft` (odd).
    fft: Arc<dyn Fft<f32>>,
    /// `cos(2πk / n_fft)` and `sin(2πk / n_fft)` for `k < n_fft / 2` (even `n_fft` only).
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("n_fft", &self.n_fft)
            .field("hop_length", &self.hop_length)
            .finish_non_exhaustive()
    }
}

/// Buffers one frame needs; make it with [`Stft::make_scratch`] and reuse it for every frame and
/// clip processed by the same plan.
#[derive(Debug, Clone)]
pub struct StftScratch {
    /// The packed frame, transformed in place.
    buf: Vec<Complex<f32>>,
    fft: Vec<Complex<f32>>,
    spectrum: Vec<Complex<f32>>,
}

impl Stft {
    /// Builds the plan. `n_fft ≥ 2` (librosa's default 2048), `hop_length ≥ 1` (librosa: 512).
    pub fn new(n_fft: usize, hop_length: usize) -> Result<Self> {
        if n_fft < 2 {
            return Err(FeatureError::InvalidParameter {
                name: "n_fft",
                reason: format!("must be at least 2, got {n_fft}"),
            });
        }
        if hop_length == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "hop_length",
                reason: "must be at least 1".into(),
            });
        }
        let even = n_fft.is_multiple_of(2);
        let fft_len = if even { n_fft / 2 } else { n_fft };
        let fft = FftPlanner::<f32>::new().plan_fft_forward(fft_len);
        let (cos, sin) = if even {
            (0..n_fft / 2)
                .map(|k| {
                    let a = 2.0 * std::f64::consts::PI * k as f64 / n_fft as f64;
                    (a.cos() as f32, a.sin() as f32)
                })
                .unzip()
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Self {
            n_fft,
            hop_length,
            window: hann_periodic(n_fft),
            fft,
            cos,
            sin,
        })
    }

    /// FFT length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop between frames, in samples.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// Number of frequency bins, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        1 + self.n_fft / 2
    }

    /// Number of frames for a signal of `len` samples (see [`frame_count`]).
    pub fn n_frames(&self, len: usize) -> usize {
        frame_count(len, self.n_fft, self.hop_length)
    }

    /// The analysis window (periodic Hann).
    pub fn window(&self) -> &[f32] {
        &self.window
    }

    /// Allocates the buffers one frame needs.
    pub fn make_scratch(&self) -> StftScratch {
        let fft_len = self.fft.len();
        let n_bins = self.n_bins();
        StftScratch {
            buf: vec![Complex::default(); fft_len],
            fft: vec![Complex::default(); self.fft.get_inplace_scratch_len()],
            spectrum: vec![Complex::default(); n_bins],
        }
    }

    /// Complex spectrum of frame `t` (centred at sample `t · hop_length`, zero padded beyond the
    /// signal's ends), [`Stft::n_bins`] values. The signal is not checked here: callers check it
    /// once per clip. The returned slice lives in `scratch`.
    pub fn frame_spectrum<'s>(
        &self,
        signal: &[f32],
        t: usize,
        scratch: &'s mut StftScratch,
    ) -> Result<&'s [Complex<f32>]> {
        self.transform(signal, t, scratch)?;
        if self.cos.is_empty() {
            let n_bins = self.n_bins();
            scratch.spectrum.copy_from_slice(&scratch.buf[..n_bins]);
        } else {
            let spectrum = &mut scratch.spectrum;
            self.split(&scratch.buf, |k, x| spectrum[k] = x);
        }
        Ok(&scratch.spectrum)
    }

    /// Power spectrum `|X|²` of frame `t` into `power` (length [`Stft::n_bins`]).
    pub fn frame_power(
        &self,
        signal: &[f32],
        t: usize,
        scratch: &mut StftScratch,
        power: &mut [f32],
    ) -> Result<()> {
        if power.len() != self.n_bins() {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.n_bins()],
                actual: vec![power.len()],
            });
        }
        self.transform(signal, t, scratch)?;
        self.power_of_transform(scratch, power);
        Ok(())
    }

    /// [`Stft::frame_power`] of a frame already cut from the centred, zero-padded signal
    /// (`n_fft` samples, not windowed), as [`crate::stream::FrameStream`] emits them. The numbers
    /// are those of [`Stft::frame_power`] for the same frame, bit for bit: the padding zeros
    /// times the window are the zeros `frame_power` loads for samples beyond the signal.
    pub(crate) fn cut_frame_power(
        &self,
        frame: &[f32],
        scratch: &mut StftScratch,
        power: &mut [f32],
    ) -> Result<()> {
        if power.len() != self.n_bins() || frame.len() != self.n_fft {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.n_fft, self.n_bins()],
                actual: vec![frame.len(), power.len()],
            });
        }
        self.check_scratch(scratch)?;
        self.load_cut_frame(frame, &mut scratch.buf);
        self.fft
            .process_with_scratch(&mut scratch.buf, &mut scratch.fft);
        self.power_of_transform(scratch, power);
        Ok(())
    }

    /// `|X|²` from the transformed frame in `scratch.buf` into `power` (length `n_bins`).
    fn power_of_transform(&self, scratch: &mut StftScratch, power: &mut [f32]) {
        if self.cos.is_empty() {
            for (p, c) in power.iter_mut().zip(&scratch.buf) {
                *p = c.re * c.re + c.im * c.im;
            }
        } else {
            self.split_power(&scratch.buf, power);
        }
    }

    /// Errors unless `scratch` was made by a plan of this size.
    fn check_scratch(&self, scratch: &StftScratch) -> Result<()> {
        if scratch.buf.len() != self.fft.len()
            || scratch.fft.len() < self.fft.get_inplace_scratch_len()
        {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.fft.len()],
                actual: vec![scratch.buf.len()],
            });
        }
        Ok(())
    }

    /// Loads frame `t` into `scratch.buf` and transforms it in place.
    fn transform(&self, signal: &[f32], t: usize, scratch: &mut StftScratch) -> Result<()> {
        self.check_scratch(scratch)?;
        let buf = &mut scratch.buf;
        self.load_frame(signal, t, buf);
        self.fft.process_with_scratch(buf, &mut scratch.fft);
        Ok(())
    }

    /// A cut frame (`n_fft` samples of the padded signal), windowed and packed for the FFT as
    /// [`Stft::load_frame`] packs it.
    fn load_cut_frame(&self, frame: &[f32], buf: &mut [Complex<f32>]) {
        let w = &self.window;
        if self.cos.is_empty() {
            for ((c, &x), &w) in buf.iter_mut().zip(frame).zip(w) {
                *c = Complex::new(x * w, 0.0);
            }
        } else {
            for ((c, x), w) in buf
                .iter_mut()
                .zip(frame.chunks_exact(2))
                .zip(w.chunks_exact(2))
            {
                *c = Complex::new(x[0] * w[0], x[1] * w[1]);
            }
        }
    }

    /// Even `n_fft`: the real signal's spectrum from the half-length transform `Z` of the packed
    /// frame (`M = n_fft / 2`): `X[k] = E[k] + e^{−2πik/n_fft} O[k]` with
    /// `E = (Z[k] + conj Z[M−k]) / 2` (the even samples' spectrum) and
    /// `O = (Z[k] − conj Z[M−k]) / 2i` (the odd samples'). Bins `k` and `M − k` share their
    /// inputs, so they are made together; `put(k, X[k])` receives every bin.
    fn split(&self, z: &[Complex<f32>], mut put: impl FnMut(usize, Complex<f32>)) {
        let m = self.cos.len();
        put(0, Complex::new(z[0].re + z[0].im, 0.0));
        put(m, Complex::new(z[0].re - z[0].im, 0.0));
        for k in 1..=m / 2 {
            let j = m - k;
            let (a, b) = (z[k], z[j]);
            let (c, s) = (self.cos[k], self.sin[k]);
            let e_re = 0.5 * (a.re + b.re);
            let e_im = 0.5 * (a.im - b.im);
            let o_re = 0.5 * (a.im + b.im);
            let o_im = -0.5 * (a.re - b.re);
            let p = c * o_re + s * o_im;
            let q = c * o_im - s * o_re;
            put(k, Complex::new(e_re + p, e_im + q));
            put(j, Complex::new(e_re - p, q - e_im));
        }
    }

    /// [`Stft::split`] straight to the power spectrum. Bins `k` and `M − k` share their inputs
    /// (`E`, `O` of one are ± those of the other), so they are made together, four pairs at a
    /// time straight from the interleaved transform: the `k` side read forwards, the `M − k`
    /// side backwards, each four-lane group reversed in registers, so the loop vectorises with no
    /// deinterleaved or reversed copies. The `½` of `E` and `O` is left out and the squares
    /// scaled by `¼` instead (exact: powers of two).
    fn split_power(&self, z: &[Complex<f32>], power: &mut [f32]) {
        let m = self.cos.len();
        // Pairs (k, m − k) for k in 1..=m/2; the first `span` of them four at a time, keeping
        // the two sides apart (k < m/2 + 1 ≤ m − k), the rest (at most four) one by one.
        let half = m / 2;
        let span = 4 * (half.saturating_sub(1) / 4);
        let (lo, hi) = power.split_at_mut(half + 1);
        let j0 = m - span; // lowest `m − k` of the grouped pairs
        let k_side = z[1..1 + span]
            .chunks_exact(4)
            .zip(self.cos[1..1 + span].chunks_exact(4))
            .zip(self.sin[1..1 + span].chunks_exact(4))
            .zip(lo[1..1 + span].chunks_exact_mut(4));
        let j_side = z[j0..m]
            .rchunks_exact(4)
            .zip(hi[j0 - half - 1..m - half - 1].rchunks_exact_mut(4));
        for ((((a, c), s), pk), (b, pj)) in k_side.zip(j_side) {
            let mut out_k = [0f32; 4];
            let mut out_j = [0f32; 4];
            for l in 0..4 {
                let (a, b) = (a[l], b[3 - l]);
                let (xk, xj) = pair_power(a.re, a.im, b.re, b.im, c[l], s[l]);
                out_k[l] = xk;
                out_j[3 - l] = xj;
            }
            pk.copy_from_slice(&out_k);
            pj.copy_from_slice(&out_j);
        }
        for k in 1 + span..=half {
            let j = m - k;
            let (a, b) = (z[k], z[j]);
            let (xk, xj) = pair_power(a.re, a.im, b.re, b.im, self.cos[k], self.sin[k]);
            // Bin m/2 of an even `m` pairs with itself: the `k` formula, as `split` has it.
            power[j] = xj;
            power[k] = xk;
        }
        // X[0] is real (x_im above cancels only up to rounding); X[m] = E[0] − O[0].
        power[0] = (z[0].re + z[0].im).powi(2);
        power[m] = (z[0].re - z[0].im).powi(2);
    }

    /// Windowed frame `t` of the zero-padded, centred signal, packed for the FFT: for an even
    /// `n_fft` sample pairs `(2n, 2n+1)` become one complex value, for an odd one each sample is a
    /// real value.
    fn load_frame(&self, signal: &[f32], t: usize, buf: &mut [Complex<f32>]) {
        let pad = self.n_fft / 2;
        // Frame t covers signal indices [t·hop − pad, t·hop − pad + n_fft).
        let start = (t * self.hop_length) as isize - pad as isize;
        let len = signal.len() as isize;
        let n = self.n_fft as isize;
        let lo = (-start).clamp(0, n) as usize; // first frame index inside the signal
        let hi = (len - start).clamp(0, n) as usize; // one past the last
        let w = &self.window;
        if self.cos.is_empty() {
            for (i, c) in buf.iter_mut().enumerate() {
                let x = if i >= lo && i < hi {
                    signal[(start + i as isize) as usize] * w[i]
                } else {
                    0.0
                };
                *c = Complex::new(x, 0.0);
            }
            return;
        }
        if lo == 0 && hi == self.n_fft {
            // Whole frame inside the signal: the common case, a straight vectorisable pass.
            let s0 = start as usize;
            let src = &signal[s0..s0 + self.n_fft];
            for ((c, x), w) in buf
                .iter_mut()
                .zip(src.chunks_exact(2))
                .zip(w.chunks_exact(2))
            {
                *c = Complex::new(x[0] * w[0], x[1] * w[1]);
            }
            return;
        }
        let sample = |i: usize| {
            if i >= lo && i < hi {
                signal[(start + i as isize) as usize] * w[i]
            } else {
                0.0
            }
        };
        for (n2, c) in buf.iter_mut().enumerate() {
            *c = Complex::new(sample(2 * n2), sample(2 * n2 + 1));
        }
    }

    /// Power spectrogram `|STFT|²`, shaped `(1 + n_fft/2) × frames` like librosa's
    /// `np.abs(librosa.stft(y))**2`.
    pub fn power_spectrogram(&self, signal: &[f32]) -> Result<Array2<f32>> {
        check_signal(signal)?;
        let mut out = Array2::zeros((self.n_bins(), self.n_frames(signal.len())));
        self.power_spectrogram_into(signal, &mut self.make_scratch(), out.view_mut())?;
        Ok(out)
    }

    /// [`Stft::power_spectrogram`] into a caller's `(1 + n_fft/2) × frames` array.
    pub fn power_spectrogram_into(
        &self,
        signal: &[f32],
        scratch: &mut StftScratch,
        mut out: ArrayViewMut2<'_, f32>,
    ) -> Result<()> {
        check_signal(signal)?;
        let expected = [self.n_bins(), self.n_frames(signal.len())];
        if out.shape() != expected {
            return Err(FeatureError::ShapeMismatch {
                expected: expected.to_vec(),
                actual: out.shape().to_vec(),
            });
        }
        let mut power = vec![0f32; self.n_bins()];
        for (t, mut column) in out.columns_mut().into_iter().enumerate() {
            self.frame_power(signal, t, scratch, &mut power)?;
            column.iter_mut().zip(&power).for_each(|(o, &p)| *o = p);
        }
        Ok(())
    }

    /// Magnitude spectrogram `|STFT|`, shaped `(1 + n_fft/2) × frames`.
    pub fn magnitude_spectrogram(&self, signal: &[f32]) -> Result<Array2<f32>> {
        let mut power = self.power_spectrogram(signal)?;
        power.mapv_inplace(f32::sqrt);
        Ok(power)
    }

    /// Complex spectrogram, shaped `(1 + n_fft/2) × frames` like `librosa.stft(y)`.
    pub fn complex_spectrogram(&self, signal: &[f32]) -> Result<Array2<Complex<f32>>> {
        check_signal(signal)?;
        let mut out = Array2::zeros((self.n_bins(), self.n_frames(signal.len())));
        let mut scratch = self.make_scratch();
        for (t, mut column) in out.columns_mut().into_iter().enumerate() {
            let spectrum = self.frame_spectrum(signal, t, &mut scratch)?;
            column.iter_mut().zip(spectrum).for_each(|(o, &c)| *o = c);
        }
        Ok(out)
    }
}

/// `|X[k]|²` and `|X[M − k]|²` from `a = Z[k]`, `b = Z[M − k]` and `(c, s)` the twiddle of `k`
/// (see [`Stft::split`]), computed with `E` and `O` doubled (the `½` dropped) and the squares
/// scaled by `¼`; `X[M − k]` reuses `E` and `O` of bin `k` (its own are their conjugates).
#[inline(always)]
fn pair_power(ar: f32, ai: f32, br: f32, bi: f32, c: f32, s: f32) -> (f32, f32) {
    let e_re = ar + br;
    let e_im = ai - bi;
    let o_re = ai + bi;
    let o_im = br - ar;
    let p = c * o_re + s * o_im;
    let q = c * o_im - s * o_re;
    let (k_re, k_im) = (e_re + p, e_im + q);
    let (j_re, j_im) = (e_re - p, q - e_im);
    (
        0.25 * (k_re * k_re + k_im * k_im),
        0.25 * (j_re * j_re + j_im * j_im),
    )
}

/// One-shot power spectrogram (builds a plan; prefer [`Stft`] for many clips).
pub fn power_spectrogram(signal: &[f32], n_fft: usize, hop_length: usize) -> Result<Array2<f32>> {
    Stft::new(n_fft, hop_length)?.power_spectrogram(signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct DFT of the windowed, centred, zero-padded frame `t`.
    fn naive_frame(signal: &[f32], n_fft: usize, hop: usize, t: usize) -> Vec<Complex<f64>> {
        let w = hann_periodic(n_fft);
        let start = (t * hop) as isize - (n_fft / 2) as isize;
        let frame: Vec<f64> = (0..n_fft)
            .map(|i| {
                let j = start + i as isize;
                if j >= 0 && (j as usize) < signal.len() {
                    signal[j as usize] as f64 * w[i] as f64
                } else {
                    0.0
                }
            })
            .collect();
        (0..=n_fft / 2)
            .map(|k| {
                frame
                    .iter()
                    .enumerate()
                    .map(|(n, &x)| {
                        let a = -2.0 * std::f64::consts::PI * (k * n) as f64 / n_fft as f64;
                        Complex::new(x * a.cos(), x * a.sin())
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn even_and_odd_lengths_match_a_direct_dft() {
        let signal: Vec<f32> = (0..300)
            .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) + (i as f32 * 0.3).sin())
            .collect();
        for n_fft in [2, 3, 6, 7, 8, 10, 16, 33, 64, 100] {
            let hop = (n_fft / 3).max(1);
            let stft = Stft::new(n_fft, hop).unwrap();
            let spec = stft.complex_spectrogram(&signal).unwrap();
            assert_eq!(spec.dim(), (1 + n_fft / 2, stft.n_frames(signal.len())));
            let power = stft.power_spectrogram(&signal).unwrap();
            for (p, c) in power.iter().zip(&spec) {
                assert!(
                    (p - c.norm_sqr()).abs() <= 1e-5 * (1.0 + p),
                    "n_fft {n_fft}: {p} vs {c}"
                );
            }
            for t in [0, 1, spec.ncols() / 2, spec.ncols() - 1] {
                let want = naive_frame(&signal, n_fft, hop, t);
                for (k, w) in want.iter().enumerate() {
                    let got = spec[[k, t]];
                    let err =
                        ((got.re as f64 - w.re).powi(2) + (got.im as f64 - w.im).powi(2)).sqrt();
                    assert!(
                        err < 1e-4 * n_fft as f64,
                        "n_fft {n_fft} t {t} k {k}: {got} vs {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(Stft::new(1, 4).is_err());
        assert!(Stft::new(8, 0).is_err());
    }
}
