//! Honest evaluation: speaker-independent protocols (leave-one-speaker-out, speaker group
//! k-fold), cross-corpus train/test, and the random split beside them for comparison — the
//! engine of the `evaluate` example.
//!
//! Every fold fits the same [`PipelineSpec`] that `train` saves ([`crate::fit`]) on the training
//! rows and predicts the test rows with [`crate::FittedPipeline::predict_rows`], each test
//! speaker normalised with its own label-free statistics; hyper-parameters are averaged over
//! (ensemble) or chosen by an inner cross-validation *inside the training fold*. No test label
//! is read.
//!
//! The headline accuracy, UAR and macro-F1 come from the confusion matrix pooled over all folds
//! (every row is tested exactly once in `loso`, `group-kfold` and `kfold`); each fold's own
//! accuracy and UAR are listed too, with their mean in [`EvalReport::mean_fold_uar`].
//!
//! A corpus is a folder or a manifest ([`ser_data::open_corpus`], with the speaker pattern and
//! label map of [`EvalOptions::corpus`]); classes are whatever labels it has, and a manifest's
//! `split` column is a protocol of its own ([`Protocol::Manifest`]).

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use ndarray::{Array1, Array2};
use rayon::prelude::*;
use ser_data::normalize::group_rows;
use ser_data::{
    AugmentChain, Corpus, CorpusItem, CorpusOptions, Dataset, Emotion, Extractor, FeatureMatrix,
    FeatureOptions, LabelEncoder, Progress, RowReport, SpeakerKey, Split, SplitSide, Utterance,
    feature_matrix, open_corpus,
};
use ser_models::{ConfusionMatrix, argmax_rows};
use serde::{Deserialize, Serialize};

pub use crate::error::{PipelineError as EvalError, Result};
use crate::fitted::{SpeakerContext, StatsSource, fit_with, normalise_by_keys};
use crate::fold::InnerScore;
use crate::spec::{InnerProtocol, PipelineSpec};

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
    /// The `split` column of a manifest: rows marked `test` are tested, every other row trains
    /// (one fold; [`evaluate_dir`] only). Chosen by default when the manifest's split marks
    /// both train and test rows.
    Manifest,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Split => f.write_str("split"),
            Protocol::KFold(k) => write!(f, "kfold:{k}"),
            Protocol::Loso => f.write_str("loso"),
            Protocol::GroupKFold(k) => write!(f, "group-kfold:{k}"),
            Protocol::Cross => f.write_str("cross-corpus"),
            Protocol::Manifest => f.write_str("manifest"),
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
            None if t == "manifest" => Ok(Protocol::Manifest),
            Some(("kfold", n)) => Ok(Protocol::KFold(k(n)?)),
            Some(("group-kfold", n)) => Ok(Protocol::GroupKFold(k(n)?)),
            _ => Err(bad(
                "expected split, kfold:K, loso, group-kfold:K or manifest",
            )),
        }
    }
}

/// Everything an evaluation needs besides the data.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Protocol; `None` picks [`default_protocol`].
    pub protocol: Option<Protocol>,
    /// The pipeline every fold fits (its seed seeds the splits too).
    pub spec: PipelineSpec,
    /// Feature cache folder (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Progress bar while extracting.
    pub progress: Progress,
    /// Augmented copies of every training clip (one per chain; empty: none). Test rows are
    /// never augmented.
    pub augment: Vec<AugmentChain>,
    /// Give each augmented copy a voice of its own ([`SpeakerKey::voice`]), so speaker
    /// normalisation treats it as another speaker; it still joins only the folds where its
    /// source speaker trains, and inner speaker folds keep it with its source.
    pub augment_as_voices: bool,
    /// Further corpora added whole to every training fold (labels mapped to the canonical
    /// emotions, restricted to those of the evaluated corpus); never tested on.
    pub extra_train: Vec<PathBuf>,
    /// Evaluate even when the same recording (identical bytes) is on both the training and
    /// the test side ([`evaluate_dir`] with `extra_train` or a manifest split,
    /// [`evaluate_multi`]); the report's [`EvalReport::leakage`] then says how much. Off: such
    /// data is [`EvalError::Leakage`].
    pub allow_leakage: bool,
    /// How every corpus (evaluated, training, extra) is opened: scheme, speaker pattern and
    /// label map.
    pub corpus: CorpusOptions,
}

impl Default for EvalOptions {
    /// What the `evaluate` command runs with no flags: the robust preset, the default
    /// protocol, no augmentation, no extra corpora, no cache.
    fn default() -> Self {
        Self {
            protocol: None,
            spec: PipelineSpec::default(),
            cache_dir: None,
            progress: Progress::Auto,
            augment: Vec::new(),
            augment_as_voices: true,
            extra_train: Vec::new(),
            allow_leakage: false,
            corpus: CorpusOptions::default(),
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
    /// Training rows that are augmented copies or come from extra corpora (part of
    /// `n_train`).
    pub n_train_extra: usize,
    /// Every candidate's inner cross-validation score in this fold.
    pub inner_scores: Vec<InnerScore>,
    /// Accuracy on the fold's test rows predicted cold ([`FoldFit::cold_predictions`]).
    pub cold_accuracy: f64,
    /// UAR on the fold's test rows predicted cold.
    pub cold_uar: f64,
}

/// Whether a figure used anything of the test speakers (their unlabelled clips).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// Nothing known of the speaker: each clip predicted alone, normalised (if at all) with
    /// the training speakers' typical statistics.
    Cold,
    /// The speaker's unlabelled clips used: their own normalisation statistics and/or
    /// self-training on them.
    Adapted,
}

impl Condition {
    /// The condition of `spec`'s headline figures: adapted when it normalises per speaker or
    /// self-trains, else cold.
    pub fn of(spec: &PipelineSpec) -> Self {
        if spec.normalisation.per_speaker() || spec.self_trains() {
            Condition::Adapted
        } else {
            Condition::Cold
        }
    }
}

/// The pooled figures of one [`Condition`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionFigures {
    /// Accuracy of the pooled confusion matrix.
    pub accuracy: f64,
    /// UAR of the pooled confusion matrix.
    pub uar: f64,
    /// Macro-F1 of the pooled confusion matrix.
    pub macro_f1: f64,
    /// Mean of the folds' UARs.
    pub mean_fold_uar: f64,
    /// Pooled confusion counts, `[true][predicted]`, class order of the report's `classes`.
    pub confusion: Vec<Vec<usize>>,
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
    /// Augmented copies added to each training fold (`"none"` or the plan).
    pub augmentation: String,
    /// Extra training corpora (folders), if any.
    pub extra_train: Vec<String>,
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
    /// Whether the headline figures used the test speakers' unlabelled clips.
    pub condition: Condition,
    /// The same fitted folds predicted cold, beside the headline: each test clip alone, nothing
    /// known of its speaker, no self-training ([`FoldFit::cold_predictions`]). When the headline's
    /// condition is cold too, the two differ only in that the headline scores a fold's test
    /// rows together (an ensemble's score scale is taken over the rows scored together).
    pub cold: ConditionFigures,
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
    /// The whole pipeline spec every fold fitted.
    pub spec: PipelineSpec,
    /// Recordings on both the training and the test side, when evaluated anyway
    /// ([`EvalOptions::allow_leakage`]); absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leakage: Option<LeakageReport>,
    /// How the evaluated (test) corpus is labelled: a file-name scheme (`tess`, ...),
    /// `folders` or `manifest`; absent for a data set evaluated directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Manifest and label-map rows skipped or suspect, with their line numbers; absent when
    /// there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_rows: Vec<RowReport>,
}

/// Test recordings whose bytes are also on the training side: the figures are optimistic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakageReport {
    /// Test files with a byte-identical file on the training side.
    pub duplicates: usize,
    /// One such training file (as text).
    pub train: String,
    /// Its test twin (as text).
    pub test: String,
}

/// The test files of `test` whose bytes equal those of a file in `train`, each with one such
/// training twin, in the order of `test`. Sizes are compared first, then a hash of the bytes,
/// then the bytes themselves, so only real copies count. A file that cannot be read counts as
/// no copy (loading it reports it later).
pub fn duplicate_recordings(train: &[&Path], test: &[&Path]) -> Vec<(PathBuf, PathBuf)> {
    use std::collections::HashMap;
    let size = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
    };
    let mut train_by_size: HashMap<u64, Vec<&Path>> = HashMap::new();
    for &p in train {
        if let Some(n) = size(p) {
            train_by_size.entry(n).or_default().push(p);
        }
    }
    // Hashes of the training files of sizes some test file has, computed once each.
    let mut train_hash: HashMap<&Path, Option<u64>> = HashMap::new();
    let mut out = Vec::new();
    for &t in test {
        let Some(candidates) = size(t).and_then(|n| train_by_size.get(&n)) else {
            continue;
        };
        let Some(h) = content_hash(t) else { continue };
        let twin = candidates.iter().find(|&&c| {
            *train_hash.entry(c).or_insert_with(|| content_hash(c)) == Some(h) && same_bytes(c, t)
        });
        if let Some(&c) = twin {
            out.push((c.to_path_buf(), t.to_path_buf()));
        }
    }
    out
}

/// A hash of the file's bytes, read in blocks (`None` when it cannot be read).
fn content_hash(path: &Path) -> Option<u64> {
    use std::hash::Hasher;
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = std::hash::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(hasher.finish()),
            Ok(n) => hasher.write(buf.get(..n)?),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Whether two files hold the same bytes (read in blocks; `false` when either cannot be read).
fn same_bytes(a: &Path, b: &Path) -> bool {
    let (Ok(mut fa), Ok(mut fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let (Ok(na), Ok(nb)) = (read_full(&mut fa, &mut ba), read_full(&mut fb, &mut bb)) else {
            return false;
        };
        if na != nb || ba.get(..na) != bb.get(..nb) {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
}

/// Reads until `buf` is full or the input ends; the bytes read.
fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|b| !b.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The paths of `items`.
fn item_paths<'a>(items: &[&'a CorpusItem]) -> Vec<&'a Path> {
    items.iter().map(|i| i.label.path.as_path()).collect()
}

/// The leakage guard: the recordings of `test` also in `train` are [`EvalError::Leakage`],
/// or, with [`EvalOptions::allow_leakage`], a [`LeakageReport`] for the report.
fn guard_leakage(
    train: &[&CorpusItem],
    test: &[&CorpusItem],
    opts: &EvalOptions,
) -> Result<Option<LeakageReport>> {
    let pairs = duplicate_recordings(&item_paths(train), &item_paths(test));
    let Some((a, b)) = pairs.first() else {
        return Ok(None);
    };
    if !opts.allow_leakage {
        return Err(EvalError::Leakage {
            train: a.clone(),
            test: b.clone(),
            duplicates: pairs.len(),
        });
    }
    Ok(Some(LeakageReport {
        duplicates: pairs.len(),
        train: a.to_string_lossy().into_owned(),
        test: b.to_string_lossy().into_owned(),
    }))
}

/// `loso` for corpora with 2–12 speakers, `group-kfold:4` above that, and `kfold:5` when the
/// corpus has a single speaker (nothing to hold out by speaker).
pub fn default_protocol(dataset: &Dataset) -> Protocol {
    match distinct_keys(dataset).len() {
        0 | 1 => Protocol::KFold(5),
        2..=12 => Protocol::Loso,
        _ => Protocol::GroupKFold(4),
    }
}

fn distinct(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}

/// Distinct speakers (corpus and id; augmented voices count with their source).
fn distinct_keys(d: &Dataset) -> BTreeSet<SpeakerKey> {
    d.speaker_keys(false).into_iter().collect()
}

/// Opens `dir` (a folder in any layout `ser-data` reads, or a manifest) with default options.
///
/// # Errors
/// As [`scan_corpus_with`].
pub fn scan_corpus(dir: &Path) -> Result<Corpus> {
    scan_corpus_with(dir, &CorpusOptions::default())
}

/// Opens `path`, a folder or a manifest ([`ser_data::open_corpus`]), with `opts`.
///
/// # Errors
/// As [`ser_data::open_corpus`]; [`EvalError::Unusable`] when no file is usable.
pub fn scan_corpus_with(path: &Path, opts: &CorpusOptions) -> Result<Corpus> {
    let corpus = open_corpus(path, opts)?;
    if corpus.items.is_empty() {
        return Err(EvalError::Unusable {
            reason: format!("no usable labelled audio in {}", path.display()),
        });
    }
    Ok(corpus)
}

/// An extractor that first applies an augmentation chain; the clip's seed is the run's seed
/// mixed with a hash of its samples, so each clip gets its own noise and the same clip the
/// same noise every time. The cache key names the chain and the seed.
struct Augmenting<'a> {
    base: &'a dyn Extractor,
    chain: &'a AugmentChain,
    seed: u64,
}

impl Extractor for Augmenting<'_> {
    fn config(&self) -> String {
        format!(
            "{} | augment {} seed {}",
            self.base.config(),
            self.chain,
            self.seed
        )
    }

    fn extract_vec(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> std::result::Result<Vec<f32>, String> {
        let bytes: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
        let seed = self.seed ^ ser_data::cache::fnv1a_64(&bytes);
        let y = self
            .chain
            .apply(samples, sample_rate, seed)
            .map_err(|e| e.to_string())?;
        self.base.extract_vec(&y, sample_rate)
    }
}

/// The feature matrix of `items` for `features` (cached when `opts.cache_dir` is set).
///
/// # Errors
/// As [`ser_data::feature_matrix`].
pub fn extract(
    items: &[CorpusItem],
    classes: Option<LabelEncoder>,
    opts: &EvalOptions,
) -> Result<FeatureMatrix> {
    extract_augmented(items, classes, opts, None)
}

/// As [`extract`], with every clip first transformed by `chain` (its features are cached
/// under a key that names the chain and the seed).
///
/// # Errors
/// As [`ser_data::feature_matrix`].
pub fn extract_augmented(
    items: &[CorpusItem],
    classes: Option<LabelEncoder>,
    opts: &EvalOptions,
    chain: Option<&AugmentChain>,
) -> Result<FeatureMatrix> {
    let base = opts.spec.features.spec;
    let fo = FeatureOptions {
        cache_dir: opts.cache_dir.clone(),
        progress: opts.progress,
        classes,
        load: opts.spec.features.load_options(),
    };
    Ok(match chain {
        None => feature_matrix(items, &base, &fo)?,
        Some(chain) => {
            let x = Augmenting {
                base: &base,
                chain,
                seed: opts.spec.seed,
            };
            feature_matrix(items, &x, &fo)?
        }
    })
}

fn augmentation_text(opts: &EvalOptions) -> String {
    if opts.augment.is_empty() {
        "none".into()
    } else {
        let plan: Vec<String> = opts.augment.iter().map(ToString::to_string).collect();
        format!(
            "{} ({} cop{} of each training clip{}; test rows never augmented)",
            plan.join(";"),
            plan.len(),
            if plan.len() == 1 { "y" } else { "ies" },
            if opts.augment_as_voices {
                ", each copy a voice of its own"
            } else {
                ", with its source speaker"
            }
        )
    }
}

/// Rows added to training folds: augmented copies of the corpus's own clips (joined to a
/// fold only when their source file trains in it) and whole extra corpora.
#[derive(Debug, Clone, Default)]
pub struct TrainingExtras {
    /// Augmented copies; `paths` name the source clip.
    pub augmented: Vec<Dataset>,
    /// Extra corpora, in the evaluated corpus's class order.
    pub corpora: Vec<Dataset>,
}

impl TrainingExtras {
    /// `train` plus the extra rows that belong to it.
    ///
    /// # Errors
    /// [`EvalError::Unusable`] when the class lists or feature widths differ.
    pub fn extend(&self, train: &Dataset) -> Result<(Dataset, usize)> {
        if self.augmented.is_empty() && self.corpora.is_empty() {
            return Ok((train.clone(), 0));
        }
        let sources: HashSet<&PathBuf> = train.paths.iter().collect();
        let mut parts: Vec<Dataset> = Vec::new();
        for copy in &self.augmented {
            let keep: Vec<usize> = (0..copy.len())
                .filter(|&i| sources.contains(&copy.paths[i]))
                .collect();
            parts.push(copy.select(&keep)?);
        }
        parts.extend(self.corpora.iter().cloned());
        let extra: usize = parts.iter().map(Dataset::len).sum();
        let mut all = vec![train.clone()];
        all.extend(parts);
        Ok((stack(&all)?, extra))
    }
}

/// The rows of several data sets with the same classes and width, one after another.
///
/// # Errors
/// [`EvalError::Unusable`] when classes or widths differ or nothing is given.
pub fn stack(sets: &[Dataset]) -> Result<Dataset> {
    let first = sets.first().ok_or_else(|| EvalError::Unusable {
        reason: "nothing to stack".into(),
    })?;
    for d in sets {
        if d.classes != first.classes || d.n_features() != first.n_features() {
            return Err(EvalError::Unusable {
                reason: format!(
                    "cannot join data sets with classes {:?} × {} features and {:?} × {}",
                    first.classes,
                    first.n_features(),
                    d.classes,
                    d.n_features()
                ),
            });
        }
    }
    let views: Vec<_> = sets.iter().map(|d| d.records.view()).collect();
    let records =
        ndarray::concatenate(ndarray::Axis(0), &views).map_err(|e| EvalError::Unusable {
            reason: format!("stacking rows: {e}"),
        })?;
    let mut out = Dataset::new(
        records,
        sets.iter()
            .flat_map(|d| d.targets.iter().copied())
            .collect(),
        first.classes.clone(),
        sets.iter()
            .flat_map(|d| d.speakers.iter().cloned())
            .collect(),
        sets.iter().flat_map(|d| d.paths.iter().cloned()).collect(),
    )?;
    out.provenance = sets
        .iter()
        .flat_map(|d| (0..d.len()).map(|i| d.provenance_of(i)))
        .collect();
    Ok(out)
}

/// The augmented copies of `items` for `opts.augment`, in `classes`' order; every row records
/// its chain in [`ser_data::Provenance::augmentation`].
///
/// # Errors
/// As [`extract_augmented`].
pub fn augmented_copies(
    items: &[CorpusItem],
    classes: &[String],
    opts: &EvalOptions,
) -> Result<(Vec<Dataset>, ser_data::CacheStats)> {
    let mut copies = Vec::with_capacity(opts.augment.len());
    let mut stats = ser_data::CacheStats::default();
    for chain in &opts.augment {
        let enc = LabelEncoder::with_classes(classes.iter().map(String::as_str))?;
        let fm = extract_augmented(items, Some(enc), opts, Some(chain))?;
        stats.hits += fm.cache.hits;
        stats.computed += fm.cache.computed;
        let mut d = fm.dataset;
        d.set_augmentation(&chain.to_string());
        copies.push(d);
    }
    Ok((copies, stats))
}

/// The extra training corpora of `opts.extra_train`, restricted to `classes` (class names)
/// and encoded in their order; every row records its folder in
/// [`ser_data::Provenance::corpus`].
///
/// # Errors
/// As [`scan_corpus`] and [`extract`].
pub fn extra_corpora(
    classes: &[String],
    opts: &EvalOptions,
) -> Result<(Vec<Dataset>, ser_data::CacheStats, usize)> {
    let scanned = scan_extra_corpora(opts)?;
    extra_corpora_of(&scanned, classes, opts)
}

/// Every corpus of `opts.extra_train`, scanned, in order.
fn scan_extra_corpora(opts: &EvalOptions) -> Result<Vec<Corpus>> {
    opts.extra_train
        .iter()
        .map(|d| scan_corpus_with(d, &opts.corpus))
        .collect()
}

/// The items of `corpus` whose class is one of `classes`.
fn items_of<'a>(corpus: &'a Corpus, classes: &[String]) -> Vec<&'a CorpusItem> {
    corpus
        .items
        .iter()
        .filter(|i| classes.contains(&i.label.class))
        .collect()
}

/// [`extra_corpora`] over corpora already scanned (those of `opts.extra_train`, in order).
fn extra_corpora_of(
    scanned: &[Corpus],
    classes: &[String],
    opts: &EvalOptions,
) -> Result<(Vec<Dataset>, ser_data::CacheStats, usize)> {
    let mut out = Vec::new();
    let mut stats = ser_data::CacheStats::default();
    let mut failed = 0;
    for (dir, corpus) in opts.extra_train.iter().zip(scanned) {
        let items: Vec<CorpusItem> = items_of(corpus, classes).into_iter().cloned().collect();
        if items.is_empty() {
            return Err(EvalError::Unusable {
                reason: format!("{} has none of the classes {classes:?}", dir.display()),
            });
        }
        let enc = LabelEncoder::with_classes(classes.iter().map(String::as_str))?;
        let fm = extract(&items, Some(enc), opts)?;
        stats.hits += fm.cache.hits;
        stats.computed += fm.cache.computed;
        failed += fm.failed.len();
        let mut d = fm.dataset;
        d.set_corpus(&dir.display().to_string());
        out.push(d);
    }
    Ok((out, stats, failed))
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
        Protocol::Manifest => {
            return Err(EvalError::Unusable {
                reason: "the manifest protocol needs a manifest with a split column \
                         (evaluate_dir)"
                    .into(),
            });
        }
    })
}

struct Pooled {
    counts: Array2<usize>,
    cold_counts: Array2<usize>,
    folds: Vec<FoldResult>,
}

/// Accuracy, UAR, macro-F1 and rows of a pooled confusion matrix.
/// What one fold gives the pooled figures.
struct FoldOutcome {
    fit: FoldFit,
    n_train: usize,
    n_extra: usize,
}

/// Fits one fold (its training rows with `extras` added) and predicts its test rows.
fn run_fold(
    train: &Dataset,
    test: &Dataset,
    extras: &TrainingExtras,
    opts: &EvalOptions,
) -> Result<FoldOutcome> {
    let (train, n_extra) = extras.extend(train)?;
    let fit = fold_fit(&train, test, &opts.spec, opts.augment_as_voices)?;
    Ok(FoldOutcome {
        fit,
        n_train: train.len(),
        n_extra,
    })
}

fn pooled_metrics(counts: &Array2<usize>) -> Result<ConfusionMatrix> {
    let n = counts.nrows();
    // Rebuild the pooled matrix through ConfusionMatrix for its metrics.
    let (mut t, mut p) = (Vec::new(), Vec::new());
    for ((i, j), &c) in counts.indexed_iter() {
        t.extend(std::iter::repeat_n(i, c));
        p.extend(std::iter::repeat_n(j, c));
    }
    Ok(ConfusionMatrix::new(
        ndarray::Array1::from(t).view(),
        ndarray::Array1::from(p).view(),
        n,
    )?)
}

impl Pooled {
    fn new(n_classes: usize) -> Self {
        Self {
            counts: Array2::zeros((n_classes, n_classes)),
            cold_counts: Array2::zeros((n_classes, n_classes)),
            folds: Vec::new(),
        }
    }

    fn add(
        &mut self,
        train: &Dataset,
        test: &Dataset,
        extras: &TrainingExtras,
        opts: &EvalOptions,
    ) -> Result<()> {
        let outcome = run_fold(train, test, extras, opts)?;
        self.push(test, outcome)
    }

    /// Adds a fold's outcome ([`run_fold`] of its `test` rows).
    fn push(&mut self, test: &Dataset, outcome: FoldOutcome) -> Result<()> {
        let FoldOutcome {
            fit,
            n_train,
            n_extra,
        } = outcome;
        let cm = ConfusionMatrix::new(
            test.targets.view(),
            fit.predictions.view(),
            self.counts.nrows(),
        )?;
        self.counts += cm.counts();
        let cold = ConfusionMatrix::new(
            test.targets.view(),
            fit.cold_predictions.view(),
            self.counts.nrows(),
        )?;
        self.cold_counts += cold.counts();
        self.folds.push(FoldResult {
            test_speakers: distinct(&test.speakers)
                .into_iter()
                .map(String::from)
                .collect(),
            n_train,
            n_test: test.len(),
            accuracy: cm.accuracy(),
            uar: cm.uar(),
            chosen: fit.chosen,
            n_train_extra: n_extra,
            inner_scores: fit.inner_scores,
            cold_accuracy: cold.accuracy(),
            cold_uar: cold.uar(),
        });
        Ok(())
    }

    fn report(
        self,
        protocol: Protocol,
        classes: Vec<String>,
        opts: &EvalOptions,
    ) -> Result<EvalReport> {
        let cm = pooled_metrics(&self.counts)?;
        let cold = pooled_metrics(&self.cold_counts)?;
        let n_folds = self.folds.len().max(1) as f64;
        let mean_fold_uar = self.folds.iter().map(|f| f.uar).sum::<f64>() / n_folds;
        let cold_mean_fold_uar = self.folds.iter().map(|f| f.cold_uar).sum::<f64>() / n_folds;
        let rows =
            |cm: &ConfusionMatrix| cm.counts().rows().into_iter().map(|r| r.to_vec()).collect();
        Ok(EvalReport {
            protocol: protocol.to_string(),
            features: opts.spec.features.spec.to_string(),
            model: opts.spec.model.kind.to_string(),
            normalisation: opts.spec.normalisation.to_string(),
            selection: opts.spec.selection_text(),
            augmentation: augmentation_text(opts),
            extra_train: opts
                .extra_train
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            adaptation: opts.spec.adaptation_text(),
            folds: self.folds,
            accuracy: cm.accuracy(),
            uar: cm.uar(),
            macro_f1: cm.macro_f1(),
            metrics_from: "pooled confusion matrix over all folds".into(),
            condition: Condition::of(&opts.spec),
            cold: ConditionFigures {
                accuracy: cold.accuracy(),
                uar: cold.uar(),
                macro_f1: cold.macro_f1(),
                mean_fold_uar: cold_mean_fold_uar,
                confusion: rows(&cold),
            },
            mean_fold_uar,
            confusion: rows(&cm),
            classes,
            n_rows: cm.n_samples(),
            n_speakers: 0,
            failed_files: 0,
            cache_hits: 0,
            cache_computed: 0,
            seconds: 0.0,
            spec: opts.spec.clone(),
            leakage: None,
            scheme: None,
            bad_rows: Vec::new(),
        })
    }
}

/// Runs `protocol` (or [`default_protocol`]) over an already built data set.
///
/// # Errors
/// Split, model and shape errors.
pub fn evaluate_dataset(dataset: &Dataset, opts: &EvalOptions) -> Result<EvalReport> {
    evaluate_dataset_with(dataset, &TrainingExtras::default(), opts)
}

/// As [`evaluate_dataset`], with augmented copies and extra corpora added to every training
/// fold (never to a test fold).
///
/// # Errors
/// Split, model and shape errors.
pub fn evaluate_dataset_with(
    dataset: &Dataset,
    extras: &TrainingExtras,
    opts: &EvalOptions,
) -> Result<EvalReport> {
    let protocol = opts.protocol.unwrap_or_else(|| default_protocol(dataset));
    let mut pooled = Pooled::new(dataset.classes.len());
    let parts = folds(dataset, protocol, opts.spec.seed)?
        .iter()
        .map(|split| dataset.apply(split))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Folds are independent and each is deterministic: fitted on every core, pooled in order.
    let outcomes: Vec<Result<FoldOutcome>> = parts
        .par_iter()
        .map(|(train, test)| run_fold(train, test, extras, opts))
        .collect();
    for ((_, test), outcome) in parts.iter().zip(outcomes) {
        pooled.push(test, outcome?)?;
    }
    let mut report = pooled.report(protocol, dataset.classes.clone(), opts)?;
    report.n_speakers = distinct_keys(dataset).len();
    Ok(report)
}

/// Opens `dir` (a folder or a manifest, with [`EvalOptions::corpus`]), extracts features and
/// runs the protocol. A manifest whose `split` column marks both train and test rows is
/// evaluated on that split ([`Protocol::Manifest`]) unless another protocol is asked.
///
/// # Errors
/// As [`scan_corpus_with`], [`extract`] and [`evaluate_dataset`]; [`EvalError::Leakage`] when a
/// recording of `dir` is also in an extra training corpus, or a manifest's test recording is
/// also one of its training recordings (checked before any feature is computed), unless
/// [`EvalOptions::allow_leakage`]; [`EvalError::Unusable`] for [`Protocol::Manifest`] without
/// such a split.
pub fn evaluate_dir(dir: &Path, opts: &EvalOptions) -> Result<EvalReport> {
    let start = Instant::now();
    let corpus = scan_corpus_with(dir, &opts.corpus)?;
    let extra = scan_extra_corpora(opts)?;
    let is_test = |i: &CorpusItem| i.label.split() == Some(SplitSide::Test);
    let has_both = corpus.items.iter().any(is_test) && !corpus.items.iter().all(is_test);
    let by_manifest = match opts.protocol {
        Some(Protocol::Manifest) if !has_both => {
            return Err(EvalError::Unusable {
                reason: format!(
                    "--protocol manifest: {} is not a manifest whose split column marks both \
                     train and test rows",
                    dir.display()
                ),
            });
        }
        Some(Protocol::Manifest) => true,
        None => has_both,
        Some(_) => false,
    };
    // Before any feature is computed: the extra corpora's clips of the evaluated classes
    // train every fold, so none may be a recording of the evaluated corpus; with the
    // manifest's split, no test recording may also be a training one.
    let classes = corpus.classes();
    let mut training: Vec<&CorpusItem> = extra.iter().flat_map(|c| items_of(c, &classes)).collect();
    let tested: Vec<&CorpusItem> = if by_manifest {
        let (test, train): (Vec<&CorpusItem>, Vec<&CorpusItem>) =
            corpus.items.iter().partition(|i| is_test(i));
        training.extend(train);
        test
    } else {
        corpus.items.iter().collect()
    };
    let leakage = guard_leakage(&training, &tested, opts)?;
    let fm = extract(&corpus.items, None, opts)?;
    let classes = fm.dataset.classes.clone();
    let (augmented, aug_stats) = augmented_copies(&corpus.items, &classes, opts)?;
    let (corpora, extra_stats, extra_failed) = extra_corpora_of(&extra, &classes, opts)?;
    let extras = TrainingExtras { augmented, corpora };
    let mut report = if by_manifest {
        let split = corpus
            .manifest_split(&fm.dataset)
            .ok_or_else(|| EvalError::Unusable {
                reason: format!(
                    "{}: after feature extraction one side of the manifest's split is empty",
                    dir.display()
                ),
            })?;
        let (train, test) = fm.dataset.apply(&split)?;
        let mut pooled = Pooled::new(fm.dataset.classes.len());
        pooled.add(&train, &test, &extras, opts)?;
        let mut r = pooled.report(Protocol::Manifest, classes, opts)?;
        r.n_speakers = distinct_keys(&fm.dataset).len();
        r
    } else {
        evaluate_dataset_with(&fm.dataset, &extras, opts)?
    };
    report.leakage = leakage;
    report.scheme = Some(corpus.scheme.name().to_string());
    report.bad_rows = merge_bad_rows(std::iter::once(&corpus).chain(&extra));
    report.failed_files = fm.failed.len() + extra_failed;
    report.cache_hits = fm.cache.hits + aug_stats.hits + extra_stats.hits;
    report.cache_computed = fm.cache.computed + aug_stats.computed + extra_stats.computed;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// The bad rows of several corpora opened with the same options, each once: a label map's own
/// bad rows appear in every corpus, and a rule is unused only when no corpus used it.
fn merge_bad_rows<'a>(corpora: impl Iterator<Item = &'a Corpus>) -> Vec<RowReport> {
    let corpora: Vec<&Corpus> = corpora.collect();
    let mut out: Vec<RowReport> = Vec::new();
    for r in corpora.iter().flat_map(|c| &c.bad_rows) {
        let unused_everywhere = r.kind != ser_data::RowFault::UnusedRule
            || corpora.iter().all(|c| c.bad_rows.contains(r));
        if unused_everywhere && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// The canonical emotions present in both corpora, in canonical order (items whose class is
/// no canonical emotion take no part; see [`shared_classes`]).
pub fn shared_emotions(a: &Corpus, b: &Corpus) -> Vec<Emotion> {
    let has = |c: &Corpus, e: Emotion| c.items.iter().any(|i| i.label.emotion == Some(e));
    Emotion::ALL
        .into_iter()
        .filter(|&e| has(a, e) && has(b, e))
        .collect()
}

/// The classes present in both corpora, in [`ser_data::class_order`] (the canonical emotions first).
pub fn shared_classes(a: &Corpus, b: &Corpus) -> Vec<String> {
    let theirs = b.classes();
    a.classes()
        .into_iter()
        .filter(|c| theirs.contains(c))
        .collect()
}

/// Trains on every usable clip of `train_dir` and tests on every clip of `test_dir`, both
/// restricted to the classes they share (canonical emotion names for the file-name schemes,
/// the labels themselves for folders and manifests, after any label map). One fold.
///
/// # Errors
/// [`EvalError::Unusable`] when fewer than two classes are shared; as [`evaluate_dir`].
pub fn evaluate_cross(train_dir: &Path, test_dir: &Path, opts: &EvalOptions) -> Result<EvalReport> {
    evaluate_multi(&[train_dir.to_path_buf()], test_dir, opts)
}

/// Trains on several corpora at once (plus `opts.extra_train`) and tests on every clip of
/// `test_dir` (each a folder or a manifest). The classes are those of the test corpus that at
/// least one training corpus has, in [`ser_data::class_order`]; every corpus is restricted to them.
/// Augmentation, when asked, copies the training clips only. One fold.
///
/// # Errors
/// [`EvalError::Unusable`] when fewer than two such classes exist; [`EvalError::Leakage`]
/// when a test recording is also on the training side (a training or extra corpus), unless
/// [`EvalOptions::allow_leakage`]; as [`evaluate_dir`].
pub fn evaluate_multi(
    train_dirs: &[PathBuf],
    test_dir: &Path,
    opts: &EvalOptions,
) -> Result<EvalReport> {
    let start = Instant::now();
    let test = scan_corpus_with(test_dir, &opts.corpus)?;
    let train: Vec<Corpus> = train_dirs
        .iter()
        .map(|d| scan_corpus_with(d, &opts.corpus))
        .collect::<Result<_>>()?;
    let shared: Vec<String> = test
        .classes()
        .into_iter()
        .filter(|c| {
            train
                .iter()
                .any(|t| t.items.iter().any(|i| i.label.class == *c))
        })
        .collect();
    if shared.len() < 2 {
        return Err(EvalError::Unusable {
            reason: format!(
                "the corpora share {} class(es) {shared:?}; at least two are needed",
                shared.len()
            ),
        });
    }
    let extra = scan_extra_corpora(opts)?;
    // Before any feature is computed: no test recording may also train.
    let training: Vec<&CorpusItem> = train
        .iter()
        .chain(&extra)
        .flat_map(|c| items_of(c, &shared))
        .collect();
    let leakage = guard_leakage(&training, &items_of(&test, &shared), opts)?;
    let encoder = LabelEncoder::with_classes(shared.iter().map(String::as_str))?;
    let keep = |c: &Corpus| -> Vec<CorpusItem> {
        c.items
            .iter()
            .filter(|i| shared.contains(&i.label.class))
            .cloned()
            .collect()
    };
    let classes = encoder.classes().to_vec();
    let fb = extract(&keep(&test), Some(encoder.clone()), opts)?;
    let (mut hits, mut computed, mut failed) = (fb.cache.hits, fb.cache.computed, fb.failed.len());
    let mut train_sets = Vec::new();
    let mut augmented = Vec::new();
    for (k, c) in train.iter().enumerate() {
        let items = keep(c);
        if items.is_empty() {
            continue;
        }
        let fa = extract(&items, Some(encoder.clone()), opts)?;
        hits += fa.cache.hits;
        computed += fa.cache.computed;
        failed += fa.failed.len();
        let mut d = fa.dataset;
        let corpus = train_dirs[k].display().to_string();
        if train.len() > 1 {
            d.set_corpus(&corpus);
        }
        let (copies, st) = augmented_copies(&items, &classes, opts)?;
        hits += st.hits;
        computed += st.computed;
        for mut copy in copies {
            if train.len() > 1 {
                copy.set_corpus(&corpus);
            }
            augmented.push(copy);
        }
        train_sets.push(d);
    }
    let (corpora, st, extra_failed) = extra_corpora_of(&extra, &classes, opts)?;
    hits += st.hits;
    computed += st.computed;
    failed += extra_failed;
    let train_set = stack(&train_sets)?;
    let extras = TrainingExtras { augmented, corpora };
    let mut pooled = Pooled::new(encoder.n_classes());
    pooled.add(&train_set, &fb.dataset, &extras, opts)?;
    let mut report = pooled.report(Protocol::Cross, classes, opts)?;
    report.leakage = leakage;
    report.scheme = Some(test.scheme.name().to_string());
    report.bad_rows = merge_bad_rows(std::iter::once(&test).chain(&train).chain(&extra));
    report.n_speakers = distinct_keys(&train_set).len()
        + extras
            .corpora
            .iter()
            .map(|d| distinct_keys(d).len())
            .sum::<usize>()
        + distinct_keys(&fb.dataset).len();
    report.failed_files = failed;
    report.cache_hits = hits;
    report.cache_computed = computed;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// What [`fit_predict`] returns for one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldFit {
    /// Predicted class of every test row (the argmax of [`Self::scores`]).
    pub predictions: Array1<usize>,
    /// Class probabilities of every test row.
    pub scores: Array2<f32>,
    /// Predicted class of every test row *cold*: the same fitted pipeline with nothing known
    /// of the test speakers, each row predicted alone and without self-training — by the cold
    /// model stage ([`crate::ColdModel::Global`]) or with the training fallback statistics
    /// ([`crate::ColdModel::Fallback`]) in a per-speaker pipeline, as it is otherwise.
    pub cold_predictions: Array1<usize>,
    /// The fitted model(s) in words, with inner UARs and the inner fold kind.
    pub chosen: String,
    /// Every candidate's inner score (empty when nothing was chosen).
    pub inner_scores: Vec<InnerScore>,
}

/// One fold: [`crate::fit`] `spec` on `train`, then predict `test`, each test speaker
/// normalised with its own statistics and the test rows self-trained on together. Augmented
/// training copies are voices of their own.
///
/// # Errors
/// Normalisation, scaling and model errors.
pub fn fit_predict(train: &Dataset, test: &Dataset, spec: &PipelineSpec) -> Result<FoldFit> {
    fold_fit(train, test, spec, true)
}

/// The speaker context of `rows` grouped by `keys`: each group's statistics from its own rows.
fn context_of(
    fitted: &crate::FittedPipeline,
    rows: &Array2<f32>,
    keys: &[SpeakerKey],
) -> Result<SpeakerContext> {
    let mut ctx = SpeakerContext {
        stats: Vec::new(),
        row_group: vec![None; rows.nrows()],
    };
    if !fitted.per_speaker() {
        return Ok(ctx);
    }
    for (g, members) in group_rows(keys).into_values().enumerate() {
        let own = rows.select(ndarray::Axis(0), &members);
        ctx.stats
            .push((fitted.speaker_stats(own.view())?, StatsSource::Speaker));
        for i in members {
            ctx.row_group[i] = Some(g);
        }
    }
    Ok(ctx)
}

fn fold_fit(
    train: &Dataset,
    test: &Dataset,
    spec: &PipelineSpec,
    augment_as_voices: bool,
) -> Result<FoldFit> {
    let test_keys = test.speaker_keys(true);
    let unlabelled = if spec.model.inner == InnerProtocol::Reverse {
        Some(normalise_by_keys(
            test.records.view(),
            &test_keys,
            spec.normalisation,
        )?)
    } else {
        None
    };
    let fitted = fit_with(
        spec,
        train,
        &train.speaker_keys(augment_as_voices),
        unlabelled.as_ref().map(|u| u.view()),
    )?;
    let ctx = context_of(&fitted, &test.records, &test_keys)?;
    let p = fitted.predict_rows(test.records.view(), &ctx)?;
    // Cold: every clip on its own (an ensemble's score scale is taken over the rows predicted
    // together), nothing known of its speaker.
    let plain = fitted.without_self_training();
    let mut cold = Array1::zeros(test.len());
    for (i, c) in cold.iter_mut().enumerate() {
        let row = test.records.select(ndarray::Axis(0), &[i]);
        let p = plain.predict_rows(row.view(), &SpeakerContext::none())?;
        *c = argmax_rows(p.probabilities.view())[0];
    }
    Ok(FoldFit {
        predictions: argmax_rows(p.probabilities.view()),
        scores: p.probabilities,
        cold_predictions: cold,
        chosen: fitted.chosen().to_owned(),
        inner_scores: fitted.inner_scores().to_vec(),
    })
}

/// The inner folds [`crate::fit`] would use on `train` to choose hyper-parameters
/// ([`crate::Selection::Inner`]), and what they group by (`"speakers"`, `"texts"`,
/// `"pseudo-voices"` or `"rows"`).
///
/// # Errors
/// Split errors (e.g. fewer rows per class than folds).
pub fn inner_folds(train: &Dataset, spec: &PipelineSpec) -> Result<(Vec<Split>, &'static str)> {
    let texts: Vec<Option<Utterance>> = train.paths.iter().map(|p| Utterance::of(p)).collect();
    crate::fold::inner_splits(
        train.targets.view(),
        &train.speaker_keys(true),
        &texts,
        spec,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_and_print() {
        for s in ["split", "kfold:5", "loso", "group-kfold:4", "manifest"] {
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
    }
}
