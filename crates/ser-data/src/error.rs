//! The crate's error type.

use std::path::PathBuf;

use crate::manifest::RowReport;

/// Everything that can go wrong in `ser-data`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A label that maps onto no canonical emotion.
    #[error("unknown emotion label {label:?}")]
    UnknownEmotion {
        /// The label.
        label: String,
    },
    /// A scheme name that is not one of tess, ravdess, emodb, crema-d, savee, folders, manifest.
    #[error(
        "unknown naming scheme {name:?} (expected tess, ravdess, emodb, crema-d, savee or folders)"
    )]
    UnknownScheme {
        /// The name given.
        name: String,
    },
    /// No file name fits any naming scheme.
    #[error("none of {files} file names fits a known naming scheme")]
    NoSchemeFits {
        /// How many names were looked at.
        files: usize,
    },
    /// A corpus folder with no audio file in it or below it (scanning with a detected scheme).
    #[error("{}: no audio files in this folder or below it ({skipped} other files skipped)", root.display())]
    EmptyCorpus {
        /// The folder scanned.
        root: PathBuf,
        /// Files found that are not audio.
        skipped: usize,
    },
    /// No audio file name in a corpus folder fits any naming scheme.
    #[error(
        "{}: none of its {files} audio file names fits a known naming scheme (e.g. {example:?}); rename the files or force a scheme",
        root.display()
    )]
    NoSchemeFitsIn {
        /// The folder scanned.
        root: PathBuf,
        /// Audio files found.
        files: usize,
        /// The first file name, as an example.
        example: String,
    },
    /// A label the encoder was not fitted on.
    #[error("label {label:?} is not one of the encoder's {n_classes} classes")]
    UnknownLabel {
        /// The label.
        label: String,
        /// Number of known classes.
        n_classes: usize,
    },
    /// A class index outside the encoder's classes.
    #[error("class index {index} is out of range for {n_classes} classes")]
    UnknownIndex {
        /// The index.
        index: usize,
        /// Number of known classes.
        n_classes: usize,
    },
    /// The same class given twice where classes must be distinct.
    #[error("class {label:?} is given more than once")]
    DuplicateClass {
        /// The class.
        label: String,
    },
    /// Nothing to work on.
    #[error("{what} is empty")]
    EmptyInput {
        /// What was empty.
        what: &'static str,
    },
    /// A parameter outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// Lengths that must agree do not.
    #[error("{what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What disagrees.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// A signal without power where a level relative to it is asked (noise at an SNR).
    #[error("cannot add {what}: the signal is silent")]
    SilentSignal {
        /// What was asked.
        what: &'static str,
    },
    /// An augmentation step failed inside (an FFT given a buffer of the wrong size).
    #[error("augmentation failed: {reason}")]
    Augment {
        /// What went wrong.
        reason: String,
    },
    /// A text file (a manifest, a label map) that is not a regular file, is larger than its
    /// limit, is not UTF-8, or whose header line cannot be read.
    #[error("{}: {reason}", path.display())]
    TextFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A manifest or label map without a column it needs.
    #[error("{}: no {column:?} column in the header line (found {found:?})", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column missing.
        column: &'static str,
        /// The header's fields.
        found: Vec<String>,
    },
    /// A manifest or label map none of whose rows is usable.
    #[error("{}", nothing_usable(file, *rows, problems))]
    NothingUsable {
        /// The file.
        file: PathBuf,
        /// Rows read (not counting the header and blank lines).
        rows: usize,
        /// Every problem found, with its line.
        problems: Vec<RowReport>,
    },
    /// A path given as a corpus that is neither a folder nor a manifest.
    #[error(
        "{}: neither a folder nor a manifest: {reason}",
        path.display()
    )]
    NotACorpus {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        reason: String,
    },
    /// A file-system operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing a wav file failed.
    #[error("cannot write wav {path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// hound's error.
        source: hound::Error,
    },
}

fn nothing_usable(file: &std::path::Path, rows: usize, problems: &[RowReport]) -> String {
    let first = problems
        .iter()
        .find(|p| p.line > 1)
        .or(problems.first())
        .map_or(String::new(), |p| {
            format!("; e.g. line {}: {}", p.line, p.detail)
        });
    format!(
        "{}: none of its {rows} rows is usable ({} problem(s) reported{first})",
        file.display(),
        problems.len()
    )
}

/// `Result` with [`DataError`].
pub type Result<T, E = DataError> = std::result::Result<T, E>;
