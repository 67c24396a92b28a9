//! Mini-batch training: seeded shuffles, stratified validation split, batches split into
//! fixed chunks that run in parallel (results do not depend on the thread count), gradient
//! clipping, Adam, early stopping and a per-epoch history.

use ndarray::{Array2, ArrayView1, ArrayView3};
use rayon::prelude::*;
use ser_data::{SeededRng, stratified_split_with_rng};
use serde::{Deserialize, Serialize};

use super::network::{BatchLoss, Grads, Network, SeqBatch};
use super::optimizer::{Adam, AdamConfig};
use super::recurrent::Workspace;
use super::scalar::Scalar;
use crate::ModelError;

/// Labelled sequences: `x` is samples × steps × features; `lengths` (optional) gives each
/// sample's real steps (the rest is padding); `y` one class per sample.
#[derive(Debug, Clone, Copy)]
pub struct SequenceSet<'a> {
    x: ArrayView3<'a, f32>,
    lengths: Option<ArrayView1<'a, usize>>,
    y: ArrayView1<'a, usize>,
    n_classes: usize,
}

impl<'a> SequenceSet<'a> {
    /// Checks shapes, lengths (each in `1..=steps`), labels and finiteness.
    pub fn new(
        x: ArrayView3<'a, f32>,
        lengths: Option<ArrayView1<'a, usize>>,
        y: ArrayView1<'a, usize>,
        n_classes: usize,
    ) -> Result<Self, ModelError> {
        let (n, steps, dim) = x.dim();
        if n == 0 || steps == 0 || dim == 0 {
            return Err(ModelError::EmptyInput);
        }
        if y.len() != n {
            return Err(ModelError::ShapeMismatch {
                what: "labels per sample",
                expected: n,
                got: y.len(),
            });
        }
        if let Some(l) = lengths {
            if l.len() != n {
                return Err(ModelError::ShapeMismatch {
                    what: "lengths per sample",
                    expected: n,
                    got: l.len(),
                });
            }
            if let Some(&bad) = l.iter().find(|&&k| k == 0 || k > steps) {
                return Err(ModelError::InvalidParam {
                    name: "lengths",
                    reason: format!("length {bad} outside 1..={steps}"),
                });
            }
        }
        if let Some(&bad) = y.iter().find(|&&c| c >= n_classes) {
            return Err(ModelError::LabelOutOfRange {
                label: bad,
                n_classes,
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        Ok(Self {
            x,
            lengths,
            y,
            n_classes,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.dim().0
    }

    /// Whether there are no samples (never true for a checked set).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steps per sample (including padding).
    pub fn steps(&self) -> usize {
        self.x.dim().1
    }

    /// Features per step.
    pub fn step_dim(&self) -> usize {
        self.x.dim().2
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The samples × steps × features array.
    pub fn x(&self) -> ArrayView3<'a, f32> {
        self.x
    }

    /// Per-sample lengths, if any.
    pub fn lengths(&self) -> Option<ArrayView1<'a, usize>> {
        self.lengths
    }

    /// The labels.
    pub fn y(&self) -> ArrayView1<'a, usize> {
        self.y
    }
}

/// Stop when the monitored loss (validation loss, or training loss without a validation set)
/// has not improved by `min_delta` for `patience` epochs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Smallest decrease that counts as an improvement.
    pub min_delta: f64,
    /// Put back the weights of the best epoch at the end.
    pub restore_best: bool,
}

/// How to train. Defaults are the seed's Keras settings: 50 epochs, batch 64, Adam(1e-3),
/// validation split 0.2, no clipping, no early stopping, seed 42, one chunk per batch (threads
/// split each product inside the layers instead). The study network's constructor
/// (`LstmParams::study`) trains up to 100 epochs and keeps the best validation-loss weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Passes over the training samples.
    pub epochs: usize,
    /// Samples per gradient step.
    pub batch_size: usize,
    /// Optimiser settings.
    pub adam: AdamConfig,
    /// Rescale gradients whose global norm exceeds this.
    pub clip_norm: Option<f64>,
    /// Fraction of samples held out (stratified by class) to measure validation loss.
    pub validation_split: f64,
    /// Optional early stopping.
    pub early_stopping: Option<EarlyStopping>,
    /// Seed of the split, the shuffles and the dropout masks.
    pub seed: u64,
    /// Each batch is cut into this many equal chunks whose gradients are computed in
    /// parallel and summed in a fixed order, so results do not depend on the thread count.
    pub batch_chunks: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 50,
            batch_size: 64,
            adam: AdamConfig::default(),
            clip_norm: None,
            validation_split: 0.2,
            early_stopping: None,
            seed: 42,
            batch_chunks: 1,
        }
    }
}

impl TrainOptions {
    /// Checks every field's range.
    pub fn check(&self) -> Result<(), ModelError> {
        let bad = |name, reason: &str| {
            Err(ModelError::InvalidParam {
                name,
                reason: reason.into(),
            })
        };
        if self.epochs == 0 {
            return bad("epochs", "must be at least 1");
        }
        if self.batch_size == 0 {
            return bad("batch_size", "must be at least 1");
        }
        if self.batch_chunks == 0 {
            return bad("batch_chunks", "must be at least 1");
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return bad("validation_split", "must be in [0, 1)");
        }
        if let Some(c) = self.clip_norm
            && !(c > 0.0 && c.is_finite())
        {
            return bad("clip_norm", "must be positive and finite");
        }
        if let Some(e) = self.early_stopping
            && !(e.min_delta >= 0.0 && e.min_delta.is_finite())
        {
            return bad(
                "early_stopping.min_delta",
                "must be non-negative and finite",
            );
        }
        self.adam.check()
    }
}

/// Loss and accuracy per epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Mean training cross-entropy (dropout on, as the batches were trained).
    pub train_loss: Vec<f64>,
    /// Training accuracy in the same passes.
    pub train_accuracy: Vec<f64>,
    /// Validation cross-entropy (dropout off); empty without a validation split.
    pub val_loss: Vec<f64>,
    /// Validation accuracy; empty without a validation split.
    pub val_accuracy: Vec<f64>,
    /// The epoch (0-based) with the lowest monitored loss.
    pub best_epoch: usize,
    /// Whether early stopping ended training before the last epoch.
    pub stopped_early: bool,
}

impl History {
    /// Epochs actually run.
    pub fn epochs(&self) -> usize {
        self.train_loss.len()
    }
}

/// Copies samples `idx` of `x` (samples × steps × features) into the network's time-major
/// layout; returns the batch matrix and the lengths of those samples (if any).
pub(crate) fn gather_x<F: Scalar>(
    x: ArrayView3<'_, f32>,
    lengths: Option<ArrayView1<'_, usize>>,
    idx: &[usize],
) -> (Array2<F>, Option<Vec<usize>>) {
    let (b, steps, dim) = (idx.len(), x.dim().1, x.dim().2);
    let mut out = Array2::<F>::zeros((steps * b, dim));
    for (r, &i) in idx.iter().enumerate() {
        let sample = x.index_axis(ndarray::Axis(0), i);
        for t in 0..steps {
            out.row_mut(t * b + r)
                .iter_mut()
                .zip(sample.row(t))
                .for_each(|(d, &s)| *d = F::from_f64(f64::from(s)));
        }
    }
    let lengths = lengths.map(|l| idx.iter().map(|&i| l[i]).collect());
    (out, lengths)
}

/// [`gather_x`] plus the labels.
fn gather<F: Scalar>(
    data: &SequenceSet<'_>,
    idx: &[usize],
) -> (Array2<F>, Option<Vec<usize>>, Vec<usize>) {
    let (x, lengths) = gather_x(data.x, data.lengths, idx);
    let labels = idx.iter().map(|&i| data.y[i]).collect();
    (x, lengths, labels)
}

/// Loss and gradients of the batch `idx`, computed as `chunks` parallel pieces summed in
/// order. The gradient is that of the batch mean.
pub(crate) fn batch_grads<F: Scalar>(
    net: &Network<F>,
    data: &SequenceSet<'_>,
    idx: &[usize],
    chunks: usize,
    dropout: Option<&SeededRng>,
    workspaces: &mut Vec<Workspace<F>>,
) -> Result<(BatchLoss, Grads<F>), ModelError> {
    let scale = F::from_f64(1.0 / idx.len() as f64);
    let piece = idx.len().div_ceil(chunks).max(1);
    let n_parts = idx.len().div_ceil(piece);
    if workspaces.len() < n_parts {
        workspaces.resize_with(n_parts, Workspace::default);
    }
    let parts: Vec<Result<(BatchLoss, Grads<F>), ModelError>> = idx
        .par_chunks(piece)
        .zip(workspaces.par_iter_mut())
        .enumerate()
        .map(|(k, (part, ws))| {
            let (x, lengths, labels) = gather::<F>(data, part);
            let batch = SeqBatch::new(x.view(), data.steps(), lengths.as_deref())?;
            let mut rng = dropout.map(|r| r.fork(k as u64));
            net.loss_and_grads_in(&batch, &labels, rng.as_mut(), scale, ws)
        })
        .collect();
    let mut total: Option<(BatchLoss, Grads<F>)> = None;
    for part in parts {
        let (loss, grads) = part?;
        match total.as_mut() {
            None => total = Some((loss, grads)),
            Some((l, g)) => {
                l.loss_sum += loss.loss_sum;
                l.correct += loss.correct;
                g.add_assign(&grads);
            }
        }
    }
    total.ok_or(ModelError::EmptyInput)
}

/// Mean loss and accuracy over samples `idx` with dropout off, in parallel blocks.
pub(crate) fn evaluate<F: Scalar>(
    net: &Network<F>,
    data: &SequenceSet<'_>,
    idx: &[usize],
) -> Result<(f64, f64), ModelError> {
    let parts: Vec<Result<BatchLoss, ModelError>> = idx
        .par_chunks(128)
        .map(|part| {
            let (x, lengths, labels) = gather::<F>(data, part);
            let batch = SeqBatch::new(x.view(), data.steps(), lengths.as_deref())?;
            net.loss(&batch, &labels)
        })
        .collect();
    let (mut loss, mut correct) = (0.0, 0);
    for p in parts {
        let p = p?;
        loss += p.loss_sum;
        correct += p.correct;
    }
    let n = idx.len().max(1) as f64;
    Ok((loss / n, correct as f64 / n))
}

/// Trains `net` on `data` and returns the history. The network's input width and output
/// width must match the data's features per step and number of classes.
pub fn train<F: Scalar>(
    net: &mut Network<F>,
    data: &SequenceSet<'_>,
    options: &TrainOptions,
) -> Result<History, ModelError> {
    options.check()?;
    if net.input_dim() != data.step_dim() {
        return Err(ModelError::ShapeMismatch {
            what: "features per step",
            expected: net.input_dim(),
            got: data.step_dim(),
        });
    }
    if net.output_dim() != data.n_classes() {
        return Err(ModelError::ShapeMismatch {
            what: "network outputs (classes)",
            expected: net.output_dim(),
            got: data.n_classes(),
        });
    }
    let mut split_rng = SeededRng::splitmix64(options.seed ^ 0x5EED_0000_0000_0001);
    let (mut train_idx, val_idx) = if options.validation_split > 0.0 {
        let labels = data.y().to_vec();
        match stratified_split_with_rng(&labels, options.validation_split, &mut split_rng) {
            Ok(split) => (split.train, split.test),
            // The samples and the fraction were checked, so the one error left is a split with
            // nothing held out (too few samples per class): train without validation.
            Err(_) => ((0..data.len()).collect(), Vec::new()),
        }
    } else {
        ((0..data.len()).collect(), Vec::new())
    };
    let mut shuffle_rng = SeededRng::splitmix64(options.seed ^ 0x5EED_0000_0000_0002);
    let dropout_root = SeededRng::splitmix64(options.seed ^ 0x5EED_0000_0000_0003);
    let mut adam = Adam::new(options.adam, &net.params_mut());
    let mut history = History::default();
    let mut best = f64::INFINITY;
    let mut best_weights: Option<Network<F>> = None;
    let mut since_best = 0;
    let mut workspaces = Vec::new();

    for epoch in 0..options.epochs {
        shuffle_rng.shuffle(&mut train_idx);
        let epoch_rng = dropout_root.fork(epoch as u64);
        let (mut loss_sum, mut correct) = (0.0, 0);
        for (b, idx) in train_idx.chunks(options.batch_size).enumerate() {
            let batch_rng = epoch_rng.fork(b as u64);
            let (loss, mut grads) = batch_grads(
                net,
                data,
                idx,
                options.batch_chunks,
                Some(&batch_rng),
                &mut workspaces,
            )?;
            if !loss.loss_sum.is_finite() {
                return Err(ModelError::Diverged { epoch });
            }
            if let Some(c) = options.clip_norm {
                grads.clip_global_norm(c);
            }
            adam.step(net.params_mut(), &grads);
            loss_sum += loss.loss_sum;
            correct += loss.correct;
        }
        let n = train_idx.len() as f64;
        history.train_loss.push(loss_sum / n);
        history.train_accuracy.push(correct as f64 / n);
        let monitored = if val_idx.is_empty() {
            loss_sum / n
        } else {
            let (l, a) = evaluate(net, data, &val_idx)?;
            history.val_loss.push(l);
            history.val_accuracy.push(a);
            l
        };
        if !monitored.is_finite() {
            return Err(ModelError::Diverged { epoch });
        }
        let min_delta = options.early_stopping.map_or(0.0, |e| e.min_delta);
        if monitored < best - min_delta {
            best = monitored;
            history.best_epoch = epoch;
            since_best = 0;
            if options.early_stopping.is_some_and(|e| e.restore_best) {
                best_weights = Some(net.clone());
            }
        } else {
            since_best += 1;
            if let Some(e) = options.early_stopping
                && since_best >= e.patience
            {
                history.stopped_early = epoch + 1 < options.epochs;
                break;
            }
        }
    }
    if let Some(w) = best_weights {
        *net = w;
    }
    Ok(history)
}
