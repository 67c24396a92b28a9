//! One fold's pipeline: speaker normalisation → standard scaling → model, with the model's
//! hyper-parameter chosen by an inner cross-validation on the training fold only.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use ser_data::normalize::{center_by_group, standardize_by_group};
use ser_data::split::{group_kfold, stratified_kfold};
use ser_data::{Dataset, Scheme, SchemeFields};
use ser_models::lstm::LstmParams;
use ser_models::{
    ConfusionMatrix, Fit, Knn, LinearSvm, MultiClass, Predict, StandardScaler, TrainSet,
    argmax_rows,
};

use super::{EvalError, Result, parse_named};

/// Which classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Linear SVM (squared hinge), `C` (and the multi-class scheme when a grid of them is
    /// given) chosen by inner CV.
    Svm,
    /// k nearest neighbours (Euclidean, uniform votes), `k` chosen by inner CV.
    Knn,
    /// The study's LSTM reading the row as a sequence (no inner CV: fixed epochs).
    Lstm,
    /// Mean of the SVM's and the KNN's class scores, each tuned by inner CV.
    SvmKnn,
}

impl ModelChoice {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            ModelChoice::Svm => "svm",
            ModelChoice::Knn => "knn",
            ModelChoice::Lstm => "lstm",
            ModelChoice::SvmKnn => "svm+knn",
        }
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelChoice {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        parse_named(
            s,
            "model",
            &[
                ModelChoice::Svm,
                ModelChoice::Knn,
                ModelChoice::Lstm,
                ModelChoice::SvmKnn,
            ],
            ModelChoice::name,
        )
    }
}

/// How features are normalised before scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalisation {
    /// None: one scaler fitted on the training rows.
    None,
    /// Each speaker's rows standardised with that speaker's own mean and deviation (training
    /// speakers from their training rows, test speakers from their unlabelled test rows).
    Speaker,
    /// Each speaker's mean subtracted (no division).
    SpeakerCenter,
}

impl Normalisation {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Normalisation::None => "none",
            Normalisation::Speaker => "speaker",
            Normalisation::SpeakerCenter => "speaker-center",
        }
    }

    fn apply(self, x: ArrayView2<'_, f32>, speakers: &[String]) -> Result<Array2<f32>> {
        Ok(match self {
            Normalisation::None => x.to_owned(),
            Normalisation::Speaker => standardize_by_group(x, speakers)?,
            Normalisation::SpeakerCenter => center_by_group(x, speakers)?,
        })
    }
}

impl fmt::Display for Normalisation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Normalisation {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        parse_named(
            s,
            "normalisation",
            &[
                Normalisation::None,
                Normalisation::Speaker,
                Normalisation::SpeakerCenter,
            ],
            Normalisation::name,
        )
    }
}

/// How a training fold is split into the inner folds that choose hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerProtocol {
    /// Speaker groups when the training fold has at least three speakers; otherwise groups of
    /// the same utterance text ([`Self::Text`]) when the file names carry at least as many
    /// texts as inner folds; otherwise stratified rows.
    Auto,
    /// Stratified k-fold over rows (the same voice and the same words on both sides).
    Rows,
    /// Group k-fold over the utterance text read from the file name (TESS word, EmoDB text,
    /// CREMA-D sentence, RAVDESS statement, SAVEE sentence): no word on both sides of an inner
    /// fold. Falls back to rows when fewer texts than folds are found.
    Text,
    /// With fewer than three real training speakers and augmented copies present
    /// (pseudo-speakers such as `"OAF~pitch:2"`): each inner fold validates on one augmented
    /// voice's clips of one group of utterance texts and trains on every other row of the
    /// other texts — a voice (and words) the inner model has not seen. Otherwise as
    /// [`Self::Auto`].
    Voices,
    /// Reverse validation (Zhong et al., 2010), a model-selection method for unsupervised
    /// domain adaptation: each candidate is fitted on the training fold and labels the test
    /// rows (self-training included); a second model with the same hyper-parameters is fitted
    /// on those *predicted* labels and scored by UAR on the labelled training rows. It reads
    /// the test rows' features, as speaker normalisation and self-training do, never their
    /// labels. Candidates whose predictions miss a class score 0; ties go to the simpler one.
    Reverse,
}

impl InnerProtocol {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            InnerProtocol::Auto => "auto",
            InnerProtocol::Rows => "rows",
            InnerProtocol::Text => "text",
            InnerProtocol::Voices => "voices",
            InnerProtocol::Reverse => "reverse",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            InnerProtocol::Auto => {
                "speaker groups with at least 3 training speakers, else utterance-text groups, \
                 else stratified rows"
            }
            InnerProtocol::Rows => "stratified rows",
            InnerProtocol::Text => "utterance-text groups",
            InnerProtocol::Voices => {
                "held-out augmented pseudo-voice x held-out utterance texts with fewer than 3 \
                 real training speakers, else as auto"
            }
            InnerProtocol::Reverse => {
                "reverse validation: fit, label the unlabelled test rows, refit on those \
                 predictions, score on the labelled training rows"
            }
        }
    }
}

impl fmt::Display for InnerProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for InnerProtocol {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        parse_named(
            s,
            "inner protocol",
            &[
                InnerProtocol::Auto,
                InnerProtocol::Rows,
                InnerProtocol::Text,
                InnerProtocol::Voices,
                InnerProtocol::Reverse,
            ],
            InnerProtocol::name,
        )
    }
}

/// What is done with the candidate hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Pick one candidate by the inner protocol ([`InnerProtocol`]).
    Inner,
    /// Pick none: every candidate of the grid is fitted and their class probabilities are
    /// averaged (see [`softmax_mean`]); self-training uses the ensemble. No inner CV runs.
    Ensemble,
}

impl Selection {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Inner => "inner",
            Selection::Ensemble => "ensemble",
        }
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Selection {
    type Err = EvalError;

    fn from_str(s: &str) -> Result<Self> {
        parse_named(
            s,
            "selection",
            &[Selection::Inner, Selection::Ensemble],
            Selection::name,
        )
    }
}

/// One candidate's inner cross-validation score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InnerScore {
    /// The candidate (e.g. `"C=0.01 ovr"`).
    pub candidate: String,
    /// Mean UAR over the inner folds.
    pub mean_uar: f64,
    /// Standard error of that mean.
    pub std_error: f64,
}

/// What [`fit_predict_detailed`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldFit {
    /// Predicted class of every test row (the argmax of [`Self::scores`]).
    pub predictions: Array1<usize>,
    /// Class scores of every test row: the summed raw scores of the chosen model(s), or with
    /// [`Selection::Ensemble`] the ensemble's mean probabilities ([`softmax_mean`]).
    pub scores: Array2<f32>,
    /// The chosen hyper-parameters in words, with their inner UAR and the inner fold kind.
    pub chosen: String,
    /// Every candidate's inner score (empty when nothing was chosen).
    pub inner_scores: Vec<InnerScore>,
}

/// Short name of an SVM multi-class scheme (`ovr`, `ovo`).
pub fn scheme_name(m: MultiClass) -> &'static str {
    match m {
        MultiClass::OneVsOne => "ovo",
        _ => "ovr",
    }
}

/// Parses `ovr` / `ovo`.
///
/// # Errors
/// [`EvalError::InvalidChoice`] for anything else.
pub fn parse_scheme(s: &str) -> Result<MultiClass> {
    parse_named(
        s,
        "multi-class scheme",
        &[MultiClass::OneVsRest, MultiClass::OneVsOne],
        scheme_name,
    )
}

/// The utterance text a corpus file name carries (TESS word, EmoDB text code, CREMA-D
/// sentence, RAVDESS statement, SAVEE sentence number), from the first scheme that reads it.
pub fn utterance_text(path: &Path) -> Option<String> {
    Scheme::ALL
        .into_iter()
        .find_map(|s| s.parse(path).ok())
        .map(|f| match f.fields {
            SchemeFields::Tess { word } => format!("tess:{word}"),
            SchemeFields::Ravdess { statement, .. } => format!("ravdess:{statement}"),
            SchemeFields::EmoDb { text, .. } => format!("emodb:{text}"),
            SchemeFields::CremaD { sentence, .. } => format!("crema-d:{sentence}"),
            SchemeFields::Savee { sentence } => format!("savee:{sentence}"),
            _ => String::new(),
        })
        .filter(|t| !t.is_empty())
}

/// Settings of the per-fold pipeline.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Classifier.
    pub model: ModelChoice,
    /// Normalisation before scaling.
    pub normalisation: Normalisation,
    /// SVM `C` candidates (inner CV picks one; a single value fixes it).
    pub c_grid: Vec<f32>,
    /// How the SVM splits classes into binary problems when [`Self::multi_class_grid`] is
    /// empty (default one-vs-rest, as LIBLINEAR).
    pub multi_class: MultiClass,
    /// Schemes the inner CV chooses from together with `C` (empty: `multi_class` is fixed).
    pub multi_class_grid: Vec<MultiClass>,
    /// KNN `k` candidates.
    pub k_grid: Vec<usize>,
    /// Inner folds.
    pub inner_folds: usize,
    /// How the training fold is split into inner folds.
    pub inner: InnerProtocol,
    /// Pick one candidate by inner CV, or average them all.
    pub selection: Selection,
    /// LSTM epochs.
    pub lstm_epochs: usize,
    /// Self-training rounds on the unlabelled test rows (0: off). Each round refits on the
    /// training rows plus the test rows the current model is surest of, labelled with its own
    /// predictions; no test label is read.
    pub adapt_rounds: usize,
    /// Fraction of the test rows taken as pseudo-labelled in each round (by score margin).
    pub adapt_fraction: f32,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            model: ModelChoice::Svm,
            normalisation: Normalisation::Speaker,
            c_grid: vec![0.001, 0.01, 0.1, 1.0, 10.0],
            multi_class: MultiClass::OneVsRest,
            multi_class_grid: Vec::new(),
            k_grid: vec![1, 5, 11, 21],
            inner_folds: 4,
            inner: InnerProtocol::Auto,
            selection: Selection::Inner,
            lstm_epochs: 30,
            adapt_rounds: 1,
            adapt_fraction: 0.5,
        }
    }
}

impl PipelineOptions {
    /// How hyper-parameters are chosen, in words (for the report).
    pub fn selection_text(&self) -> String {
        match self.model {
            ModelChoice::Lstm => format!("fixed: LSTM study network, {} epochs", self.lstm_epochs),
            _ if self.selection == Selection::Ensemble => format!(
                "none chosen: ensemble of every candidate (C from {:?}, SVM scheme from {}, k \
                 from {:?} as the model has them), each candidate's test scores divided by \
                 their standard deviation over test rows and classes, softmax over classes, \
                 probabilities averaged; no inner CV",
                self.c_grid,
                self.scheme_text(),
                self.k_grid
            ),
            _ if self.inner == InnerProtocol::Reverse => format!(
                "{} (no test label read); the best reverse UAR, ties to the simpler model; \
                 C from {:?}, SVM scheme from {}, k from {:?}",
                self.inner.describe(),
                self.c_grid,
                self.scheme_text(),
                self.k_grid
            ),
            _ => format!(
                "inner {}-fold CV on the training fold only ({}), scored by UAR of the whole \
                 fold pipeline (self-training on the inner validation rows included); the best \
                 candidate's family, then the one-standard-error rule toward the simpler model; \
                 C from {:?}, SVM scheme from {}, k from {:?}",
                self.inner_folds,
                self.inner.describe(),
                self.c_grid,
                self.scheme_text(),
                self.k_grid
            ),
        }
    }

    fn scheme_text(&self) -> String {
        if self.multi_class_grid.is_empty() {
            format!("[{}] (fixed)", scheme_name(self.multi_class))
        } else {
            format!(
                "{:?}",
                self.multi_class_grid
                    .iter()
                    .map(|&m| scheme_name(m))
                    .collect::<Vec<_>>()
            )
        }
    }

    /// The unsupervised adaptation, in words (for the report).
    pub fn adaptation_text(&self) -> String {
        if self.adapt_rounds == 0 || self.model == ModelChoice::Lstm {
            "none".into()
        } else {
            format!(
                "self-training: {} round(s), the {:.0} % of test rows with the widest score \
                 margin pseudo-labelled and added to the training rows (no test labels read)",
                self.adapt_rounds,
                100.0 * self.adapt_fraction
            )
        }
    }
}

fn scaled(
    train: ArrayView2<'_, f32>,
    test: ArrayView2<'_, f32>,
) -> Result<(Array2<f32>, Array2<f32>)> {
    let (scaler, tr) = StandardScaler::fit_transform(train)?;
    Ok((tr, scaler.transform(test)?))
}

/// One candidate model (hyper-parameters fixed).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Candidate {
    Svm { c: f32, multi: MultiClass },
    Knn(usize),
}

impl Candidate {
    fn describe(self) -> String {
        match self {
            Candidate::Svm { c, multi } => format!("C={c} {}", scheme_name(multi)),
            Candidate::Knn(k) => format!("k={k}"),
        }
    }

    /// Candidates of one family share everything but their regularisation strength.
    fn family(self) -> u8 {
        match self {
            Candidate::Svm {
                multi: MultiClass::OneVsOne,
                ..
            } => 1,
            Candidate::Svm { .. } => 0,
            Candidate::Knn(_) => 2,
        }
    }
}

/// A candidate's class scores on `test` after scaling and fitting on `train` (already
/// normalised).
fn scores(
    cand: Candidate,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    seed: u64,
) -> Result<Array2<f32>> {
    let (tr, te) = scaled(x, test)?;
    let set = TrainSet::new(tr.view(), y, n_classes)?;
    Ok(match cand {
        Candidate::Svm { c, multi } => LinearSvm::params()
            .c(c)
            .multi_class(multi)
            .seed(seed)
            .fit(&set)?
            .predict_scores(te.view())?,
        Candidate::Knn(k) => Knn::params()
            .k(k.min(tr.nrows()))
            .fit(&set)?
            .predict_scores(te.view())?,
    })
}

/// How the scores of several fitted candidates are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Combine {
    /// Raw scores summed (one candidate: its own scores).
    Sum,
    /// [`softmax_mean`] of the candidates' scores.
    SoftmaxMean,
}

/// One candidate's test scores turned into class probabilities on a scale comparable across
/// candidates: divided by their population standard deviation over all test rows and classes,
/// then a softmax over each row's classes (every class equally likely when that deviation is
/// zero).
fn scaled_softmax(s: &Array2<f32>) -> Array2<f32> {
    let n = s.len().max(1) as f64;
    let mean = s.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = s
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let sd = var.sqrt();
    let inv = if sd > 0.0 && sd.is_finite() {
        1.0 / sd
    } else {
        0.0
    };
    let mut out = Array2::<f32>::zeros(s.raw_dim());
    for (r, mut o) in s.rows().into_iter().zip(out.rows_mut()) {
        let z: Vec<f64> = r.iter().map(|&v| f64::from(v) * inv).collect();
        let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        for (o, e) in o.iter_mut().zip(e) {
            *o = (e / total) as f32;
        }
    }
    out
}

/// The ensemble of several candidates' class scores on the same test rows: each candidate's
/// scores are divided by their standard deviation over all test rows and classes and turned
/// into probabilities by a softmax over classes; the result is the mean of those
/// probabilities (each row sums to 1). With one candidate the argmax of every row is that
/// candidate's own. Reads only scores, never a label.
///
/// # Errors
/// [`EvalError::Unusable`] when `scores` is empty or the shapes differ.
pub fn softmax_mean(scores: &[Array2<f32>]) -> Result<Array2<f32>> {
    let first = scores.first().ok_or_else(|| EvalError::Unusable {
        reason: "an ensemble needs at least one candidate".into(),
    })?;
    let mut total = Array2::<f32>::zeros(first.raw_dim());
    for s in scores {
        if s.dim() != first.dim() {
            return Err(EvalError::Unusable {
                reason: format!(
                    "ensemble scores of shapes {:?} and {:?}",
                    first.dim(),
                    s.dim()
                ),
            });
        }
        total += &scaled_softmax(s);
    }
    Ok(total / scores.len() as f32)
}

/// The fold pipeline after normalisation: the scores of `chosen` fitted on `(x, y)`, combined
/// as `combine` says, then `opts.adapt_rounds` rounds of self-training on the unlabelled
/// `test` rows (pseudo-labels and margins from the combined scores; every candidate refitted).
#[allow(clippy::too_many_arguments)]
fn fit_scores(
    chosen: &[Candidate],
    combine: Combine,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<Array2<f32>> {
    let ensemble = |x: ArrayView2<'_, f32>, yy: ArrayView1<'_, usize>| -> Result<Array2<f32>> {
        match combine {
            Combine::Sum => {
                let mut total = Array2::<f32>::zeros((test.nrows(), n_classes));
                for &c in chosen {
                    total += &scores(c, x, yy, test, n_classes, seed)?;
                }
                Ok(total)
            }
            Combine::SoftmaxMean => softmax_mean(
                &chosen
                    .iter()
                    .map(|&c| scores(c, x, yy, test, n_classes, seed))
                    .collect::<Result<Vec<_>>>()?,
            ),
        }
    };
    let mut s = ensemble(x, y)?;
    for _ in 0..opts.adapt_rounds {
        let keep = confident_rows(&s, opts.adapt_fraction);
        if keep.is_empty() {
            break;
        }
        let pseudo = argmax_rows(s.view());
        let x2 = ndarray::concatenate(
            ndarray::Axis(0),
            &[x, test.select(ndarray::Axis(0), &keep).view()],
        )
        .map_err(|e| EvalError::Unusable {
            reason: format!("stacking pseudo-labelled rows: {e}"),
        })?;
        let y2: Array1<usize> = y
            .iter()
            .copied()
            .chain(keep.iter().map(|&i| pseudo[i]))
            .collect();
        s = ensemble(x2.view(), y2.view())?;
    }
    Ok(s)
}

/// The inner folds of a training fold (see [`InnerProtocol`]).
fn inner_splits(
    y: ArrayView1<'_, usize>,
    speakers: &[String],
    texts: &[Option<String>],
    opts: &PipelineOptions,
    seed: u64,
) -> Result<(Vec<ser_data::Split>, &'static str)> {
    // Augmented pseudo-speakers ("OAF~pitch:2") stay with their source speaker.
    let sources: Vec<&str> = speakers
        .iter()
        .map(|s| s.split('~').next().unwrap_or(s))
        .collect();
    let n_spk = sources.iter().collect::<BTreeSet<_>>().len();
    let text_groups: Option<Vec<&str>> = texts.iter().map(|t| t.as_deref()).collect();
    let n_texts = text_groups
        .as_ref()
        .map_or(0, |g| g.iter().collect::<BTreeSet<_>>().len());
    let by_text = |g: &[&str]| group_kfold(g, opts.inner_folds.min(n_texts), seed);
    let rows = || stratified_kfold(&y.to_vec(), opts.inner_folds, seed);
    // An inner fold whose training part lacks a class cannot be fitted (an extra corpus or a
    // speaker may not have every emotion): such folds are dropped, and a grouping left with
    // fewer than two falls through to the next.
    let n_classes = y.iter().copied().max().map_or(0, |m| m + 1);
    let usable = |splits: Vec<ser_data::Split>| -> Option<Vec<ser_data::Split>> {
        let kept: Vec<ser_data::Split> = splits
            .into_iter()
            .filter(|s| {
                let mut seen = vec![false; n_classes];
                for &i in &s.train {
                    seen[y[i]] = true;
                }
                !s.test.is_empty() && seen.iter().all(|&b| b)
            })
            .collect();
        (kept.len() >= 2).then_some(kept)
    };
    if opts.inner == InnerProtocol::Voices
        && n_spk < 3
        && let Some(g) = &text_groups
        && n_texts >= 2
    {
        let voices: BTreeSet<&str> = speakers
            .iter()
            .filter(|s| s.contains('~'))
            .map(String::as_str)
            .collect();
        let text_folds = group_kfold(g, opts.inner_folds.min(n_texts), seed)?;
        let mut splits = Vec::new();
        for v in &voices {
            for tf in &text_folds {
                let held: BTreeSet<usize> = tf.test.iter().copied().collect();
                splits.push(ser_data::Split {
                    train: (0..speakers.len())
                        .filter(|i| !held.contains(i) && speakers[*i] != *v)
                        .collect(),
                    test: tf
                        .test
                        .iter()
                        .copied()
                        .filter(|&i| speakers[i] == *v)
                        .collect(),
                });
            }
        }
        if let Some(s) = usable(splits) {
            return Ok((s, "pseudo-voices"));
        }
    }
    if matches!(opts.inner, InnerProtocol::Auto | InnerProtocol::Voices) && n_spk >= 3 {
        let by_speaker = group_kfold(&sources, opts.inner_folds.min(n_spk), seed)?;
        if let Some(s) = usable(by_speaker) {
            return Ok((s, "speakers"));
        }
    }
    if opts.inner != InnerProtocol::Rows
        && let Some(g) = &text_groups
        && n_texts >= opts.inner_folds.max(2)
        && let Some(s) = usable(by_text(g)?)
    {
        return Ok((s, "texts"));
    }
    Ok((rows()?, "rows"))
}

/// The inner folds [`fit_predict`] would use on `train` to choose hyper-parameters, and what
/// they group by (`"speakers"`, `"texts"` or `"rows"`).
///
/// # Errors
/// Split errors (e.g. fewer rows per class than folds).
pub fn inner_folds(
    train: &Dataset,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<(Vec<ser_data::Split>, &'static str)> {
    let texts: Vec<Option<String>> = train.paths.iter().map(|p| utterance_text(p)).collect();
    inner_splits(train.targets.view(), &train.speakers, &texts, opts, seed)
}

/// Picks a candidate by inner cross-validation: each candidate runs the whole fold pipeline
/// (scaling, fit, self-training on the inner validation rows) and is scored by UAR on the
/// inner validation rows. The family (SVM one-vs-rest, SVM one-vs-one, KNN) of the best mean
/// wins; within it, the one-standard-error rule takes the simplest candidate (smallest `C`,
/// largest `k`) whose mean is within one standard error of the best. Inner folds that share
/// the training voice reward fitting harder than a new voice allows; the rule leans to the
/// more regularised model that is statistically as good. Returns the pick and its inner UAR.
fn choose(
    cands: &[Candidate],
    splits: &[ser_data::Split],
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    n_classes: usize,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<(Candidate, f64, Vec<InnerScore>)> {
    // Every candidate meets the same inner folds: their rows are gathered once.
    let folds: Vec<_> = splits
        .iter()
        .map(|s| {
            (
                x.select(ndarray::Axis(0), &s.train),
                y.select(ndarray::Axis(0), &s.train),
                x.select(ndarray::Axis(0), &s.test),
                y.select(ndarray::Axis(0), &s.test),
            )
        })
        .collect();
    let mut stats = Vec::with_capacity(cands.len());
    for &cand in cands {
        let mut uars = Vec::with_capacity(folds.len());
        for (xt, yt, xv, yv) in &folds {
            let sc = fit_scores(
                &[cand],
                Combine::Sum,
                xt.view(),
                yt.view(),
                xv.view(),
                n_classes,
                opts,
                seed,
            )?;
            let pred = argmax_rows(sc.view());
            uars.push(ConfusionMatrix::new(yv.view(), pred.view(), n_classes)?.uar());
        }
        let n = uars.len().max(1) as f64;
        let mean = uars.iter().sum::<f64>() / n;
        let var = uars.iter().map(|u| (u - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        stats.push((mean, (var / n).sqrt()));
    }
    let best = stats
        .iter()
        .enumerate()
        .fold(0, |b, (i, s)| if s.0 > stats[b].0 { i } else { b });
    let (best_mean, best_se) = stats[best];
    let family = cands[best].family();
    let pick = cands
        .iter()
        .zip(&stats)
        .position(|(c, s)| c.family() == family && s.0 >= best_mean - best_se - 1e-12)
        .unwrap_or(best);
    let scores = cands
        .iter()
        .zip(&stats)
        .map(|(c, s)| InnerScore {
            candidate: c.describe(),
            mean_uar: s.0,
            std_error: s.1,
        })
        .collect();
    Ok((cands[pick], stats[pick].0, scores))
}

/// Indices of the `fraction` of rows whose best score leads the second best by the most.
fn confident_rows(scores: &Array2<f32>, fraction: f32) -> Vec<usize> {
    let mut margin: Vec<(usize, f32)> = scores
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (mut a, mut b) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
            for &v in r {
                if v > a {
                    b = a;
                    a = v;
                } else if v > b {
                    b = v;
                }
            }
            (i, a - b)
        })
        .collect();
    margin.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
    let k =
        ((fraction.clamp(0.0, 1.0) * scores.nrows() as f32).round() as usize).min(scores.nrows());
    let mut keep: Vec<usize> = margin[..k].iter().map(|p| p.0).collect();
    keep.sort_unstable();
    keep
}

/// Picks a candidate by reverse validation (see [`InnerProtocol::Reverse`]): the best reverse
/// UAR, the first (simplest within the order given) on ties. Returns the pick, its score and
/// every candidate's score (standard error 0: one reverse pass).
#[allow(clippy::too_many_arguments)]
fn choose_reverse(
    cands: &[Candidate],
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<(Candidate, f64, Vec<InnerScore>)> {
    let mut rev = Vec::with_capacity(cands.len());
    for &cand in cands {
        let forward = argmax_rows(
            fit_scores(&[cand], Combine::Sum, x, y, test, n_classes, opts, seed)?.view(),
        );
        let mut seen = vec![false; n_classes];
        for &p in &forward {
            seen[p] = true;
        }
        let uar = if seen.iter().all(|&b| b) {
            let back = argmax_rows(scores(cand, test, forward.view(), x, n_classes, seed)?.view());
            ConfusionMatrix::new(y, back.view(), n_classes)?.uar()
        } else {
            0.0
        };
        rev.push(uar);
    }
    let best = rev
        .iter()
        .enumerate()
        .fold(0, |b, (i, &u)| if u > rev[b] + 1e-12 { i } else { b });
    let all = cands
        .iter()
        .zip(&rev)
        .map(|(c, &u)| InnerScore {
            candidate: c.describe(),
            mean_uar: u,
            std_error: 0.0,
        })
        .collect();
    Ok((cands[best], rev[best], all))
}

/// The SVM candidates of `opts`, simplest first within each scheme (smallest `C`).
fn svm_candidates(opts: &PipelineOptions) -> Vec<Candidate> {
    let schemes = if opts.multi_class_grid.is_empty() {
        vec![opts.multi_class]
    } else {
        opts.multi_class_grid.clone()
    };
    let mut cs = opts.c_grid.clone();
    cs.sort_by(f32::total_cmp);
    schemes
        .iter()
        .flat_map(|&multi| cs.iter().map(move |&c| Candidate::Svm { c, multi }))
        .collect()
}

/// Fits on `train` and predicts `test`: the predicted classes and the chosen
/// hyper-parameter(s) in words.
///
/// # Errors
/// Normalisation, scaling and model errors.
pub fn fit_predict(
    train: &Dataset,
    test: &Dataset,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<(Array1<usize>, String)> {
    let fit = fit_predict_detailed(train, test, opts, seed)?;
    Ok((fit.predictions, fit.chosen))
}

/// As [`fit_predict`], with every candidate's inner score.
///
/// # Errors
/// Normalisation, scaling and model errors.
pub fn fit_predict_detailed(
    train: &Dataset,
    test: &Dataset,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<FoldFit> {
    let n_classes = train.classes.len();
    let xtr = opts
        .normalisation
        .apply(train.records.view(), &train.speakers)?;
    let xte = opts
        .normalisation
        .apply(test.records.view(), &test.speakers)?;
    let y = train.targets.view();
    let svm = svm_candidates(opts);
    // Simplest first: large k.
    let mut knn_k: Vec<usize> = opts.k_grid.clone();
    knn_k.sort_unstable_by(|a, b| b.cmp(a));
    let knn: Vec<Candidate> = knn_k.into_iter().map(Candidate::Knn).collect();
    if opts.model == ModelChoice::Lstm {
        let set = TrainSet::new(xtr.view(), y, n_classes)?;
        let model = LstmParams::study()
            .epochs(opts.lstm_epochs)
            .seed(seed)
            .fit(&set)?;
        return Ok(FoldFit {
            predictions: model.predict(xte.view())?,
            scores: model.predict_scores(xte.view())?,
            chosen: format!("epochs={}", opts.lstm_epochs),
            inner_scores: Vec::new(),
        });
    }
    if opts.selection == Selection::Ensemble {
        let all: Vec<Candidate> = match opts.model {
            ModelChoice::Svm => svm,
            ModelChoice::Knn => knn,
            _ => svm.into_iter().chain(knn).collect(),
        };
        let s = fit_scores(
            &all,
            Combine::SoftmaxMean,
            xtr.view(),
            y,
            xte.view(),
            n_classes,
            opts,
            seed,
        )?;
        let names: Vec<String> = all.iter().map(|c| c.describe()).collect();
        return Ok(FoldFit {
            predictions: argmax_rows(s.view()),
            scores: s,
            chosen: format!("ensemble of {}: {}", all.len(), names.join(", ")),
            inner_scores: Vec::new(),
        });
    }
    let texts: Vec<Option<String>> = train.paths.iter().map(|p| utterance_text(p)).collect();
    let mut inner_kind = "";
    let mut inner_scores = Vec::new();
    let mut pick = |c: &[Candidate]| -> Result<(Candidate, Option<f64>)> {
        if c.len() == 1 {
            return Ok((c[0], None));
        }
        let (cand, uar, scores) = if opts.inner == InnerProtocol::Reverse {
            inner_kind = "reverse validation";
            choose_reverse(c, xtr.view(), y, xte.view(), n_classes, opts, seed)?
        } else {
            let (splits, kind) = inner_splits(y, &train.speakers, &texts, opts, seed)?;
            inner_kind = kind;
            choose(c, &splits, xtr.view(), y, n_classes, opts, seed)?
        };
        inner_scores.extend(scores);
        Ok((cand, Some(uar)))
    };
    let chosen: Vec<(Candidate, Option<f64>)> = match opts.model {
        ModelChoice::Svm => vec![pick(&svm)?],
        ModelChoice::Knn => vec![pick(&knn)?],
        _ => vec![pick(&svm)?, pick(&knn)?],
    };
    let cands: Vec<Candidate> = chosen.iter().map(|c| c.0).collect();
    let s = fit_scores(
        &cands,
        Combine::Sum,
        xtr.view(),
        y,
        xte.view(),
        n_classes,
        opts,
        seed,
    )?;
    let mut text: Vec<String> = chosen
        .iter()
        .map(|(c, u)| match u {
            Some(u) => format!("{} (inner UAR {:.3})", c.describe(), u),
            None => c.describe(),
        })
        .collect();
    if !inner_kind.is_empty() {
        text.push(format!("[inner folds: {inner_kind}]"));
    }
    Ok(FoldFit {
        predictions: argmax_rows(s.view()),
        scores: s,
        chosen: text.join(" "),
        inner_scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_mean_matches_hand_computed_values() {
        // Entries ±1: mean 0, population deviation 1, so row 0 is softmax(1, −1).
        let a = array![[1.0_f32, -1.0], [-1.0, 1.0]];
        let p = 1.0 / (1.0 + (-2.0_f64).exp());
        let one = softmax_mean(std::slice::from_ref(&a)).unwrap();
        for (got, want) in one.iter().zip([p, 1.0 - p, 1.0 - p, p]) {
            assert!((f64::from(*got) - want).abs() < 1e-6, "{got} vs {want}");
        }
        // Dividing by the deviation makes a candidate's scale irrelevant.
        let scaled = softmax_mean(&[a.mapv(|v| 5.0 * v + 3.0)]).unwrap();
        assert!(one.iter().zip(&scaled).all(|(x, y)| (x - y).abs() < 1e-6));
        // A candidate whose scores do not vary says every class is equally likely; the mean
        // of the two is the plain average of their probabilities.
        let flat = Array2::<f32>::from_elem((2, 2), 0.7);
        let both = softmax_mean(&[a.clone(), flat]).unwrap();
        for (got, want) in both.iter().zip([p, 1.0 - p, 1.0 - p, p]) {
            assert!((f64::from(*got) - (want + 0.5) / 2.0).abs() < 1e-6);
        }
        assert!(
            both.rows()
                .into_iter()
                .all(|r| (r.sum() - 1.0).abs() < 1e-6)
        );
    }

    #[test]
    fn softmax_mean_keeps_one_candidates_argmax_and_rejects_bad_input() {
        let s = array![[0.3_f32, -2.0, 1.5], [4.0, 3.9, -1.0], [-0.5, -0.2, -0.4]];
        assert_eq!(
            argmax_rows(softmax_mean(std::slice::from_ref(&s)).unwrap().view()),
            argmax_rows(s.view())
        );
        assert!(matches!(softmax_mean(&[]), Err(EvalError::Unusable { .. })));
        assert!(matches!(
            softmax_mean(&[s, Array2::zeros((3, 2))]),
            Err(EvalError::Unusable { .. })
        ));
        assert_eq!(
            "Ensemble".parse::<Selection>().unwrap(),
            Selection::Ensemble
        );
        assert!("vote".parse::<Selection>().is_err());
    }
}
