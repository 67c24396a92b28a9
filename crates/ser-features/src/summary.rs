//! Summaries over time of frame features (`rows × frames`), and fitting frame sequences to a fixed
//! length with a mask for sequence models.

use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};

use crate::error::{FeatureError, Result};

/// A statistic over frames, computed per row.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Summary {
    /// Arithmetic mean (the study's summary).
    Mean,
    /// Population standard deviation (`np.std`, ddof 0).
    Std,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Percentile in `[0, 100]`, linear interpolation between order statistics (`np.percentile`'s
    /// default).
    Percentile(f32),
    /// Least-squares slope against the frame index (units per frame).
    Slope,
}

impl Summary {
    /// Suffix used in value names, e.g. `"mean"`, `"p25"`, `"slope"`.
    pub fn suffix(&self) -> String {
        match self {
            Summary::Mean => "mean".into(),
            Summary::Std => "std".into(),
            Summary::Min => "min".into(),
            Summary::Max => "max".into(),
            Summary::Percentile(p) => format!("p{p}"),
            Summary::Slope => "slope".into(),
        }
    }

    fn check(&self) -> Result<()> {
        if let Summary::Percentile(p) = self
            && !(0.0..=100.0).contains(p)
        {
            return Err(FeatureError::InvalidParameter {
                name: "percentile",
                reason: format!("must lie in [0, 100], got {p}"),
            });
        }
        Ok(())
    }

    fn of(&self, row: &[f64], sorted: &mut Vec<f64>) -> f64 {
        let n = row.len() as f64;
        let mean = row.iter().sum::<f64>() / n;
        match self {
            Summary::Mean => mean,
            Summary::Std => (row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt(),
            Summary::Min => row.iter().copied().fold(f64::INFINITY, f64::min),
            Summary::Max => row.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Summary::Percentile(p) => {
                sorted.clear();
                sorted.extend_from_slice(row);
                sorted.sort_by(f64::total_cmp);
                let pos = *p as f64 / 100.0 * (n - 1.0);
                let lo = pos.floor() as usize;
                let hi = (lo + 1).min(sorted.len() - 1);
                sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
            }
            Summary::Slope => {
                if row.len() < 2 {
                    return 0.0;
                }
                let t_mean = (n - 1.0) / 2.0;
                let (num, den) = row.iter().enumerate().fold((0.0, 0.0), |(a, b), (t, v)| {
                    let dt = t as f64 - t_mean;
                    (a + dt * (v - mean), b + dt * dt)
                });
                num / den
            }
        }
    }
}

/// Summaries of every row, summary-major: all rows' first summary, then all rows' second, …
/// (length `summaries.len() × rows`). Names follow with [`summary_names`].
pub fn summarize(values: ArrayView2<'_, f32>, summaries: &[Summary]) -> Result<Array1<f32>> {
    if values.ncols() == 0 {
        return Err(FeatureError::EmptyInput);
    }
    for s in summaries {
        s.check()?;
    }
    let rows: Vec<Vec<f64>> = values
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let mut sorted = Vec::with_capacity(values.ncols());
    let mut out = Vec::with_capacity(summaries.len() * rows.len());
    for s in summaries {
        for row in &rows {
            out.push(s.of(row, &mut sorted) as f32);
        }
    }
    Ok(Array1::from(out))
}

/// Names for [`summarize`]'s output: `"{row}_{suffix}"` in the same order.
pub fn summary_names(row_names: &[String], summaries: &[Summary]) -> Vec<String> {
    summaries
        .iter()
        .flat_map(|s| row_names.iter().map(move |r| format!("{r}_{}", s.suffix())))
        .collect()
}

/// How to fill frames added to reach a fixed length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Padding {
    /// Zeros.
    #[default]
    Zero,
    /// Repeat the last frame.
    Edge,
}

/// Which frames to keep when a sequence is too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Truncation {
    /// Keep the first frames (drop the end).
    #[default]
    KeepStart,
    /// Keep the middle frames (drop equally from both ends; one more from the end if odd).
    KeepCentre,
    /// Keep the last frames (drop the start).
    KeepEnd,
}

/// A `rows × length` sequence and its mask (`true` for real frames, `false` for padding).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedLength {
    /// The fitted values.
    pub values: Array2<f32>,
    /// One flag per frame.
    pub mask: Array1<bool>,
}

/// Pads (at the end) or truncates `values` (`rows × frames`) to exactly `length` frames.
pub fn fit_length(
    values: ArrayView2<'_, f32>,
    length: usize,
    padding: Padding,
    truncation: Truncation,
) -> Result<FixedLength> {
    if length == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "length",
            reason: "must be at least 1".into(),
        });
    }
    let frames = values.ncols();
    if frames == 0 {
        return Err(FeatureError::EmptyInput);
    }
    if frames >= length {
        let start = match truncation {
            Truncation::KeepStart => 0,
            Truncation::KeepCentre => (frames - length) / 2,
            Truncation::KeepEnd => frames - length,
        };
        return Ok(FixedLength {
            values: values
                .slice_axis(Axis(1), Slice::from(start..start + length))
                .to_owned(),
            mask: Array1::from_elem(length, true),
        });
    }
    let mut out = Array2::zeros((values.nrows(), length));
    out.slice_axis_mut(Axis(1), Slice::from(..frames))
        .assign(&values);
    if padding == Padding::Edge {
        let last = values.column(frames - 1).to_owned();
        for t in frames..length {
            out.column_mut(t).assign(&last);
        }
    }
    let mask = Array1::from_shape_fn(length, |t| t < frames);
    Ok(FixedLength { values: out, mask })
}
