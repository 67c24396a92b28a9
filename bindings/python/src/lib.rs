//! `ser._ser`: the Rust core of the `ser` Python package (PyO3). Every function releases the
//! GIL while it computes; batch work runs on rayon's pool (every core unless told otherwise).
//! The pure-Python package `ser` wraps these with librosa's names, keywords and checks.

mod audio;
mod errors;
mod extract;
mod features;
mod pipeline;

use pyo3::prelude::*;

/// The Rust core of `ser`.
#[pymodule]
fn _ser(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SerError", py.get_type::<errors::SerError>())?;
    m.add("AudioError", py.get_type::<errors::AudioError>())?;
    m.add("FeatureError", py.get_type::<errors::FeatureError>())?;
    m.add("ModelError", py.get_type::<errors::ModelError>())?;
    m.add_function(wrap_pyfunction!(audio::load, m)?)?;
    m.add_function(wrap_pyfunction!(audio::resample, m)?)?;
    m.add_function(wrap_pyfunction!(features::spectrogram, m)?)?;
    m.add_function(wrap_pyfunction!(features::mel_project, m)?)?;
    m.add_function(wrap_pyfunction!(features::mel_filterbank, m)?)?;
    m.add_function(wrap_pyfunction!(features::power_to_db, m)?)?;
    m.add_function(wrap_pyfunction!(features::dct_ortho, m)?)?;
    m.add_function(wrap_pyfunction!(features::chroma_from_power, m)?)?;
    m.add_function(wrap_pyfunction!(features::tuning_of, m)?)?;
    m.add_function(wrap_pyfunction!(features::spectral, m)?)?;
    m.add_function(wrap_pyfunction!(features::zero_crossing_rate, m)?)?;
    m.add_function(wrap_pyfunction!(features::rms, m)?)?;
    m.add_function(wrap_pyfunction!(features::delta, m)?)?;
    m.add_function(wrap_pyfunction!(features::onset_from_log_mel, m)?)?;
    m.add_function(wrap_pyfunction!(features::tempo, m)?)?;
    m.add_function(wrap_pyfunction!(features::yin, m)?)?;
    m.add_function(wrap_pyfunction!(features::mfcc_plan, m)?)?;
    m.add_function(wrap_pyfunction!(extract::extract, m)?)?;
    m.add_function(wrap_pyfunction!(extract::feature_names, m)?)?;
    m.add_function(wrap_pyfunction!(extract::default_feature_set, m)?)?;
    m.add_class::<pipeline::PyPipeline>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
