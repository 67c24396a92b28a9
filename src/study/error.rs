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
    /// Progress could not be printed to standard output (e.g. a full disk); the study went
    /// on without printing and wrote every result file under `out`.
    #[error(
        "cannot write progress to standard output: {source} (the results were written to {})",
        out.display()
    )]
    Stdout {
        /// The I/O error.
        source: std::io::Error,
        /// The output folder, where `results.json` and `report.html` were written.
        out: PathBuf,
    },
    /// The corpus has nothing the study can use.
    #[error("{reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
}
