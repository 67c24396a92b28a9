//! Standardisation of features: subtract each column's mean, divide by its standard deviation,
//! both learnt from the training part only (as scikit-learn's `StandardScaler`).

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::{ModelError, check_width};

/// Per-column mean and scale learnt from training rows; `transform` maps a column to
/// `(x - mean) / scale`.
///
/// The scale is the population standard deviation (`ddof = 0`, as scikit-learn). A column whose
/// standard deviation is zero, or negligible next to its mean at `f32` precision
/// (`std <= f32::EPSILON * max(1, |mean|)`), gets scale 1: it is centred, not blown up, so a
/// constant training column maps to 0 everywhere (scikit-learn does the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    mean: Array1<f32>,
    scale: Array1<f32>,
}

impl StandardScaler {
    /// Learns column means and scales from `x` (samples × features), accumulating in `f64`.
    ///
    /// Errors: [`ModelError::EmptyInput`] for no rows or no columns, [`ModelError::NonFinite`]
    /// for NaN or infinite values.
    pub fn fit(x: ArrayView2<'_, f32>) -> Result<Self, ModelError> {
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(ModelError::EmptyInput);
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        let n = x.nrows() as f64;
        let mut mean = Array1::<f32>::zeros(x.ncols());
        let mut scale = Array1::<f32>::ones(x.ncols());
        for (j, col) in x.axis_iter(Axis(1)).enumerate() {
            let m = col.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = col
                .iter()
                .map(|&v| {
                    let d = f64::from(v) - m;
                    d * d
                })
                .sum::<f64>()
                / n;
            let sd = var.sqrt();
            mean[j] = m as f32;
            if sd > f64::from(f32::EPSILON) * m.abs().max(1.0) {
                scale[j] = sd as f32;
            }
        }
        Ok(Self { mean, scale })
    }

    /// Standardises `x` with the learnt statistics; `x` must have the fitted width.
    pub fn transform(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        check_width(x, self.n_features())?;
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
        Ok(out)
    }

    /// Learns the statistics from `x` and returns them with `x` standardised.
    pub fn fit_transform(x: ArrayView2<'_, f32>) -> Result<(Self, Array2<f32>), ModelError> {
        let scaler = Self::fit(x)?;
        let out = scaler.transform(x)?;
        Ok((scaler, out))
    }

    /// Number of columns the scaler was fitted on.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// The learnt column means.
    pub fn mean(&self) -> &Array1<f32> {
        &self.mean
    }

    /// The learnt column scales (standard deviations, 1 for constant columns).
    pub fn scale(&self) -> &Array1<f32> {
        &self.scale
    }

    /// Checks invariants a deserialised scaler must hold before it transforms.
    pub fn validate(&self) -> Result<(), String> {
        if self.mean.len() != self.scale.len() {
            return Err(format!(
                "scaler has {} means and {} scales",
                self.mean.len(),
                self.scale.len()
            ));
        }
        if self.mean.iter().any(|v| !v.is_finite())
            || self.scale.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err("scaler means must be finite and scales finite and > 0".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn hand_computed_mean_and_population_std() {
        // Column 0: 1, 2, 3, 6 → mean 3, var (4 + 1 + 0 + 9) / 4 = 3.5.
        // Column 1: 10, 10, 10, 10 → constant: scale 1.
        let x = array![[1.0f32, 10.0], [2.0, 10.0], [3.0, 10.0], [6.0, 10.0]];
        let s = StandardScaler::fit(x.view()).unwrap();
        assert_abs_diff_eq!(s.mean()[0], 3.0);
        assert_abs_diff_eq!(s.mean()[1], 10.0);
        assert_abs_diff_eq!(s.scale()[0], 3.5f32.sqrt(), epsilon = 1e-6);
        assert_abs_diff_eq!(s.scale()[1], 1.0);
        let t = s.transform(x.view()).unwrap();
        assert_abs_diff_eq!(t[[0, 0]], -2.0 / 3.5f32.sqrt(), epsilon = 1e-6);
        assert_abs_diff_eq!(t[[3, 0]], 3.0 / 3.5f32.sqrt(), epsilon = 1e-6);
        assert!(t.column(1).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn transformed_training_columns_have_zero_mean_unit_variance() {
        let x = array![
            [-300.0f32, 0.5, 7.0],
            [-250.0, 0.25, 7.5],
            [-410.0, 1.5, 6.0]
        ];
        let (_, t) = StandardScaler::fit_transform(x.view()).unwrap();
        for col in t.columns() {
            let m = col.mean().unwrap();
            let v = col.mapv(|a| (a - m) * (a - m)).mean().unwrap();
            assert_abs_diff_eq!(m, 0.0, epsilon = 1e-5);
            assert_abs_diff_eq!(v, 1.0, epsilon = 1e-5);
        }
    }

    #[test]
    fn uses_training_statistics_on_new_rows() {
        let train = array![[0.0f32], [2.0]];
        let s = StandardScaler::fit(train.view()).unwrap();
        let t = s.transform(array![[4.0f32]].view()).unwrap();
        assert_abs_diff_eq!(t[[0, 0]], 3.0);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let empty = Array2::<f32>::zeros((0, 3));
        assert!(matches!(
            StandardScaler::fit(empty.view()),
            Err(ModelError::EmptyInput)
        ));
        let nan = array![[1.0f32, f32::NAN]];
        assert!(matches!(
            StandardScaler::fit(nan.view()),
            Err(ModelError::NonFinite)
        ));
        let s = StandardScaler::fit(array![[1.0f32, 2.0]].view()).unwrap();
        assert!(matches!(
            s.transform(array![[1.0f32]].view()),
            Err(ModelError::ShapeMismatch {
                expected: 2,
                got: 1,
                ..
            })
        ));
    }
}
