#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod emotion;
pub mod error;
pub mod scheme;

pub use emotion::Emotion;
pub use error::{DataError, Result};
pub use scheme::{
    Detection, LabelledFile, Labelling, NameWarning, Scheme, SchemeChoice, SchemeFields,
    UnparsedName, detect_scheme, label_files,
};
