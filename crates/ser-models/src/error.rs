//! The crate's error type.

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
}
