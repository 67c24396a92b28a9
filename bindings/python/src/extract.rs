//! `ser.extract`: the feature vector of every file, in parallel, one row per file.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use ser_features::FeatureSpec;
use ser_pipeline::{PipelineSpec, file_features};

use crate::features::stack;

/// What `extract` returns: column names, the rows (NaN where a file failed) and each file's
/// error (None when it went through).
type Extracted<'py> = (Vec<String>, Bound<'py, PyArray2<f32>>, Vec<Option<String>>);

/// Runs `f` on a pool of `threads` threads, or on rayon's global pool (every core) for None.
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(f()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}"))),
    }
}

/// The parsed feature-set name.
pub fn feature_spec(features: &str) -> PyResult<FeatureSpec> {
    features
        .parse::<FeatureSpec>()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The feature set the robust preset computes (what `extract` and `feature_names` use when
/// given none, as the `features` example does).
#[pyfunction]
pub fn default_feature_set() -> &'static str {
    PipelineSpec::default().features.spec.name()
}

/// Names of the values of feature set `features` (`"functionals"`, `"mfcc40"`, `"enriched"`,
/// `"egemaps"`, `"paralinguistic"`).
#[pyfunction]
pub fn feature_names(features: &str) -> PyResult<Vec<String>> {
    Ok(feature_spec(features)?.names())
}

/// The feature vector of every file of `paths` (loaded as the preset computing `features`
/// loads it), computed on `threads` threads (None: every core), in input order. A file that
/// fails gets NaN values and its error message; the others go on.
#[pyfunction]
#[pyo3(signature = (paths, features, threads=None))]
pub fn extract<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    features: &str,
    threads: Option<usize>,
) -> PyResult<Extracted<'py>> {
    let spec = feature_spec(features)?;
    let config = PipelineSpec::features_for(spec);
    let names = spec.names();
    let width = names.len();
    let results: Vec<Result<Vec<f32>, String>> = py.detach(|| {
        with_threads(threads, || {
            paths
                .par_iter()
                .map(|p| file_features(&config, p).map_err(|e| e.to_string()))
                .collect()
        })
    })?;
    let mut rows = Vec::with_capacity(results.len());
    let mut errors = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(v) if v.len() == width => {
                rows.push(Some(v));
                errors.push(None);
            }
            Ok(v) => {
                rows.push(None);
                errors.push(Some(format!(
                    "{} values where {width} were expected",
                    v.len()
                )));
            }
            Err(e) => {
                rows.push(None);
                errors.push(Some(e));
            }
        }
    }
    let matrix = stack(&rows, width);
    Ok((names, matrix.into_pyarray(py), errors))
}
