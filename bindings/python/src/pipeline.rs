//! `ser.Pipeline`: a fitted pipeline loaded from, or saved to, the model file the Rust
//! `train` and `predict` examples use.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use ser_data::{CorpusOptions, Progress};
use ser_pipeline::evaluate::{EvalOptions, extract};
use ser_pipeline::{
    FittedPipeline, Grouping, PipelineError, PipelineSpec, Preset, SPEECH_FLOOR_DBFS, predict_files,
};

use crate::errors;
use crate::extract::{feature_spec, with_threads};

/// One prediction: path, emotion, scores (class order), normalisation, speech, reason, error.
type PredictionRow = (
    String,
    Option<String>,
    Option<Vec<f32>>,
    Option<String>,
    Option<bool>,
    Option<String>,
    Option<String>,
);

/// A fitted pipeline (features, normalisation, scaling, models), immutable and shared between
/// threads.
#[pyclass(name = "Pipeline", module = "ser._ser", frozen)]
pub struct PyPipeline {
    inner: Arc<FittedPipeline>,
}

#[pymethods]
impl PyPipeline {
    /// Loads a model file written by `train` (or by `Pipeline.save`).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| FittedPipeline::load(&path))
            .map_err(errors::pipeline)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Fits the pipeline of `preset` (with `features` and `seed` replaced when given) on the
    /// corpus `source`: a folder or a manifest (CSV with `path`, `label`, optional `speaker`),
    /// as the `train` example reads it. Returns the pipeline and the files skipped, as
    /// `(file, reason)` pairs.
    #[staticmethod]
    #[pyo3(signature = (source, preset, features=None, seed=None, threads=None))]
    fn fit(
        py: Python<'_>,
        source: PathBuf,
        preset: &str,
        features: Option<&str>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<(Self, Vec<(String, String)>)> {
        let preset: Preset = preset
            .parse()
            .map_err(|e: PipelineError| PyValueError::new_err(e.to_string()))?;
        let mut spec = PipelineSpec::preset(preset);
        if let Some(f) = features {
            spec.features = PipelineSpec::features_for(feature_spec(f)?);
        }
        if let Some(s) = seed {
            spec.seed = s;
        }
        spec.check()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let (fitted, skipped) = py
            .detach(|| {
                with_threads(threads, || -> Result<_, PipelineError> {
                    let corpus = ser_data::open_corpus(&source, &CorpusOptions::default())?;
                    let mut skipped: Vec<(String, String)> = corpus
                        .bad_rows
                        .iter()
                        .map(|r| {
                            (
                                r.file.to_string_lossy().into_owned(),
                                format!("line {}: {}", r.line, r.detail),
                            )
                        })
                        .collect();
                    skipped.extend(
                        corpus
                            .excluded()
                            .map(|r| (r.file.to_string_lossy().into_owned(), r.reason.clone())),
                    );
                    if corpus.items.is_empty() {
                        return Err(PipelineError::Unusable {
                            reason: format!("no usable labelled audio in {}", source.display()),
                        });
                    }
                    let opts = EvalOptions {
                        spec: spec.clone(),
                        progress: Progress::Hidden,
                        ..EvalOptions::default()
                    };
                    let fm = extract(&corpus.items, None, &opts)?;
                    skipped.extend(
                        fm.failed
                            .iter()
                            .map(|r| (r.file.to_string_lossy().into_owned(), r.reason.clone())),
                    );
                    let fitted = ser_pipeline::fit(&spec, &fm.dataset)?;
                    Ok((fitted, skipped))
                })
            })?
            .map_err(errors::pipeline)?;
        Ok((
            Self {
                inner: Arc::new(fitted),
            },
            skipped,
        ))
    }

    /// Writes the model file (the `predict` example loads it).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let inner = Arc::clone(&self.inner);
        py.detach(|| inner.save(&path)).map_err(errors::pipeline)
    }

    /// The class names, in the order of the scores.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    /// The feature set's name (`functionals`, `mfcc40`, `enriched`).
    #[getter]
    fn features(&self) -> String {
        self.inner.spec().features.spec.name().to_owned()
    }

    /// Whether features are normalised per speaker (then say who speaks in `predict`).
    #[getter]
    fn per_speaker(&self) -> bool {
        self.inner.per_speaker()
    }

    /// The fitted model(s) in words.
    #[getter]
    fn chosen(&self) -> String {
        self.inner.chosen().to_owned()
    }

    /// Predicts `paths` together, as the `predict` example does (`speaker_clips`:
    /// `--speaker-clips`, `same_speaker`: `--same-speaker`, `group_by_folder`:
    /// `--group-by-folder`). One tuple per file, in order: path, emotion (None for a file with
    /// no speech or an error), scores in class order, normalisation, speech (False when no
    /// speech was heard), reason, error.
    #[pyo3(signature = (paths, speaker_clips=None, same_speaker=false, group_by_folder=false))]
    fn predict(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        speaker_clips: Option<Vec<PathBuf>>,
        same_speaker: bool,
        group_by_folder: bool,
    ) -> PyResult<Vec<PredictionRow>> {
        let grouping = match (speaker_clips, same_speaker, group_by_folder) {
            (Some(clips), false, false) if !clips.is_empty() => Grouping::SpeakerClips(clips),
            (None, true, false) => Grouping::SameSpeaker,
            (None, false, true) => Grouping::ByFolder,
            (None, false, false) => Grouping::None,
            (Some(clips), false, false) if clips.is_empty() => Grouping::None,
            _ => {
                return Err(PyValueError::new_err(
                    "give at most one of speaker_clips, same_speaker and group_by_folder",
                ));
            }
        };
        let inner = Arc::clone(&self.inner);
        let results = py
            .detach(|| predict_files(&inner, &paths, &grouping))
            .map_err(errors::pipeline)?;
        let classes = self.inner.classes();
        Ok(results
            .into_iter()
            .map(|r| {
                let file = r.file.to_string_lossy().into_owned();
                match r.outcome {
                    Ok((scores, source)) => match r.no_speech {
                        None => {
                            let (best, _) = ser_models::argmax(&scores);
                            (
                                file,
                                classes.get(best).cloned(),
                                Some(scores),
                                Some(source.name().to_owned()),
                                Some(true),
                                None,
                                None,
                            )
                        }
                        Some(level) => (
                            file,
                            None,
                            Some(scores),
                            Some(source.name().to_owned()),
                            Some(false),
                            Some(format!(
                                "no speech: the loudest frame is at {level:.1} dBFS, below \
                                 {SPEECH_FLOOR_DBFS} dBFS"
                            )),
                            None,
                        ),
                    },
                    Err(e) => (file, None, None, None, None, None, Some(e.to_string())),
                }
            })
            .collect())
    }

    /// `Pipeline(features=…, classes=…, chosen=…)`.
    fn __repr__(&self) -> String {
        format!(
            "Pipeline(features={:?}, classes={:?}, chosen={:?})",
            self.inner.spec().features.spec.name(),
            self.inner.classes(),
            self.inner.chosen()
        )
    }
}
