//! The crate's one error type.

use std::path::PathBuf;

/// Why a pipeline could not be built, fitted, saved, loaded, used or evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A corpus could not be read, encoded, split or normalised.
    #[error(transparent)]
    Data(#[from] ser_data::DataError),
    /// A model could not be fitted or used.
    #[error(transparent)]
    Model(#[from] ser_models::ModelError),
    /// Features could not be computed.
    #[error(transparent)]
    Features(#[from] ser_features::FeatureError),
    /// A recording could not be loaded (the error names the file).
    #[error(transparent)]
    Audio(#[from] ser_audio::AudioError),
    /// The features of one recording could not be computed.
    #[error("features of {path}: {source}")]
    FileFeatures {
        /// The recording.
        path: PathBuf,
        /// Why.
        source: ser_features::FeatureError,
    },
    /// A protocol, model, feature or other name that is not known, or a bad number in it.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidChoice {
        /// What was being parsed (`protocol`, `model`, `features`, `normalisation`, …).
        what: &'static str,
        /// The text given.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// A setting of a [`crate::PipelineSpec`] out of its range.
    #[error("invalid {setting}: {reason}")]
    InvalidSetting {
        /// The setting (`"self-training fraction"`, `"C"`, …).
        setting: &'static str,
        /// What is wrong and the range it must lie in.
        reason: String,
    },
    /// The same recording (byte-identical files) on both the training and the test side of
    /// an evaluation: its figures would be optimistic. One pair is named.
    #[error(
        "leakage: {} (training) and {} (test) are the same recording; {duplicates} test \
         recording(s) are also in the training data (allow with --allow-leakage)",
        train.display(),
        test.display()
    )]
    Leakage {
        /// A training file ...
        train: PathBuf,
        /// ... with the same bytes as this test file.
        test: PathBuf,
        /// Test files with a training twin.
        duplicates: usize,
    },
    /// The data cannot support what was asked.
    #[error("{reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
    /// A model file could not be read or written.
    #[error("model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file that is not a valid fitted pipeline.
    #[error("corrupt model file {path} ({part}): {detail}")]
    CorruptModelFile {
        /// The file.
        path: PathBuf,
        /// The part at fault (`"envelope"`, `"spec"`, `"member 3"`, `"normaliser"`, …).
        part: String,
        /// What is wrong.
        detail: String,
    },
    /// A model file of a format version this build cannot read.
    #[error("model file {path} has format version {found}; this build reads up to {supported}")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Newest version this build reads.
        supported: u64,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, PipelineError>;
