//! The study's error type.

use std::path::PathBuf;

/// Why the study could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// An output file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The corpus could not be read, encoded or split.
    #[error(transparent)]
    Data(#[from] ser_data::DataError),
    /// A model could not be fitted, used or saved.
    #[error(transparent)]
    Model(#[from] ser_models::ModelError),
    /// Features could not be computed.
    #[error(transparent)]
    Features(#[from] ser_features::FeatureError),
    /// A clip could not be loaded.
    #[error(transparent)]
    Audio(#[from] ser_audio::AudioError),
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plots::PlotError),
    /// The report could not be assembled.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// The speaker-independent evaluation failed.
    #[error(transparent)]
    Evaluate(#[from] crate::evaluate::EvalError),
    /// The corpus has nothing the study can use.
    #[error("{reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
}
