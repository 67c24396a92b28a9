//! Short-time Fourier transform as librosa ≥ 0.10 computes it: periodic Hann window, centred
//! frames with zero padding (`pad_mode="constant"`), one-sided spectrum of `1 + n_fft / 2` bins.
//!
//! [`Stft`] is a plan: the FFT plan and the window are built once, the plan is `Send + Sync` and
//! works through `&self`, and [`StftScratch`] carries every buffer a frame needs, so the per-frame
//! path allocates nothing.

use std::sync::Arc;

use ndarray::{Array2, ArrayViewMut2};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

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
    fft: Arc<dyn RealToComplex<f32>>,
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
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    fft: Vec<Complex<f32>>,
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
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        Ok(Self {
            n_fft,
            hop_length,
            window: hann_periodic(n_fft),
            fft,
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
        StftScratch {
            frame: self.fft.make_input_vec(),
            spectrum: self.fft.make_output_vec(),
            fft: self.fft.make_scratch_vec(),
        }
    }

    /// Complex spectrum of frame `t` (centred at sample `t · hop_length`, zero padded beyond the
    /// signal's ends). The signal is not checked here: callers check it once per clip. The
    /// returned slice lives in `scratch`.
    pub fn frame_spectrum<'s>(
        &self,
        signal: &[f32],
        t: usize,
        scratch: &'s mut StftScratch,
    ) -> Result<&'s [Complex<f32>]> {
        self.load_frame(signal, t, &mut scratch.frame);
        self.fft
            .process_with_scratch(&mut scratch.frame, &mut scratch.spectrum, &mut scratch.fft)
            .map_err(|e| FeatureError::Fft {
                message: e.to_string(),
            })?;
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
        let spectrum = self.frame_spectrum(signal, t, scratch)?;
        if power.len() != spectrum.len() {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![spectrum.len()],
                actual: vec![power.len()],
            });
        }
        for (p, c) in power.iter_mut().zip(spectrum) {
            *p = c.re * c.re + c.im * c.im;
        }
        Ok(())
    }

    /// Windowed frame `t` of the zero-padded, centred signal.
    fn load_frame(&self, signal: &[f32], t: usize, frame: &mut [f32]) {
        let pad = self.n_fft / 2;
        // Frame t covers signal indices [t·hop − pad, t·hop − pad + n_fft).
        let start = (t * self.hop_length) as isize - pad as isize;
        let len = signal.len() as isize;
        let n = self.n_fft as isize;
        let lo = (-start).clamp(0, n) as usize; // first frame index inside the signal
        let hi = (len - start).clamp(0, n) as usize; // one past the last
        if lo >= hi {
            frame.fill(0.0);
            return;
        }
        frame[..lo].fill(0.0);
        frame[hi..].fill(0.0);
        let s0 = (start + lo as isize) as usize;
        let src = &signal[s0..s0 + (hi - lo)];
        for ((out, &x), &w) in frame[lo..hi].iter_mut().zip(src).zip(&self.window[lo..hi]) {
            *out = x * w;
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
        for (t, mut column) in out.columns_mut().into_iter().enumerate() {
            let spectrum = self.frame_spectrum(signal, t, scratch)?;
            for (p, c) in column.iter_mut().zip(spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
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

/// One-shot power spectrogram (builds a plan; prefer [`Stft`] for many clips).
pub fn power_spectrogram(signal: &[f32], n_fft: usize, hop_length: usize) -> Result<Array2<f32>> {
    Stft::new(n_fft, hop_length)?.power_spectrogram(signal)
}
