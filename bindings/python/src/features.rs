//! The librosa-compatible feature primitives behind `ser.feature` (the Python layer checks
//! librosa's keywords, handles multi-channel input and composes these).

use std::sync::{Arc, Mutex, PoisonError};

use ndarray::{Array1, Array2, Axis};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use ser_features::chroma::{chroma_filterbank, estimate_tuning};
use ser_features::db::{DbParams, power_to_db as db_of};
use ser_features::dct::dct_matrix;
use ser_features::mel::{MelFilterbank, MelNorm, MelParams, mel_filterbank as mel_bank};
use ser_features::mfcc::{Mfcc, MfccParams};
use ser_features::pitch::{YinParams, yin as yin_of};
use ser_features::{FeatureError, PreciseStft, Spectrogram};

use crate::errors;

type Result<T> = std::result::Result<T, FeatureError>;

/// The power spectrogram of `y` as librosa computes it (periodic Hann, centred, zero padded,
/// `f64` FFT rounded to `f32`).
fn spectrogram_of(y: &[f32], sr: u32, n_fft: usize, hop_length: usize) -> Result<Spectrogram> {
    Spectrogram::compute_precise(&PreciseStft::new(n_fft, hop_length)?, y, sr.max(1))
}

fn mel_params(
    sr: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
    htk: bool,
    slaney: bool,
) -> MelParams {
    MelParams {
        sample_rate: sr,
        n_fft,
        n_mels,
        fmin,
        fmax,
        htk,
        norm: if slaney {
            MelNorm::Slaney
        } else {
            MelNorm::None
        },
    }
}

/// `|stft(y)|**power` (power 1 or 2), `(1 + n_fft/2) × frames`, as librosa's
/// `np.abs(librosa.stft(y, n_fft=…, hop_length=…))**power`.
#[pyfunction]
pub fn spectrogram<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    n_fft: usize,
    hop_length: usize,
    power: f64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    if power != 1.0 && power != 2.0 {
        return Err(PyValueError::new_err(format!(
            "power must be 1.0 or 2.0, got {power}"
        )));
    }
    let y = y.as_array().to_vec();
    let out = py
        .detach(|| {
            let spec = spectrogram_of(&y, 1, n_fft, hop_length)?;
            Ok(if power == 2.0 {
                spec.power().to_owned()
            } else {
                spec.magnitude()
            })
        })
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// The mel filterbank applied to a spectrogram `S` (`(1 + n_fft/2) × frames`), as
/// `librosa.filters.mel(…) @ S`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn mel_project<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
    htk: bool,
    slaney: bool,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let s = s.as_array().to_owned();
    let params = mel_params(sr, n_fft, n_mels, fmin, fmax, htk, slaney);
    let out = py
        .detach(|| MelFilterbank::new(&params)?.mel_spectrogram(s.view()))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// The mel filterbank, `n_mels × (1 + n_fft/2)`, as `librosa.filters.mel`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn mel_filterbank<'py>(
    py: Python<'py>,
    sr: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
    htk: bool,
    slaney: bool,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let params = mel_params(sr, n_fft, n_mels, fmin, fmax, htk, slaney);
    let out = py.detach(|| mel_bank(&params)).map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// `librosa.power_to_db(S, ref=ref_value, amin=amin, top_db=top_db)` with a scalar reference.
#[pyfunction]
pub fn power_to_db<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    ref_value: f32,
    amin: f32,
    top_db: Option<f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let s = s.as_array().to_owned();
    let params = DbParams {
        reference: ref_value,
        amin,
        top_db,
    };
    let out = py
        .detach(|| db_of(s.view(), &params))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// The first `n_out` rows of the orthonormal DCT-II of each column of `S` (librosa's MFCC
/// step: `scipy.fft.dct(S, axis=-2, type=2, norm="ortho")[:n_out]`).
#[pyfunction]
pub fn dct_ortho<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    n_out: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let s = s.as_array().to_owned();
    let out = py
        .detach(|| Ok(dct_matrix(n_out, s.nrows())?.dot(&s)))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// Chroma (`12 × frames`) of a power spectrogram `S` as `librosa.feature.chroma_stft(S=S,
/// sr=…, tuning=…)`: tuning estimated from `S` when None, the chroma filterbank, each frame
/// scaled to a maximum of 1.
#[pyfunction]
#[pyo3(signature = (s, sr, n_fft, tuning=None))]
pub fn chroma_from_power<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    n_fft: usize,
    tuning: Option<f64>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let s = s.as_array().to_owned();
    let out = py
        .detach(|| -> Result<Array2<f32>> {
            let tuning = tuning.unwrap_or_else(|| estimate_tuning(s.view(), sr, n_fft));
            let bank = chroma_filterbank(sr, n_fft, tuning)?;
            if bank.ncols() != s.nrows() {
                return Err(FeatureError::ShapeMismatch {
                    expected: vec![bank.ncols(), s.ncols()],
                    actual: s.shape().to_vec(),
                });
            }
            let mut chroma = bank.dot(&s);
            for mut col in chroma.columns_mut() {
                let max = col.iter().fold(0f32, |m, &v| m.max(v.abs()));
                let norm = if max < f32::MIN_POSITIVE { 1.0 } else { max };
                col.mapv_inplace(|v| v / norm);
            }
            Ok(chroma)
        })
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// `librosa.estimate_tuning(S=S, sr=…, n_fft=…)` of a power spectrogram, in fractions of a bin.
#[pyfunction]
pub fn tuning_of(py: Python<'_>, s: PyReadonlyArray2<'_, f32>, sr: u32, n_fft: usize) -> f64 {
    let s = s.as_array().to_owned();
    py.detach(|| estimate_tuning(s.view(), sr, n_fft))
}

/// One spectral feature of `y` from its (f64) power spectrogram: `kind` is `centroid`,
/// `bandwidth`, `rolloff`, `flatness` or `contrast` (librosa's defaults otherwise).
#[pyfunction]
pub fn spectral<'py>(
    py: Python<'py>,
    kind: &str,
    y: PyReadonlyArray1<'py, f32>,
    sr: u32,
    n_fft: usize,
    hop_length: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    use ser_features::spectral as sp;
    let f: fn(&Spectrogram) -> Result<Array2<f32>> = match kind {
        "centroid" => sp::spectral_centroid,
        "bandwidth" => sp::spectral_bandwidth,
        "rolloff" => sp::spectral_rolloff,
        "flatness" => sp::spectral_flatness,
        "contrast" => sp::spectral_contrast,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown spectral feature {other:?}"
            )));
        }
    };
    let y = y.as_array().to_vec();
    let out = py
        .detach(|| f(&spectrogram_of(&y, sr, n_fft, hop_length)?))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// `librosa.feature.zero_crossing_rate(y, frame_length=…, hop_length=…)`, `1 × frames`.
#[pyfunction]
pub fn zero_crossing_rate<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    frame_length: usize,
    hop_length: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    per_frame(
        py,
        y,
        frame_length,
        hop_length,
        ser_features::temporal::zero_crossing_rate,
    )
}

/// `librosa.feature.rms(y=y, frame_length=…, hop_length=…)`, `1 × frames`.
#[pyfunction]
pub fn rms<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    frame_length: usize,
    hop_length: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    per_frame(py, y, frame_length, hop_length, ser_features::temporal::rms)
}

/// A framewise measure of `y` computed without the GIL.
fn per_frame<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    frame_length: usize,
    hop_length: usize,
    measure: fn(&[f32], usize, usize) -> ser_features::Result<Array2<f32>>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let y = y.as_array().to_vec();
    let out = py
        .detach(|| measure(&y, frame_length, hop_length))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// `librosa.feature.delta(data, order=order)` (width 9, `mode="interp"`) along the columns.
#[pyfunction]
pub fn delta<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f32>,
    order: u32,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let data = data.as_array().to_owned();
    let out = py
        .detach(|| match order {
            1 => Ok(ser_features::delta::delta(data.view())),
            2 => Ok(ser_features::delta::delta2(data.view())),
            _ => Err(order),
        })
        .map_err(|o| PyValueError::new_err(format!("order must be 1 or 2, got {o}")))?
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// Onset strength from a log-mel spectrogram (`n_mels × frames`), as
/// `librosa.onset.onset_strength(S=log_mel)` with the frames centred for `n_fft`/`hop_length`.
#[pyfunction]
pub fn onset_from_log_mel<'py>(
    py: Python<'py>,
    log_mel: PyReadonlyArray2<'py, f32>,
    n_fft: usize,
    hop_length: usize,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let s = log_mel.as_array().to_owned();
    let out = py
        .detach(|| ser_features::rhythm::onset_strength(s.view(), n_fft, hop_length))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// Global tempo (BPM) of an onset envelope, as `librosa.feature.tempo(onset_envelope=…)`.
#[pyfunction]
pub fn tempo(
    py: Python<'_>,
    onset: PyReadonlyArray1<'_, f32>,
    sr: u32,
    hop_length: usize,
) -> PyResult<f32> {
    let onset = onset.as_array().to_vec();
    py.detach(|| ser_features::rhythm::tempo(&onset, sr, hop_length))
        .map_err(errors::feature)
}

/// `librosa.yin(y, fmin=…, fmax=…, sr=…, frame_length=…, hop_length=…,
/// trough_threshold=…)`: f0 per frame in Hz.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn yin<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    fmin: f64,
    fmax: f64,
    sr: u32,
    frame_length: usize,
    hop_length: usize,
    trough_threshold: f64,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let y = y.as_array().to_vec();
    let params = YinParams {
        sample_rate: sr,
        fmin,
        fmax,
        frame_length,
        hop_length,
        trough_threshold,
    };
    let out: Array1<f32> = py.detach(|| yin_of(&y, &params)).map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// Stacks equal-length rows into a matrix (rows × width); `NaN` rows where `None`.
pub fn stack(rows: &[Option<Vec<f32>>], width: usize) -> Array2<f32> {
    let mut out = Array2::from_elem((rows.len(), width), f32::NAN);
    for (mut o, row) in out.axis_iter_mut(Axis(0)).zip(rows) {
        if let Some(v) = row {
            o.iter_mut().zip(v).for_each(|(o, &x)| *o = x);
        }
    }
    out
}

/// `librosa.feature.mfcc(y=y, sr=sr, n_mfcc=…, n_fft=…, hop_length=…, n_mels=…, fmin=…,
/// fmax=…, htk=…)` with librosa's defaults for the rest (periodic Hann, centred, zero padded,
/// power 2, Slaney mel, `power_to_db` with top_db 80, orthonormal DCT-II), `n_mfcc × frames`,
/// through `ser_features`' `f32` MFCC plan, built once per parameter set: the fast path of
/// `ser.feature.mfcc`.
#[pyfunction]
#[allow(clippy::too_many_arguments)] // librosa's keywords, one for one
pub fn mfcc_plan<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    sr: u32,
    n_mfcc: usize,
    n_fft: usize,
    hop_length: usize,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
    htk: bool,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let params = MfccParams {
        sample_rate: sr,
        n_fft,
        hop_length,
        n_mels,
        fmin,
        fmax,
        n_mfcc,
        top_db: Some(80.0),
        htk,
    };
    let y = y.as_array().to_vec();
    let out = py
        .detach(|| cached_mfcc(&params)?.process(&y))
        .map_err(errors::feature)?;
    Ok(out.into_pyarray(py))
}

/// The MFCC plan for `params`: the last eight parameter sets' plans are kept.
fn cached_mfcc(params: &MfccParams) -> Result<Arc<Mfcc>> {
    static PLANS: Mutex<Vec<(MfccParams, Arc<Mfcc>)>> = Mutex::new(Vec::new());
    let mut plans = PLANS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, plan)) = plans.iter().find(|(p, _)| p == params) {
        return Ok(Arc::clone(plan));
    }
    let plan = Arc::new(Mfcc::new(params)?);
    if plans.len() == 8 {
        plans.remove(0);
    }
    plans.push((params.clone(), Arc::clone(&plan)));
    Ok(plan)
}
