//! The crate's one error type.

/// Everything that can go wrong while building a feature plan or computing features.
///
/// Construction errors ([`FeatureError::InvalidParameter`]) are reported once, when a plan is
/// built; the others are reported per clip.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A parameter is out of its valid range (reported when a plan is built).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name, as its setter spells it.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// The signal has no samples (librosa would pad an empty signal into one silent frame; we
    /// refuse it instead, since features of nothing are meaningless).
    #[error("empty input: the signal has no samples")]
    EmptyInput,
    /// The signal holds a NaN or an infinity.
    #[error("non-finite sample {value} at index {index}")]
    NonFiniteSample {
        /// Index of the first offending sample.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// A sample is so large that its power spectrum would overflow `f32`.
    #[error("sample {value} at index {index} is beyond the supported range ±{limit}")]
    SampleOutOfRange {
        /// Index of the first offending sample.
        index: usize,
        /// Its value.
        value: f32,
        /// The largest magnitude accepted.
        limit: f32,
    },
    /// The signal is shorter than a computation needs.
    #[error("input too short: needs at least {needed} samples, got {got}")]
    InputTooShort {
        /// Samples needed.
        needed: usize,
        /// Samples given.
        got: usize,
    },
    /// An array argument (or output buffer) has the wrong shape.
    #[error("shape mismatch: expected {expected:?}, got {actual:?}")]
    ShapeMismatch {
        /// The shape that was needed.
        expected: Vec<usize>,
        /// The shape that was given.
        actual: Vec<usize>,
    },
    /// A feature-set name that is not known.
    #[error("unknown feature set `{name}` (known: {known})")]
    UnknownFeatureSet {
        /// The name given.
        name: String,
        /// The names accepted, comma separated.
        known: String,
    },
    /// Samples were pushed into a stream (see [`crate::stream`]) after its `finish`; `reset`
    /// starts a new signal.
    #[error("the stream is finished: reset it before pushing more samples")]
    StreamFinished,
    /// The FFT library refused a buffer (a bug in this crate if it ever happens).
    #[error("FFT failed: {message}")]
    Fft {
        /// The FFT library's message.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, FeatureError>;
