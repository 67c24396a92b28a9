//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong fitting, predicting with, saving or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Two sizes that must agree do not.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Which size.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// No samples or no features.
    #[error("empty input: no samples or no features")]
    EmptyInput,
    /// A label is not below the number of classes.
    #[error("label {label} out of range for {n_classes} classes")]
    LabelOutOfRange {
        /// The offending label.
        label: usize,
        /// The number of classes.
        n_classes: usize,
    },
    /// NaN or infinite features.
    #[error("non-finite feature values (NaN or infinity)")]
    NonFinite,
    /// A hyper-parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// The parameter's name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A fit needs more training samples than it was given (e.g. KNN with `k` above the
    /// number of training rows).
    #[error("too few samples: need at least {needed}, got {got}")]
    TooFewSamples {
        /// The number of samples required.
        needed: usize,
        /// The number of samples given.
        got: usize,
    },
    /// A class has no training sample, so a one-vs-rest model cannot learn it.
    #[error("class {class} has no training sample")]
    EmptyClass {
        /// The class index without samples.
        class: usize,
    },
    /// Reading or writing a model file failed.
    #[error("I/O error on model file {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A recording could not be loaded for prediction.
    #[error(transparent)]
    Audio(#[from] ser_audio::AudioError),
    /// Features could not be computed from a recording.
    #[error("features of {path}: {source}")]
    Features {
        /// The recording.
        path: PathBuf,
        /// The cause.
        #[source]
        source: ser_features::FeatureError,
    },
    /// A model could not be written as JSON.
    #[error("cannot serialise the model file: {detail}")]
    Serialize {
        /// What went wrong.
        detail: String,
    },
    /// A model file is truncated, not JSON, not a model file, or internally inconsistent.
    #[error("corrupt model file {path}: {detail}")]
    CorruptModelFile {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A model file written by a newer (or unknown) format version.
    #[error("model file {path} has format version {found}; this build reads up to {supported}")]
    UnsupportedVersion {
        /// The file involved.
        path: PathBuf,
        /// The version found in the file.
        found: u64,
        /// The newest version this build reads.
        supported: u64,
    },
    /// Training produced a non-finite loss (try a lower learning rate or gradient clipping).
    #[error("training diverged: non-finite loss in epoch {epoch}")]
    Diverged {
        /// The epoch (0-based) where the loss stopped being finite.
        epoch: usize,
    },
}
