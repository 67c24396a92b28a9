//! The one pair of traits every model implements: [`Fit`] (hyper-parameters + training set →
//! fitted model) and [`Predict`] (fitted model → classes and per-class scores).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::ModelError;

/// A labelled training set borrowed from the caller: `x` is samples × features, `y` holds one
/// class index per sample in `0..n_classes`.
#[derive(Debug, Clone, Copy)]
pub struct TrainSet<'a> {
    /// Feature matrix, one row per sample.
    pub x: ArrayView2<'a, f32>,
    /// Class index of each row of `x`.
    pub y: ArrayView1<'a, usize>,
    /// Number of classes; every `y` is below it.
    pub n_classes: usize,
}

impl<'a> TrainSet<'a> {
    /// Checks shapes and labels: as many labels as rows, at least one row, finite features and
    /// every label below `n_classes`.
    pub fn new(
        x: ArrayView2<'a, f32>,
        y: ArrayView1<'a, usize>,
        n_classes: usize,
    ) -> Result<Self, ModelError> {
        if x.nrows() != y.len() {
            return Err(ModelError::ShapeMismatch {
                what: "labels per row",
                expected: x.nrows(),
                got: y.len(),
            });
        }
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(ModelError::EmptyInput);
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
        Ok(Self { x, y, n_classes })
    }
}

/// Hyper-parameters that can be fitted to a [`TrainSet`], giving an owned fitted model.
pub trait Fit {
    /// The fitted model this produces.
    type Fitted: Predict;
    /// Validates the parameters and trains.
    fn fit(&self, train: &TrainSet<'_>) -> Result<Self::Fitted, ModelError>;
}

/// A fitted classifier: owns its weights, is `Send + Sync`, predicts classes and scores.
pub trait Predict: Send + Sync {
    /// Number of classes the model was fitted with.
    fn n_classes(&self) -> usize;
    /// Number of features per sample the model expects.
    fn n_features(&self) -> usize;
    /// Per-class scores, samples × classes; each row sums to 1 (probabilities or vote
    /// fractions) so a user can read how sure the model is.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError>;
    /// The class index with the highest score for each row.
    fn predict(&self, x: ArrayView2<'_, f32>) -> Result<Array1<usize>, ModelError> {
        Ok(argmax_rows(self.predict_scores(x)?.view()))
    }
}

/// The index of the highest score and that score: the first on ties, and a NaN never wins
/// (all NaN or no scores: index 0 with score −∞).
pub fn argmax<'a>(scores: impl IntoIterator<Item = &'a f32>) -> (usize, f32) {
    scores
        .into_iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &s)| {
            if s > best.1 { (i, s) } else { best }
        })
}

/// [`argmax`] of every row of a samples × classes score matrix: the predicted classes.
pub fn argmax_rows(scores: ArrayView2<'_, f32>) -> Array1<usize> {
    scores.rows().into_iter().map(|row| argmax(row).0).collect()
}

/// Checks that `x` has the width a fitted model expects.
pub fn check_width(x: ArrayView2<'_, f32>, n_features: usize) -> Result<(), ModelError> {
    if x.ncols() != n_features {
        return Err(ModelError::ShapeMismatch {
            what: "features per row",
            expected: n_features,
            got: x.ncols(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn argmax_takes_the_first_highest_and_never_a_nan() {
        assert_eq!(argmax(&[0.1, 0.7, 0.2]), (1, 0.7));
        assert_eq!(argmax(&[0.4, 0.4, 0.2]), (0, 0.4));
        assert_eq!(argmax(&[f32::NAN, 0.3, 0.5]), (2, 0.5));
        assert_eq!(argmax(&[]), (0, f32::NEG_INFINITY));
        let rows = array![[0.1f32, 0.9], [0.6, 0.4], [0.5, 0.5]];
        assert_eq!(argmax_rows(rows.view()), array![1, 0, 0]);
    }
}
