//! A stack of layers ending in logits, with the loss and its gradients for one batch.

use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewD, ArrayViewMutD, Zip};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use super::activation::{
    LossOutput, dropout_mask, relu, relu_backward, softmax_cross_entropy, softmax_rows,
};
use super::dense::DenseLayer;
use super::recurrent::{LstmCache, LstmLayer, Workspace};
use super::scalar::Scalar;
use crate::ModelError;

/// What to build: one entry per layer, in order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LayerSpec {
    /// An LSTM with `units` hidden units; `return_sequences` outputs every step (to stack
    /// another LSTM on top), otherwise only the state after the last real step.
    Lstm {
        /// Hidden units.
        units: usize,
        /// Output `h` at every step rather than only the last.
        return_sequences: bool,
    },
    /// A fully connected layer with `units` outputs.
    Dense {
        /// Output width.
        units: usize,
    },
    /// `max(x, 0)`.
    Relu,
    /// Inverted dropout of the given rate in `[0, 1)`, active only while training.
    Dropout {
        /// Probability of zeroing each activation.
        rate: f64,
    },
}

/// A built layer with its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) enum Layer<F: Scalar> {
    /// See [`LstmLayer`].
    Lstm(LstmLayer<F>),
    /// See [`DenseLayer`].
    Dense(DenseLayer<F>),
    /// `max(x, 0)`.
    Relu,
    /// Inverted dropout, training only.
    Dropout {
        /// Probability of zeroing each activation.
        rate: f64,
    },
}

/// A batch of sequences in the network's layout: `x` is `(steps · batch) × input_dim`,
/// time-major (rows `t·batch .. (t+1)·batch` hold step `t` of every sample); `lengths`, when
/// given, holds each sample's number of real steps (the rest is padding and leaves the LSTM
/// state unchanged).
#[derive(Debug, Clone, Copy)]
pub struct SeqBatch<'a, F> {
    x: ArrayView2<'a, F>,
    steps: usize,
    lengths: Option<&'a [usize]>,
}

impl<'a, F: Scalar> SeqBatch<'a, F> {
    /// Checks that `steps` divides the rows, that the batch is not empty and that every length
    /// is in `1..=steps`.
    pub fn new(
        x: ArrayView2<'a, F>,
        steps: usize,
        lengths: Option<&'a [usize]>,
    ) -> Result<Self, ModelError> {
        if steps == 0 || x.nrows() == 0 || x.ncols() == 0 {
            return Err(ModelError::EmptyInput);
        }
        if !x.nrows().is_multiple_of(steps) {
            return Err(ModelError::ShapeMismatch {
                what: "rows of a time-major batch (a multiple of steps)",
                expected: x.nrows().div_ceil(steps) * steps,
                got: x.nrows(),
            });
        }
        let batch = x.nrows() / steps;
        if let Some(l) = lengths {
            if l.len() != batch {
                return Err(ModelError::ShapeMismatch {
                    what: "sequence lengths",
                    expected: batch,
                    got: l.len(),
                });
            }
            if let Some(&bad) = l.iter().find(|&&n| n == 0 || n > steps) {
                return Err(ModelError::InvalidParam {
                    name: "lengths",
                    reason: format!("length {bad} outside 1..={steps}"),
                });
            }
        }
        Ok(Self { x, steps, lengths })
    }

    /// Samples in the batch.
    pub fn batch(&self) -> usize {
        self.x.nrows() / self.steps
    }
}

/// Gradients of every parameter tensor, in the order of [`Network::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grads<F> {
    /// One tensor per parameter tensor.
    pub tensors: Vec<ArrayD<F>>,
}

impl<F: Scalar> Grads<F> {
    /// Adds `other` element-wise.
    pub fn add_assign(&mut self, other: &Self) {
        for (a, b) in self.tensors.iter_mut().zip(&other.tensors) {
            *a += b;
        }
    }

    /// The Euclidean norm over all tensors.
    pub fn global_norm(&self) -> f64 {
        self.tensors
            .iter()
            .flat_map(|t| t.iter())
            .map(|&v| v.to_f64() * v.to_f64())
            .sum::<f64>()
            .sqrt()
    }

    /// Rescales so the global norm is at most `max_norm`; returns the norm before.
    pub fn clip_global_norm(&mut self, max_norm: f64) -> f64 {
        let norm = self.global_norm();
        if norm > max_norm {
            let k = F::from_f64(max_norm / norm);
            self.tensors.iter_mut().for_each(|t| *t *= k);
        }
        norm
    }
}

/// Loss statistics of one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchLoss {
    /// Sum over samples of the cross-entropy.
    pub loss_sum: f64,
    /// Samples classified right.
    pub correct: usize,
}

enum Cache<F> {
    Lstm(Box<LstmCache<F>>),
    Dense(Array2<F>),
    Relu(Array2<F>),
    Dropout(Option<Array2<F>>),
}

/// Layers from sequence input to logits. Built from [`LayerSpec`]s with Keras-like
/// initialisation; trained with [`super::train`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Network<F: Scalar> {
    input_dim: usize,
    layers: Vec<Layer<F>>,
}

impl<F: Scalar> Network<F> {
    /// Builds the layers for inputs of `input_dim` features per step. Errors when a layer has
    /// no units, a dropout rate is outside `[0, 1)`, an LSTM follows a layer that no longer
    /// outputs a sequence, or the last LSTM returns sequences. A network without LSTM layers
    /// is a plain feed-forward one and takes batches of one step.
    pub fn new(
        input_dim: usize,
        specs: &[LayerSpec],
        rng: &mut SeededRng,
    ) -> Result<Self, ModelError> {
        if input_dim == 0 {
            return Err(ModelError::InvalidParam {
                name: "input_dim",
                reason: "must be at least 1".into(),
            });
        }
        let mut width = input_dim;
        let mut sequence = true;
        let mut layers = Vec::with_capacity(specs.len());
        for spec in specs {
            let layer = match *spec {
                LayerSpec::Lstm {
                    units,
                    return_sequences,
                } => {
                    check_units("lstm units", units)?;
                    if !sequence {
                        return Err(ModelError::InvalidParam {
                            name: "layers",
                            reason: "an LSTM needs a sequence input, but the layer before it \
                                     returns only its last step"
                                .into(),
                        });
                    }
                    let l = LstmLayer::new(width, units, return_sequences, rng);
                    (width, sequence) = (units, return_sequences);
                    Layer::Lstm(l)
                }
                LayerSpec::Dense { units } => {
                    check_units("dense units", units)?;
                    let l = DenseLayer::new(width, units, rng);
                    width = units;
                    Layer::Dense(l)
                }
                LayerSpec::Relu => Layer::Relu,
                LayerSpec::Dropout { rate } => {
                    if !(0.0..1.0).contains(&rate) {
                        return Err(ModelError::InvalidParam {
                            name: "dropout",
                            reason: format!("rate {rate} outside [0, 1)"),
                        });
                    }
                    Layer::Dropout { rate }
                }
            };
            layers.push(layer);
        }
        let has_lstm = layers.iter().any(|l| matches!(l, Layer::Lstm(_)));
        if has_lstm && sequence {
            return Err(ModelError::InvalidParam {
                name: "layers",
                reason: "the network must end with one output per sample: the last LSTM needs \
                         return_sequences = false"
                    .into(),
            });
        }
        Ok(Self { input_dim, layers })
    }

    /// Checks that the layers fit together (each weight matrix's input width is the previous
    /// layer's output width; gate blocks are four times the units; biases match), that every
    /// weight is finite, that dropout rates are in `[0, 1)` and that the output is one row per
    /// sample. Networks built by [`Self::new`] always pass; deserialised ones may not.
    pub fn validate(&self) -> Result<(), String> {
        if self.input_dim == 0 {
            return Err("input_dim is 0".into());
        }
        let (mut width, mut sequence, mut has_lstm) = (self.input_dim, true, false);
        for (k, layer) in self.layers.iter().enumerate() {
            match layer {
                Layer::Lstm(l) => {
                    let u = l.units();
                    if !sequence {
                        return Err(format!("layer {k}: LSTM after a non-sequence output"));
                    }
                    if u == 0
                        || l.w_x().dim() != (width, 4 * u)
                        || l.w_h().dim() != (u, 4 * u)
                        || l.b().len() != 4 * u
                    {
                        return Err(format!("layer {k}: LSTM weight shapes disagree"));
                    }
                    (width, sequence, has_lstm) = (u, l.return_sequences(), true);
                }
                Layer::Dense(d) => {
                    if d.units() == 0 || d.w.nrows() != width || d.b.len() != d.units() {
                        return Err(format!("layer {k}: dense weight shapes disagree"));
                    }
                    width = d.units();
                }
                Layer::Relu => {}
                Layer::Dropout { rate } => {
                    if !(0.0..1.0).contains(rate) {
                        return Err(format!("layer {k}: dropout rate {rate} outside [0, 1)"));
                    }
                }
            }
        }
        if has_lstm && sequence {
            return Err("the last LSTM returns sequences".into());
        }
        if self
            .params()
            .iter()
            .any(|p| p.iter().any(|v| !v.is_finite()))
        {
            return Err("non-finite weights".into());
        }
        Ok(())
    }

    /// Features per input step.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Width of the output (the number of classes for a classifier).
    pub fn output_dim(&self) -> usize {
        self.layers
            .iter()
            .rev()
            .find_map(|l| match l {
                Layer::Lstm(l) => Some(l.units()),
                Layer::Dense(d) => Some(d.units()),
                _ => None,
            })
            .unwrap_or(self.input_dim)
    }

    /// Every parameter tensor: for each layer in order, LSTM `[w_x, w_h, b]`, Dense `[w, b]`.
    pub fn params(&self) -> Vec<ArrayViewD<'_, F>> {
        let mut out = Vec::new();
        for layer in &self.layers {
            match layer {
                Layer::Lstm(l) => {
                    out.push(l.w_x().view().into_dyn());
                    out.push(l.w_h().view().into_dyn());
                    out.push(l.b().view().into_dyn());
                }
                Layer::Dense(d) => {
                    out.push(d.w.view().into_dyn());
                    out.push(d.b.view().into_dyn());
                }
                Layer::Relu | Layer::Dropout { .. } => {}
            }
        }
        out
    }

    /// Mutable views of every parameter tensor, in the order of [`Self::params`].
    pub fn params_mut(&mut self) -> Vec<ArrayViewMutD<'_, F>> {
        let mut out = Vec::new();
        for layer in &mut self.layers {
            match layer {
                Layer::Lstm(l) => {
                    let (w_x, w_h, b) = l.params_mut();
                    out.push(w_x.view_mut().into_dyn());
                    out.push(w_h.view_mut().into_dyn());
                    out.push(b.view_mut().into_dyn());
                }
                Layer::Dense(d) => {
                    out.push(d.w.view_mut().into_dyn());
                    out.push(d.b.view_mut().into_dyn());
                }
                Layer::Relu | Layer::Dropout { .. } => {}
            }
        }
        out
    }

    /// Number of trainable scalars.
    pub fn param_count(&self) -> usize {
        self.params().iter().map(|p| p.len()).sum()
    }

    /// Logits (batch × outputs) with dropout off.
    pub fn logits(&self, batch: &SeqBatch<'_, F>) -> Result<Array2<F>, ModelError> {
        self.check_batch(batch)?;
        Ok(rayon::scope(|_| {
            self.forward(batch, None, false, &mut Workspace::default())
                .0
        }))
    }

    /// Class probabilities (softmax of the logits), batch × outputs.
    pub fn predict_proba(&self, batch: &SeqBatch<'_, F>) -> Result<Array2<F>, ModelError> {
        let mut z = self.logits(batch)?;
        softmax_rows(&mut z);
        Ok(z)
    }

    /// Softmax cross-entropy of the batch against `labels` and the gradient of
    /// `scale · loss_sum` for every parameter. With `dropout` the network runs in training
    /// mode (masks drawn from that generator); without it dropout is off.
    pub fn loss_and_grads(
        &self,
        batch: &SeqBatch<'_, F>,
        labels: &[usize],
        dropout: Option<&mut SeededRng>,
        scale: F,
    ) -> Result<(BatchLoss, Grads<F>), ModelError> {
        self.loss_and_grads_in(batch, labels, dropout, scale, &mut Workspace::default())
    }

    /// [`Self::loss_and_grads`] reusing the large buffers kept in `ws` from earlier batches.
    pub fn loss_and_grads_in(
        &self,
        batch: &SeqBatch<'_, F>,
        labels: &[usize],
        dropout: Option<&mut SeededRng>,
        scale: F,
        ws: &mut Workspace<F>,
    ) -> Result<(BatchLoss, Grads<F>), ModelError> {
        self.check_batch(batch)?;
        self.check_labels(batch, labels)?;
        // Run on a pool thread, so the layers' many small parallel splits are cheap joins.
        Ok(rayon::scope(|_| {
            let (logits, caches) = self.forward(batch, dropout, true, ws);
            let LossOutput {
                loss_sum,
                correct,
                dlogits,
            } = softmax_cross_entropy(logits.view(), labels, scale);
            let grads = self.backward(caches, dlogits, ws);
            (BatchLoss { loss_sum, correct }, grads)
        }))
    }

    /// Cross-entropy and accuracy count with dropout off, no gradients.
    pub fn loss(&self, batch: &SeqBatch<'_, F>, labels: &[usize]) -> Result<BatchLoss, ModelError> {
        let logits = self.logits(batch)?;
        self.check_labels(batch, labels)?;
        let out = softmax_cross_entropy(logits.view(), labels, F::one());
        Ok(BatchLoss {
            loss_sum: out.loss_sum,
            correct: out.correct,
        })
    }

    fn check_batch(&self, batch: &SeqBatch<'_, F>) -> Result<(), ModelError> {
        let has_lstm = self.layers.iter().any(|l| matches!(l, Layer::Lstm(_)));
        if !has_lstm && batch.steps != 1 {
            return Err(ModelError::ShapeMismatch {
                what: "steps for a network without LSTM layers",
                expected: 1,
                got: batch.steps,
            });
        }
        if batch.x.ncols() != self.input_dim {
            return Err(ModelError::ShapeMismatch {
                what: "features per step",
                expected: self.input_dim,
                got: batch.x.ncols(),
            });
        }
        if batch.x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        Ok(())
    }

    fn check_labels(&self, batch: &SeqBatch<'_, F>, labels: &[usize]) -> Result<(), ModelError> {
        if labels.len() != batch.batch() {
            return Err(ModelError::ShapeMismatch {
                what: "labels per batch",
                expected: batch.batch(),
                got: labels.len(),
            });
        }
        let n_classes = self.output_dim();
        if let Some(&bad) = labels.iter().find(|&&c| c >= n_classes) {
            return Err(ModelError::LabelOutOfRange {
                label: bad,
                n_classes,
            });
        }
        Ok(())
    }

    fn forward(
        &self,
        batch: &SeqBatch<'_, F>,
        mut dropout: Option<&mut SeededRng>,
        keep: bool,
        ws: &mut Workspace<F>,
    ) -> (Array2<F>, Vec<Cache<F>>) {
        let mut a = batch.x.to_owned();
        let mut steps = batch.steps;
        let mut caches = Vec::with_capacity(if keep { self.layers.len() } else { 0 });
        for layer in &self.layers {
            match layer {
                Layer::Lstm(l) => {
                    let (out, cache) = l.forward(a, steps, batch.lengths, keep, ws);
                    if !l.return_sequences() {
                        steps = 1;
                    }
                    a = out;
                    if let Some(c) = cache {
                        caches.push(Cache::Lstm(Box::new(c)));
                    }
                }
                Layer::Dense(d) => {
                    let y = d.forward(a.view());
                    if keep {
                        caches.push(Cache::Dense(a));
                    }
                    a = y;
                }
                Layer::Relu => {
                    a = relu(a.view());
                    if keep {
                        caches.push(Cache::Relu(a.clone()));
                    }
                }
                Layer::Dropout { rate } => {
                    let mask = match dropout.as_deref_mut() {
                        Some(rng) if *rate > 0.0 => {
                            let m = dropout_mask(a.dim(), *rate, rng);
                            a *= &m;
                            Some(m)
                        }
                        _ => None,
                    };
                    if keep {
                        caches.push(Cache::Dropout(mask));
                    }
                }
            }
        }
        (a, caches)
    }

    fn backward(
        &self,
        caches: Vec<Cache<F>>,
        dlogits: Array2<F>,
        ws: &mut Workspace<F>,
    ) -> Grads<F> {
        // The first layer with parameters needs no input gradient.
        let first_param = self
            .layers
            .iter()
            .position(|l| matches!(l, Layer::Lstm(_) | Layer::Dense(_)))
            .unwrap_or(0);
        let mut rev_tensors: Vec<ArrayD<F>> = Vec::new();
        let mut d = dlogits;
        for (idx, (layer, cache)) in self.layers.iter().zip(caches).enumerate().rev() {
            let need_dx = idx > first_param;
            match (layer, cache) {
                (Layer::Lstm(l), Cache::Lstm(c)) => {
                    let g = l.backward(*c, d.view(), need_dx, ws);
                    rev_tensors.push(g.b.into_dyn());
                    rev_tensors.push(g.w_h.into_dyn());
                    rev_tensors.push(g.w_x.into_dyn());
                    d = g.dx.unwrap_or_default();
                }
                (Layer::Dense(l), Cache::Dense(x)) => {
                    let (dw, db, dx) = l.backward(x.view(), d.view(), need_dx);
                    rev_tensors.push(db.into_dyn());
                    rev_tensors.push(dw.into_dyn());
                    d = dx.unwrap_or_default();
                }
                (Layer::Relu, Cache::Relu(y)) => d = relu_backward(y.view(), d.view()),
                (Layer::Dropout { .. }, Cache::Dropout(mask)) => {
                    if let Some(m) = mask {
                        Zip::from(&mut d).and(&m).for_each(|d, &m| *d *= m);
                    }
                }
                // `forward` pushes exactly one matching cache per layer.
                _ => unreachable!("cache does not match its layer"),
            }
            if !need_dx && idx == first_param {
                break;
            }
        }
        rev_tensors.reverse();
        Grads {
            tensors: rev_tensors,
        }
    }
}

fn check_units(name: &'static str, units: usize) -> Result<(), ModelError> {
    if units == 0 {
        return Err(ModelError::InvalidParam {
            name,
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}
