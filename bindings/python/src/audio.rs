//! `ser.load` and `ser.resample`: ser-audio with librosa's semantics.

use std::path::PathBuf;

use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use ser_audio::{AudioError, LoadOptions};

use crate::errors;

/// What a load gives: samples, or nothing (an offset past the end; librosa's empty array).
enum Loaded {
    Samples(ser_audio::Audio),
    Empty { rate: u32, channels: u16 },
}

/// Loads `path` as `librosa.load(path, sr=sr, mono=mono, offset=offset, duration=duration)`.
///
/// Returns `(y, sr)`: `y` float32, shape `(n,)` (mono, or a one-channel file), or
/// `(channels, n)` with `mono=False`; `sr` the rate of `y` (the file's own when `sr` is None).
/// An offset at or past the end gives an empty array, as librosa does. Errors: `ser.AudioError`
/// naming the file.
#[pyfunction]
#[pyo3(signature = (path, sr, mono, offset, duration))]
pub fn load<'py>(
    py: Python<'py>,
    path: PathBuf,
    sr: Option<u32>,
    mono: bool,
    offset: f64,
    duration: Option<f64>,
) -> PyResult<(Bound<'py, PyAny>, u32)> {
    let opts = LoadOptions {
        sample_rate: sr,
        mono,
        offset,
        duration,
    };
    let loaded = py
        .detach(|| match ser_audio::load(&path, &opts) {
            Ok(audio) => Ok(Loaded::Samples(audio)),
            Err(AudioError::NoSamples { .. }) => {
                let info = ser_audio::probe(&path)?;
                Ok(Loaded::Empty {
                    rate: sr.unwrap_or(info.sample_rate),
                    channels: if mono { 1 } else { info.channels },
                })
            }
            Err(e) => Err(e),
        })
        .map_err(errors::audio)?;
    Ok(match loaded {
        Loaded::Empty { rate, channels } => {
            if channels <= 1 {
                (Array1::<f32>::zeros(0).into_pyarray(py).into_any(), rate)
            } else {
                let empty = Array2::<f32>::zeros((usize::from(channels), 0));
                (empty.into_pyarray(py).into_any(), rate)
            }
        }
        Loaded::Samples(audio) => {
            let rate = audio.sample_rate;
            let channels = usize::from(audio.channels.max(1));
            if channels == 1 {
                (audio.samples.into_pyarray(py).into_any(), rate)
            } else {
                let frames = audio.samples.len() / channels;
                let planar = py.detach(|| {
                    Array2::from_shape_fn((channels, frames), |(c, t)| {
                        audio.samples[t * channels + c]
                    })
                });
                (planar.into_pyarray(py).into_any(), rate)
            }
        }
    })
}

/// Resamples `y` from `orig_sr` to `target_sr` Hz as `librosa.resample(y, orig_sr=…,
/// target_sr=…)` with its default `res_type="soxr_hq"` (ser's band-limited sinc, fitted to
/// soxr's HQ response): `ceil(n · target_sr / orig_sr)` samples, no delay.
#[pyfunction]
pub fn resample<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    orig_sr: u32,
    target_sr: u32,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let samples = y.as_array().to_vec();
    let out = py
        .detach(|| ser_audio::resample(&samples, orig_sr, target_sr))
        .map_err(errors::audio)?;
    Ok(out.into_pyarray(py))
}
