//! One fold's pipeline: speaker normalisation → standard scaling → model, with the model's
//! hyper-parameter chosen by an inner cross-validation on the training fold only.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use ser_data::Dataset;
use ser_data::normalize::{center_by_group, standardize_by_group};
use ser_data::split::{group_kfold, stratified_kfold};
use ser_models::lstm::LstmParams;
use ser_models::{
    ConfusionMatrix, Fit, Knn, LinearSvm, MultiClass, Predict, StandardScaler, TrainSet,
};

use super::{EvalError, Result};

/// Which classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Linear SVM (one-vs-one, squared hinge), `C` chosen by inner CV.
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
        [
            ModelChoice::Svm,
            ModelChoice::Knn,
            ModelChoice::Lstm,
            ModelChoice::SvmKnn,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| EvalError::InvalidChoice {
            what: "model",
            value: s.to_string(),
            reason: "expected svm, knn, lstm or svm+knn".into(),
        })
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
        [
            Normalisation::None,
            Normalisation::Speaker,
            Normalisation::SpeakerCenter,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| EvalError::InvalidChoice {
            what: "normalisation",
            value: s.to_string(),
            reason: "expected none, speaker or speaker-center".into(),
        })
    }
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
    /// How the SVM splits classes into binary problems (default one-vs-rest, as LIBLINEAR).
    pub multi_class: MultiClass,
    /// KNN `k` candidates.
    pub k_grid: Vec<usize>,
    /// Inner folds.
    pub inner_folds: usize,
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
            k_grid: vec![1, 5, 11, 21],
            inner_folds: 4,
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
            _ => format!(
                "inner {}-fold CV on the training fold by UAR with the one-standard-error rule \
                 toward the simpler model (speaker group folds when it has at least 3 speakers, \
                 stratified otherwise); C from {:?} ({:?}), k from {:?}",
                self.inner_folds, self.c_grid, self.multi_class, self.k_grid
            ),
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

/// A candidate model's class scores on `test` after fitting on `train` (already normalised).
#[derive(Debug, Clone, Copy)]
enum Candidate {
    Svm(f32),
    Knn(usize),
}

fn scores(
    cand: Candidate,
    multi_class: MultiClass,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    seed: u64,
) -> Result<Array2<f32>> {
    let (tr, te) = scaled(x, test)?;
    let set = TrainSet::new(tr.view(), y, n_classes)?;
    Ok(match cand {
        Candidate::Svm(c) => LinearSvm::params()
            .c(c)
            .multi_class(multi_class)
            .seed(seed)
            .fit(&set)?
            .predict_scores(te.view())?,
        Candidate::Knn(k) => Knn::params()
            .k(k.min(tr.nrows()))
            .fit(&set)?
            .predict_scores(te.view())?,
    })
}

fn argmax_rows(s: &Array2<f32>) -> Array1<usize> {
    s.rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                )
                .0
        })
        .collect()
}

/// Picks a candidate by inner cross-validation with the one-standard-error rule: among the
/// candidates (ordered simplest first) the first whose mean inner-fold UAR is within one
/// standard error of the best mean. Inner folds on one or two training speakers share the
/// test fold's voices, which rewards fitting harder than a new voice allows; the rule leans
/// to the more regularised model that is statistically as good.
fn choose(
    cands: &[Candidate],
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    speakers: &[String],
    n_classes: usize,
    opts: &PipelineOptions,
    seed: u64,
) -> Result<Candidate> {
    if cands.len() == 1 {
        return Ok(cands[0]);
    }
    let n_spk = speakers.iter().collect::<BTreeSet<_>>().len();
    let splits = if n_spk >= 3 {
        group_kfold(speakers, opts.inner_folds.min(n_spk), seed)?
    } else {
        stratified_kfold(&y.to_vec(), opts.inner_folds, seed)?
    };
    let mut stats = Vec::with_capacity(cands.len());
    for &cand in cands {
        let mut uars = Vec::with_capacity(splits.len());
        for s in &splits {
            let xt = x.select(ndarray::Axis(0), &s.train);
            let yt = y.select(ndarray::Axis(0), &s.train);
            let xv = x.select(ndarray::Axis(0), &s.test);
            let yv = y.select(ndarray::Axis(0), &s.test);
            let pred = argmax_rows(&scores(
                cand,
                opts.multi_class,
                xt.view(),
                yt.view(),
                xv.view(),
                n_classes,
                seed,
            )?);
            uars.push(ConfusionMatrix::new(yv.view(), pred.view(), n_classes)?.uar());
        }
        let n = uars.len() as f64;
        let mean = uars.iter().sum::<f64>() / n;
        let var = uars.iter().map(|u| (u - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        stats.push((mean, (var / n).sqrt()));
    }
    let (best_mean, best_se) =
        stats.iter().copied().fold(
            (f64::NEG_INFINITY, 0.0),
            |b, s| if s.0 > b.0 { s } else { b },
        );
    let pick = stats
        .iter()
        .position(|s| s.0 >= best_mean - best_se - 1e-12)
        .unwrap_or(0);
    Ok(cands[pick])
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
    let n_classes = train.classes.len();
    let xtr = opts
        .normalisation
        .apply(train.records.view(), &train.speakers)?;
    let xte = opts
        .normalisation
        .apply(test.records.view(), &test.speakers)?;
    let y = train.targets.view();
    let svm_c: Vec<Candidate> = opts.c_grid.iter().map(|&c| Candidate::Svm(c)).collect();
    // Simplest first: small C, large k.
    let mut svm_c = svm_c;
    svm_c.sort_by(|a, b| match (a, b) {
        (Candidate::Svm(p), Candidate::Svm(q)) => p.total_cmp(q),
        _ => std::cmp::Ordering::Equal,
    });
    let mut knn_k: Vec<usize> = opts.k_grid.clone();
    knn_k.sort_unstable_by(|a, b| b.cmp(a));
    let knn_k: Vec<Candidate> = knn_k.into_iter().map(Candidate::Knn).collect();
    let pick = |c: &[Candidate]| choose(c, xtr.view(), y, &train.speakers, n_classes, opts, seed);
    let describe = |c: Candidate| match c {
        Candidate::Svm(c) => format!("C={c}"),
        Candidate::Knn(k) => format!("k={k}"),
    };
    let chosen: Vec<Candidate> = match opts.model {
        ModelChoice::Svm => vec![pick(&svm_c)?],
        ModelChoice::Knn => vec![pick(&knn_k)?],
        ModelChoice::SvmKnn => vec![pick(&svm_c)?, pick(&knn_k)?],
        ModelChoice::Lstm => Vec::new(),
    };
    let ensemble = |x: ArrayView2<'_, f32>, yy: ArrayView1<'_, usize>| -> Result<Array2<f32>> {
        let mut total = Array2::<f32>::zeros((xte.nrows(), n_classes));
        for &c in &chosen {
            total += &scores(c, opts.multi_class, x, yy, xte.view(), n_classes, seed)?;
        }
        Ok(total)
    };
    match opts.model {
        ModelChoice::Svm | ModelChoice::Knn | ModelChoice::SvmKnn => {
            let mut s = ensemble(xtr.view(), y)?;
            for _ in 0..opts.adapt_rounds {
                let keep = confident_rows(&s, opts.adapt_fraction);
                if keep.is_empty() {
                    break;
                }
                let pseudo = argmax_rows(&s);
                let x2 = ndarray::concatenate(
                    ndarray::Axis(0),
                    &[xtr.view(), xte.select(ndarray::Axis(0), &keep).view()],
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
            let text: Vec<String> = chosen.iter().map(|&c| describe(c)).collect();
            Ok((argmax_rows(&s), text.join(" ")))
        }
        ModelChoice::Lstm => {
            let set = TrainSet::new(xtr.view(), y, n_classes)?;
            let model = LstmParams::study()
                .epochs(opts.lstm_epochs)
                .seed(seed)
                .fit(&set)?;
            Ok((
                model.predict(xte.view())?,
                format!("epochs={}", opts.lstm_epochs),
            ))
        }
    }
}
