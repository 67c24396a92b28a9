//! Configurable frame-level feature sets: which features, stacked in a documented order, with a
//! name for every row.
//!
//! Rows are stacked in the order the [`Feature`]s are listed in the [`FeatureSet`]; each feature
//! contributes the rows [`Feature::row_names`] gives (e.g. `mfcc_0 … mfcc_39`, `chroma_0 …
//! chroma_11`, `spectral_contrast_0 … spectral_contrast_6`, `rms`). Every spectral feature reads
//! one shared `f64` STFT per clip (librosa's precision).

use ndarray::{Array2, Axis, concatenate};

use crate::chroma::{N_CHROMA, chroma_stft};
use crate::delta::{delta, delta2};
use crate::error::{FeatureError, Result};
use crate::mfcc::{Mfcc, MfccParams};
use crate::pitch::{Yin, YinParams};
use crate::rhythm::onset_strength;
use crate::spectral::{
    spectral_bandwidth, spectral_centroid, spectral_contrast, spectral_flatness, spectral_rolloff,
};
use crate::spectrogram::{PreciseStft, Spectrogram};
use crate::summary::{Summary, summarize, summary_names};
use crate::temporal::{rms, zero_crossing_rate};

/// One frame-level feature, librosa's defaults (n_fft 2048, hop 512, centred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Feature {
    /// MFCCs (`n_mfcc` rows, `mfcc_i`).
    Mfcc,
    /// First delta of the MFCCs (`mfcc_delta_i`); needs ≥ 9 frames.
    MfccDelta,
    /// Second-order delta of the MFCCs (`mfcc_delta2_i`); needs ≥ 9 frames.
    MfccDelta2,
    /// Mel power spectrogram (128 rows, `mel_i`).
    Mel,
    /// Chroma (12 rows from C, `chroma_i`).
    Chroma,
    /// Spectral contrast (7 rows, `spectral_contrast_i`).
    SpectralContrast,
    /// Spectral centroid, Hz.
    SpectralCentroid,
    /// Spectral bandwidth, Hz.
    SpectralBandwidth,
    /// Spectral roll-off (85 %), Hz.
    SpectralRolloff,
    /// Spectral flatness.
    SpectralFlatness,
    /// Zero-crossing rate.
    ZeroCrossingRate,
    /// RMS energy.
    Rms,
    /// Onset strength.
    OnsetStrength,
    /// YIN fundamental frequency, Hz (65–600 Hz).
    F0,
}

impl Feature {
    /// Row names this feature contributes, given the set's `n_mfcc`.
    pub fn row_names(&self, n_mfcc: usize) -> Vec<String> {
        let many = |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}_{i}")).collect();
        match self {
            Feature::Mfcc => many("mfcc", n_mfcc),
            Feature::MfccDelta => many("mfcc_delta", n_mfcc),
            Feature::MfccDelta2 => many("mfcc_delta2", n_mfcc),
            Feature::Mel => many("mel", 128),
            Feature::Chroma => many("chroma", N_CHROMA),
            Feature::SpectralContrast => many("spectral_contrast", 7),
            Feature::SpectralCentroid => vec!["spectral_centroid".into()],
            Feature::SpectralBandwidth => vec!["spectral_bandwidth".into()],
            Feature::SpectralRolloff => vec!["spectral_rolloff".into()],
            Feature::SpectralFlatness => vec!["spectral_flatness".into()],
            Feature::ZeroCrossingRate => vec!["zero_crossing_rate".into()],
            Feature::Rms => vec!["rms".into()],
            Feature::OnsetStrength => vec!["onset_strength".into()],
            Feature::F0 => vec!["f0".into()],
        }
    }
}

/// Which features to compute, in which order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSet {
    /// Features, stacked in this order.
    pub features: Vec<Feature>,
    /// MFCC count for the MFCC rows (the study: 40).
    pub n_mfcc: usize,
}

impl FeatureSet {
    /// The study's baseline: 40 MFCCs.
    pub fn mfcc40() -> Self {
        Self {
            features: vec![Feature::Mfcc],
            n_mfcc: 40,
        }
    }

    /// The study's enriched representation: 40 MFCCs, chroma, mel, spectral contrast,
    /// zero-crossing rate, RMS (189 rows; their means are [`crate::FeatureSpec::Enriched`]).
    pub fn enriched() -> Self {
        Self {
            features: vec![
                Feature::Mfcc,
                Feature::Chroma,
                Feature::Mel,
                Feature::SpectralContrast,
                Feature::ZeroCrossingRate,
                Feature::Rms,
            ],
            n_mfcc: 40,
        }
    }

    /// In the spirit of eGeMAPS: pitch, loudness, spectral balance and shape, and MFCC 0–3
    /// (summarise it with mean, std, percentiles and slope).
    pub fn egemaps_like() -> Self {
        Self {
            features: vec![
                Feature::F0,
                Feature::Rms,
                Feature::ZeroCrossingRate,
                Feature::SpectralCentroid,
                Feature::SpectralBandwidth,
                Feature::SpectralRolloff,
                Feature::SpectralFlatness,
                Feature::SpectralContrast,
                Feature::OnsetStrength,
                Feature::Mfcc,
            ],
            n_mfcc: 4,
        }
    }

    /// A name for every row, in order.
    pub fn row_names(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(|f| f.row_names(self.n_mfcc))
            .collect()
    }

    /// Builds the plans for clips at `sample_rate` Hz.
    pub fn extractor(&self, sample_rate: u32) -> Result<FeatureSetExtractor> {
        FeatureSetExtractor::new(self.clone(), sample_rate)
    }
}

/// Frame-level features of one clip: `rows × frames` values with a name per row.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameFeatures {
    /// One name per row.
    pub names: Vec<String>,
    /// `rows × frames`.
    pub values: Array2<f32>,
}

impl FrameFeatures {
    /// Summaries over time (summary-major) and their names.
    pub fn summarize(&self, summaries: &[Summary]) -> Result<(Vec<String>, Vec<f32>)> {
        let values = summarize(self.values.view(), summaries)?;
        Ok((summary_names(&self.names, summaries), values.to_vec()))
    }
}

/// The plans a [`FeatureSet`] needs at one sample rate, built once; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct FeatureSetExtractor {
    set: FeatureSet,
    sample_rate: u32,
    mfcc: Mfcc,
    stft: PreciseStft,
    yin: Option<Yin>,
}

impl FeatureSetExtractor {
    /// Validates the set and builds its plans.
    pub fn new(set: FeatureSet, sample_rate: u32) -> Result<Self> {
        if set.features.is_empty() {
            return Err(FeatureError::InvalidParameter {
                name: "features",
                reason: "the set names no feature".into(),
            });
        }
        let params = MfccParams::default()
            .n_mfcc(set.n_mfcc)
            .sample_rate(sample_rate);
        let mfcc = Mfcc::new(&params)?;
        let stft = PreciseStft::new(params.n_fft, params.hop_length)?;
        let yin = if set.features.contains(&Feature::F0) {
            Some(Yin::new(&YinParams {
                sample_rate,
                ..YinParams::default()
            })?)
        } else {
            None
        };
        Ok(Self {
            set,
            sample_rate,
            mfcc,
            stft,
            yin,
        })
    }

    /// The set this extractor computes.
    pub fn set(&self) -> &FeatureSet {
        &self.set
    }

    /// All rows for one clip.
    pub fn compute(&self, samples: &[f32]) -> Result<FrameFeatures> {
        let spec = Spectrogram::compute_precise(&self.stft, samples, self.sample_rate)?;
        let (n_fft, hop) = (self.stft.n_fft(), self.stft.hop_length());
        let mut mfcc = None;
        let mut blocks = Vec::with_capacity(self.set.features.len());
        for feature in &self.set.features {
            let mut mfcc_rows = || -> Result<Array2<f32>> {
                if mfcc.is_none() {
                    mfcc = Some(self.mfcc.process_spectrogram(&spec)?);
                }
                mfcc.clone().ok_or(FeatureError::EmptyInput)
            };
            let block = match feature {
                Feature::Mfcc => mfcc_rows()?,
                Feature::MfccDelta => delta(mfcc_rows()?.view())?,
                Feature::MfccDelta2 => delta2(mfcc_rows()?.view())?,
                Feature::Mel => self.mfcc.mel_filterbank().mel_spectrogram(spec.power())?,
                Feature::Chroma => chroma_stft(&spec)?,
                Feature::SpectralContrast => spectral_contrast(&spec)?,
                Feature::SpectralCentroid => spectral_centroid(&spec)?,
                Feature::SpectralBandwidth => spectral_bandwidth(&spec)?,
                Feature::SpectralRolloff => spectral_rolloff(&spec)?,
                Feature::SpectralFlatness => spectral_flatness(&spec)?,
                Feature::ZeroCrossingRate => zero_crossing_rate(samples, n_fft, hop)?,
                Feature::Rms => rms(samples, n_fft, hop)?,
                Feature::OnsetStrength => {
                    let log_mel = self.mfcc.log_mel_spectrogram(&spec)?;
                    onset_strength(log_mel.view(), n_fft, hop)?.insert_axis(Axis(0))
                }
                Feature::F0 => match &self.yin {
                    Some(yin) => yin.process(samples)?.insert_axis(Axis(0)),
                    None => {
                        return Err(FeatureError::InvalidParameter {
                            name: "features",
                            reason: "f0 plan missing".into(),
                        });
                    }
                },
            };
            blocks.push(block);
        }
        let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
        let values = concatenate(Axis(0), &views).map_err(|e| FeatureError::ShapeMismatch {
            expected: vec![spec.n_frames()],
            actual: vec![e.to_string().len()],
        })?;
        Ok(FrameFeatures {
            names: self.set.row_names(),
            values,
        })
    }
}
