//! Speaker normalisation: standardise each speaker's rows with that speaker's own statistics.
//!
//! A voice shifts every feature (a lower pitch, a longer vocal tract, another microphone gain);
//! emotion moves the features *around the speaker's own centre*. Subtracting each speaker's
//! mean and dividing by each speaker's standard deviation removes the voice and keeps the
//! movement. It needs no labels, so at test time it is computed from the new speaker's own
//! unlabelled clips — legitimate in a speaker-independent evaluation (nothing of the test
//! labels is seen), as long as the test speaker has several clips.
//!
//! ```
//! use ndarray::array;
//! use ser_data::normalize::standardize_by_group;
//!
//! let x = array![[1.0f32, 10.0], [3.0, 30.0], [100.0, 0.0], [102.0, 4.0]];
//! let groups = ["a", "a", "b", "b"];
//! let z = standardize_by_group(x.view(), &groups).unwrap();
//! // Each speaker now has mean 0 and standard deviation 1 in every column.
//! assert_eq!(z, array![[-1.0f32, -1.0], [1.0, 1.0], [-1.0, -1.0], [1.0, 1.0]]);
//! ```

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};

/// Each group's rows standardised with the group's own column mean and (population) standard
/// deviation, computed in `f64`. A column constant within a group becomes 0 for that group.
/// Rows keep their order. Groups are any ordered keys (speaker names, typed speaker keys).
///
/// # Errors
/// [`DataError::ShapeMismatch`] when `groups` has not one entry per row;
/// [`DataError::EmptyInput`] for no rows.
pub fn standardize_by_group<K: Ord>(
    records: ArrayView2<'_, f32>,
    groups: &[K],
) -> Result<Array2<f32>> {
    by_group(records, groups, true)
}

/// Each group's rows with the group's column mean subtracted (no scaling): the milder form,
/// which keeps how widely a speaker varies.
///
/// # Errors
/// As [`standardize_by_group`].
pub fn center_by_group<K: Ord>(records: ArrayView2<'_, f32>, groups: &[K]) -> Result<Array2<f32>> {
    by_group(records, groups, false)
}

/// One group's column statistics: what [`standardize_by_group`] (or, without scale,
/// [`center_by_group`]) subtracts and divides by. Kept so that rows seen later (a new clip of
/// a known speaker) are normalised exactly as the group's own rows were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations (population); `0` marks a constant column, which maps to 0;
    /// all ones when the statistics only centre.
    pub sd: Vec<f64>,
}

impl GroupStats {
    /// The statistics of `rows` of `records`; with `scale` false the deviations are all 1.
    ///
    /// # Errors
    /// [`DataError::EmptyInput`] for no rows.
    pub fn fit(records: ArrayView2<'_, f32>, rows: &[usize], scale: bool) -> Result<Self> {
        if rows.is_empty() {
            return Err(DataError::EmptyInput {
                what: "rows to normalise",
            });
        }
        let n = rows.len() as f64;
        let d = records.ncols();
        let mut mean = vec![0f64; d];
        for &i in rows {
            for (m, &v) in mean.iter_mut().zip(records.row(i)) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut sd = vec![1f64; d];
        if scale {
            let mut var = vec![0f64; d];
            for &i in rows {
                for ((s, &v), &m) in var.iter_mut().zip(records.row(i)).zip(&mean) {
                    *s += (v as f64 - m).powi(2);
                }
            }
            for (s, v) in sd.iter_mut().zip(&var) {
                let x = (v / n).sqrt();
                *s = if x > 1e-12 { x } else { 0.0 };
            }
        }
        Ok(Self { mean, sd })
    }

    /// The mean of several groups' statistics: column means averaged, deviations combined as
    /// the root of the mean variance — a typical group, for rows of no known group.
    ///
    /// # Errors
    /// [`DataError::EmptyInput`] for no groups; [`DataError::ShapeMismatch`] for groups of
    /// different widths.
    pub fn pooled(groups: &[GroupStats]) -> Result<Self> {
        let first = groups.first().ok_or(DataError::EmptyInput {
            what: "groups to pool",
        })?;
        let d = first.mean.len();
        let n = groups.len() as f64;
        let (mut mean, mut var) = (vec![0f64; d], vec![0f64; d]);
        for g in groups {
            if g.mean.len() != d || g.sd.len() != d {
                return Err(DataError::ShapeMismatch {
                    what: "columns of pooled group statistics",
                    expected: d,
                    got: g.mean.len(),
                });
            }
            for j in 0..d {
                mean[j] += g.mean[j] / n;
                var[j] += g.sd[j] * g.sd[j] / n;
            }
        }
        Ok(Self {
            mean,
            sd: var.into_iter().map(f64::sqrt).collect(),
        })
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Writes `row` normalised into `out` (same length as the statistics).
    pub fn apply_into(
        &self,
        row: ndarray::ArrayView1<'_, f32>,
        out: ndarray::ArrayViewMut1<'_, f32>,
    ) {
        for (((o, &v), &m), &s) in out.into_iter().zip(row).zip(&self.mean).zip(&self.sd) {
            *o = if s > 0.0 {
                ((v as f64 - m) / s) as f32
            } else {
                0.0
            };
        }
    }

    /// Checks the statistics are usable: finite means, finite non-negative deviations, equal
    /// lengths.
    ///
    /// # Errors
    /// A sentence saying what is wrong.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.mean.len() != self.sd.len() {
            return Err(format!(
                "{} means but {} deviations",
                self.mean.len(),
                self.sd.len()
            ));
        }
        if self.mean.iter().any(|m| !m.is_finite()) {
            return Err("a non-finite mean".into());
        }
        if self.sd.iter().any(|s| !(s.is_finite() && *s >= 0.0)) {
            return Err("a negative or non-finite deviation".into());
        }
        Ok(())
    }
}

/// Row indices of each group, groups in key order.
pub fn group_rows<K: Ord>(groups: &[K]) -> BTreeMap<&K, Vec<usize>> {
    let mut members: BTreeMap<&K, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g).or_default().push(i);
    }
    members
}

/// Subtracts each group's column means and, with `scale`, divides by its column standard
/// deviations (a constant column gives 0).
fn by_group<K: Ord>(
    records: ArrayView2<'_, f32>,
    groups: &[K],
    scale: bool,
) -> Result<Array2<f32>> {
    if groups.len() != records.nrows() {
        return Err(DataError::ShapeMismatch {
            what: "groups per row",
            expected: records.nrows(),
            got: groups.len(),
        });
    }
    if records.nrows() == 0 {
        return Err(DataError::EmptyInput {
            what: "rows to normalise",
        });
    }
    let mut out = Array2::zeros(records.raw_dim());
    for rows in group_rows(groups).values() {
        let stats = GroupStats::fit(records, rows, scale)?;
        for &i in rows {
            stats.apply_into(records.row(i), out.row_mut(i));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn each_group_gets_zero_mean_unit_std_by_hand() {
        // Group "x": column 0 = 2, 4, 6 → mean 4, population sd sqrt(8/3).
        let x = array![
            [2.0f32, 5.0],
            [-1.0, 7.0],
            [4.0, 5.0],
            [6.0, 5.0],
            [1.0, 9.0]
        ];
        let g = ["x", "y", "x", "x", "y"];
        let z = standardize_by_group(x.view(), &g).unwrap();
        let sd = (8.0f32 / 3.0).sqrt();
        assert_abs_diff_eq!(z[[0, 0]], -2.0 / sd, epsilon = 1e-6);
        assert_abs_diff_eq!(z[[2, 0]], 0.0, epsilon = 1e-6);
        assert_abs_diff_eq!(z[[3, 0]], 2.0 / sd, epsilon = 1e-6);
        // Column 1 is constant within "x": 0.
        assert_eq!([z[[0, 1]], z[[2, 1]], z[[3, 1]]], [0.0, 0.0, 0.0]);
        // Group "y": two rows → ±1 in each column.
        assert_eq!(
            [z[[1, 0]], z[[4, 0]], z[[1, 1]], z[[4, 1]]],
            [-1.0, 1.0, -1.0, 1.0]
        );
    }

    #[test]
    fn a_speaker_offset_disappears() {
        let base = array![[0.0f32, 1.0], [2.0, -1.0], [5.0, 3.0]];
        let shifted = &base * 3.0 + 100.0;
        let x = ndarray::concatenate(ndarray::Axis(0), &[base.view(), shifted.view()]).unwrap();
        let g = ["a", "a", "a", "b", "b", "b"];
        let z = standardize_by_group(x.view(), &g).unwrap();
        for i in 0..3 {
            for j in 0..2 {
                assert_abs_diff_eq!(z[[i, j]], z[[i + 3, j]], epsilon = 1e-5);
            }
        }
        let c = center_by_group(x.view(), &g).unwrap();
        assert_abs_diff_eq!(c[[0, 0]], -7.0 / 3.0, epsilon = 1e-5);
        assert_abs_diff_eq!(c[[3, 0]], -7.0, epsilon = 1e-4);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let x = array![[1.0f32], [2.0]];
        assert!(matches!(
            standardize_by_group(x.view(), &["a"]),
            Err(DataError::ShapeMismatch {
                expected: 2,
                got: 1,
                ..
            })
        ));
        let empty = Array2::<f32>::zeros((0, 3));
        let none: [&str; 0] = [];
        assert!(matches!(
            center_by_group(empty.view(), &none),
            Err(DataError::EmptyInput { .. })
        ));
    }
}
