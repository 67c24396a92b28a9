//! Deltas along time, as `librosa.feature.delta(data, width=9, order=1)` and `order=2` (a Savitzky–Golay
//! first derivative, `mode="interp"` at the edges).

use ndarray::{Array2, ArrayView2};

use crate::error::{FeatureError, Result};

/// Window width librosa uses by default.
pub const DELTA_WIDTH: usize = 9;

/// First derivative along frames (columns) of `data` (`rows × frames`), window 9: interior frames
/// get `Σ_{k=-4..4} k·x[t+k] / 60`; the first and last four repeat the slope of the first and last
/// full window (a degree-1 fit's derivative is constant). Needs at least 9 frames, as librosa.
pub fn delta(data: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
    let frames = data.ncols();
    if frames < DELTA_WIDTH {
        return Err(FeatureError::InputTooShort {
            needed: DELTA_WIDTH,
            got: frames,
        });
    }
    let half = DELTA_WIDTH / 2;
    let denom: f64 = (1..=half).map(|k| 2.0 * (k * k) as f64).sum();
    let mut out = Array2::zeros(data.raw_dim());
    for (row, mut o) in data.rows().into_iter().zip(out.rows_mut()) {
        let slope = |t: usize| -> f32 {
            let s: f64 = (1..=half)
                .map(|k| k as f64 * (row[t + k] as f64 - row[t - k] as f64))
                .sum();
            (s / denom) as f32
        };
        for t in 0..frames {
            let centre = t.clamp(half, frames - 1 - half);
            o[t] = slope(centre);
        }
    }
    Ok(out)
}

/// Second derivative along frames, as `librosa.feature.delta(data, order=2)`: a degree-2
/// Savitzky–Golay fit over 9 frames, `Σ_{k=-4..4} (3k² − 20)·x[t+k] / 462`; the first and last
/// four frames repeat the value of the first and last full window. Needs at least 9 frames.
pub fn delta2(data: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
    let frames = data.ncols();
    if frames < DELTA_WIDTH {
        return Err(FeatureError::InputTooShort {
            needed: DELTA_WIDTH,
            got: frames,
        });
    }
    let half = DELTA_WIDTH as isize / 2;
    let coef: Vec<f64> = (-half..=half)
        .map(|k| (3 * k * k - 20) as f64 / 462.0)
        .collect();
    let mut out = Array2::zeros(data.raw_dim());
    for (row, mut o) in data.rows().into_iter().zip(out.rows_mut()) {
        for t in 0..frames {
            let centre = t.clamp(half as usize, frames - 1 - half as usize);
            let start = centre - half as usize;
            let s: f64 = coef
                .iter()
                .enumerate()
                .map(|(j, c)| c * row[start + j] as f64)
                .sum();
            o[t] = s as f32;
        }
    }
    Ok(out)
}
