//! The fitted, serialisable [`FrameCnnModel`] and the input preparation it shares with
//! training (per-clip centring, per-feature standardisation).

use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::net::CnnNet;
use super::params::FrameCnnParams;
use crate::lstm::softmax_rows;
use crate::{ModelError, Predict, check_width};

/// Steps per row: `width / step_dim`, which must divide evenly.
pub(crate) fn steps_of(width: usize, step_dim: usize) -> Result<usize, ModelError> {
    if step_dim == 0 || width == 0 || !width.is_multiple_of(step_dim) {
        return Err(ModelError::ShapeMismatch {
            what: "features per row (a multiple of step_dim)",
            expected: width.div_ceil(step_dim.max(1)).max(1) * step_dim,
            got: width,
        });
    }
    Ok(width / step_dim)
}

/// Optional per-clip centring, then per-feature mean and inverse standard deviation over all
/// steps of all training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Standardizer {
    center_per_clip: bool,
    mean: Array1<f32>,
    inv_std: Array1<f32>,
}

impl Standardizer {
    /// Fits on training rows and returns the prepared rows too (`(rows · steps) × step_dim`).
    pub(crate) fn fit(
        x: ArrayView2<'_, f32>,
        steps: usize,
        step_dim: usize,
        center_per_clip: bool,
    ) -> (Self, Array2<f32>) {
        let mut frames = to_frames(x, steps, step_dim, center_per_clip);
        let count = frames.nrows().max(1) as f64;
        let mut mean = Array1::<f32>::zeros(step_dim);
        let mut inv_std = Array1::<f32>::ones(step_dim);
        for (d, col) in frames.columns().into_iter().enumerate() {
            let m = col.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
            let var = col.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / count;
            mean[d] = m as f32;
            // A constant feature is only centred.
            inv_std[d] = if var > 1e-12 {
                (1.0 / var.sqrt()) as f32
            } else {
                1.0
            };
        }
        let s = Self {
            center_per_clip,
            mean,
            inv_std,
        };
        s.standardize(&mut frames);
        (s, frames)
    }

    /// Rows `x` (`rows × (steps · step_dim)`) prepared as in training.
    pub(crate) fn apply(&self, x: ArrayView2<'_, f32>, steps: usize) -> Array2<f32> {
        let mut frames = to_frames(x, steps, self.mean.len(), self.center_per_clip);
        self.standardize(&mut frames);
        frames
    }

    fn standardize(&self, frames: &mut Array2<f32>) {
        for mut row in frames.rows_mut() {
            row.iter_mut()
                .zip(self.mean.iter().zip(&self.inv_std))
                .for_each(|(v, (&m, &s))| *v = (*v - m) * s);
        }
    }
}

/// `rows × (steps · step_dim)` → `(rows · steps) × step_dim`, each clip centred on its own
/// per-feature mean (computed and subtracted in f64) when asked.
fn to_frames(x: ArrayView2<'_, f32>, steps: usize, step_dim: usize, center: bool) -> Array2<f32> {
    let n = x.nrows();
    let mut out = Array2::<f32>::zeros((n * steps, step_dim));
    let mut mean = vec![0.0f64; step_dim];
    for (i, row) in x.rows().into_iter().enumerate() {
        let mut clip = out.slice_axis_mut(Axis(0), Slice::from(i * steps..(i + 1) * steps));
        if center {
            mean.iter_mut().for_each(|m| *m = 0.0);
            for t in 0..steps {
                for (m, &v) in mean
                    .iter_mut()
                    .zip(row.slice_axis(Axis(0), Slice::from(t * step_dim..(t + 1) * step_dim)))
                {
                    *m += f64::from(v);
                }
            }
            mean.iter_mut().for_each(|m| *m /= steps as f64);
        }
        for (t, mut frame) in clip.rows_mut().into_iter().enumerate() {
            let src = row.slice_axis(Axis(0), Slice::from(t * step_dim..(t + 1) * step_dim));
            if center {
                for ((o, &v), &m) in frame.iter_mut().zip(src).zip(&mean) {
                    *o = (f64::from(v) - m) as f32;
                }
            } else {
                frame.assign(&src);
            }
        }
    }
    out
}

/// Loss and accuracy per epoch of a fit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameCnnHistory {
    /// Mean training cross-entropy of each epoch (masks and dropout on, as trained).
    pub train_loss: Vec<f64>,
    /// Training accuracy in the same passes.
    pub train_accuracy: Vec<f64>,
}

impl FrameCnnHistory {
    /// Epochs run.
    pub fn epochs(&self) -> usize {
        self.train_loss.len()
    }
}

/// A fitted frame CNN: weights, input layout, the centring and standardisation fitted on the
/// training rows, the parameters it was fitted with and the training history. Serialisable
/// with serde; [`Self::validate`] checks a deserialised one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameCnnModel {
    // Boxed: keeps `AnyModel`'s variants of similar size.
    net: Box<CnnNet<f32>>,
    steps: usize,
    scaler: Standardizer,
    params: FrameCnnParams,
    history: FrameCnnHistory,
}

/// Samples per block when predicting (blocks run in parallel; each row's scores do not
/// depend on the others in its block).
const PREDICT_BLOCK: usize = 64;

impl FrameCnnModel {
    pub(crate) fn new(
        net: CnnNet<f32>,
        steps: usize,
        scaler: Standardizer,
        params: FrameCnnParams,
        history: FrameCnnHistory,
    ) -> Self {
        Self {
            net: Box::new(net),
            steps,
            scaler,
            params,
            history,
        }
    }

    /// Time steps per row.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Features per step.
    pub fn step_dim(&self) -> usize {
        self.net.step_dim
    }

    /// Channels of the convolutions.
    pub fn channels(&self) -> usize {
        self.net.channels()
    }

    /// Number of convolution layers.
    pub fn layers(&self) -> usize {
        self.net.conv.len()
    }

    /// Whether each clip is centred on its own mean before standardisation.
    pub fn centers_per_clip(&self) -> bool {
        self.scaler.center_per_clip
    }

    /// The hyper-parameters of the fit.
    pub fn params(&self) -> &FrameCnnParams {
        &self.params
    }

    /// Loss and accuracy per epoch.
    pub fn history(&self) -> &FrameCnnHistory {
        &self.history
    }

    /// Mean training loss per epoch (the same as `history().train_loss`).
    pub fn loss_history(&self) -> &[f64] {
        &self.history.train_loss
    }

    /// Number of trainable weights.
    pub fn param_count(&self) -> usize {
        self.net.params().iter().map(|p| p.len()).sum()
    }

    /// Checks every weight's shape against the others and the layout, and that weights and
    /// statistics are finite (run when a model file is loaded, so that a corrupt file cannot
    /// make prediction panic). Errors: a sentence saying what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        self.net.validate()?;
        if self.steps == 0 {
            return Err("zero steps per row".into());
        }
        let d = self.net.step_dim;
        if self.scaler.mean.len() != d || self.scaler.inv_std.len() != d {
            return Err(format!(
                "standardisation statistics of {} and {} features; the network takes {d}",
                self.scaler.mean.len(),
                self.scaler.inv_std.len()
            ));
        }
        if self
            .scaler
            .mean
            .iter()
            .chain(&self.scaler.inv_std)
            .any(|v| !v.is_finite())
        {
            return Err("non-finite standardisation statistics".into());
        }
        Ok(())
    }

    /// Scores of already prepared frames (`(rows · steps) × step_dim`).
    fn scores_of_frames(&self, frames: &Array2<f32>) -> Array2<f32> {
        let rows = frames.nrows() / self.steps;
        let starts: Vec<usize> = (0..rows).step_by(PREDICT_BLOCK).collect();
        let parts: Vec<Array2<f32>> = starts
            .par_iter()
            .map(|&start| {
                let end = (start + PREDICT_BLOCK).min(rows);
                let block =
                    frames.slice_axis(Axis(0), Slice::from(start * self.steps..end * self.steps));
                let (mut logits, _) = self.net.forward(block, self.steps, None);
                softmax_rows(&mut logits);
                logits
            })
            .collect();
        let mut out = Array2::<f32>::zeros((rows, self.net.classes()));
        for (&start, p) in starts.iter().zip(parts) {
            out.slice_axis_mut(Axis(0), Slice::from(start..start + p.nrows()))
                .assign(&p);
        }
        out
    }
}

impl Predict for FrameCnnModel {
    fn n_classes(&self) -> usize {
        self.net.classes()
    }

    fn n_features(&self) -> usize {
        self.steps * self.net.step_dim
    }

    /// Softmax probabilities; no masking or dropout.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        check_width(x, self.n_features())?;
        if x.nrows() == 0 {
            return Ok(Array2::zeros((0, self.n_classes())));
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        let frames = self.scaler.apply(x, self.steps);
        Ok(self.scores_of_frames(&frames))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fit, TrainSet};

    fn fitted() -> FrameCnnModel {
        let x = Array2::from_shape_fn((12, 5 * 3), |(i, j)| ((i * 13 + j * 7) % 11) as f32);
        let y: Array1<usize> = (0..12).map(|i| i % 2).collect();
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        super::super::FrameCnn::params()
            .step_dim(3)
            .channels(4)
            .attention_dim(3)
            .epochs(1)
            .fit(&train)
            .unwrap()
    }

    #[test]
    fn validate_rejects_non_finite_weights_and_statistics() {
        let model = fitted();
        assert_eq!(model.validate(), Ok(()));
        let mut m = model.clone();
        m.net.conv[0].w[[2, 1]] = f32::NAN;
        assert!(m.validate().is_err());
        let mut m = model.clone();
        m.net.out_b[0] = f32::INFINITY;
        assert!(m.validate().is_err());
        let mut m = model.clone();
        m.scaler.inv_std[1] = f32::NAN;
        assert!(m.validate().is_err());
        let mut m = model.clone();
        m.net.conv.clear();
        assert!(m.validate().is_err());
        let mut m = model;
        m.net.att_b = Array1::zeros(7);
        assert!(m.validate().is_err());
    }

    #[test]
    fn steps_must_divide_the_row() {
        assert_eq!(steps_of(1920, 40).unwrap(), 48);
        assert!(matches!(
            steps_of(1921, 40),
            Err(ModelError::ShapeMismatch {
                expected: 1960,
                got: 1921,
                ..
            })
        ));
        assert!(steps_of(40, 0).is_err());
        assert!(steps_of(0, 40).is_err());
    }

    #[test]
    fn centring_and_standardisation() {
        // Two clips of 2 steps × 2 features.
        let x = ndarray::array![[1.0f32, 10.0, 3.0, 30.0], [5.0, 0.0, 9.0, 4.0]];
        let (s, frames) = Standardizer::fit(x.view(), 2, 2, true);
        // Centred per clip: ±1, ±10, ±2, ±2; then each feature has mean 0 and std 1.
        for col in frames.columns() {
            assert!(col.sum().abs() < 1e-6);
            assert!((col.mapv(|v| v * v).sum() / 4.0 - 1.0).abs() < 1e-5);
        }
        assert_eq!(s.apply(x.view(), 2), frames);
        let (_, plain) = Standardizer::fit(x.view(), 2, 2, false);
        assert!(plain.column(0).sum().abs() < 1e-6);
        assert_ne!(plain, frames);
    }
}
