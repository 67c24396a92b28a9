//! Fully connected layer `y = x W + b`, applied row-wise (so also time-distributed over a
//! time-major sequence).

use ndarray::{Array1, Array2, ArrayView2, Axis};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use super::init::glorot_uniform;
use super::scalar::Scalar;

/// Weights `w` (inputs × units) and bias `b` (units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct DenseLayer<F: Scalar> {
    /// Inputs × units.
    pub(crate) w: Array2<F>,
    /// One bias per unit.
    pub(crate) b: Array1<F>,
}

impl<F: Scalar> DenseLayer<F> {
    /// Glorot-uniform weights, zero bias.
    pub(crate) fn new(inputs: usize, units: usize, rng: &mut SeededRng) -> Self {
        Self {
            w: glorot_uniform(inputs, units, rng),
            b: Array1::zeros(units),
        }
    }

    /// Number of outputs per row.
    pub(crate) fn units(&self) -> usize {
        self.w.ncols()
    }

    /// `x W + b` for rows × inputs `x`.
    pub(crate) fn forward(&self, x: ArrayView2<'_, F>) -> Array2<F> {
        let mut y = x.dot(&self.w);
        y += &self.b;
        y
    }

    /// Given the layer's input `x` and the loss gradient `dy` of its output: gradients of `w`
    /// and `b`, and of `x` when `need_dx`.
    pub(crate) fn backward(
        &self,
        x: ArrayView2<'_, F>,
        dy: ArrayView2<'_, F>,
        need_dx: bool,
    ) -> (Array2<F>, Array1<F>, Option<Array2<F>>) {
        let dw = x.t().dot(&dy);
        let db = dy.sum_axis(Axis(0));
        let dx = need_dx.then(|| dy.dot(&self.w.t()));
        (dw, db, dx)
    }
}
