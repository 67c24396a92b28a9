//! Fundamental frequency per frame, two ways:
//!
//! * [`Yin`]: YIN, as `librosa.yin(y, fmin=65, fmax=600, sr=…)` (frame 2048, hop 512, centred with
//!   zero padding, trough threshold 0.1); a value for every frame.
//! * [`AutocorrPitch`]: normalised autocorrelation on the signal decimated by two, with a voicing
//!   decision (`None` for unvoiced frames); the pitch tracker of the clip
//!   [`functionals`](crate::functionals).

use std::sync::Arc;

use ndarray::Array1;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::error::{FeatureError, Result};
use crate::mel::dot;
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

/// Parameters of [`AutocorrPitch`]; the defaults are the clip
/// [`functionals`](crate::functionals)' (22050 Hz, 70–800 Hz, hop 512, 35 ms window, voicing
/// threshold 0.55, peak ratio 0.9). Set fields with the fluent setters; [`AutocorrPitch::new`]
/// validates.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AutocorrPitchParams {
    /// Sample rate of the input in Hz (22050).
    pub sample_rate: u32,
    /// Lowest F0 searched, Hz (70).
    pub fmin: f32,
    /// Highest F0 searched, Hz (800). The signal is decimated by two and lags below two decimated
    /// samples are not searched, so F0s above a quarter of the sample rate cannot be found.
    pub fmax: f32,
    /// Hop between frame centres in input samples (512, the STFT's, so that frame `t` is centred
    /// at sample `t · hop_length` like a centred STFT frame). Must be even (it is halved with the
    /// signal).
    pub hop_length: usize,
    /// Length of the analysis window in seconds (0.035).
    pub window_seconds: f32,
    /// Normalised autocorrelation the best peak in the lag range needs for the frame to count as
    /// voiced (0.55).
    pub voicing_threshold: f32,
    /// The shortest lag whose local peak reaches this fraction of the best peak wins, which
    /// avoids octave drops (0.9; 1 picks the best peak).
    pub peak_ratio: f32,
}

impl Default for AutocorrPitchParams {
    fn default() -> Self {
        Self {
            sample_rate: 22050,
            fmin: 70.0,
            fmax: 800.0,
            hop_length: 512,
            window_seconds: 0.035,
            voicing_threshold: 0.55,
            peak_ratio: 0.9,
        }
    }
}

impl AutocorrPitchParams {
    /// Sets the sample rate in Hz.
    pub fn sample_rate(mut self, sample_rate: u32) -> Self {
        self.sample_rate = sample_rate;
        self
    }

    /// Sets the F0 range searched, Hz.
    pub fn f0_range(mut self, fmin: f32, fmax: f32) -> Self {
        self.fmin = fmin;
        self.fmax = fmax;
        self
    }

    /// Sets the hop between frame centres in input samples (even).
    pub fn hop_length(mut self, hop_length: usize) -> Self {
        self.hop_length = hop_length;
        self
    }

    /// Sets the analysis window's length in seconds.
    pub fn window_seconds(mut self, window_seconds: f32) -> Self {
        self.window_seconds = window_seconds;
        self
    }

    /// Sets the voicing threshold on the normalised autocorrelation.
    pub fn voicing_threshold(mut self, voicing_threshold: f32) -> Self {
        self.voicing_threshold = voicing_threshold;
        self
    }

    /// Sets the fraction of the best peak the chosen (shortest) lag must reach.
    pub fn peak_ratio(mut self, peak_ratio: f32) -> Self {
        self.peak_ratio = peak_ratio;
        self
    }

    /// Checks every field (done by [`AutocorrPitch::new`]).
    pub fn check(&self) -> Result<()> {
        self.layout().map(|_| ())
    }

    /// Validates and derives the plan's sizes: decimated rate, window, lag range, hop.
    fn layout(&self) -> Result<Layout> {
        let bad =
            |name: &'static str, reason: String| FeatureError::InvalidParameter { name, reason };
        if self.sample_rate == 0 {
            return Err(bad("sample_rate", "must be positive".into()));
        }
        if self.hop_length < 2 || !self.hop_length.is_multiple_of(2) {
            return Err(bad(
                "hop_length",
                format!("must be even and at least 2, got {}", self.hop_length),
            ));
        }
        if !(self.fmin.is_finite() && self.fmin > 0.0 && self.fmin < self.fmax) {
            return Err(bad(
                "fmin",
                format!("must lie in (0, fmax), got {}", self.fmin),
            ));
        }
        if !self.fmax.is_finite() {
            return Err(bad("fmax", format!("must be finite, got {}", self.fmax)));
        }
        if !(self.voicing_threshold.is_finite() && (0.0..=1.0).contains(&self.voicing_threshold)) {
            return Err(bad(
                "voicing_threshold",
                format!("must lie in [0, 1], got {}", self.voicing_threshold),
            ));
        }
        if !(self.peak_ratio.is_finite() && self.peak_ratio > 0.0 && self.peak_ratio <= 1.0) {
            return Err(bad(
                "peak_ratio",
                format!("must lie in (0, 1], got {}", self.peak_ratio),
            ));
        }
        let rate = self.sample_rate as f32 / 2.0;
        let window = self.window_seconds * rate;
        if !(window.is_finite() && window >= 1.0) {
            return Err(bad(
                "window_seconds",
                format!(
                    "must span at least one decimated sample, got {} s",
                    self.window_seconds
                ),
            ));
        }
        let min_lag = (rate / self.fmax).floor().max(2.0) as usize;
        let max_lag = (rate / self.fmin).ceil() as usize;
        if max_lag <= min_lag {
            return Err(bad(
                "sample_rate",
                format!(
                    "{} Hz leaves no lag range for {}–{} Hz",
                    self.sample_rate, self.fmin, self.fmax
                ),
            ));
        }
        Ok(Layout {
            rate,
            window: window as usize,
            min_lag,
            max_lag,
            hop: self.hop_length / 2,
        })
    }
}

/// Sizes an [`AutocorrPitch`] plan derives from its parameters, in decimated samples.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    /// Sample rate after decimation by two, Hz.
    rate: f32,
    /// Analysis window.
    window: usize,
    /// Shortest lag searched (at least 2).
    min_lag: usize,
    /// Longest lag searched.
    max_lag: usize,
    /// Hop between frame centres.
    hop: usize,
}

/// F0 by normalised autocorrelation, one value per frame or `None` when unvoiced; a built plan,
/// `Send + Sync`.
///
/// The signal is decimated by two (pairs averaged). Frame `t` is the window of
/// [`AutocorrPitchParams::window_seconds`] starting half a window before sample
/// `t · hop_length` (clamped at the start); frames whose window plus the longest lag reaches the
/// end of the signal, and silent frames, are unvoiced. For each lag in the F0 range the
/// normalised cross-correlation `Σ a·b / √(Σa² Σb²)` of the window `a` with the window `b`
/// shifted by the lag is computed; a frame is voiced when the best value reaches
/// [`AutocorrPitchParams::voicing_threshold`]. The shortest lag that is a local peak within
/// [`AutocorrPitchParams::peak_ratio`] of the best wins, refined by a parabola through its
/// neighbours (at most half a lag either way).
///
/// There are `1 + len / hop_length` frames, as a centred STFT with that hop has. This is not
/// [`Yin`]: it decides voicing, and its values differ.
#[derive(Debug, Clone)]
pub struct AutocorrPitch {
    params: AutocorrPitchParams,
    layout: Layout,
}

/// Buffers for [`AutocorrPitch::process_with_scratch`]; reuse one per thread.
#[derive(Debug, Clone, Default)]
pub struct AutocorrPitchScratch {
    /// The decimated signal.
    decimated: Vec<f32>,
    /// Normalised autocorrelation by lag.
    acf: Vec<f32>,
}

impl AutocorrPitch {
    /// Validates `params` and builds the plan.
    pub fn new(params: &AutocorrPitchParams) -> Result<Self> {
        Ok(Self {
            params: params.clone(),
            layout: params.layout()?,
        })
    }

    /// The parameters this plan was built from.
    pub fn params(&self) -> &AutocorrPitchParams {
        &self.params
    }

    /// Number of frames for a signal of `len` samples, `1 + len / hop_length`.
    pub fn n_frames(&self, len: usize) -> usize {
        1 + len / self.params.hop_length
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> AutocorrPitchScratch {
        AutocorrPitchScratch {
            decimated: Vec::new(),
            acf: vec![0.0; self.layout.max_lag + 2],
        }
    }

    /// F0 in Hz per frame ([`AutocorrPitch::n_frames`] values), `None` where unvoiced. Errors:
    /// an empty signal, a non-finite sample, or one beyond ±1e12.
    pub fn process(&self, signal: &[f32]) -> Result<Vec<Option<f32>>> {
        self.process_with_scratch(signal, &mut self.make_scratch())
    }

    /// [`AutocorrPitch::process`] reusing `scratch`.
    pub fn process_with_scratch(
        &self,
        signal: &[f32],
        scratch: &mut AutocorrPitchScratch,
    ) -> Result<Vec<Option<f32>>> {
        check_signal(signal)?;
        let mut out = vec![None; self.n_frames(signal.len())];
        self.track(signal, scratch, &mut out);
        Ok(out)
    }

    /// [`AutocorrPitch::process_with_scratch`] that also gives each frame's voicing strength in
    /// `strength` (cleared first): the best normalised autocorrelation in the lag range (0 for
    /// silent frames and those too close to the end), whatever the voicing decision.
    pub(crate) fn process_with_strength(
        &self,
        signal: &[f32],
        scratch: &mut AutocorrPitchScratch,
        strength: &mut Vec<f32>,
    ) -> Result<Vec<Option<f32>>> {
        check_signal(signal)?;
        let n = self.n_frames(signal.len());
        let mut out = vec![None; n];
        strength.clear();
        strength.resize(n, 0.0);
        self.track_with(signal, scratch, &mut out, Some(strength));
        Ok(out)
    }

    /// Fills `out` (one slot per frame) for a checked signal.
    fn track(&self, signal: &[f32], scratch: &mut AutocorrPitchScratch, out: &mut [Option<f32>]) {
        self.track_with(signal, scratch, out, None);
    }

    /// [`AutocorrPitch::track`], writing the voicing strengths into `strength` when given (as
    /// long as `out`).
    fn track_with(
        &self,
        signal: &[f32],
        scratch: &mut AutocorrPitchScratch,
        out: &mut [Option<f32>],
        mut strength: Option<&mut [f32]>,
    ) {
        let x = &mut scratch.decimated;
        x.clear();
        x.extend(signal.chunks(2).map(decimate));
        let r = &mut scratch.acf;
        r.clear();
        r.resize(self.acf_len(), 0.0);
        for (j, slot) in out.iter_mut().enumerate() {
            let (f0, best) = if x.len() < self.decimated_needed(j) {
                (None, 0.0)
            } else {
                self.frame_f0_strength(x, self.window_start(j), r)
            };
            *slot = f0;
            if let Some(s) = strength.as_deref_mut().and_then(|s| s.get_mut(j)) {
                *s = best;
            }
        }
    }

    /// Length of the autocorrelation buffer [`AutocorrPitch::frame_f0`] needs.
    pub(crate) fn acf_len(&self) -> usize {
        self.layout.max_lag + 2
    }

    /// Decimated index where frame `j`'s window starts: half a window before its centre
    /// `j · hop`, clamped at the start.
    pub(crate) fn window_start(&self, j: usize) -> usize {
        (j * self.layout.hop).saturating_sub(self.layout.window / 2)
    }

    /// How many decimated samples the whole signal must have for frame `j` to be analysed:
    /// its window, the longest lag and one more (with fewer the frame is unvoiced). The
    /// analysis reads decimated samples `window_start(j) ..= decimated_needed(j) − 2` only.
    pub(crate) fn decimated_needed(&self, j: usize) -> usize {
        self.window_start(j) + self.layout.window + self.layout.max_lag + 2
    }

    /// F0 of the frame whose window starts at decimated index `start` of `x`, which must hold
    /// at least `start + window + max_lag + 1` samples (see
    /// [`AutocorrPitch::decimated_needed`]); `r` is the autocorrelation buffer
    /// ([`AutocorrPitch::acf_len`] values). `None` when silent or unvoiced.
    pub(crate) fn frame_f0(&self, x: &[f32], start: usize, r: &mut [f32]) -> Option<f32> {
        self.frame_f0_strength(x, start, r).0
    }

    /// [`AutocorrPitch::frame_f0`] and the frame's voicing strength: the best normalised
    /// autocorrelation in the lag range (0 when the frame is silent or does not fit).
    pub(crate) fn frame_f0_strength(
        &self,
        x: &[f32],
        start: usize,
        r: &mut [f32],
    ) -> (Option<f32>, f32) {
        let Layout {
            rate,
            window: win,
            min_lag,
            max_lag,
            ..
        } = self.layout;
        if start + win + max_lag + 1 > x.len() || r.len() < max_lag + 2 {
            return (None, 0.0);
        }
        let a = &x[start..start + win];
        let e0 = dot(a, a);
        if e0 <= 1e-8 {
            return (None, 0.0);
        }
        // The shifted window's energy slides with the lag: one sample in, one out, kept in f64
        // so the running sum does not drift from the direct one (relative error ~1e-15).
        let square = |v: f32| f64::from(v) * f64::from(v);
        let first = min_lag - 1;
        let mut eb: f64 = x[start + first..start + first + win]
            .iter()
            .map(|&v| square(v))
            .sum();
        for (lag, rv) in r.iter_mut().enumerate().take(max_lag + 2).skip(first) {
            if lag > first {
                eb += square(x[start + lag + win - 1]) - square(x[start + lag - 1]);
            }
            let num = dot(a, &x[start + lag..start + lag + win]);
            *rv = num / (e0 * eb.max(0.0) as f32).sqrt().max(1e-12);
        }
        let best = (min_lag..=max_lag)
            .map(|l| r[l])
            .fold(f32::NEG_INFINITY, f32::max);
        if best < self.params.voicing_threshold {
            return (None, best);
        }
        let floor = self.params.peak_ratio * best;
        let Some(lag) =
            (min_lag..=max_lag).find(|&l| r[l] >= floor && r[l] >= r[l - 1] && r[l] >= r[l + 1])
        else {
            return (None, best);
        };
        let (y0, y1, y2) = (r[lag - 1], r[lag], r[lag + 1]);
        let denom = y0 - 2.0 * y1 + y2;
        let shift = if denom.abs() > 1e-12 {
            (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        (Some(rate / (lag as f32 + shift)), best)
    }
}

/// One decimated sample: the mean of a pair of input samples (of the last, lone one for an odd
/// length), as [`AutocorrPitch`] decimates.
pub(crate) fn decimate(pair: &[f32]) -> f32 {
    pair.iter().sum::<f32>() / pair.len() as f32
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn tone(f0: f32, secs: f32, rate: u32) -> Vec<f32> {
        (0..(secs * rate as f32) as usize)
            .map(|n| {
                let t = n as f32 / rate as f32;
                (1..4)
                    .map(|h| 0.2 / h as f32 * (std::f32::consts::TAU * f0 * h as f32 * t).sin())
                    .sum()
            })
            .collect()
    }

    #[test]
    fn bad_parameters_are_rejected_when_the_plan_is_built() {
        let base = AutocorrPitchParams::default();
        for (params, name) in [
            (base.clone().sample_rate(0), "sample_rate"),
            (base.clone().hop_length(511), "hop_length"),
            (base.clone().hop_length(0), "hop_length"),
            (base.clone().f0_range(0.0, 800.0), "fmin"),
            (base.clone().f0_range(500.0, 400.0), "fmin"),
            (base.clone().f0_range(70.0, f32::INFINITY), "fmax"),
            (
                base.clone().voicing_threshold(f32::NAN),
                "voicing_threshold",
            ),
            (base.clone().peak_ratio(0.0), "peak_ratio"),
            (base.clone().window_seconds(0.0), "window_seconds"),
            // 100 Hz decimates to 50 Hz: no lag range for 70–800 Hz.
            (base.clone().sample_rate(100), "sample_rate"),
        ] {
            match AutocorrPitch::new(&params) {
                Err(FeatureError::InvalidParameter { name: got, .. }) => {
                    assert_eq!(got, name, "{params:?}")
                }
                other => panic!("{params:?}: {other:?}"),
            }
        }
        assert!(base.check().is_ok());
    }

    #[test]
    fn tones_are_found_and_silence_and_noise_are_unvoiced() {
        for rate in [16_000, 22_050] {
            let plan =
                AutocorrPitch::new(&AutocorrPitchParams::default().sample_rate(rate)).unwrap();
            let x = tone(150.0, 1.0, rate);
            let track = plan.process(&x).unwrap();
            assert_eq!(track.len(), plan.n_frames(x.len()));
            assert_eq!(track.len(), 1 + x.len() / 512);
            let voiced: Vec<f32> = track.iter().flatten().copied().collect();
            assert!(voiced.len() > track.len() / 2, "{rate}: {}", voiced.len());
            assert!(
                voiced.iter().all(|f| (f / 150.0 - 1.0).abs() < 0.01),
                "{voiced:?}"
            );
            // The same with a reused scratch, twice.
            let mut scratch = plan.make_scratch();
            assert_eq!(plan.process_with_scratch(&x, &mut scratch).unwrap(), track);
            assert_eq!(plan.process_with_scratch(&x, &mut scratch).unwrap(), track);

            let silence = plan.process(&vec![0f32; rate as usize]).unwrap();
            assert!(silence.iter().all(Option::is_none));
            let mut state = 1u32;
            let noise: Vec<f32> = (0..rate)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 8) as f32 / (1 << 24) as f32 - 0.5
                })
                .collect();
            let noisy = plan.process(&noise).unwrap();
            assert!(noisy.iter().filter(|f| f.is_some()).count() < noisy.len() / 10);
        }
    }

    #[test]
    fn the_strength_variant_gives_the_same_track() {
        let plan = AutocorrPitch::new(&AutocorrPitchParams::default()).unwrap();
        let mut x = tone(180.0, 0.5, 22_050);
        x.extend(vec![0.0; 4096]);
        let mut strength = Vec::new();
        let track = plan
            .process_with_strength(&x, &mut plan.make_scratch(), &mut strength)
            .unwrap();
        assert_eq!(track, plan.process(&x).unwrap());
        assert_eq!(strength.len(), track.len());
        for (f0, s) in track.iter().zip(&strength) {
            assert!((0.0..=1.0 + 1e-6).contains(s), "{s}");
            if f0.is_some() {
                assert!(*s >= 0.55, "{s}");
            }
        }
        // The silent tail has no strength.
        assert_eq!(strength.last(), Some(&0.0));
    }

    #[test]
    fn bad_signals_are_errors() {
        let plan = AutocorrPitch::new(&AutocorrPitchParams::default()).unwrap();
        assert_eq!(plan.process(&[]), Err(FeatureError::EmptyInput));
        assert!(matches!(
            plan.process(&[0.0, f32::INFINITY]),
            Err(FeatureError::NonFiniteSample { index: 1, .. })
        ));
        // Shorter than a window plus the longest lag: a frame, unvoiced.
        assert_eq!(plan.process(&[0.1; 100]).unwrap(), vec![None]);
    }
}
