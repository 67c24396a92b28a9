//! The model stage after normalisation: candidate models, how they are combined (sum or
//! [`softmax_mean`]), inner cross-validation or reverse validation to choose among them, and
//! self-training on unlabelled rows. [`crate::fit`] and the evaluation protocols both run it.

use std::collections::BTreeSet;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use ser_data::SpeakerKey;
use ser_data::split::{group_kfold, stratified_kfold};
use ser_models::frames::FrameCnn;
use ser_models::lstm::LstmParams;
use ser_models::{
    AnyModel, ConfusionMatrix, Fit, Knn, LinearSvm, MultiClass, Predict, StandardScaler, TrainSet,
    argmax_rows,
};
use serde::{Deserialize, Serialize};

use crate::error::{PipelineError, Result};
use crate::spec::{
    FrameModel, FrameStage, Fusion, InnerProtocol, ModelChoice, PipelineSpec, Scaling, Selection,
    scheme_name,
};

/// One candidate model (hyper-parameters fixed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Candidate {
    Svm {
        c: f32,
        multi: MultiClass,
    },
    Knn {
        k: usize,
    },
    Lstm {
        epochs: usize,
        /// Validation fraction (files written before it was recorded used the study's).
        #[serde(default = "study_validation")]
        validation: f64,
    },
    /// The frame-level CNN over `step_dim` values per step ([`FrameModel::Cnn`]).
    FrameCnn {
        epochs: usize,
        step_dim: usize,
    },
    /// An LSTM over the frame steps ([`FrameModel::Lstm`]).
    FrameLstm {
        epochs: usize,
        step_dim: usize,
    },
    /// The one model of a version-1 model file: its hyper-parameters were not recorded, so it
    /// cannot be refitted.
    Imported,
}

/// The study network's validation fraction ([`LstmParams::study`]).
pub(crate) fn study_validation() -> f64 {
    LstmParams::study().validation_fraction()
}

impl Candidate {
    pub(crate) fn describe(self) -> String {
        match self {
            Candidate::Svm { c, multi } => format!("C={c} {}", scheme_name(multi)),
            Candidate::Knn { k } => format!("k={k}"),
            Candidate::Lstm { epochs, validation } => {
                format!("epochs={epochs} validation={validation}")
            }
            Candidate::FrameCnn { epochs, .. } => format!("frame CNN, {epochs} epochs"),
            Candidate::FrameLstm { epochs, .. } => format!("frame LSTM, {epochs} epochs"),
            Candidate::Imported => "imported".into(),
        }
    }

    /// The frame-level model `stage` asks for, over `step_dim` values per step.
    pub(crate) fn frame(stage: FrameStage, step_dim: usize) -> Self {
        match stage.model {
            FrameModel::Cnn => Candidate::FrameCnn {
                epochs: stage.epochs,
                step_dim,
            },
            FrameModel::Lstm => Candidate::FrameLstm {
                epochs: stage.epochs,
                step_dim,
            },
        }
    }

    /// Whether it is a frame-level model: fused with [`Combine::Fused`], fitted on unscaled
    /// frame columns and kept as it is by self-training (a refit per round would cost a whole
    /// network fit).
    pub(crate) fn is_frame(self) -> bool {
        matches!(
            self,
            Candidate::FrameCnn { .. } | Candidate::FrameLstm { .. }
        )
    }

    /// Whether [`Member::fit`] can fit it again (self-training refits).
    pub(crate) fn refittable(self) -> bool {
        self != Candidate::Imported
    }

    /// Candidates of one family share everything but their regularisation strength.
    fn family(self) -> u8 {
        match self {
            Candidate::Svm {
                multi: MultiClass::OneVsOne,
                ..
            } => 1,
            Candidate::Svm { .. } => 0,
            Candidate::Knn { .. } => 2,
            Candidate::Lstm { .. } => 3,
            Candidate::Imported => 4,
            Candidate::FrameCnn { .. } => 5,
            Candidate::FrameLstm { .. } => 6,
        }
    }
}

/// The values `start..end` of a row: the part a member reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Columns {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// One fitted candidate: the columns it reads (all when absent), its scaler (if the spec
/// scales) and its model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Member {
    pub(crate) candidate: Candidate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) columns: Option<Columns>,
    pub(crate) scaler: Option<StandardScaler>,
    pub(crate) model: AnyModel,
}

/// `x`'s columns `cols` (all of them when `None`). Errors: a range beyond the row.
fn columns_of<'a>(x: ArrayView2<'a, f32>, cols: Option<Columns>) -> Result<ArrayView2<'a, f32>> {
    match cols {
        None => Ok(x),
        Some(c) if c.start < c.end && c.end <= x.ncols() => {
            Ok(x.slice_axis_move(Axis(1), ndarray::Slice::from(c.start..c.end)))
        }
        Some(c) => Err(PipelineError::Unusable {
            reason: format!(
                "a model reads values {}..{} of rows of {}",
                c.start,
                c.end,
                x.ncols()
            ),
        }),
    }
}

impl Member {
    /// Fits `cand` on `(x, y)` (already normalised), scaling first when `scaling` says so.
    pub(crate) fn fit(
        cand: Candidate,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, usize>,
        n_classes: usize,
        scaling: Scaling,
        seed: u64,
    ) -> Result<Self> {
        Self::fit_columns(cand, None, x, y, n_classes, scaling, seed)
    }

    /// [`Member::fit`] on the columns `columns` of `x` only (a frame-level model is never
    /// scaled: it standardises its inputs itself).
    pub(crate) fn fit_columns(
        cand: Candidate,
        columns: Option<Columns>,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, usize>,
        n_classes: usize,
        scaling: Scaling,
        seed: u64,
    ) -> Result<Self> {
        let x = columns_of(x, columns)?;
        let scaling = if cand.is_frame() {
            Scaling::None
        } else {
            scaling
        };
        let (scaler, scaled) = match scaling {
            Scaling::Standard => {
                let (s, t) = StandardScaler::fit_transform(x)?;
                (Some(s), Some(t))
            }
            Scaling::None => (None, None),
        };
        let tr = scaled.as_ref().map_or(x, |t| t.view());
        let set = TrainSet::new(tr, y, n_classes)?;
        let model: AnyModel = match cand {
            Candidate::Svm { c, multi } => LinearSvm::params()
                .c(c)
                .multi_class(multi)
                .seed(seed)
                .fit(&set)?
                .into(),
            Candidate::Knn { k } => Knn::params().k(k.min(tr.nrows())).fit(&set)?.into(),
            Candidate::Lstm { epochs, validation } => LstmParams::study()
                .epochs(epochs)
                .validation_split(validation)
                .seed(seed)
                .fit(&set)?
                .into(),
            Candidate::FrameCnn { epochs, step_dim } => FrameCnn::params()
                .step_dim(step_dim)
                .epochs(epochs)
                .seed(seed)
                .fit(&set)?
                .into(),
            Candidate::FrameLstm { epochs, step_dim } => LstmParams::frames(step_dim)
                .hidden(64)
                .dense_layers(&[32])
                .epochs(epochs)
                .validation_split(0.0)
                .early_stopping(None)
                .seed(seed)
                .fit(&set)?
                .into(),
            Candidate::Imported => {
                return Err(PipelineError::Unusable {
                    reason: "a model imported from a version-1 file cannot be refitted".into(),
                });
            }
        };
        Ok(Self {
            candidate: cand,
            columns,
            scaler,
            model,
        })
    }

    /// Class scores of `x` (normalised rows).
    pub(crate) fn scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let x = columns_of(x, self.columns)?;
        Ok(match &self.scaler {
            Some(s) => self.model.predict_scores(s.transform(x)?.view())?,
            None => self.model.predict_scores(x)?,
        })
    }
}

/// How the scores of several fitted candidates are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Combine {
    /// Raw scores summed (one candidate: its own scores).
    Sum,
    /// [`softmax_mean`] of the candidates' scores.
    SoftmaxMean,
    /// `(1 − frame_weight) ·` [`softmax_mean`] of the feature-level members `+ frame_weight ·`
    /// the mean over the frame-level members ([`Candidate::is_frame`]) of their log
    /// probabilities put on the same scale ([`softmax_mean`]'s scaled softmax).
    Fused { frame_weight: f32 },
}

/// One candidate's scores turned into class probabilities on a scale comparable across
/// candidates: divided by their population standard deviation over all rows and classes,
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

/// The ensemble of several candidates' class scores on the same rows: each candidate's scores
/// are divided by their standard deviation over all those rows and classes and turned into
/// probabilities by a softmax over classes; the result is the mean of those probabilities
/// (each row sums to 1). With one candidate the argmax of every row is that candidate's own.
/// Reads only scores, never a label. The rows scored together set the scale, so the clips
/// predicted in one batch share it.
///
/// # Errors
/// [`PipelineError::Unusable`] when `scores` is empty or the shapes differ.
pub fn softmax_mean(scores: &[Array2<f32>]) -> Result<Array2<f32>> {
    let first = scores.first().ok_or_else(|| PipelineError::Unusable {
        reason: "an ensemble needs at least one candidate".into(),
    })?;
    let mut total = Array2::<f32>::zeros(first.raw_dim());
    for s in scores {
        if s.dim() != first.dim() {
            return Err(PipelineError::Unusable {
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

/// The combined scores of `members` on `x`.
pub(crate) fn combined_scores(
    members: &[Member],
    combine: Combine,
    x: ArrayView2<'_, f32>,
    n_classes: usize,
) -> Result<Array2<f32>> {
    match combine {
        Combine::Sum => {
            let mut total = Array2::<f32>::zeros((x.nrows(), n_classes));
            for m in members {
                total += &m.scores(x)?;
            }
            Ok(total)
        }
        Combine::SoftmaxMean => softmax_mean(
            &members
                .iter()
                .map(|m| m.scores(x))
                .collect::<Result<Vec<_>>>()?,
        ),
        Combine::Fused { frame_weight: w } => {
            let (frame, feature): (Vec<&Member>, Vec<&Member>) =
                members.iter().partition(|m| m.candidate.is_frame());
            let mut total = Array2::<f32>::zeros((x.nrows(), n_classes));
            if w < 1.0 && !feature.is_empty() {
                let s = feature
                    .iter()
                    .map(|m| m.scores(x))
                    .collect::<Result<Vec<_>>>()?;
                total.scaled_add(1.0 - w, &softmax_mean(&s)?);
            }
            if w > 0.0 && !frame.is_empty() {
                // A network's probabilities are as sure as its training loss made it, the
                // ensemble's as the score scale makes them: the frame model's log
                // probabilities go through the same scale-free softmax as each SVM's scores.
                let share = w / frame.len() as f32;
                for m in frame {
                    let log_p = m.scores(x)?.mapv(|p| p.max(1e-7).ln());
                    total.scaled_add(share, &scaled_softmax(&log_p));
                }
            }
            Ok(total)
        }
    }
}

/// Fits every candidate of `cands` on the columns `columns` of `x` (all when `None`).
fn fit_members(
    cands: &[Candidate],
    columns: Option<Columns>,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    n_classes: usize,
    spec: &PipelineSpec,
) -> Result<Vec<Member>> {
    cands
        .iter()
        .map(|&c| Member::fit_columns(c, columns, x, y, n_classes, spec.scaler, spec.seed))
        .collect()
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

/// Self-training from fitted `members` (fitted on `(x, y)`): the combined scores of the
/// unlabelled rows `test`, then [`PipelineSpec::self_training`] rounds, each refitting every
/// candidate on `(x, y)` plus the surest test rows labelled with the current prediction.
/// Returns the final scores and the members that gave them.
pub(crate) fn self_train(
    members: Vec<Member>,
    combine: Combine,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    spec: &PipelineSpec,
) -> Result<(Array2<f32>, Vec<Member>)> {
    let mut members = members;
    let mut s = combined_scores(&members, combine, test, n_classes)?;
    let rounds = if spec.self_trains() {
        spec.self_training.rounds
    } else {
        0
    };
    for _ in 0..rounds {
        let keep = confident_rows(&s, spec.self_training.fraction);
        if keep.is_empty() {
            break;
        }
        let pseudo = argmax_rows(s.view());
        let x2 = ndarray::concatenate(Axis(0), &[x, test.select(Axis(0), &keep).view()]).map_err(
            |e| PipelineError::Unusable {
                reason: format!("stacking pseudo-labelled rows: {e}"),
            },
        )?;
        let y2: Array1<usize> = y
            .iter()
            .copied()
            .chain(keep.iter().map(|&i| pseudo[i]))
            .collect();
        members = members
            .iter()
            .map(|m| {
                if m.candidate.is_frame() {
                    Ok(m.clone())
                } else {
                    Member::fit_columns(
                        m.candidate,
                        m.columns,
                        x2.view(),
                        y2.view(),
                        n_classes,
                        spec.scaler,
                        spec.seed,
                    )
                }
            })
            .collect::<Result<_>>()?;
        s = combined_scores(&members, combine, test, n_classes)?;
    }
    Ok((s, members))
}

/// The whole model stage on one split: fit `cands` on `(x, y)`, self-train on `test`, and
/// return the test scores.
#[allow(clippy::too_many_arguments)]
fn fit_and_score(
    cands: &[Candidate],
    combine: Combine,
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    spec: &PipelineSpec,
) -> Result<Array2<f32>> {
    let members = fit_members(cands, None, x, y, n_classes, spec)?;
    Ok(self_train(members, combine, x, y, test, n_classes, spec)?.0)
}

/// One candidate's inner cross-validation score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InnerScore {
    /// The candidate (e.g. `"C=0.01 ovr"`).
    pub candidate: String,
    /// Mean UAR over the inner folds.
    pub mean_uar: f64,
    /// Standard error of that mean.
    pub std_error: f64,
}

/// What the model stage fitted: its members, how they combine, and how they were chosen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelStage {
    pub(crate) members: Vec<Member>,
    pub(crate) combine: Combine,
    pub(crate) chosen: String,
    pub(crate) inner_scores: Vec<InnerScore>,
}

/// The training rows the model stage sees (already normalised) and what inner folds need.
pub(crate) struct StageInput<'a> {
    pub(crate) x: ArrayView2<'a, f32>,
    pub(crate) y: ArrayView1<'a, usize>,
    pub(crate) n_classes: usize,
    /// Each row's speaker (inner folds by speaker keep a speaker's pseudo-voices with it).
    pub(crate) speakers: &'a [SpeakerKey],
    /// Each row's utterance, when its file name carries one.
    pub(crate) texts: &'a [Option<ser_data::Utterance>],
    /// Unlabelled rows known at fit time (reverse validation reads them).
    pub(crate) unlabelled: Option<ArrayView2<'a, f32>>,
}

/// The SVM candidates of `spec`, simplest first within each scheme (smallest `C`).
fn svm_candidates(spec: &PipelineSpec) -> Vec<Candidate> {
    let mut cs = spec.model.c_grid.clone();
    cs.sort_by(f32::total_cmp);
    spec.model
        .schemes
        .iter()
        .flat_map(|&multi| cs.iter().map(move |&c| Candidate::Svm { c, multi }))
        .collect()
}

/// The KNN candidates of `spec`, simplest first (largest `k`).
fn knn_candidates(spec: &PipelineSpec) -> Vec<Candidate> {
    let mut ks = spec.model.k_grid.clone();
    ks.sort_unstable_by(|a, b| b.cmp(a));
    ks.into_iter().map(|k| Candidate::Knn { k }).collect()
}

/// Fits the model stage of `spec` on `input`.
pub(crate) fn fit_stage(spec: &PipelineSpec, input: &StageInput<'_>) -> Result<ModelStage> {
    let (x, y, n_classes) = (input.x, input.y, input.n_classes);
    if spec.model.kind == ModelChoice::Lstm {
        let cand = Candidate::Lstm {
            epochs: spec.model.lstm_epochs,
            validation: spec.model.lstm_validation,
        };
        return Ok(ModelStage {
            members: vec![Member::fit(cand, x, y, n_classes, spec.scaler, spec.seed)?],
            combine: Combine::Sum,
            chosen: cand.describe(),
            inner_scores: Vec::new(),
        });
    }
    let svm = svm_candidates(spec);
    let knn = knn_candidates(spec);
    if spec.model.selection == Selection::Ensemble {
        let all: Vec<Candidate> = match spec.model.kind {
            ModelChoice::Svm => svm,
            ModelChoice::Knn => knn,
            _ => svm.into_iter().chain(knn).collect(),
        };
        let names: Vec<String> = all.iter().map(|c| c.describe()).collect();
        if let Some(frames) = spec.model.frames {
            return fit_fused(spec, frames, &all, &names, input);
        }
        return Ok(ModelStage {
            members: fit_members(&all, None, x, y, n_classes, spec)?,
            combine: Combine::SoftmaxMean,
            chosen: format!("ensemble of {}: {}", all.len(), names.join(", ")),
            inner_scores: Vec::new(),
        });
    }
    let mut inner_kind = "";
    let mut inner_scores = Vec::new();
    let mut pick = |c: &[Candidate]| -> Result<(Candidate, Option<f64>)> {
        if c.len() == 1 {
            return Ok((c[0], None));
        }
        let (cand, uar, scores) = match (spec.model.inner, input.unlabelled) {
            (InnerProtocol::Reverse, Some(test)) => {
                inner_kind = "reverse validation";
                choose_reverse(c, x, y, test, n_classes, spec)?
            }
            _ => {
                let (splits, kind) = inner_splits(y, input.speakers, input.texts, spec)?;
                inner_kind = kind;
                choose(c, &splits, x, y, n_classes, spec)?
            }
        };
        inner_scores.extend(scores);
        Ok((cand, Some(uar)))
    };
    let chosen: Vec<(Candidate, Option<f64>)> = match spec.model.kind {
        ModelChoice::Svm => vec![pick(&svm)?],
        ModelChoice::Knn => vec![pick(&knn)?],
        _ => vec![pick(&svm)?, pick(&knn)?],
    };
    let cands: Vec<Candidate> = chosen.iter().map(|c| c.0).collect();
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
    Ok(ModelStage {
        members: fit_members(&cands, None, x, y, n_classes, spec)?,
        combine: Combine::Sum,
        chosen: text.join(" "),
        inner_scores,
    })
}

/// The feature-level ensemble `cands` (on the columns before the frame sequence) and the
/// frame-level model of `frames` (on the sequence), fused ([`Combine::Fused`]) with a weight
/// fixed or chosen by inner folds ([`Fusion`]).
fn fit_fused(
    spec: &PipelineSpec,
    frames: FrameStage,
    cands: &[Candidate],
    names: &[String],
    input: &StageInput<'_>,
) -> Result<ModelStage> {
    let layout =
        spec.features
            .spec
            .frame_layout()
            .ok_or_else(|| PipelineError::InvalidSetting {
                setting: "frame model",
                reason: format!(
                    "the feature set {} has no frame sequence",
                    spec.features.spec
                ),
            })?;
    let feature_cols = (layout.start > 0).then_some(Columns {
        start: 0,
        end: layout.start,
    });
    let range = layout.range();
    let frame_cols = Columns {
        start: range.start,
        end: range.end,
    };
    let frame = Candidate::frame(frames, layout.step_dim);
    let fit_all = |x: ArrayView2<'_, f32>, y: ArrayView1<'_, usize>| -> Result<Vec<Member>> {
        let mut members = match feature_cols {
            Some(_) => fit_members(cands, feature_cols, x, y, input.n_classes, spec)?,
            None => Vec::new(),
        };
        members.extend(fit_members(
            &[frame],
            Some(frame_cols),
            x,
            y,
            input.n_classes,
            spec,
        )?);
        Ok(members)
    };
    let (weight, inner_scores, how) = match frames.fusion {
        Fusion::Weight(w) => (w, Vec::new(), "fixed".to_owned()),
        Fusion::Inner => {
            let (splits, kind) = inner_splits(input.y, input.speakers, input.texts, spec)?;
            let uars = splits
                .par_iter()
                .map(|split| {
                    let xt = input.x.select(Axis(0), &split.train);
                    let yt = input.y.select(Axis(0), &split.train);
                    let xv = input.x.select(Axis(0), &split.test);
                    let yv = input.y.select(Axis(0), &split.test);
                    let members = fit_all(xt.view(), yt.view())?;
                    Fusion::GRID
                        .iter()
                        .map(|&w| {
                            let (s, _) = self_train(
                                members.clone(),
                                Combine::Fused { frame_weight: w },
                                xt.view(),
                                yt.view(),
                                xv.view(),
                                input.n_classes,
                                spec,
                            )?;
                            let pred = argmax_rows(s.view());
                            Ok(
                                ConfusionMatrix::new(yv.view(), pred.view(), input.n_classes)?
                                    .uar(),
                            )
                        })
                        .collect::<Result<Vec<f64>>>()
                })
                .collect::<Result<Vec<Vec<f64>>>>()?;
            let stats: Vec<(f64, f64)> = (0..Fusion::GRID.len())
                .map(|k| mean_and_se(&uars.iter().map(|f| f[k]).collect::<Vec<_>>()))
                .collect();
            let best = stats
                .iter()
                .enumerate()
                .fold(0, |b, (i, s)| if s.0 > stats[b].0 { i } else { b });
            let scores = Fusion::GRID
                .iter()
                .zip(&stats)
                .map(|(w, s)| InnerScore {
                    candidate: format!("frame weight {w}"),
                    mean_uar: s.0,
                    std_error: s.1,
                })
                .collect();
            (
                Fusion::GRID[best],
                scores,
                format!("inner UAR {:.3} [inner folds: {kind}]", stats[best].0),
            )
        }
    };
    let ensemble = if feature_cols.is_some() {
        format!("ensemble of {}: {}", cands.len(), names.join(", "))
    } else {
        "no feature-level model".to_owned()
    };
    Ok(ModelStage {
        members: fit_all(input.x, input.y)?,
        combine: Combine::Fused {
            frame_weight: weight,
        },
        chosen: format!(
            "{ensemble}; fused with a {} at weight {weight} ({how})",
            frame.describe()
        ),
        inner_scores,
    })
}

/// Mean of `v` and its standard error.
fn mean_and_se(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|u| (u - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

/// The inner folds of a training set (see [`InnerProtocol`]), and what they group by.
pub(crate) fn inner_splits(
    y: ArrayView1<'_, usize>,
    speakers: &[SpeakerKey],
    texts: &[Option<ser_data::Utterance>],
    spec: &PipelineSpec,
) -> Result<(Vec<ser_data::Split>, &'static str)> {
    let (folds, seed, inner) = (spec.model.inner_folds, spec.seed, spec.model.inner);
    // Augmented pseudo-voices stay with their source speaker.
    let sources: Vec<(Option<&str>, &str)> = speakers
        .iter()
        .map(|s| (s.corpus.as_deref(), s.speaker.as_str()))
        .collect();
    let n_spk = sources.iter().collect::<BTreeSet<_>>().len();
    let text_groups: Option<Vec<&ser_data::Utterance>> = texts.iter().map(Option::as_ref).collect();
    let n_texts = text_groups
        .as_ref()
        .map_or(0, |g| g.iter().collect::<BTreeSet<_>>().len());
    let by_text = |g: &[&ser_data::Utterance]| group_kfold(&ranks(g), folds.min(n_texts), seed);
    let rows = || stratified_kfold(&y.to_vec(), folds, seed);
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
    if inner == InnerProtocol::Voices
        && n_spk < 3
        && let Some(g) = &text_groups
        && n_texts >= 2
    {
        let voices: BTreeSet<&SpeakerKey> = speakers.iter().filter(|s| s.voice.is_some()).collect();
        let text_folds = group_kfold(&ranks(g), folds.min(n_texts), seed)?;
        let mut splits = Vec::new();
        for v in &voices {
            for tf in &text_folds {
                let held: BTreeSet<usize> = tf.test.iter().copied().collect();
                splits.push(ser_data::Split {
                    train: (0..speakers.len())
                        .filter(|i| !held.contains(i) && speakers[*i] != **v)
                        .collect(),
                    test: tf
                        .test
                        .iter()
                        .copied()
                        .filter(|&i| speakers[i] == **v)
                        .collect(),
                });
            }
        }
        if let Some(s) = usable(splits) {
            return Ok((s, "pseudo-voices"));
        }
    }
    if matches!(inner, InnerProtocol::Auto | InnerProtocol::Voices) && n_spk >= 3 {
        let by_speaker = group_kfold(&ranks(&sources), folds.min(n_spk), seed)?;
        if let Some(s) = usable(by_speaker) {
            return Ok((s, "speakers"));
        }
    }
    if inner != InnerProtocol::Rows
        && let Some(g) = &text_groups
        && n_texts >= folds.max(2)
        && let Some(s) = usable(by_text(g)?)
    {
        return Ok((s, "texts"));
    }
    Ok((rows()?, "rows"))
}

/// Each key as the text of its rank among the distinct keys (sorted), so typed keys can feed
/// the string-keyed group splitters in the same order as before.
fn ranks<K: Ord>(keys: &[K]) -> Vec<String> {
    let sorted: Vec<&K> = keys.iter().collect::<BTreeSet<_>>().into_iter().collect();
    keys.iter()
        .map(|k| {
            let r = sorted.binary_search(&k).unwrap_or(0);
            format!("{r:08}")
        })
        .collect()
}

/// Picks a candidate by inner cross-validation: each candidate runs the whole model stage
/// (scaling, fit, self-training on the inner validation rows) and is scored by UAR on the
/// inner validation rows. The family (SVM one-vs-rest, SVM one-vs-one, KNN) of the best mean
/// wins; within it, the one-standard-error rule takes the simplest candidate (smallest `C`,
/// largest `k`) whose mean is within one standard error of the best. Returns the pick, its
/// inner UAR and every candidate's score.
fn choose(
    cands: &[Candidate],
    splits: &[ser_data::Split],
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    n_classes: usize,
    spec: &PipelineSpec,
) -> Result<(Candidate, f64, Vec<InnerScore>)> {
    // Every candidate meets the same inner folds: their rows are gathered once.
    let folds: Vec<_> = splits
        .iter()
        .map(|s| {
            (
                x.select(Axis(0), &s.train),
                y.select(Axis(0), &s.train),
                x.select(Axis(0), &s.test),
                y.select(Axis(0), &s.test),
            )
        })
        .collect();
    let mut stats = Vec::with_capacity(cands.len());
    for &cand in cands {
        let mut uars = Vec::with_capacity(folds.len());
        for (xt, yt, xv, yv) in &folds {
            let sc = fit_and_score(
                &[cand],
                Combine::Sum,
                xt.view(),
                yt.view(),
                xv.view(),
                n_classes,
                spec,
            )?;
            let pred = argmax_rows(sc.view());
            uars.push(ConfusionMatrix::new(yv.view(), pred.view(), n_classes)?.uar());
        }
        stats.push(mean_and_se(&uars));
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

/// Picks a candidate by reverse validation (see [`InnerProtocol::Reverse`]): the best reverse
/// UAR, the first (simplest within the order given) on ties. Returns the pick, its score and
/// every candidate's score (standard error 0: one reverse pass).
fn choose_reverse(
    cands: &[Candidate],
    x: ArrayView2<'_, f32>,
    y: ArrayView1<'_, usize>,
    test: ArrayView2<'_, f32>,
    n_classes: usize,
    spec: &PipelineSpec,
) -> Result<(Candidate, f64, Vec<InnerScore>)> {
    let mut rev = Vec::with_capacity(cands.len());
    for &cand in cands {
        let forward =
            argmax_rows(fit_and_score(&[cand], Combine::Sum, x, y, test, n_classes, spec)?.view());
        let mut seen = vec![false; n_classes];
        for &p in &forward {
            seen[p] = true;
        }
        let uar = if seen.iter().all(|&b| b) {
            let back = Member::fit(
                cand,
                test,
                forward.view(),
                n_classes,
                spec.scaler,
                spec.seed,
            )?
            .scores(x)?;
            ConfusionMatrix::new(y, argmax_rows(back.view()).view(), n_classes)?.uar()
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
        assert!(matches!(
            softmax_mean(&[]),
            Err(PipelineError::Unusable { .. })
        ));
        assert!(matches!(
            softmax_mean(&[s, Array2::zeros((3, 2))]),
            Err(PipelineError::Unusable { .. })
        ));
    }

    #[test]
    fn ranks_keep_key_order() {
        assert_eq!(
            ranks(&["b", "a", "b", "c"]),
            ["00000001", "00000000", "00000001", "00000002"]
        );
    }
}
