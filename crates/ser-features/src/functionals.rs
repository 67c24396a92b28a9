//! Functionals of a whole clip — a small eGeMAPS/ComParE-style vector ([`DIM`] values, named by
//! [`names`]) built from this crate's plans: one power spectrogram shared by the MFCCs, the
//! frame energy and the spectral balance, the [`AutocorrPitch`] tracker, and [`summarize`]'s
//! statistics. [`FeatureSpec::Functionals`](crate::FeatureSpec::Functionals) is this vector with
//! the default parameters.
//!
//! Frames are librosa's (2048-point FFT, hop 512, centred). Only *active* frames count: those
//! whose energy is within [`FunctionalsParams::active_range_db`] of the clip's loudest frame, so
//! leading and trailing silence does not dilute the statistics — give it the whole clip, not an
//! excerpt. The vector:
//!
//! * MFCC 0–39: mean and standard deviation over active frames; MFCC 1–19 deltas (centred
//!   difference of the neighbouring frames, halved): standard deviation (spectral envelope and
//!   how fast it moves);
//! * frame energy (dB): mean, std, 10th/50th/90th percentile, slope over the clip (per clip
//!   length), 10–90 range, mean absolute frame-to-frame change (a shimmer-like roughness);
//! * F0 (semitones re 100 Hz, voiced active frames, [`AutocorrPitch`]): the same eight, the last
//!   one between consecutive voiced frames (a jitter-like roughness), all zero with fewer than
//!   two voiced frames; then the voiced fraction of the active frames;
//! * spectral balance per active frame, mean and std: log₂ of the power-weighted centroid
//!   (Hz + 1), tilt (dB per octave, 100–5000 Hz), alpha ratio (50–1000 Hz over 1–5 kHz, dB),
//!   Hammarberg index (peak 0–2 kHz over peak 2–5 kHz, dB), flatness (100–5000 Hz);
//! * timing: active duration (s), active fraction of the clip.
//!
//! The vector is computed in two steps: the frame rows ([`Lld`], [`Functionals::llds`]), then
//! their statistics ([`Functionals::from_llds`]); [`LldStream`](crate::stream::LldStream) makes
//! the same rows from audio in chunks.
//!
//! ```
//! use ser_features::functionals::{DIM, Functionals, FunctionalsParams};
//!
//! let sr = 22050;
//! let tone: Vec<f32> = (0..sr)
//!     .map(|i| 0.3 * (std::f32::consts::TAU * 200.0 * i as f32 / sr as f32).sin())
//!     .collect();
//! let plan = Functionals::new(&FunctionalsParams::default().sample_rate(sr as u32))?;
//! let v = plan.extract(&tone)?;
//! assert_eq!(v.len(), DIM);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

use crate::db::{clamp_top_db, max_of};
use crate::error::{FeatureError, Result};
use crate::mel::dot;
use crate::mfcc::{Mfcc, MfccParams};
use crate::pitch::{AutocorrPitch, AutocorrPitchParams, AutocorrPitchScratch};
use crate::spectrogram::Spectrogram;
use crate::summary::{Summary, summarize};

/// MFCCs summarised (the study's 40).
const N_MFCC: usize = 40;
/// Mel bands behind them (librosa's default 128).
const N_MELS: usize = 128;
/// MFCCs whose deltas are summarised: 1 ..= N_DELTA.
const N_DELTA: usize = 19;

/// Statistics of a contour, in order.
const STAT_NAMES: [&str; 8] = [
    "mean", "std", "p10", "p50", "p90", "slope", "range", "absdiff",
];
/// Spectral balance values per frame, in order.
const SPECTRAL: [&str; 5] = [
    "log_centroid",
    "tilt",
    "alpha_ratio",
    "hammarberg",
    "flatness",
];

/// Number of values: 40 MFCC means, 40 MFCC stds, 19 delta stds, 8 energy and 8 F0 statistics,
/// the voiced fraction, 5 spectral means and stds, active seconds and fraction.
pub const DIM: usize = 2 * N_MFCC + N_DELTA + 2 * STAT_NAMES.len() + 1 + 2 * SPECTRAL.len() + 2;

/// Names of the values, in order ([`DIM`] of them), e.g. `"mfcc_3_std"`, `"f0_st_p50"`.
pub fn names() -> Vec<String> {
    let mut n: Vec<String> = (0..N_MFCC).map(|i| format!("mfcc_{i}_mean")).collect();
    n.extend((0..N_MFCC).map(|i| format!("mfcc_{i}_std")));
    n.extend((1..=N_DELTA).map(|i| format!("mfcc_{i}_delta_std")));
    n.extend(STAT_NAMES.iter().map(|s| format!("energy_db_{s}")));
    n.extend(STAT_NAMES.iter().map(|s| format!("f0_st_{s}")));
    n.push("voiced_fraction".into());
    for s in SPECTRAL {
        n.push(format!("{s}_mean"));
        n.push(format!("{s}_std"));
    }
    n.push("active_seconds".into());
    n.push("active_fraction".into());
    n
}

/// Parameters of [`Functionals`]; the defaults are what
/// [`FeatureSpec::Functionals`](crate::FeatureSpec::Functionals) uses. The MFCCs are the
/// study's ([`MfccParams::study`]); the pitch tracker is [`AutocorrPitchParams::default`] with
/// the F0 range and voicing threshold below. Set fields with the fluent setters;
/// [`Functionals::new`] validates.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionalsParams {
    /// Sample rate in Hz (22050).
    pub sample_rate: u32,
    /// Frames quieter than the loudest by more than this many dB are silence (35).
    pub active_range_db: f32,
    /// Lowest F0 searched, Hz (70).
    pub fmin: f32,
    /// Highest F0 searched, Hz (800).
    pub fmax: f32,
    /// Normalised autocorrelation a frame needs to count as voiced (0.55).
    pub voicing_threshold: f32,
}

impl Default for FunctionalsParams {
    fn default() -> Self {
        let pitch = AutocorrPitchParams::default();
        Self {
            sample_rate: 22050,
            active_range_db: 35.0,
            fmin: pitch.fmin,
            fmax: pitch.fmax,
            voicing_threshold: pitch.voicing_threshold,
        }
    }
}

impl FunctionalsParams {
    /// Sets the sample rate in Hz.
    pub fn sample_rate(mut self, sample_rate: u32) -> Self {
        self.sample_rate = sample_rate;
        self
    }

    /// Sets the range (dB below the loudest frame) of active frames.
    pub fn active_range_db(mut self, active_range_db: f32) -> Self {
        self.active_range_db = active_range_db;
        self
    }

    /// Sets the F0 range searched, Hz.
    pub fn f0_range(mut self, fmin: f32, fmax: f32) -> Self {
        self.fmin = fmin;
        self.fmax = fmax;
        self
    }

    /// Sets the voicing threshold.
    pub fn voicing_threshold(mut self, voicing_threshold: f32) -> Self {
        self.voicing_threshold = voicing_threshold;
        self
    }

    /// The MFCC (and STFT) part of these parameters: the study's at this rate.
    pub fn mfcc_params(&self) -> MfccParams {
        MfccParams::study().sample_rate(self.sample_rate)
    }

    /// The pitch tracker's part of these parameters (hop: the STFT's).
    pub fn pitch_params(&self) -> AutocorrPitchParams {
        AutocorrPitchParams::default()
            .sample_rate(self.sample_rate)
            .hop_length(self.mfcc_params().hop_length)
            .f0_range(self.fmin, self.fmax)
            .voicing_threshold(self.voicing_threshold)
    }

    /// Checks every field (done by [`Functionals::new`]).
    pub fn check(&self) -> Result<()> {
        if !(self.active_range_db.is_finite() && self.active_range_db > 0.0) {
            return Err(FeatureError::InvalidParameter {
                name: "active_range_db",
                reason: format!("must be positive and finite, got {}", self.active_range_db),
            });
        }
        self.mfcc_params().check()?;
        self.pitch_params().check()
    }
}

/// The bins and the tilt regressor of the spectral balance, fixed by rate and FFT length.
#[derive(Debug, Clone, PartialEq)]
struct Bands {
    /// Frequency of each bin, Hz (the centroid's weights).
    bin_freqs: Vec<f32>,
    /// Bins nearest 50, 100, 1000, 2000 and 5000 Hz (at most the last bin).
    b50: usize,
    b100: usize,
    b1k: usize,
    b2k: usize,
    b5k: usize,
    /// log₂ frequency of bins `b100 ..= b5k`, centred on their mean.
    xs_centred: Vec<f32>,
    /// Σ of the centred regressor, in `f64` (zero but for rounding).
    sx: f64,
    /// Σ of the squared centred regressor.
    sxx: f32,
}

impl Bands {
    fn new(sample_rate: u32, n_fft: usize) -> Self {
        let n_bins = 1 + n_fft / 2;
        let bin_hz = sample_rate as f32 / n_fft as f32;
        let bin = |hz: f32| ((hz / bin_hz).round() as usize).min(n_bins - 1);
        let (b50, b100, b1k, b2k, b5k) =
            (bin(50.0), bin(100.0), bin(1000.0), bin(2000.0), bin(5000.0));
        let xs: Vec<f32> = (b100..=b5k)
            .map(|k| (k.max(1) as f32 * bin_hz).log2())
            .collect();
        let xm = mean(&xs);
        let xs_centred: Vec<f32> = xs.iter().map(|x| x - xm).collect();
        let sxx = xs_centred.iter().map(|d| d.powi(2)).sum();
        Self {
            bin_freqs: (0..n_bins).map(|k| k as f32 * bin_hz).collect(),
            b50,
            b100,
            b1k,
            b2k,
            b5k,
            sx: xs_centred.iter().map(|&x| f64::from(x)).sum(),
            xs_centred,
            sxx,
        }
    }

    /// Log centroid, tilt, alpha ratio, Hammarberg index and flatness of one power frame (no
    /// allocation; sums in eight lanes, one logarithm per bin).
    fn of(&self, col: &[f32]) -> [f32; 5] {
        let Self {
            b50,
            b100,
            b1k,
            b2k,
            b5k,
            ..
        } = *self;
        let total: f32 = sum(col) + 1e-12;
        let centroid = dot(col, &self.bin_freqs) / total;
        let band = b100..=b5k;
        let n = band.clone().count();
        // One logarithm per bin serves the tilt's regression and the flatness's geometric mean:
        // Σ x·(dB − mean) = Σ x·dB − mean·Σ x, and the mean of ln p is the mean dB · ln 10 / 10.
        let (mut sum_db, mut sx_db) = (0f64, 0f64);
        for (&x, k) in self.xs_centred.iter().zip(band.clone()) {
            let db = f64::from(10.0 * (col[k] + 1e-12).log10());
            sum_db += db;
            sx_db += f64::from(x) * db;
        }
        let dm = (sum_db / n.max(1) as f64) as f32;
        let sxy = (sx_db - f64::from(dm) * self.sx) as f32;
        let tilt = if self.sxx > 0.0 { sxy / self.sxx } else { 0.0 };
        let low = sum(&col[b50..b1k]) + 1e-12;
        let high = sum(&col[b1k..=b5k]) + 1e-12;
        let max_low = (0..b2k).map(|k| col[k]).fold(0.0, f32::max) + 1e-12;
        let max_high = (b2k..=b5k).map(|k| col[k]).fold(0.0, f32::max) + 1e-12;
        let geo = (dm * (std::f32::consts::LN_10 / 10.0)).exp();
        let ari = (sum(&col[band]) + n as f32 * 1e-12) / n as f32;
        [
            (centroid + 1.0).log2(),
            tilt,
            10.0 * (low / high).log10(),
            10.0 * (max_low / max_high).log10(),
            geo / ari,
        ]
    }
}

/// The low-level descriptors (LLDs) of one frame: everything [`Functionals`] reads from a frame
/// before its clip statistics. [`Functionals::llds`] gives them for a whole clip,
/// [`LldStream`](crate::stream::LldStream) for a stream of chunks (the same rows, bit for bit),
/// and [`Functionals::from_llds`] turns the rows of a clip into its vector.
///
/// Frame `j` is the centred STFT frame `j` (2048 points, hop 512, centred at sample `j · 512`);
/// its F0 is [`AutocorrPitch`]'s frame `j`, whose window is centred on the same sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lld {
    /// MFCC 0–39 of the frame, live values: the log-mel spectrum is floored at `top_db` (80 dB)
    /// below the largest log-mel value of this frame *and the frames before it* (a stream cannot
    /// know the clip's maximum). From the frame holding the clip's largest value on they are the
    /// clip's MFCCs ([`Mfcc::process_spectrogram`] of the clip); before it they can differ where
    /// a value lies below the clip's floor. They are computed per frame (a dot product per
    /// coefficient), which rounds differently from the clip's matrix product by a few `f32` ulps
    /// of the sum. [`Functionals::from_llds`] does not read them: it recomputes the clip's
    /// MFCCs from [`Lld::log_mel`].
    pub mfcc: [f32; N_MFCC],
    /// The frame's log-mel spectrum, dB (`power_to_db` of the 128 Slaney mel bands, ref 1,
    /// amin 1e-10), not floored.
    pub log_mel: [f32; N_MELS],
    /// Frame energy, `10 · log10(Σ power + 1e-10)` dB.
    pub energy_db: f32,
    /// F0 in Hz, `None` when unvoiced, silent, or too close to the end of the signal for the
    /// tracker's longest lag.
    pub f0_hz: Option<f32>,
    /// Spectral balance, in the order of [`Lld::SPECTRAL`]: log₂(centroid Hz + 1), tilt (dB per
    /// octave, 100–5000 Hz), alpha ratio (dB), Hammarberg index (dB), flatness (100–5000 Hz).
    pub spectral: [f32; SPECTRAL.len()],
}

impl Lld {
    /// Number of MFCCs in [`Lld::mfcc`].
    pub const N_MFCC: usize = N_MFCC;
    /// Number of mel bands in [`Lld::log_mel`].
    pub const N_MELS: usize = N_MELS;
    /// Names of the [`Lld::spectral`] values, in order.
    pub const SPECTRAL: [&'static str; 5] = SPECTRAL;
}

impl Default for Lld {
    /// All zeros, unvoiced.
    fn default() -> Self {
        Self {
            mfcc: [0.0; N_MFCC],
            log_mel: [0.0; N_MELS],
            energy_db: 0.0,
            f0_hz: None,
            spectral: [0.0; SPECTRAL.len()],
        }
    }
}

/// The clip functionals' plans for one sample rate (MFCC with its STFT, pitch tracker, spectral
/// bands), built once; `Send + Sync`, all work through `&self`.
#[derive(Debug, Clone)]
pub struct Functionals {
    params: FunctionalsParams,
    mfcc: Mfcc,
    pitch: AutocorrPitch,
    bands: Bands,
}

/// Buffers for [`Functionals::extract_with_scratch`]; reuse one per thread.
#[derive(Debug, Clone)]
pub struct FunctionalsScratch {
    pitch: AutocorrPitchScratch,
    /// A power frame (only when a spectrogram row is not contiguous).
    power: Vec<f32>,
    /// The clip's frame rows.
    llds: Vec<Lld>,
}

impl Functionals {
    /// Validates `params` and builds the plans.
    pub fn new(params: &FunctionalsParams) -> Result<Self> {
        params.check()?;
        let mfcc_params = params.mfcc_params();
        if mfcc_params.n_mels != N_MELS || mfcc_params.n_mfcc != N_MFCC {
            return Err(FeatureError::InvalidParameter {
                name: "n_mels",
                reason: format!(
                    "the functionals need {N_MELS} mel bands and {N_MFCC} MFCCs, got {} and {}",
                    mfcc_params.n_mels, mfcc_params.n_mfcc
                ),
            });
        }
        Ok(Self {
            params: params.clone(),
            mfcc: Mfcc::new(&mfcc_params)?,
            pitch: AutocorrPitch::new(&params.pitch_params())?,
            bands: Bands::new(params.sample_rate, mfcc_params.n_fft),
        })
    }

    /// The parameters these plans were built from.
    pub fn params(&self) -> &FunctionalsParams {
        &self.params
    }

    /// The sample rate the plans were built for, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.params.sample_rate
    }

    /// The MFCC plan (with the STFT) inside.
    pub(crate) fn mfcc_plan(&self) -> &Mfcc {
        &self.mfcc
    }

    /// The pitch tracker inside.
    pub(crate) fn pitch_plan(&self) -> &AutocorrPitch {
        &self.pitch
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> FunctionalsScratch {
        FunctionalsScratch {
            pitch: self.pitch.make_scratch(),
            power: Vec::new(),
            llds: Vec::new(),
        }
    }

    /// The clip vector ([`DIM`] values, named by [`names`]) of the whole clip `samples` (mono,
    /// at [`Functionals::sample_rate`]). Errors: an empty signal, a non-finite sample, or one
    /// beyond ±1e12.
    pub fn extract(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.extract_with_scratch(samples, &mut self.make_scratch())
    }

    /// [`Functionals::extract`] reusing `scratch`: [`Functionals::from_llds`] of the clip's
    /// [`Functionals::llds`].
    pub fn extract_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut FunctionalsScratch,
    ) -> Result<Vec<f32>> {
        let mut llds = std::mem::take(&mut scratch.llds);
        let result = self
            .llds_into(samples, scratch, &mut llds)
            .and_then(|()| self.from_llds(&llds));
        scratch.llds = llds;
        result
    }

    /// The clip's frame sequence ([`crate::frames::pool`] of its [`Functionals::llds`]),
    /// reusing `scratch`: [`FeatureSpec::Frames`](crate::FeatureSpec::Frames), without the
    /// voice-quality rows only the eGeMAPS values need.
    pub(crate) fn frames_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut FunctionalsScratch,
    ) -> Result<Vec<f32>> {
        let mut llds = std::mem::take(&mut scratch.llds);
        let result = self
            .llds_into(samples, scratch, &mut llds)
            .and_then(|()| crate::frames::pool(&llds, self.params.active_range_db));
        scratch.llds = llds;
        result
    }

    /// The frame rows of the whole clip `samples` (one per centred STFT frame,
    /// `1 + len / 512`), as [`LldStream`](crate::stream::LldStream) gives them for the same
    /// samples in chunks. Errors: as [`Functionals::extract`].
    pub fn llds(&self, samples: &[f32]) -> Result<Vec<Lld>> {
        let mut out = Vec::new();
        self.llds_into(samples, &mut self.make_scratch(), &mut out)?;
        Ok(out)
    }

    /// [`Functionals::llds`] into `out` (cleared first).
    fn llds_into(
        &self,
        samples: &[f32],
        scratch: &mut FunctionalsScratch,
        out: &mut Vec<Lld>,
    ) -> Result<()> {
        out.clear();
        let spec = Spectrogram::compute(self.mfcc.stft(), samples, self.sample_rate())?;
        let f0 = self
            .pitch
            .process_with_scratch(samples, &mut scratch.pitch)?;
        out.reserve(spec.n_frames());
        let mut running_max = f32::NEG_INFINITY;
        let mut row = Lld::default();
        for (j, power) in spec.frames().rows().into_iter().enumerate() {
            let power = match power.to_slice() {
                Some(p) => p,
                None => {
                    scratch.power.clear();
                    scratch.power.extend(power.iter());
                    &scratch.power
                }
            };
            self.lld_of(power, &mut running_max, &mut row);
            row.f0_hz = f0.get(j).copied().flatten();
            out.push(row);
        }
        Ok(())
    }

    /// Fills everything of `row` but the F0 from the frame's power spectrum; `running_max`
    /// carries the largest log-mel value of the frames so far (start with −∞). Shared by
    /// [`Functionals::llds`] and [`LldStream`](crate::stream::LldStream).
    pub(crate) fn lld_of(&self, power: &[f32], running_max: &mut f32, row: &mut Lld) {
        let frame_max = self.mfcc.log_mel_frame(power, &mut row.log_mel);
        *running_max = running_max.max(frame_max);
        let mut floored = row.log_mel;
        clamp_top_db(&mut floored, *running_max, self.mfcc.params().top_db);
        self.mfcc.dct_frame(&floored, &mut row.mfcc);
        row.energy_db = 10.0 * (sum(power) + 1e-10).log10();
        row.spectral = self.bands.of(power);
    }

    /// The clip vector ([`DIM`] values) from the clip's frame rows, in order: the statistics
    /// behind [`Functionals::extract`], which is `from_llds` of [`Functionals::llds`] — so for
    /// the rows of an [`LldStream`](crate::stream::LldStream) fed the same samples in any
    /// chunks, the vector is [`Functionals::extract`]'s, bit for bit.
    ///
    /// Give it every row of the clip: the active frames, the MFCCs' `top_db` floor and the
    /// contour slopes are relative to the whole clip. The clip's MFCCs are recomputed from the
    /// rows' [`Lld::log_mel`] (floored at `top_db` below the clip's largest value), not taken
    /// from [`Lld::mfcc`]. Errors: no rows ([`FeatureError::EmptyInput`]).
    pub fn from_llds(&self, llds: &[Lld]) -> Result<Vec<f32>> {
        let t = llds.len();
        if t == 0 {
            return Err(FeatureError::EmptyInput);
        }
        // The clip's MFCCs as Mfcc::process_spectrogram makes them: log-mel frames floored at
        // top_db below the clip's maximum, then one DCT matrix product.
        let mut log_mel = Vec::with_capacity(t * N_MELS);
        let mut max = f32::NEG_INFINITY;
        for row in llds {
            log_mel.extend_from_slice(&row.log_mel);
            max = max.max(max_of(&row.log_mel));
        }
        clamp_top_db(&mut log_mel, max, self.mfcc.params().top_db);
        let log_mel = ArrayView2::from_shape((t, N_MELS), &log_mel[..]).map_err(|_| {
            FeatureError::ShapeMismatch {
                expected: vec![t, N_MELS],
                actual: vec![log_mel.len()],
            }
        })?;
        let mfcc = self.mfcc.dct_of_frames(log_mel); // n_mfcc × T
        let energy_db: Vec<f32> = llds.iter().map(|row| row.energy_db).collect();
        let peak = energy_db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut active: Vec<usize> = (0..t)
            .filter(|&j| energy_db[j] >= peak - self.params.active_range_db)
            .collect();
        if active.is_empty() {
            active = (0..t).collect();
        }
        let times: Vec<f32> = active.iter().map(|&j| j as f32 / t.max(1) as f32).collect();

        let mut out = Vec::with_capacity(DIM);
        // MFCC means, then stds, over active frames.
        let active_mfcc = mfcc.select(Axis(1), &active);
        out.extend(summarize(
            active_mfcc.view(),
            &[Summary::Mean, Summary::Std],
        )?);
        let deltas = Array2::from_shape_fn((N_DELTA, active.len()), |(c, i)| {
            let (c, j) = (c + 1, active[i]);
            (mfcc[[c, (j + 1).min(t - 1)]] - mfcc[[c, j.saturating_sub(1)]]) / 2.0
        });
        out.extend(summarize(deltas.view(), &[Summary::Std])?);
        let e: Vec<f32> = active.iter().map(|&j| energy_db[j]).collect();
        out.extend(contour_stats(&e, &times)?);

        let (mut voiced, mut vtimes) = (Vec::new(), Vec::new());
        for (&j, &tm) in active.iter().zip(&times) {
            if let Some(f) = llds[j].f0_hz {
                voiced.push(12.0 * (f / 100.0).log2());
                vtimes.push(tm);
            }
        }
        if voiced.len() >= 2 {
            out.extend(contour_stats(&voiced, &vtimes)?);
        } else {
            out.extend([0.0; STAT_NAMES.len()]);
        }
        out.push(voiced.len() as f32 / active.len() as f32);

        let mut spectral = Array2::zeros((SPECTRAL.len(), active.len()));
        for (mut column, &j) in spectral.columns_mut().into_iter().zip(&active) {
            column
                .iter_mut()
                .zip(llds[j].spectral)
                .for_each(|(o, v)| *o = v);
        }
        // Summary-major (all means, then all stds) to mean, std per value.
        let stats = summarize(spectral.view(), &[Summary::Mean, Summary::Std])?;
        let (means, stds) = stats.view().split_at(Axis(0), SPECTRAL.len());
        for (m, s) in means.iter().zip(stds) {
            out.extend([*m, *s]);
        }
        let hop_s = self.mfcc.params().hop_length as f32 / self.sample_rate() as f32;
        out.push(active.len() as f32 * hop_s);
        out.push(active.len() as f32 / t.max(1) as f32);
        Ok(out)
    }
}

/// Sum in eight interleaved lanes, then pairwise (vectorised; one fixed order, so the offline
/// and streamed frame rows agree bit for bit).
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = values.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
        + tail
}

/// Mean accumulated in `f64`; 0 for no values.
fn mean(v: &[f32]) -> f32 {
    mean_of(v.iter().copied(), v.len())
}

/// Mean of `n` values accumulated in `f64`, in order; 0 for no values.
fn mean_of(values: impl Iterator<Item = f32>, n: usize) -> f32 {
    if n == 0 {
        return 0.0;
    }
    (values.map(|x| x as f64).sum::<f64>() / n as f64) as f32
}

/// The summaries of a contour taken by [`summarize`]: mean, std, p10, p50, p90.
const CONTOUR: [Summary; 5] = [
    Summary::Mean,
    Summary::Std,
    Summary::Percentile(10.0),
    Summary::Percentile(50.0),
    Summary::Percentile(90.0),
];

/// mean, std, p10, p50, p90, slope against `times` (least squares), p90 − p10, mean |Δ|.
/// Errors: no values.
fn contour_stats(v: &[f32], times: &[f32]) -> Result<[f32; 8]> {
    let s = summarize(ArrayView1::from(v).insert_axis(Axis(0)), &CONTOUR)?;
    let (m, sd, p10, p50, p90) = (s[0], s[1], s[2], s[3], s[4]);
    let tm = mean(times);
    let stt: f32 = times.iter().map(|t| (t - tm).powi(2)).sum();
    let sty: f32 = times.iter().zip(v).map(|(t, y)| (t - tm) * (y - m)).sum();
    let slope = if stt > 1e-12 { sty / stt } else { 0.0 };
    let absdiff = if v.len() > 1 {
        v.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f32>() / (v.len() - 1) as f32
    } else {
        0.0
    };
    Ok([m, sd, p10, p50, p90, slope, p90 - p10, absdiff])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn tone(f0: f32, secs: f32, rate: u32) -> Vec<f32> {
        (0..(secs * rate as f32) as usize)
            .map(|n| {
                let t = n as f32 / rate as f32;
                (1..6)
                    .map(|h| 0.2 / h as f32 * (std::f32::consts::TAU * f0 * h as f32 * t).sin())
                    .sum()
            })
            .collect()
    }

    fn plans(rate: u32) -> Functionals {
        Functionals::new(&FunctionalsParams::default().sample_rate(rate)).unwrap()
    }

    #[test]
    fn names_are_unique_and_dim_long() {
        let n = names();
        assert_eq!(n.len(), DIM);
        assert_eq!(DIM, 128);
        let mut unique = n.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), DIM);
    }

    #[test]
    fn pitch_of_a_harmonic_tone_is_found() {
        let f = plans(22_050);
        for f0 in [110.0f32, 220.0, 330.0] {
            let x = tone(f0, 1.0, 22_050);
            let frames = f.mfcc.n_frames(x.len());
            let track = f.pitch.process(&x).unwrap();
            assert_eq!(track.len(), frames);
            let voiced: Vec<f32> = track.iter().flatten().copied().collect();
            assert!(voiced.len() > frames / 2, "{f0}: {} voiced", voiced.len());
            for v in voiced {
                assert!((v / f0 - 1.0).abs() < 0.01, "{f0} Hz read as {v}");
            }
        }
    }

    #[test]
    fn vector_has_the_named_length_and_reads_pitch_and_length() {
        let f = plans(22_050);
        let names = names();
        let mut x = vec![0.0f32; 5_512];
        x.extend(tone(200.0, 1.0, 22_050));
        x.extend(vec![0.0f32; 5_512]);
        let v = f.extract(&x).unwrap();
        assert_eq!(v.len(), names.len());
        let at = |name: &str| v[names.iter().position(|n| n == name).unwrap()];
        // 200 Hz is 12·log2(2) = 12 semitones above 100 Hz; a steady tone has no slope.
        assert!((at("f0_st_p50") - 12.0).abs() < 0.2, "{}", at("f0_st_p50"));
        assert!(at("f0_st_std") < 0.2);
        assert!(at("voiced_fraction") > 0.8);
        // About one second of the two is active (silence excluded; frames overlap the edges).
        assert!(
            (at("active_seconds") - 1.0).abs() < 0.15,
            "{}",
            at("active_seconds")
        );
        assert!(v.iter().all(|x| x.is_finite()));
        // The scratch path gives the same vector.
        let mut scratch = f.make_scratch();
        assert_eq!(f.extract_with_scratch(&x, &mut scratch).unwrap(), v);
        assert_eq!(f.extract_with_scratch(&x, &mut scratch).unwrap(), v);
    }

    #[test]
    fn contour_stats_by_hand() {
        let s = contour_stats(&[1.0, 2.0, 3.0, 4.0, 5.0], &[0.0, 0.25, 0.5, 0.75, 1.0]).unwrap();
        assert!((s[0] - 3.0).abs() < 1e-6);
        assert!((s[1] - 2f32.sqrt()).abs() < 1e-6);
        assert!((s[2] - 1.4).abs() < 1e-6 && (s[3] - 3.0).abs() < 1e-6);
        assert!((s[4] - 4.6).abs() < 1e-6);
        assert!((s[5] - 4.0).abs() < 1e-5);
        assert!((s[6] - 3.2).abs() < 1e-6 && (s[7] - 1.0).abs() < 1e-6);
        assert_eq!(contour_stats(&[], &[]), Err(FeatureError::EmptyInput));
    }

    #[test]
    fn bad_input_and_bad_parameters_are_errors() {
        let f = plans(22_050);
        assert_eq!(f.extract(&[]), Err(FeatureError::EmptyInput));
        assert!(matches!(
            f.extract(&[0.0, f32::NAN]),
            Err(FeatureError::NonFiniteSample { index: 1, .. })
        ));
        for params in [
            FunctionalsParams::default().sample_rate(0),
            FunctionalsParams::default().active_range_db(0.0),
            FunctionalsParams::default().active_range_db(f32::NAN),
            FunctionalsParams::default().f0_range(300.0, 200.0),
            FunctionalsParams::default().voicing_threshold(1.5),
        ] {
            assert!(
                matches!(
                    Functionals::new(&params),
                    Err(FeatureError::InvalidParameter { .. })
                ),
                "{params:?}"
            );
        }
    }

    #[test]
    fn silence_and_tiny_clips_give_finite_vectors() {
        let f = plans(16_000);
        for x in [vec![0.0f32; 16_000], vec![0.1; 1], vec![0.1, -0.1, 0.2]] {
            let v = f.extract(&x).unwrap();
            assert_eq!(v.len(), DIM);
            assert!(v.iter().all(|x| x.is_finite()), "{v:?}");
        }
    }
}
