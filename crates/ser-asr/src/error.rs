//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while configuring PocketSphinx or transcribing a clip.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AsrError {
    /// The crate was built without the `sphinx` feature, so no recogniser is compiled in.
    #[error(
        "speech recognition is off: ser-asr was built without its `sphinx` feature \
         (build `ser` with `--features asr`, which needs the system packages \
         libpocketsphinx-dev and pocketsphinx-en-us)"
    )]
    Disabled,
    /// A model file or directory named in [`AsrConfig`](crate::AsrConfig) does not exist.
    #[error("{what} not found at {path} (Debian package pocketsphinx-en-us installs the defaults)")]
    ModelMissing {
        /// Which part of the model: "acoustic model directory", "language model", "dictionary".
        what: &'static str,
        /// The path that was looked at.
        path: PathBuf,
    },
    /// A path cannot be handed to the C library (not UTF-8, or holds a NUL byte).
    #[error("path {path} cannot be passed to PocketSphinx: {reason}")]
    InvalidPath {
        /// The offending path.
        path: PathBuf,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A text argument (grammar, key phrase, word) holds a NUL byte.
    #[error("{what} contains a NUL byte at byte {position}")]
    InteriorNul {
        /// Which argument: "grammar", "key phrase", "word".
        what: &'static str,
        /// Byte offset of the NUL.
        position: usize,
    },
    /// A word given for a grammar is empty or holds characters a JSGF token cannot hold.
    #[error("{word:?} is not a usable grammar word (letters, digits, ' and - only)")]
    InvalidWord {
        /// The word as given.
        word: String,
    },
    /// A grammar was asked for with no words to choose from.
    #[error("a grammar needs at least one word")]
    EmptyWordList,
    /// A grammar word is not in the pronunciation dictionary.
    #[error("{word:?} is not in the pronunciation dictionary {dict}")]
    UnknownWord {
        /// The word missing from the dictionary.
        word: String,
        /// The dictionary that was searched.
        dict: PathBuf,
    },
    /// The key-phrase threshold is not a positive finite number.
    #[error("key-phrase threshold must be positive and finite, got {threshold}")]
    InvalidThreshold {
        /// The threshold as given.
        threshold: f64,
    },
    /// A PocketSphinx call reported failure.
    #[error("PocketSphinx failed to {step} (return code {code})")]
    Decoder {
        /// What was being done: "parse its configuration", "load the models", ...
        step: &'static str,
        /// The C return code (-1 where the call returns a null pointer instead).
        code: i32,
    },
    /// A sample rate of zero was given.
    #[error("sample rate must be positive, got {rate} Hz")]
    InvalidSampleRate {
        /// The rate as given.
        rate: u32,
    },
    /// A sample is NaN or infinite and cannot become 16-bit PCM.
    #[error("sample {index} is not finite ({value})")]
    NonFiniteSample {
        /// Position of the sample.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// The caller's resampler failed.
    #[error("resampling from {from} Hz to 16000 Hz failed: {source}")]
    Resample {
        /// The input rate.
        from: u32,
        /// The resampler's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `transcribe` was given no samples.
    #[error("no samples to transcribe")]
    EmptyInput,
}
