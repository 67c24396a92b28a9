//! Hyper-parameters ([`FrameCnnParams`]) and the training loop behind [`Fit`].

use ndarray::{Array2, ArrayViewMutD, Axis, Slice, Zip};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use super::augment::SpecAugment;
use super::model::{FrameCnnHistory, FrameCnnModel, Standardizer, steps_of};
use super::net::{CnnNet, Shape};
use crate::lstm::{Adam, AdamConfig};
use crate::{Fit, ModelError, TrainSet};

/// Entry point: `FrameCnn::params()` gives the defaults, ready to tune and fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCnn;

impl FrameCnn {
    /// The default hyper-parameters ([`FrameCnnParams::default`]).
    pub fn params() -> FrameCnnParams {
        FrameCnnParams::default()
    }
}

/// Hyper-parameters of the frame CNN. Every setter takes and returns `self`; [`Self::check`]
/// (run by [`Fit::fit`]) validates them all.
///
/// The defaults target clips of some 50 log-mel frames (10 ms hop) × 40 bands from emotion
/// corpora of a few thousand clips; each field's documentation says why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameCnnParams {
    step_dim: usize,
    channels: usize,
    kernel: usize,
    layers: usize,
    attention_dim: usize,
    dropout: f64,
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    weight_decay: f64,
    spec_augment: SpecAugment,
    center_per_clip: bool,
    seed: u64,
}

impl Default for FrameCnnParams {
    fn default() -> Self {
        Self {
            step_dim: 40,
            channels: 64,
            kernel: 5,
            layers: 2,
            attention_dim: 32,
            dropout: 0.3,
            epochs: 30,
            batch_size: 32,
            learning_rate: 1e-3,
            weight_decay: 1e-4,
            spec_augment: SpecAugment::default(),
            center_per_clip: true,
            seed: 42,
        }
    }
}

impl FrameCnnParams {
    /// Features per time step (default 40: the common 40 log-mel bands of speech emotion
    /// work). A row of `w` features is read as `w / step_dim` steps, step-major; `w` must be a
    /// multiple of it.
    pub fn step_dim(mut self, step_dim: usize) -> Self {
        self.step_dim = step_dim;
        self
    }

    /// Output channels of every convolution (default 64: enough filters for the spectral
    /// shapes that carry emotion — formant and harmonic patterns, energy bursts — while the
    /// network stays at ~35 k weights for 40 bands, little enough for corpora of a few
    /// thousand clips).
    pub fn channels(mut self, channels: usize) -> Self {
        self.channels = channels;
        self
    }

    /// Steps each convolution spans, odd (default 5: 50 ms at a 10 ms hop, about a phone;
    /// two layers see 9 frames, a syllable's worth; longer context is the attention's job).
    pub fn kernel(mut self, kernel: usize) -> Self {
        self.kernel = kernel;
        self
    }

    /// Number of convolution layers (default 2).
    pub fn layers(mut self, layers: usize) -> Self {
        self.layers = layers;
        self
    }

    /// Width of the attention's hidden layer (default 32: half the channels, as in the
    /// attention pooling of Mirsamadi et al. 2017 for emotion).
    pub fn attention_dim(mut self, attention_dim: usize) -> Self {
        self.attention_dim = attention_dim;
        self
    }

    /// Dropout rate on the pooled vector while training, in `[0, 1)` (default 0.3: emotion
    /// corpora are small and a net this size overfits them within a few epochs without it).
    pub fn dropout(mut self, rate: f64) -> Self {
        self.dropout = rate;
        self
    }

    /// Passes over the training rows (default 30).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Rows per gradient step (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Adam's step size (default 1e-3, Kingma & Ba's and Keras' default).
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.learning_rate = lr;
        self
    }

    /// Decoupled weight decay (Loshchilov & Hutter 2019, without a schedule): after each Adam
    /// step every weight — not the biases — is multiplied by `1 − weight_decay`. In `[0, 1)`
    /// (default 1e-4: over the default 30 epochs of 1000 rows, ~940 steps, a weight the data
    /// does not hold up shrinks to 0.91 of its value; PyTorch's `AdamW` at lr 1e-3 calls this
    /// `weight_decay = 0.1`).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Masking of training inputs (default [`SpecAugment::default`]; [`SpecAugment::NONE`]
    /// for none).
    pub fn spec_augment(mut self, spec_augment: SpecAugment) -> Self {
        self.spec_augment = spec_augment;
        self
    }

    /// Subtract each clip's own mean of every feature over its steps before anything else
    /// (default `true`). Like cepstral mean normalisation: a channel's or speaker's constant
    /// offset in the log-mel domain (microphone response, gain, vocal-tract length shifts)
    /// disappears, and the net sees only how the spectrum moves within the clip. The price:
    /// the clip's overall level per band, a cue for arousal, is gone too; turn it off when
    /// recording conditions are controlled.
    pub fn center_per_clip(mut self, center: bool) -> Self {
        self.center_per_clip = center;
        self
    }

    /// Seed of the initial weights, shuffles, masks and dropout (default 42).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The SpecAugment settings.
    pub fn spec_augment_settings(&self) -> SpecAugment {
        self.spec_augment
    }

    /// Checks every field; [`ModelError::InvalidParam`] names the first bad one.
    pub fn check(&self) -> Result<(), ModelError> {
        let bad = |name, reason: &str| {
            Err(ModelError::InvalidParam {
                name,
                reason: reason.into(),
            })
        };
        let positive = [
            ("step_dim", self.step_dim),
            ("channels", self.channels),
            ("layers", self.layers),
            ("attention_dim", self.attention_dim),
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
        ];
        for (name, v) in positive {
            if v == 0 {
                return bad(name, "must be at least 1");
            }
        }
        if self.kernel.is_multiple_of(2) {
            return bad(
                "kernel",
                "must be odd (same padding centres it on its step)",
            );
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", "must be in [0, 1)");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", "must be positive and finite");
        }
        if !(0.0..1.0).contains(&self.weight_decay) {
            return bad("weight_decay", "must be in [0, 1)");
        }
        self.spec_augment.check()
    }

    fn shape(&self, classes: usize) -> Shape {
        Shape {
            step_dim: self.step_dim,
            channels: self.channels,
            kernel: self.kernel,
            layers: self.layers,
            attention_dim: self.attention_dim,
            classes,
        }
    }
}

impl Fit for FrameCnnParams {
    type Fitted = FrameCnnModel;

    /// Reads each row as `steps × step_dim` (step-major), fits the centring and
    /// standardisation, then trains with Adam on shuffled mini-batches.
    ///
    /// Errors: [`ModelError::InvalidParam`] for bad parameters, [`ModelError::ShapeMismatch`]
    /// when the row length is not a multiple of `step_dim` or labels and rows disagree,
    /// [`ModelError::EmptyInput`], [`ModelError::LabelOutOfRange`], [`ModelError::NonFinite`]
    /// for NaN or infinite inputs, [`ModelError::Diverged`] when the loss stops being finite.
    fn fit(&self, train: &TrainSet<'_>) -> Result<FrameCnnModel, ModelError> {
        self.check()?;
        // `TrainSet`'s fields are public, so a set may not have gone through `TrainSet::new`.
        let train = TrainSet::new(train.x, train.y, train.n_classes)?;
        let steps = steps_of(train.x.ncols(), self.step_dim)?;
        let n = train.x.nrows();
        let (scaler, xs) = Standardizer::fit(train.x, steps, self.step_dim, self.center_per_clip);
        let labels = train.y.to_vec();
        let mut init_rng = SeededRng::splitmix64(self.seed ^ 0xF4A3_0000_0000_0001);
        let mut net = CnnNet::<f32>::new(self.shape(train.n_classes), &mut init_rng);
        let adam_config = AdamConfig {
            learning_rate: self.learning_rate,
            ..AdamConfig::default()
        };
        let mut adam = Adam::new(adam_config, &net.params_mut());
        let decayed = net.decayed();
        let keep = 1.0 - self.weight_decay as f32;
        let mut shuffle_rng = SeededRng::splitmix64(self.seed ^ 0xF4A3_0000_0000_0002);
        let mask_root = SeededRng::splitmix64(self.seed ^ 0xF4A3_0000_0000_0003);
        let dropout_root = SeededRng::splitmix64(self.seed ^ 0xF4A3_0000_0000_0004);
        let augment = !self.spec_augment.is_off();
        let mut order: Vec<usize> = (0..n).collect();
        let mut history = FrameCnnHistory::default();
        let mut xb = Array2::<f32>::zeros((0, self.step_dim));
        for epoch in 0..self.epochs {
            shuffle_rng.shuffle(&mut order);
            let epoch_masks = mask_root.fork(epoch as u64);
            let epoch_dropout = dropout_root.fork(epoch as u64);
            let (mut loss_sum, mut correct) = (0.0, 0);
            for (b, idx) in order.chunks(self.batch_size).enumerate() {
                if xb.nrows() != idx.len() * steps {
                    xb = Array2::zeros((idx.len() * steps, self.step_dim));
                }
                for (j, &i) in idx.iter().enumerate() {
                    let mut sample =
                        xb.slice_axis_mut(Axis(0), Slice::from(j * steps..(j + 1) * steps));
                    sample.assign(&xs.slice_axis(Axis(0), Slice::from(i * steps..(i + 1) * steps)));
                    if augment {
                        // One generator per (epoch, row): masks do not depend on the batching.
                        let mut rng = epoch_masks.fork(i as u64);
                        self.spec_augment
                            .draw(steps, self.step_dim, &mut rng)
                            .apply(sample);
                    }
                }
                let batch_labels: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
                let mut rng = epoch_dropout.fork(b as u64);
                let scale = 1.0 / idx.len() as f32;
                let (stats, grads) = net.loss_and_grads(
                    xb.view(),
                    steps,
                    &batch_labels,
                    Some((&mut rng, self.dropout)),
                    scale,
                );
                if !stats.loss_sum.is_finite() {
                    return Err(ModelError::Diverged { epoch });
                }
                adam.step(net.params_mut(), &grads);
                if keep < 1.0 {
                    for (p, &d) in net.params_mut().into_iter().zip(&decayed) {
                        if d {
                            decay(p, keep);
                        }
                    }
                }
                loss_sum += stats.loss_sum;
                correct += stats.correct;
            }
            history.train_loss.push(loss_sum / n as f64);
            history.train_accuracy.push(correct as f64 / n as f64);
        }
        if net
            .params()
            .iter()
            .any(|p| p.iter().any(|v| !v.is_finite()))
        {
            return Err(ModelError::Diverged {
                epoch: self.epochs.saturating_sub(1),
            });
        }
        Ok(FrameCnnModel::new(
            net,
            steps,
            scaler,
            self.clone(),
            history,
        ))
    }
}

/// Decoupled weight decay of one tensor: `w ← keep · w`.
fn decay(mut p: ArrayViewMutD<'_, f32>, keep: f32) {
    Zip::from(&mut p).for_each(|w| *w *= keep);
}
