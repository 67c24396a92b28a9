//! Named, fixed-length clip vectors for the models: [`FeatureSpec`] says which, a
//! [`FeatureExtractor`] holds the plans, and [`FeatureSpec::extract`] keeps a cache of extractors
//! so repeated calls never rebuild a plan.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use crate::chroma::chroma_stft;
use crate::compare::{self, Compare, CompareScratch};
use crate::egemaps::{self, Egemaps, EgemapsScratch};
use crate::error::{FeatureError, Result};
use crate::frames;
use crate::functionals::{self, Functionals, FunctionalsParams, FunctionalsScratch};
use crate::mfcc::{Mfcc, MfccParams, MfccScratch};
use crate::spectral::spectral_contrast;
use crate::spectrogram::{PreciseStft, Spectrogram};
use crate::temporal::{rms, zero_crossing_rate};

/// Which clip vector to compute. Serialised as `"mfcc40"` / `"enriched"` / `"functionals"` /
/// `"egemaps"` / `"paralinguistic"` / `"compare"` (also what [`FromStr`] and [`fmt::Display`]
/// use), so a model file can record it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum FeatureSpec {
    /// The study's baseline: the mean over frames of 40 MFCCs (40 values).
    #[default]
    #[serde(rename = "mfcc40")]
    Mfcc40Mean,
    /// The study's enriched vector: means over frames of 40 MFCCs, 12 chroma, 128 mel bands
    /// (power), 7 spectral-contrast bands, zero-crossing rate and RMS (189 values).
    #[serde(rename = "enriched")]
    Enriched,
    /// Functionals of the whole clip ([`crate::functionals`], default [`FunctionalsParams`];
    /// 128 values): MFCC means and stds, MFCC-delta stds, energy and F0 contour statistics,
    /// voiced fraction, spectral balance, active duration.
    ///
    /// Meant for the whole clip, with no offset or duration (`ser-audio`'s
    /// `LoadOptions::default()`: 22050 Hz, mono, the whole file): these functionals find the
    /// active (non-silent) frames themselves. The study computes [`FeatureSpec::Mfcc40Mean`] and
    /// [`FeatureSpec::Enriched`] on an excerpt instead (`LoadOptions::study()`: 3 s from 0.5 s).
    #[serde(rename = "functionals")]
    Functionals,
    /// eGeMAPS-style functionals of the whole clip ([`crate::egemaps`], default
    /// [`FunctionalsParams`]; 92 values): F0 and loudness contour statistics, flux, MFCC 1–4,
    /// jitter, shimmer, HNR, H1–H2, H1–A3, formants F1–F3, spectral balance over voiced and
    /// unvoiced frames, voiced/unvoiced segment statistics, equivalent sound level. Whole clips,
    /// as [`FeatureSpec::Functionals`].
    #[serde(rename = "egemaps")]
    Egemaps,
    /// [`FeatureSpec::Functionals`] (bit for bit) followed by [`FeatureSpec::Egemaps`], both
    /// from one spectrogram and one pitch track (220 values). Whole clips.
    #[serde(rename = "paralinguistic")]
    Paralinguistic,
    /// A fixed-length frame sequence for frame-level models ([`crate::frames`]: the active span
    /// in 48 steps of 40 log-mel bands, F0 and voicing; 2016 values, step-major). Whole clips.
    #[serde(rename = "frames")]
    Frames,
    /// [`FeatureSpec::Paralinguistic`] (bit for bit) followed by [`FeatureSpec::Frames`], from
    /// one spectrogram and one pitch track (2236 values): clip functionals for the feature-level
    /// models and the frame sequence for a frame-level model ([`FeatureSpec::frame_layout`]).
    /// Whole clips.
    #[serde(rename = "paralinguistic+frames")]
    ParalinguisticFrames,
    /// A ComParE-scale functional set of the whole clip ([`crate::compare`], default
    /// [`FunctionalsParams`]; 4224 values): 64 LLDs (loudness, RMS, ZCR, 26 auditory mel bands,
    /// MFCC 1–14, band energies, roll-offs, flux, centroid, entropy, variance, skewness,
    /// kurtosis, slope, sharpness, harmonicity, voicing probability; F0, jitter, shimmer and
    /// HNR over voiced frames) and their deltas, 33 functionals each. Whole clips, as
    /// [`FeatureSpec::Functionals`]; from the same spectrogram and pitch track.
    #[serde(rename = "compare")]
    Compare,
}

/// Where a frame sequence sits in a clip vector: values `start..start + steps * step_dim`,
/// step-major ([`FeatureSpec::frame_layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameLayout {
    /// Index of the sequence's first value.
    pub start: usize,
    /// Steps of the sequence.
    pub steps: usize,
    /// Values per step.
    pub step_dim: usize,
}

impl FrameLayout {
    /// The indices of the sequence's values.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.steps * self.step_dim
    }
}

impl FeatureSpec {
    /// Every spec, in a stable order.
    pub const ALL: [FeatureSpec; 8] = [
        FeatureSpec::Mfcc40Mean,
        FeatureSpec::Enriched,
        FeatureSpec::Functionals,
        FeatureSpec::Egemaps,
        FeatureSpec::Paralinguistic,
        FeatureSpec::Frames,
        FeatureSpec::ParalinguisticFrames,
        FeatureSpec::Compare,
    ];

    /// The serialised name, `"mfcc40"`, `"enriched"`, `"functionals"`, `"egemaps"`,
    /// `"paralinguistic"`, `"frames"`, `"paralinguistic+frames"` or `"compare"`.
    pub fn name(&self) -> &'static str {
        match self {
            FeatureSpec::Mfcc40Mean => "mfcc40",
            FeatureSpec::Enriched => "enriched",
            FeatureSpec::Functionals => "functionals",
            FeatureSpec::Egemaps => "egemaps",
            FeatureSpec::Paralinguistic => "paralinguistic",
            FeatureSpec::Frames => "frames",
            FeatureSpec::ParalinguisticFrames => "paralinguistic+frames",
            FeatureSpec::Compare => "compare",
        }
    }

    /// Where the vector holds a frame sequence for frame-level models, if it holds one.
    pub fn frame_layout(&self) -> Option<FrameLayout> {
        let start = match self {
            FeatureSpec::Frames => 0,
            FeatureSpec::ParalinguisticFrames => FeatureSpec::Paralinguistic.dim(),
            _ => return None,
        };
        Some(FrameLayout {
            start,
            steps: frames::STEPS,
            step_dim: frames::STEP_DIM,
        })
    }

    /// Length of the clip vector.
    pub fn dim(&self) -> usize {
        self.names().len()
    }

    /// A name for every value of the clip vector, in order (e.g. `"mfcc_3_mean"`).
    pub fn names(&self) -> Vec<String> {
        match self {
            FeatureSpec::Functionals => return functionals::names(),
            FeatureSpec::Egemaps => return egemaps::names(),
            FeatureSpec::Paralinguistic => return egemaps::paralinguistic_names(),
            FeatureSpec::Frames => return frames::names(),
            FeatureSpec::ParalinguisticFrames => {
                let mut n = egemaps::paralinguistic_names();
                n.extend(frames::names());
                return n;
            }
            FeatureSpec::Compare => return compare::names(),
            FeatureSpec::Mfcc40Mean | FeatureSpec::Enriched => {}
        }
        let mut names: Vec<String> = (0..40).map(|i| format!("mfcc_{i}_mean")).collect();
        if *self == FeatureSpec::Enriched {
            names.extend((0..12).map(|i| format!("chroma_{i}_mean")));
            names.extend((0..128).map(|i| format!("mel_{i}_mean")));
            names.extend((0..7).map(|i| format!("spectral_contrast_{i}_mean")));
            names.push("zero_crossing_rate_mean".into());
            names.push("rms_mean".into());
        }
        names
    }

    /// Builds the plans for clips at `sample_rate` (Hz).
    pub fn extractor(&self, sample_rate: u32) -> Result<FeatureExtractor> {
        FeatureExtractor::new(*self, sample_rate)
    }

    /// The clip vector of `samples` (mono, at `sample_rate` Hz), [`FeatureSpec::dim`] values.
    /// Plans come from a process-wide cache keyed by spec and rate, built on first use.
    ///
    /// Features are computed at the rate given (the mel filterbank is built for it); the study
    /// resamples every clip to 22050 Hz first (`ser-audio`'s `LoadOptions::study()`), which is
    /// what the golden arrays and the trained models assume.
    pub fn extract(&self, samples: &[f32], sample_rate: u32) -> Result<Vec<f32>> {
        cached_extractor(*self, sample_rate)?.extract(samples)
    }
}

impl fmt::Display for FeatureSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FeatureSpec {
    type Err = FeatureError;

    fn from_str(s: &str) -> Result<Self> {
        FeatureSpec::ALL
            .into_iter()
            .find(|spec| spec.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| FeatureError::UnknownFeatureSet {
                name: s.to_string(),
                known: FeatureSpec::ALL.map(|spec| spec.name()).join(", "),
            })
    }
}

type Cache = Mutex<HashMap<(FeatureSpec, u32), Arc<FeatureExtractor>>>;

fn cached_extractor(spec: FeatureSpec, sample_rate: u32) -> Result<Arc<FeatureExtractor>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = map.get(&(spec, sample_rate)) {
        return Ok(Arc::clone(found));
    }
    let built = Arc::new(FeatureExtractor::new(spec, sample_rate)?);
    map.insert((spec, sample_rate), Arc::clone(&built));
    Ok(built)
}

/// The plans one [`FeatureSpec`] needs at one sample rate, built once; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    spec: FeatureSpec,
    sample_rate: u32,
    plans: Plans,
}

/// The plans behind a [`FeatureExtractor`].
#[derive(Debug, Clone)]
enum Plans {
    /// mfcc40 and enriched: the MFCC plan and the `f64` STFT.
    Study { mfcc: Mfcc, precise: PreciseStft },
    /// functionals and frames.
    Functionals(Functionals),
    /// egemaps, paralinguistic and paralinguistic+frames.
    Egemaps(Egemaps),
    /// compare.
    Compare(Box<Compare>),
}

/// Reusable buffers for [`FeatureExtractor::extract_with_scratch`]; the [`Default`] one is empty
/// and gains the buffers a spec needs on its first use.
#[derive(Debug, Clone, Default)]
pub struct ExtractorScratch {
    /// For mfcc40 and enriched.
    mfcc: Option<MfccScratch>,
    /// For functionals and frames.
    functionals: Option<FunctionalsScratch>,
    /// For egemaps, paralinguistic and paralinguistic+frames.
    egemaps: Option<EgemapsScratch>,
    /// For compare.
    compare: Option<CompareScratch>,
}

impl FeatureExtractor {
    /// Builds the plans for `spec` at `sample_rate` Hz (librosa's other defaults).
    pub fn new(spec: FeatureSpec, sample_rate: u32) -> Result<Self> {
        let plans = match spec {
            FeatureSpec::Mfcc40Mean | FeatureSpec::Enriched => {
                let params = MfccParams::study().sample_rate(sample_rate);
                Plans::Study {
                    mfcc: Mfcc::new(&params)?,
                    precise: PreciseStft::new(params.n_fft, params.hop_length)?,
                }
            }
            FeatureSpec::Functionals | FeatureSpec::Frames => Plans::Functionals(Functionals::new(
                &FunctionalsParams::default().sample_rate(sample_rate),
            )?),
            FeatureSpec::Egemaps
            | FeatureSpec::Paralinguistic
            | FeatureSpec::ParalinguisticFrames => Plans::Egemaps(Egemaps::new(
                &FunctionalsParams::default().sample_rate(sample_rate),
            )?),
            FeatureSpec::Compare => Plans::Compare(Box::new(Compare::new(
                &FunctionalsParams::default().sample_rate(sample_rate),
            )?)),
        };
        Ok(Self {
            spec,
            sample_rate,
            plans,
        })
    }

    /// The spec this extractor computes.
    pub fn spec(&self) -> FeatureSpec {
        self.spec
    }

    /// The sample rate its plans were built for.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> ExtractorScratch {
        match &self.plans {
            Plans::Study { mfcc, .. } => ExtractorScratch {
                mfcc: Some(mfcc.make_scratch()),
                ..ExtractorScratch::default()
            },
            Plans::Functionals(f) => ExtractorScratch {
                functionals: Some(f.make_scratch()),
                ..ExtractorScratch::default()
            },
            Plans::Egemaps(e) => ExtractorScratch {
                egemaps: Some(e.make_scratch()),
                ..ExtractorScratch::default()
            },
            Plans::Compare(c) => ExtractorScratch {
                compare: Some(c.make_scratch()),
                ..ExtractorScratch::default()
            },
        }
    }

    /// The clip vector ([`FeatureSpec::dim`] values, named by [`FeatureSpec::names`]).
    pub fn extract(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.extract_with_scratch(samples, &mut self.make_scratch())
    }

    /// [`FeatureExtractor::extract`] reusing `scratch` (buffers this spec needs and `scratch`
    /// lacks, if another spec's extractor made it, are added on first use).
    pub fn extract_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut ExtractorScratch,
    ) -> Result<Vec<f32>> {
        match &self.plans {
            Plans::Study { mfcc, precise } => {
                let buffers = scratch.mfcc.get_or_insert_with(|| mfcc.make_scratch());
                if self.spec == FeatureSpec::Enriched {
                    self.enriched(mfcc, precise, samples, buffers)
                } else {
                    Ok(mfcc.mean_with_scratch(samples, buffers)?.to_vec())
                }
            }
            Plans::Functionals(f) => {
                let buffers = scratch.functionals.get_or_insert_with(|| f.make_scratch());
                if self.spec == FeatureSpec::Frames {
                    f.frames_with_scratch(samples, buffers)
                } else {
                    f.extract_with_scratch(samples, buffers)
                }
            }
            Plans::Egemaps(e) => {
                let buffers = scratch.egemaps.get_or_insert_with(|| e.make_scratch());
                match self.spec {
                    FeatureSpec::Paralinguistic => {
                        e.extract_paralinguistic_with_scratch(samples, buffers)
                    }
                    FeatureSpec::ParalinguisticFrames => {
                        e.extract_paralinguistic_frames_with_scratch(samples, buffers)
                    }
                    _ => e.extract_with_scratch(samples, buffers),
                }
            }
            Plans::Compare(c) => {
                let buffers = scratch.compare.get_or_insert_with(|| c.make_scratch());
                c.extract_with_scratch(samples, buffers)
            }
        }
    }

    /// The enriched vector from one shared `f64` STFT (librosa's precision: spectral contrast
    /// needs it) plus two time-domain passes.
    fn enriched(
        &self,
        mfcc: &Mfcc,
        precise: &PreciseStft,
        samples: &[f32],
        scratch: &mut MfccScratch,
    ) -> Result<Vec<f32>> {
        let spec = Spectrogram::compute_precise(precise, samples, self.sample_rate)?;
        let mut out = Vec::with_capacity(FeatureSpec::Enriched.dim());
        out.extend(mfcc.mean_from_spectrogram(&spec, scratch)?);
        push_row_means(&mut out, chroma_stft(&spec)?.view());
        // Mean power mel spectrum.
        let bank = mfcc.mel_filterbank();
        let mut mel = vec![0f32; bank.n_mels()];
        let mut sum = vec![0f64; bank.n_mels()];
        for frame in spec.frames().rows() {
            let power: Vec<f32> = frame.to_vec();
            bank.apply(&power, &mut mel)?;
            sum.iter_mut().zip(&mel).for_each(|(s, &m)| *s += m as f64);
        }
        let frames = spec.n_frames() as f64;
        out.extend(sum.iter().map(|s| (s / frames) as f32));
        push_row_means(&mut out, spectral_contrast(&spec)?.view());
        let (n_fft, hop) = (precise.n_fft(), precise.hop_length());
        push_row_means(&mut out, zero_crossing_rate(samples, n_fft, hop)?.view());
        push_row_means(&mut out, rms(samples, n_fft, hop)?.view());
        Ok(out)
    }
}

/// Appends the mean over frames (columns) of every row.
fn push_row_means(out: &mut Vec<f32>, rows: ndarray::ArrayView2<'_, f32>) {
    let n = rows.ncols().max(1) as f64;
    out.extend(
        rows.rows()
            .into_iter()
            .map(|r| (r.iter().map(|&v| v as f64).sum::<f64>() / n) as f32),
    );
}
