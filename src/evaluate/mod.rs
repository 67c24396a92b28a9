//! Honest evaluation: speaker-independent protocols (leave-one-speaker-out, speaker group
//! k-fold), cross-corpus train/test, and the random split beside them for comparison — the
//! engine of the `evaluate` example.
//!
//! Every fold runs the same pipeline ([`pipeline`]): optional speaker normalisation (each side's
//! speakers standardised with their own, label-free statistics), a [`StandardScaler`] fitted on
//! the training rows, and a model whose hyper-parameter (SVM `C`, KNN `k`) is chosen by an inner
//! cross-validation *inside the training fold*: speaker group k-fold when the training fold has
//! at least three speakers, stratified k-fold otherwise (one or two training speakers cannot be
//! split by speaker into a useful inner fold). No test row is seen before prediction.
//!
//! The headline accuracy, UAR and macro-F1 come from the confusion matrix pooled over all folds
//! (every row is tested exactly once in `loso`, `group-kfold` and `kfold`); each fold's own
//! accuracy and UAR are listed too, with their mean in [`EvalReport::mean_fold_uar`].
//!
//! [`StandardScaler`]: ser_models::StandardScaler

pub mod functionals;
pub mod pipeline;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use ndarray::Array2;
use ser_audio::LoadOptions;
use ser_data::{
    Corpus, Dataset, Emotion, FeatureMatrix, FeatureOptions, FnExtractor, LabelEncoder, Progress,
    ScanOptions, Split, feature_matrix, scan,
};
use ser_features::FeatureSpec;
use ser_models::ConfusionMatrix;
use serde::{Deserialize, Serialize};

pub use pipeline::{InnerProtocol, ModelChoice, Normalisation, PipelineOptions};

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The corpus could not be read, encoded or split.
    #[error(transparent)]
    Data(#[from] ser_data::DataError),
    /// A model could not be fitted or used.
    #[error(transparent)]
    Model(#[from] ser_models::ModelError),
    /// Features could not be computed.
    #[error(transparent)]
    Features(#[from] ser_features::FeatureError),
    /// A protocol, model or feature name that is not known, or a bad number in it.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidChoice {
        /// What was being parsed (`protocol`, `model`, `features`, `normalisation`).
        what: &'static str,
        /// The text given.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// The data cannot support the protocol asked for.
    #[error("{reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
}

/// Result alias of this module.
pub type Result<T> = std::result::Result<T, EvalError>;

/// How rows are split into training and test folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Protocol {
    /// One stratified random split (test fraction 0.2): speakers on both sides, the study's
    /// optimistic figure.
    Split,
    /// Stratified k-fold over rows (speakers on both sides).
    KFold(usize),
    /// Leave one speaker out: one fold per speaker.
    Loso,
    /// k folds of whole speakers.
    GroupKFold(usize),
    /// Train on one corpus, test on another (set by [`evaluate_cross`]).
    Cross,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Split => f.write_str("split"),
            Protocol::KFold(k) => write!(f, "kfold:{k}"),
            Protocol::Loso => f.write_str("loso"),
            Protocol::GroupKFold(k) => write!(f, "group-kfold:{k}"),
            Protocol::Cross => f.write_str("cross-corpus"),
        }
    }
}

impl FromStr for Protocol {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| EvalError::InvalidChoice {
            what: "protocol",
            value: s.to_string(),
            reason: reason.to_string(),
        };
        let k = |t: &str| -> Result<usize> {
            match t.parse::<usize>() {
                Ok(k) if k >= 2 => Ok(k),
                _ => Err(bad("K must be a whole number of at least 2")),
            }
        };
        let t = s.trim().to_ascii_lowercase();
        match t.split_once(':') {
            None if t == "split" => Ok(Protocol::Split),
            None if t == "loso" => Ok(Protocol::Loso),
            Some(("kfold", n)) => Ok(Protocol::KFold(k(n)?)),
            Some(("group-kfold", n)) => Ok(Protocol::GroupKFold(k(n)?)),
            _ => Err(bad("expected split, kfold:K, loso or group-kfold:K")),
        }
    }
}

/// The clip vector each row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureChoice {
    /// The study's 40 mean MFCCs (study loading: 0.5 s offset, 3 s).
    Mfcc40,
    /// The study's enriched vector (`ser_features::FeatureSpec::Enriched`, study loading).
    Enriched,
    /// Functionals of MFCC, energy, pitch and spectral-balance contours over the whole clip
    /// ([`functionals`]).
    Functionals,
}

impl FeatureChoice {
    /// Every choice, in a stable order.
    pub const ALL: [FeatureChoice; 3] = [
        FeatureChoice::Mfcc40,
        FeatureChoice::Enriched,
        FeatureChoice::Functionals,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            FeatureChoice::Mfcc40 => "mfcc40",
            FeatureChoice::Enriched => "enriched",
            FeatureChoice::Functionals => "functionals",
        }
    }
}

impl fmt::Display for FeatureChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FeatureChoice {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        FeatureChoice::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| EvalError::InvalidChoice {
                what: "features",
                value: s.to_string(),
                reason: "expected mfcc40, enriched or functionals".into(),
            })
    }
}

/// Everything an evaluation needs besides the data.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Protocol; `None` picks [`default_protocol`].
    pub protocol: Option<Protocol>,
    /// Clip vector.
    pub features: FeatureChoice,
    /// Normalisation, scaling, model and inner-CV settings.
    pub pipeline: PipelineOptions,
    /// Seed of every split and model.
    pub seed: u64,
    /// Feature cache folder (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Progress bar while extracting.
    pub progress: Progress,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            protocol: None,
            features: FeatureChoice::Functionals,
            pipeline: PipelineOptions::default(),
            seed: 42,
            cache_dir: None,
            progress: Progress::Auto,
        }
    }
}

/// One fold's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Speakers of the test rows, sorted.
    pub test_speakers: Vec<String>,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Accuracy on the fold's test rows.
    pub accuracy: f64,
    /// Unweighted average recall on the fold's test rows.
    pub uar: f64,
    /// Hyper-parameter chosen by the inner cross-validation (e.g. `"C=0.1"`).
    pub chosen: String,
}

/// What `evaluate` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Protocol name (`loso`, `group-kfold:4`, `split`, `kfold:5`, `cross-corpus`).
    pub protocol: String,
    /// Feature set name.
    pub features: String,
    /// Model name.
    pub model: String,
    /// Normalisation name.
    pub normalisation: String,
    /// How the hyper-parameter was chosen.
    pub selection: String,
    /// Unsupervised adaptation to the test rows, if any.
    pub adaptation: String,
    /// Per-fold figures.
    pub folds: Vec<FoldResult>,
    /// Accuracy of the pooled confusion matrix.
    pub accuracy: f64,
    /// UAR (balanced accuracy) of the pooled confusion matrix.
    pub uar: f64,
    /// Macro-F1 of the pooled confusion matrix.
    pub macro_f1: f64,
    /// Where the headline figures come from.
    pub metrics_from: String,
    /// Mean of the folds' UARs.
    pub mean_fold_uar: f64,
    /// Pooled confusion counts, `[true][predicted]`, class order of `classes`.
    pub confusion: Vec<Vec<usize>>,
    /// Class names.
    pub classes: Vec<String>,
    /// Rows evaluated (each tested once, except in `split`, which tests a fifth).
    pub n_rows: usize,
    /// Distinct speakers.
    pub n_speakers: usize,
    /// Files left out because features could not be computed.
    pub failed_files: usize,
    /// Feature vectors read from the cache / computed.
    pub cache_hits: usize,
    /// Feature vectors computed.
    pub cache_computed: usize,
    /// Wall-clock seconds (features and folds).
    pub seconds: f64,
}

/// `loso` for corpora with 2–12 speakers, `group-kfold:4` above that, and `kfold:5` when the
/// corpus has a single speaker (nothing to hold out by speaker).
pub fn default_protocol(dataset: &Dataset) -> Protocol {
    match distinct(&dataset.speakers).len() {
        0 | 1 => Protocol::KFold(5),
        2..=12 => Protocol::Loso,
        _ => Protocol::GroupKFold(4),
    }
}

fn distinct(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}

/// Scans `dir` (any scheme `ser-data` reads) with default options.
///
/// # Errors
/// As [`ser_data::scan`]; [`EvalError::Unusable`] when no file is usable.
pub fn scan_corpus(dir: &Path) -> Result<Corpus> {
    let corpus = scan(dir, &ScanOptions::default())?;
    if corpus.items.is_empty() {
        return Err(EvalError::Unusable {
            reason: format!("no usable labelled audio under {}", dir.display()),
        });
    }
    Ok(corpus)
}

/// The feature matrix of `items` for `features` (cached when `opts.cache_dir` is set).
///
/// # Errors
/// As [`ser_data::feature_matrix`].
pub fn extract(
    items: &[ser_data::CorpusItem],
    classes: Option<LabelEncoder>,
    opts: &EvalOptions,
) -> Result<FeatureMatrix> {
    let mut fo = FeatureOptions {
        cache_dir: opts.cache_dir.clone(),
        progress: opts.progress,
        classes,
        ..FeatureOptions::default()
    };
    Ok(match opts.features {
        FeatureChoice::Mfcc40 => feature_matrix(items, &FeatureSpec::Mfcc40Mean, &fo)?,
        FeatureChoice::Enriched => feature_matrix(items, &FeatureSpec::Enriched, &fo)?,
        FeatureChoice::Functionals => {
            // The whole clip: the functionals find the active frames themselves.
            fo.load = LoadOptions::default();
            let plans = functionals::Functionals::new(22_050)?;
            let x = FnExtractor::new("ser evaluate functionals v1", |s: &[f32], rate: u32| {
                if rate == 22_050 {
                    plans.extract(s)
                } else {
                    functionals::Functionals::new(rate)?.extract(s)
                }
            });
            feature_matrix(items, &x, &fo)?
        }
    })
}

/// The splits of `protocol` over `dataset`, with each fold's test speakers.
///
/// # Errors
/// [`EvalError::Unusable`] for [`Protocol::Cross`] or too few speakers; split errors.
pub fn folds(dataset: &Dataset, protocol: Protocol, seed: u64) -> Result<Vec<Split>> {
    Ok(match protocol {
        Protocol::Split => vec![dataset.split_stratified(0.2, seed)?],
        Protocol::KFold(k) => dataset.folds(k, seed)?,
        Protocol::Loso => {
            if distinct(&dataset.speakers).len() < 2 {
                return Err(EvalError::Unusable {
                    reason: "leave-one-speaker-out needs at least two speakers".into(),
                });
            }
            dataset
                .leave_one_speaker_out()?
                .into_iter()
                .map(|(_, s)| s)
                .collect()
        }
        Protocol::GroupKFold(k) => dataset.speaker_folds(k, seed)?,
        Protocol::Cross => {
            return Err(EvalError::Unusable {
                reason: "cross-corpus evaluation needs two corpora (evaluate_cross)".into(),
            });
        }
    })
}

struct Pooled {
    counts: Array2<usize>,
    folds: Vec<FoldResult>,
}

impl Pooled {
    fn new(n_classes: usize) -> Self {
        Self {
            counts: Array2::zeros((n_classes, n_classes)),
            folds: Vec::new(),
        }
    }

    fn add(&mut self, train: &Dataset, test: &Dataset, opts: &EvalOptions) -> Result<()> {
        let (pred, chosen) = pipeline::fit_predict(train, test, &opts.pipeline, opts.seed)?;
        let cm = ConfusionMatrix::new(test.targets.view(), pred.view(), self.counts.nrows())?;
        self.counts += cm.counts();
        self.folds.push(FoldResult {
            test_speakers: distinct(&test.speakers)
                .into_iter()
                .map(String::from)
                .collect(),
            n_train: train.len(),
            n_test: test.len(),
            accuracy: cm.accuracy(),
            uar: cm.uar(),
            chosen,
        });
        Ok(())
    }

    fn report(
        self,
        protocol: Protocol,
        classes: Vec<String>,
        opts: &EvalOptions,
    ) -> Result<EvalReport> {
        let n = self.counts.nrows();
        // Rebuild the pooled matrix through ConfusionMatrix for its metrics.
        let (mut t, mut p) = (Vec::new(), Vec::new());
        for ((i, j), &c) in self.counts.indexed_iter() {
            t.extend(std::iter::repeat_n(i, c));
            p.extend(std::iter::repeat_n(j, c));
        }
        let cm = ConfusionMatrix::new(
            ndarray::Array1::from(t).view(),
            ndarray::Array1::from(p).view(),
            n,
        )?;
        let mean_fold_uar =
            self.folds.iter().map(|f| f.uar).sum::<f64>() / self.folds.len().max(1) as f64;
        Ok(EvalReport {
            protocol: protocol.to_string(),
            features: opts.features.to_string(),
            model: opts.pipeline.model.to_string(),
            normalisation: opts.pipeline.normalisation.to_string(),
            selection: opts.pipeline.selection_text(),
            adaptation: opts.pipeline.adaptation_text(),
            folds: self.folds,
            accuracy: cm.accuracy(),
            uar: cm.uar(),
            macro_f1: cm.macro_f1(),
            metrics_from: "pooled confusion matrix over all folds".into(),
            mean_fold_uar,
            confusion: cm.counts().rows().into_iter().map(|r| r.to_vec()).collect(),
            classes,
            n_rows: cm.n_samples(),
            n_speakers: 0,
            failed_files: 0,
            cache_hits: 0,
            cache_computed: 0,
            seconds: 0.0,
        })
    }
}

/// Runs `protocol` (or [`default_protocol`]) over an already built data set.
///
/// # Errors
/// Split, model and shape errors.
pub fn evaluate_dataset(dataset: &Dataset, opts: &EvalOptions) -> Result<EvalReport> {
    let protocol = opts.protocol.unwrap_or_else(|| default_protocol(dataset));
    let mut pooled = Pooled::new(dataset.classes.len());
    for split in folds(dataset, protocol, opts.seed)? {
        let (train, test) = dataset.apply(&split)?;
        pooled.add(&train, &test, opts)?;
    }
    let mut report = pooled.report(protocol, dataset.classes.clone(), opts)?;
    report.n_speakers = distinct(&dataset.speakers).len();
    Ok(report)
}

/// Scans `dir`, extracts features and runs the protocol.
///
/// # Errors
/// As [`scan_corpus`], [`extract`] and [`evaluate_dataset`].
pub fn evaluate_dir(dir: &Path, opts: &EvalOptions) -> Result<EvalReport> {
    let start = Instant::now();
    let corpus = scan_corpus(dir)?;
    let fm = extract(&corpus.items, None, opts)?;
    let mut report = evaluate_dataset(&fm.dataset, opts)?;
    report.failed_files = fm.failed.len();
    report.cache_hits = fm.cache.hits;
    report.cache_computed = fm.cache.computed;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// The canonical emotions present in both corpora, in canonical order.
pub fn shared_emotions(a: &Corpus, b: &Corpus) -> Vec<Emotion> {
    let has = |c: &Corpus, e: Emotion| c.items.iter().any(|i| i.label.emotion == e);
    Emotion::ALL
        .into_iter()
        .filter(|&e| has(a, e) && has(b, e))
        .collect()
}

/// Trains on every usable clip of `train_dir` and tests on every clip of `test_dir`, both
/// restricted to the emotions they share (canonical labels). One fold.
///
/// # Errors
/// [`EvalError::Unusable`] when fewer than two emotions are shared; as [`evaluate_dir`].
pub fn evaluate_cross(train_dir: &Path, test_dir: &Path, opts: &EvalOptions) -> Result<EvalReport> {
    let start = Instant::now();
    let (a, b) = (scan_corpus(train_dir)?, scan_corpus(test_dir)?);
    let shared = shared_emotions(&a, &b);
    if shared.len() < 2 {
        return Err(EvalError::Unusable {
            reason: format!(
                "the corpora share {} emotion(s); at least two are needed",
                shared.len()
            ),
        });
    }
    let encoder = LabelEncoder::with_classes(shared.iter().map(|e| e.name()))?;
    let keep = |c: &Corpus| -> Vec<ser_data::CorpusItem> {
        c.items
            .iter()
            .filter(|i| shared.contains(&i.label.emotion))
            .cloned()
            .collect()
    };
    let fa = extract(&keep(&a), Some(encoder.clone()), opts)?;
    let fb = extract(&keep(&b), Some(encoder.clone()), opts)?;
    let mut pooled = Pooled::new(encoder.n_classes());
    pooled.add(&fa.dataset, &fb.dataset, opts)?;
    let mut report = pooled.report(Protocol::Cross, encoder.classes().to_vec(), opts)?;
    report.n_speakers = distinct(&fa.dataset.speakers).len() + distinct(&fb.dataset.speakers).len();
    report.failed_files = fa.failed.len() + fb.failed.len();
    report.cache_hits = fa.cache.hits + fb.cache.hits;
    report.cache_computed = fa.cache.computed + fb.cache.computed;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_and_print() {
        for s in ["split", "kfold:5", "loso", "group-kfold:4"] {
            assert_eq!(s.parse::<Protocol>().unwrap().to_string(), s);
        }
        assert_eq!("LOSO".parse::<Protocol>().unwrap(), Protocol::Loso);
        for bad in ["kfold:1", "kfold:x", "group-kfold", "random"] {
            assert!(matches!(
                bad.parse::<Protocol>(),
                Err(EvalError::InvalidChoice {
                    what: "protocol",
                    ..
                })
            ));
        }
        assert_eq!(
            "Functionals".parse::<FeatureChoice>().unwrap(),
            FeatureChoice::Functionals
        );
        assert!("mfcc13".parse::<FeatureChoice>().is_err());
    }
}
