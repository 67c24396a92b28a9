//! MFCC as `librosa.feature.mfcc`: power STFT → Slaney mel filterbank → `power_to_db` →
//! orthonormal DCT-II, and the study's per-clip mean.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

use crate::db::{DbParams, clamp_top_db, to_db_in_place};
use crate::dct::dct_matrix;
use crate::error::{FeatureError, Result};
use crate::mel::{MelFilterbank, MelNorm, MelParams, dot};
use crate::signal::check_signal;
use crate::spectrogram::Spectrogram;
use crate::stft::{Stft, StftScratch};

/// MFCC parameters. [`MfccParams::default`] is librosa's `feature.mfcc` default; [`MfccParams::study`]
/// is the study's (40 coefficients). Set fields with the fluent setters; [`Mfcc::new`] validates.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MfccParams {
    /// Sample rate in Hz (librosa: 22050).
    pub sample_rate: u32,
    /// FFT length (librosa: 2048).
    pub n_fft: usize,
    /// Hop between frames in samples (librosa: 512).
    pub hop_length: usize,
    /// Mel bands (librosa: 128).
    pub n_mels: usize,
    /// Lowest mel edge in Hz (librosa: 0).
    pub fmin: f64,
    /// Highest mel edge in Hz; `None` = `sample_rate / 2` (librosa's default).
    pub fmax: Option<f64>,
    /// Coefficients kept (librosa: 20; the study: 40).
    pub n_mfcc: usize,
    /// Dynamic range of the log-mel spectrogram below its maximum (librosa: `Some(80.0)`).
    pub top_db: Option<f32>,
    /// HTK mel formula instead of Slaney's (librosa: false).
    pub htk: bool,
}

impl Default for MfccParams {
    fn default() -> Self {
        Self {
            sample_rate: 22050,
            n_fft: 2048,
            hop_length: 512,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            n_mfcc: 20,
            top_db: Some(80.0),
            htk: false,
        }
    }
}

impl MfccParams {
    /// The study's parameters: librosa's defaults with 40 coefficients.
    pub fn study() -> Self {
        Self::default().n_mfcc(40)
    }

    /// Sets the sample rate in Hz.
    pub fn sample_rate(mut self, sample_rate: u32) -> Self {
        self.sample_rate = sample_rate;
        self
    }

    /// Sets the FFT length.
    pub fn n_fft(mut self, n_fft: usize) -> Self {
        self.n_fft = n_fft;
        self
    }

    /// Sets the hop length in samples.
    pub fn hop_length(mut self, hop_length: usize) -> Self {
        self.hop_length = hop_length;
        self
    }

    /// Sets the number of mel bands.
    pub fn n_mels(mut self, n_mels: usize) -> Self {
        self.n_mels = n_mels;
        self
    }

    /// Sets the lowest mel edge in Hz.
    pub fn fmin(mut self, fmin: f64) -> Self {
        self.fmin = fmin;
        self
    }

    /// Sets the highest mel edge in Hz (`None`: Nyquist).
    pub fn fmax(mut self, fmax: Option<f64>) -> Self {
        self.fmax = fmax;
        self
    }

    /// Sets the number of coefficients kept.
    pub fn n_mfcc(mut self, n_mfcc: usize) -> Self {
        self.n_mfcc = n_mfcc;
        self
    }

    /// Sets the dB dynamic range (`None`: no clamp).
    pub fn top_db(mut self, top_db: Option<f32>) -> Self {
        self.top_db = top_db;
        self
    }

    /// Chooses the HTK mel formula.
    pub fn htk(mut self, htk: bool) -> Self {
        self.htk = htk;
        self
    }

    /// The mel filterbank part of these parameters.
    pub fn mel_params(&self) -> MelParams {
        MelParams {
            sample_rate: self.sample_rate,
            n_fft: self.n_fft,
            n_mels: self.n_mels,
            fmin: self.fmin,
            fmax: self.fmax,
            htk: self.htk,
            norm: MelNorm::Slaney,
        }
    }

    /// The `power_to_db` part of these parameters.
    pub fn db_params(&self) -> DbParams {
        DbParams {
            top_db: self.top_db,
            ..DbParams::default()
        }
    }

    /// Checks every field (done by [`Mfcc::new`]).
    pub fn check(&self) -> Result<()> {
        if self.hop_length == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "hop_length",
                reason: "must be at least 1".into(),
            });
        }
        self.mel_params().check()?;
        self.db_params().check()?;
        if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
            return Err(FeatureError::InvalidParameter {
                name: "n_mfcc",
                reason: format!(
                    "must lie in 1..=n_mels ({}), got {}",
                    self.n_mels, self.n_mfcc
                ),
            });
        }
        Ok(())
    }
}

/// A built MFCC plan: FFT plan, window, sparse mel filterbank and DCT matrix, made once and reused
/// for every clip. `Send + Sync`; all processing goes through `&self`.
#[derive(Debug, Clone)]
pub struct Mfcc {
    params: MfccParams,
    stft: Stft,
    mel: MelFilterbank,
    dct: Array2<f32>,
    db: DbParams,
}

/// Buffers for [`Mfcc::process_with_scratch`] and friends; reuse one per thread.
#[derive(Debug, Clone)]
pub struct MfccScratch {
    stft: StftScratch,
    power: Vec<f32>,
    /// Log-mel frames, frame-major (`frames × n_mels`).
    log_mel: Vec<f32>,
}

impl Mfcc {
    /// Validates `params` and builds the plan.
    pub fn new(params: &MfccParams) -> Result<Self> {
        params.check()?;
        Ok(Self {
            params: params.clone(),
            stft: Stft::new(params.n_fft, params.hop_length)?,
            mel: MelFilterbank::new(&params.mel_params())?,
            dct: dct_matrix(params.n_mfcc, params.n_mels)?,
            db: params.db_params(),
        })
    }

    /// The parameters this plan was built from.
    pub fn params(&self) -> &MfccParams {
        &self.params
    }

    /// The STFT plan inside.
    pub fn stft(&self) -> &Stft {
        &self.stft
    }

    /// The mel filterbank inside.
    pub fn mel_filterbank(&self) -> &MelFilterbank {
        &self.mel
    }

    /// The `n_mfcc × n_mels` DCT matrix inside.
    pub fn dct(&self) -> ArrayView2<'_, f32> {
        self.dct.view()
    }

    /// Number of frames for a signal of `len` samples (`1 + len / hop_length`).
    pub fn n_frames(&self, len: usize) -> usize {
        self.stft.n_frames(len)
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> MfccScratch {
        MfccScratch {
            stft: self.stft.make_scratch(),
            power: vec![0.0; self.stft.n_bins()],
            log_mel: Vec::new(),
        }
    }

    /// MFCCs of `signal`, `n_mfcc × frames` like librosa. Errors: empty signal, a non-finite
    /// sample, or a sample beyond ±1e12. A signal shorter than one frame is zero padded, as
    /// librosa does.
    pub fn process(&self, signal: &[f32]) -> Result<Array2<f32>> {
        self.process_with_scratch(signal, &mut self.make_scratch())
    }

    /// [`Mfcc::process`] reusing `scratch` (no allocation but the output).
    pub fn process_with_scratch(
        &self,
        signal: &[f32],
        scratch: &mut MfccScratch,
    ) -> Result<Array2<f32>> {
        check_signal(signal)?;
        let mut out = Array2::zeros((self.params.n_mfcc, self.n_frames(signal.len())));
        self.process_into(signal, scratch, out.view_mut())?;
        Ok(out)
    }

    /// [`Mfcc::process`] into a caller's `n_mfcc × frames` array: allocates nothing once
    /// `scratch` has seen a clip this long.
    pub fn process_into(
        &self,
        signal: &[f32],
        scratch: &mut MfccScratch,
        mut out: ArrayViewMut2<'_, f32>,
    ) -> Result<()> {
        let expected = [self.params.n_mfcc, self.n_frames(signal.len())];
        if out.shape() != expected {
            return Err(FeatureError::ShapeMismatch {
                expected: expected.to_vec(),
                actual: out.shape().to_vec(),
            });
        }
        let log_mel = self.log_mel_into(signal, scratch)?;
        // out (n_mfcc × T) = D (n_mfcc × n_mels) · log_melᵀ (n_mels × T)
        general_mat_mul(1.0, &self.dct, &log_mel.t(), 0.0, &mut out);
        Ok(())
    }

    /// The study's feature vector: the mean over frames of the MFCCs (`n_mfcc` values), as
    /// `np.mean(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).T, axis=0)`.
    pub fn mean(&self, signal: &[f32]) -> Result<Array1<f32>> {
        self.mean_with_scratch(signal, &mut self.make_scratch())
    }

    /// [`Mfcc::mean`] reusing `scratch`. The DCT is linear, so the mean of the MFCC frames is the
    /// DCT of the mean log-mel frame: one matrix-vector product instead of one per frame.
    pub fn mean_with_scratch(
        &self,
        signal: &[f32],
        scratch: &mut MfccScratch,
    ) -> Result<Array1<f32>> {
        let log_mel = self.log_mel_into(signal, scratch)?;
        Ok(self.dct_of_mean(log_mel))
    }

    /// Log-mel spectrogram (`power_to_db` of the mel spectrogram), `n_mels × frames` like
    /// librosa's `power_to_db(melspectrogram(y))`.
    pub fn log_mel(&self, signal: &[f32]) -> Result<Array2<f32>> {
        let mut scratch = self.make_scratch();
        Ok(self.log_mel_into(signal, &mut scratch)?.t().to_owned())
    }

    /// MFCCs from a clip's shared power spectrogram (made with this plan's `n_fft`, hop and rate).
    pub fn process_spectrogram(&self, spec: &Spectrogram) -> Result<Array2<f32>> {
        self.process_spectrogram_with_scratch(spec, &mut self.make_scratch())
    }

    /// [`Mfcc::process_spectrogram`] reusing `scratch` (no allocation but the output).
    pub fn process_spectrogram_with_scratch(
        &self,
        spec: &Spectrogram,
        scratch: &mut MfccScratch,
    ) -> Result<Array2<f32>> {
        let log_mel = self.log_mel_from_spectrogram(spec, scratch)?;
        Ok(self.dct_of_frames(log_mel))
    }

    /// MFCCs (`n_mfcc × frames`) of log-mel frames (`frames × n_mels`), as
    /// [`Mfcc::process_spectrogram`] takes them (one matrix product).
    pub(crate) fn dct_of_frames(&self, log_mel: ArrayView2<'_, f32>) -> Array2<f32> {
        self.dct.dot(&log_mel.t())
    }

    /// One frame's log-mel spectrum (`n_mels` values, `power_to_db` without the `top_db` clamp)
    /// from its power spectrum, as [`Mfcc::process_spectrogram`] computes each frame; returns the
    /// frame's largest value (for the `top_db` floor).
    pub(crate) fn log_mel_frame(&self, power: &[f32], out: &mut [f32]) -> f32 {
        self.mel.apply_unchecked_len(power, out);
        to_db_in_place(out, self.db.amin, self.db.reference_db())
    }

    /// One frame's MFCCs (`n_mfcc` values) from its log-mel spectrum (`n_mels` values): the
    /// DCT, one vectorised dot product per coefficient (no allocation; rounds differently from
    /// the matrix product of the whole-clip paths, within a few `f32` ulps of the sum).
    pub(crate) fn dct_frame(&self, log_mel: &[f32], out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(self.dct.rows()) {
            *o = match row.as_slice() {
                Some(d) => dot(d, log_mel),
                None => row.iter().zip(log_mel).fold(0.0, |acc, (d, v)| acc + d * v),
            };
        }
    }

    /// Log-mel spectrogram (`n_mels × frames`) from a clip's shared power spectrogram.
    pub fn log_mel_spectrogram(&self, spec: &Spectrogram) -> Result<Array2<f32>> {
        let mut scratch = self.make_scratch();
        Ok(self
            .log_mel_from_spectrogram(spec, &mut scratch)?
            .t()
            .to_owned())
    }

    /// The study's MFCC mean from a clip's shared power spectrogram.
    pub fn mean_from_spectrogram(
        &self,
        spec: &Spectrogram,
        scratch: &mut MfccScratch,
    ) -> Result<Array1<f32>> {
        let log_mel = self.log_mel_from_spectrogram(spec, scratch)?;
        Ok(self.dct_of_mean(log_mel))
    }

    fn log_mel_from_spectrogram<'s>(
        &self,
        spec: &Spectrogram,
        scratch: &'s mut MfccScratch,
    ) -> Result<ArrayView2<'s, f32>> {
        if spec.sample_rate() != self.params.sample_rate
            || spec.n_fft() != self.params.n_fft
            || spec.hop_length() != self.params.hop_length
        {
            return Err(FeatureError::InvalidParameter {
                name: "spectrogram",
                reason: format!(
                    "made at {} Hz, n_fft {}, hop {}; this plan wants {} Hz, n_fft {}, hop {}",
                    spec.sample_rate(),
                    spec.n_fft(),
                    spec.hop_length(),
                    self.params.sample_rate,
                    self.params.n_fft,
                    self.params.hop_length
                ),
            });
        }
        let n_mels = self.params.n_mels;
        let frames = spec.n_frames();
        scratch.log_mel.resize(frames * n_mels, 0.0);
        let mut max = f32::NEG_INFINITY;
        for (power, row) in spec
            .frames()
            .rows()
            .into_iter()
            .zip(scratch.log_mel.chunks_exact_mut(n_mels))
        {
            scratch
                .power
                .iter_mut()
                .zip(power)
                .for_each(|(d, &p)| *d = p);
            max = max.max(self.log_mel_frame(&scratch.power, row));
        }
        clamp_top_db(&mut scratch.log_mel, max, self.db.top_db);
        ArrayView2::from_shape((frames, n_mels), &scratch.log_mel[..]).map_err(|_| {
            FeatureError::ShapeMismatch {
                expected: vec![frames, n_mels],
                actual: vec![scratch.log_mel.len()],
            }
        })
    }

    /// DCT of the mean log-mel frame (= mean of the MFCC frames, the DCT being linear).
    fn dct_of_mean(&self, log_mel: ArrayView2<'_, f32>) -> Array1<f32> {
        let frames = log_mel.nrows() as f64;
        let mut mean = vec![0f64; self.params.n_mels];
        for row in log_mel.rows() {
            mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
        }
        self.dct
            .rows()
            .into_iter()
            .map(|d| {
                d.iter()
                    .zip(&mean)
                    .map(|(&a, &m)| a as f64 * m / frames)
                    .sum::<f64>() as f32
            })
            .collect()
    }

    /// Fills `scratch.log_mel` with the clip's log-mel frames and returns them as a
    /// `frames × n_mels` view.
    fn log_mel_into<'s>(
        &self,
        signal: &[f32],
        scratch: &'s mut MfccScratch,
    ) -> Result<ArrayView2<'s, f32>> {
        check_signal(signal)?;
        let n_mels = self.params.n_mels;
        let n_bins = self.stft.n_bins();
        let frames = self.n_frames(signal.len());
        // All power frames first, then the mel projection as a few matrix products.
        scratch.power.resize(frames * n_bins, 0.0);
        for (t, row) in scratch.power.chunks_exact_mut(n_bins).enumerate() {
            self.stft.frame_power(signal, t, &mut scratch.stft, row)?;
        }
        scratch.log_mel.resize(frames * n_mels, 0.0);
        let shape_error = || FeatureError::ShapeMismatch {
            expected: vec![frames, n_mels],
            actual: vec![scratch.log_mel.len()],
        };
        {
            let power = ArrayView2::from_shape((frames, n_bins), &scratch.power[..])
                .map_err(|_| shape_error())?;
            let out = ArrayViewMut2::from_shape((frames, n_mels), &mut scratch.log_mel[..])
                .map_err(|_| FeatureError::ShapeMismatch {
                    expected: vec![frames, n_mels],
                    actual: vec![frames * n_mels],
                })?;
            self.mel.apply_frames(power, out)?;
        }
        let max = to_db_in_place(&mut scratch.log_mel, self.db.amin, self.db.reference_db());
        clamp_top_db(&mut scratch.log_mel, max, self.db.top_db);
        ArrayView2::from_shape((frames, n_mels), &scratch.log_mel[..]).map_err(|_| {
            FeatureError::ShapeMismatch {
                expected: vec![frames, n_mels],
                actual: vec![scratch.log_mel.len()],
            }
        })
    }
}
