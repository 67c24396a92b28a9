//! The Python exceptions and the mapping of the crates' error types onto them.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use ser_pipeline::PipelineError;

create_exception!(
    ser,
    SerError,
    PyException,
    "Base class of every error ser raises from its Rust core."
);
create_exception!(
    ser,
    AudioError,
    SerError,
    "A recording could not be read: missing, not a file, undecodable, too long, bad options. \
     The message names the file."
);
create_exception!(
    ser,
    FeatureError,
    SerError,
    "Features could not be computed (empty or non-finite signal, bad parameter, too short)."
);
create_exception!(
    ser,
    ModelError,
    SerError,
    "A model file could not be read or written, or a model could not be fitted or used."
);

/// An audio error as `ser.AudioError`.
pub fn audio(e: ser_audio::AudioError) -> PyErr {
    AudioError::new_err(e.to_string())
}

/// A feature error as `ser.FeatureError`.
pub fn feature(e: ser_features::FeatureError) -> PyErr {
    FeatureError::new_err(e.to_string())
}

/// A pipeline error as the exception of its kind.
pub fn pipeline(e: PipelineError) -> PyErr {
    let text = e.to_string();
    match e {
        PipelineError::Audio(_) => AudioError::new_err(text),
        PipelineError::Features(_) | PipelineError::FileFeatures { .. } => {
            FeatureError::new_err(text)
        }
        PipelineError::Model(_)
        | PipelineError::Io { .. }
        | PipelineError::CorruptModelFile { .. }
        | PipelineError::UnsupportedVersion { .. } => ModelError::new_err(text),
        _ => SerError::new_err(text),
    }
}
