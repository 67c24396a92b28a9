//! Everything the study measured, as written to `results.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ser_data::Eda;
use ser_models::MetricsSummary;
use serde::{Serialize, Serializer};

use super::StudyError;

/// The seed study's published test accuracies (random 80/20 split of the full TESS set).
pub const PUBLISHED: [(&str, f64); 3] = [("lstm", 0.9917), ("svm", 0.9958), ("knn", 0.9167)];

/// One example clip shown for its emotion.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleClip {
    /// Canonical emotion.
    pub emotion: String,
    /// The recording (in JSON: `file` as text, plus `file_bytes` when the path is not UTF-8;
    /// see [`ser_data::corpus::non_utf8_bytes`]).
    #[serde(flatten, serialize_with = "file_fields")]
    pub file: PathBuf,
    /// Waveplot PNG (relative to the output folder).
    pub waveplot: String,
    /// dB spectrogram PNG (relative to the output folder).
    pub spectrogram: String,
    /// What speech recognition heard, when it ran.
    pub transcript: Option<String>,
    /// The clip at 22050 Hz, for the report's audio player (not in the JSON).
    #[serde(skip)]
    pub samples: Vec<f32>,
}

/// One model's held-out result.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    /// Short name (`lstm`, `svm_mfcc`, `svm_enriched`, `knn_mfcc`).
    pub name: String,
    /// What it is, in words.
    pub description: String,
    /// Features used (`mfcc40`, `enriched`).
    pub features: String,
    /// Accuracy, UAR, macro-F1 and per-class precision/recall/F1.
    pub metrics: MetricsSummary,
    /// Confusion counts, true class × predicted class.
    pub confusion: Vec<Vec<usize>>,
    /// The plain-text metrics table.
    pub table: String,
    /// Confusion heat map PNG (relative to the output folder).
    pub confusion_plot: String,
    /// Seconds to fit.
    pub fit_seconds: f64,
}

/// One speaker-independent fold: trained on the other speakers, tested on these.
#[derive(Debug, Clone, Serialize)]
pub struct SpeakerFold {
    /// Speakers held out.
    pub test_speakers: Vec<String>,
    /// Accuracy on them.
    pub accuracy: f64,
    /// Unweighted average recall on them.
    pub uar: f64,
}

/// The speaker-independent check.
#[derive(Debug, Clone, Serialize)]
pub struct SpeakerIndependent {
    /// The model used.
    pub model: String,
    /// Leave-one-speaker-out folds.
    pub folds: Vec<SpeakerFold>,
    /// Mean accuracy over folds.
    pub accuracy: f64,
    /// Mean UAR over folds.
    pub uar: f64,
    /// Why it did not run (fewer than two speakers), if so.
    pub skipped: Option<String>,
}

/// The saved model used on one clip.
#[derive(Debug, Clone, Serialize)]
pub struct PredictionResult {
    /// The clip (in JSON: `file` as text, plus `file_bytes` when the path is not UTF-8).
    #[serde(flatten, serialize_with = "file_fields")]
    pub file: PathBuf,
    /// Its true emotion.
    pub truth: String,
    /// What the saved model says.
    pub emotion: String,
    /// Every class's score.
    pub scores: BTreeMap<String, f32>,
}

/// One recording given with `--timeline`: its speech segments and their emotions.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineResult {
    /// The recording (in JSON: `file` as text, plus `file_bytes` when the path is not UTF-8).
    #[serde(flatten, serialize_with = "file_fields")]
    pub file: PathBuf,
    /// The plot's file name in the output folder, when one was drawn.
    pub plot: Option<String>,
    /// Length in seconds, when the file could be read.
    pub duration: Option<f64>,
    /// The segments, in order.
    pub segments: Vec<TimelinePoint>,
    /// Why there is no timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One speech segment of a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelinePoint {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// The most probable class.
    pub emotion: String,
    /// Its probability.
    pub score: f32,
}

/// All the study's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct StudyResults {
    /// The corpus (folder, or the synthetic default's parameters).
    pub corpus: String,
    /// Counts, durations, formats and faults.
    pub eda: Eda,
    /// Bar plot of clips per emotion.
    pub eda_plot: String,
    /// One clip per emotion with plots and transcript.
    pub examples: Vec<ExampleClip>,
    /// Whether speech recognition ran, and how.
    pub asr: String,
    /// Feature extraction: clips, dimensions, failures, cache use.
    pub features: BTreeMap<String, serde_json::Value>,
    /// The LSTM's result.
    pub lstm: Option<ModelResult>,
    /// Accuracy and loss curves of the LSTM.
    pub lstm_history_plots: Vec<String>,
    /// Every model's held-out result on the random 80/20 split.
    pub models: Vec<ModelResult>,
    /// Speaker-independent check.
    pub speaker_independent: SpeakerIndependent,
    /// Where the best model was saved (in JSON as text: U+FFFD for bytes that are not UTF-8).
    #[serde(serialize_with = "lossy_path")]
    pub best_model: Option<PathBuf>,
    /// The saved model used on one clip.
    pub prediction: Option<PredictionResult>,
    /// Emotion over time of the recordings given with `--timeline` (empty without).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<TimelineResult>,
    /// The seed's published accuracies.
    pub published: BTreeMap<String, f64>,
    /// Seconds per stage.
    pub timings_s: BTreeMap<String, f64>,
    /// Seconds in all.
    pub total_seconds: f64,
}

/// A path as the fields `file` (text) and `file_bytes` (only when it is not UTF-8).
fn file_fields<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct FileFields {
        file: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_bytes: Option<Vec<u8>>,
    }
    FileFields {
        file: path.to_string_lossy().into_owned(),
        file_bytes: ser_data::corpus::non_utf8_bytes(path),
    }
    .serialize(s)
}

/// A path as text, whatever its bytes.
fn lossy_path<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    path.as_ref().map(|p| p.to_string_lossy()).serialize(s)
}

/// Writes `results.json`.
pub(crate) fn write_json(results: &StudyResults, path: &Path) -> Result<(), StudyError> {
    let text = serde_json::to_string_pretty(results).map_err(|e| StudyError::Unusable {
        reason: format!("results cannot be written as JSON: {e}"),
    })?;
    std::fs::write(path, text).map_err(|source| StudyError::Io {
        path: path.to_owned(),
        source,
    })
}
