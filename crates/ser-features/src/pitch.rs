//! Fundamental frequency by YIN, as `librosa.yin(y, fmin=65, fmax=600, sr=…)` (frame 2048, hop
//! 512, centred with zero padding, trough threshold 0.1).

use std::sync::Arc;

use ndarray::Array1;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::error::{FeatureError, Result};
use crate::signal::check_signal;

/// YIN parameters; defaults are the study's (fmin 65 Hz, fmax 600 Hz) with librosa's others.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct YinParams {
    /// Sample rate in Hz (22050).
    pub sample_rate: u32,
    /// Lowest pitch searched, Hz (65).
    pub fmin: f64,
    /// Highest pitch searched, Hz (600).
    pub fmax: f64,
    /// Frame length (librosa: 2048).
    pub frame_length: usize,
    /// Hop length (librosa: `frame_length / 4` = 512).
    pub hop_length: usize,
    /// Troughs of the normalised difference below this count (librosa: 0.1).
    pub trough_threshold: f64,
}

impl Default for YinParams {
    fn default() -> Self {
        Self {
            sample_rate: 22050,
            fmin: 65.0,
            fmax: 600.0,
            frame_length: 2048,
            hop_length: 512,
            trough_threshold: 0.1,
        }
    }
}

/// A built YIN plan (FFT for the autocorrelation), `Send + Sync`.
#[derive(Clone)]
pub struct Yin {
    params: YinParams,
    min_period: usize,
    max_period: usize,
    fft: Arc<dyn Fft<f64>>,
    ifft: Arc<dyn Fft<f64>>,
}

impl std::fmt::Debug for Yin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Yin")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl Yin {
    /// Validates `params` (as librosa: `0 < fmin < fmax ≤ sr/2`, a period range that fits the
    /// frame) and builds the plan.
    pub fn new(params: &YinParams) -> Result<Self> {
        let sr = params.sample_rate as f64;
        let bad =
            |name: &'static str, reason: String| FeatureError::InvalidParameter { name, reason };
        if params.sample_rate == 0 {
            return Err(bad("sample_rate", "must be positive".into()));
        }
        if params.hop_length == 0 {
            return Err(bad("hop_length", "must be at least 1".into()));
        }
        if !(params.fmin.is_finite() && params.fmin > 0.0 && params.fmin < params.fmax) {
            return Err(bad(
                "fmin",
                format!("must lie in (0, fmax), got {}", params.fmin),
            ));
        }
        if !(params.fmax.is_finite() && params.fmax <= sr / 2.0) {
            return Err(bad(
                "fmax",
                format!("must be at most sr/2 = {}, got {}", sr / 2.0, params.fmax),
            ));
        }
        let min_period = (sr / params.fmax).floor() as usize;
        let max_period =
            ((sr / params.fmin).ceil() as usize).min(params.frame_length.saturating_sub(1));
        if min_period < 1 || min_period + 2 > max_period {
            return Err(bad(
                "frame_length",
                format!(
                    "{} leaves no period range for fmin {} Hz",
                    params.frame_length, params.fmin
                ),
            ));
        }
        if !(params.trough_threshold.is_finite() && params.trough_threshold > 0.0) {
            return Err(bad(
                "trough_threshold",
                format!("must be positive, got {}", params.trough_threshold),
            ));
        }
        let n_pad = (2 * params.frame_length - 1).next_power_of_two();
        let mut planner = FftPlanner::<f64>::new();
        Ok(Self {
            params: params.clone(),
            min_period,
            max_period,
            fft: planner.plan_fft_forward(n_pad),
            ifft: planner.plan_fft_inverse(n_pad),
        })
    }

    /// f0 in Hz per frame (`1 + len / hop` frames).
    pub fn process(&self, signal: &[f32]) -> Result<Array1<f32>> {
        check_signal(signal)?;
        let p = &self.params;
        let frames = crate::stft::frame_count(signal.len(), p.frame_length, p.hop_length);
        let n = p.frame_length;
        let n_pad = self.fft.len();
        let (lo, hi) = (self.min_period, self.max_period);
        let mut buf = vec![Complex::<f64>::default(); n_pad];
        let mut scratch = vec![
            Complex::<f64>::default();
            self.fft
                .get_inplace_scratch_len()
                .max(self.ifft.get_inplace_scratch_len())
        ];
        let mut frame = vec![0f64; n];
        let mut diff = vec![0f64; hi + 1];
        let mut yin = vec![0f64; hi - lo + 1];
        let pad = (n / 2) as isize;
        let mut out = Array1::zeros(frames);
        for (t, o) in out.iter_mut().enumerate() {
            let start = (t * p.hop_length) as isize - pad;
            for (i, x) in frame.iter_mut().enumerate() {
                let j = start + i as isize;
                *x = if j >= 0 && (j as usize) < signal.len() {
                    signal[j as usize] as f64
                } else {
                    0.0
                };
            }
            // Autocorrelation by FFT (|X|² then inverse), lags 0 ..= max_period.
            buf.iter_mut().for_each(|c| *c = Complex::default());
            buf.iter_mut().zip(&frame).for_each(|(c, &x)| c.re = x);
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            buf.iter_mut()
                .for_each(|c| *c = Complex::new(c.norm_sqr(), 0.0));
            self.ifft.process_with_scratch(&mut buf, &mut scratch);
            let acf = |k: usize| buf[k].re / n_pad as f64;
            // Difference function d[τ] = 2 (r[0] − r[τ]) − Σ_{j<τ} x_j².
            let mut energy = 0.0;
            diff[0] = 0.0;
            for tau in 1..=hi {
                energy += frame[tau - 1] * frame[tau - 1];
                diff[tau] = 2.0 * (acf(0) - acf(tau)) - energy;
            }
            // Cumulative-mean normalisation over τ = min_period ..= max_period.
            let mut running = 0.0;
            for tau in 1..=hi {
                running += diff[tau];
                if tau >= lo {
                    let mean = running / tau as f64;
                    yin[tau - lo] = diff[tau] / (mean + f64::MIN_POSITIVE);
                }
            }
            *o = (p.sample_rate as f64 / (lo as f64 + self.best_period(&yin))) as f32;
        }
        Ok(out)
    }

    /// The chosen lag (offset from `min_period`, with its parabolic refinement): the first
    /// trough below the threshold, else the global minimum.
    fn best_period(&self, yin: &[f64]) -> f64 {
        let m = yin.len();
        let is_trough = |i: usize| -> bool {
            if i == 0 {
                yin[0] < yin[1]
            } else if i + 1 == m {
                yin[i] < yin[i - 1]
            } else {
                yin[i] < yin[i - 1] && yin[i] <= yin[i + 1]
            }
        };
        let idx = (0..m)
            .find(|&i| is_trough(i) && yin[i] < self.params.trough_threshold)
            .unwrap_or_else(|| (0..m).fold(0, |best, i| if yin[i] < yin[best] { i } else { best }));
        let shift = if idx == 0 || idx + 1 == m {
            0.0
        } else {
            let a = yin[idx + 1] + yin[idx - 1] - 2.0 * yin[idx];
            let b = (yin[idx + 1] - yin[idx - 1]) / 2.0;
            if b.abs() >= a.abs() { 0.0 } else { -b / a }
        };
        idx as f64 + shift
    }
}

/// One-shot YIN with the given parameters.
pub fn yin(signal: &[f32], params: &YinParams) -> Result<Array1<f32>> {
    Yin::new(params)?.process(signal)
}
