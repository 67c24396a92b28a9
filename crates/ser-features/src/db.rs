//! Power to decibels, as `librosa.power_to_db` (ref 1.0, amin 1e-10, top_db 80 by default).

use ndarray::{Array2, ArrayView2};

use crate::error::{FeatureError, Result};

/// `power_to_db` parameters; defaults are librosa's.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DbParams {
    /// Reference power mapped to 0 dB (librosa: 1.0).
    pub reference: f32,
    /// Smallest power considered; below it values are clamped (librosa: 1e-10, i.e. −100 dB).
    pub amin: f32,
    /// Dynamic range kept below the clip's maximum; `None` keeps everything (librosa: 80).
    pub top_db: Option<f32>,
}

impl Default for DbParams {
    fn default() -> Self {
        Self {
            reference: 1.0,
            amin: 1e-10,
            top_db: Some(80.0),
        }
    }
}

impl DbParams {
    /// Checks every field.
    pub fn check(&self) -> Result<()> {
        if !(self.amin.is_finite() && self.amin >= f32::MIN_POSITIVE) {
            return Err(FeatureError::InvalidParameter {
                name: "amin",
                reason: format!(
                    "must be finite and ≥ f32::MIN_POSITIVE (a normal number), got {}",
                    self.amin
                ),
            });
        }
        if !(self.reference.is_finite() && self.reference > 0.0) {
            return Err(FeatureError::InvalidParameter {
                name: "reference",
                reason: format!("must be finite and > 0, got {}", self.reference),
            });
        }
        if let Some(t) = self.top_db
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(FeatureError::InvalidParameter {
                name: "top_db",
                reason: format!("must be finite and ≥ 0, got {t}"),
            });
        }
        Ok(())
    }

    /// The reference level in dB, `10 log10(max(amin, reference))`.
    pub fn reference_db(&self) -> f32 {
        10.0 * self.reference.max(self.amin).log10()
    }
}

/// `10 · log10(max(amin, x)) − reference_db` for every value, in place; returns the largest
/// result (for the `top_db` clamp, which needs the whole array's maximum).
pub(crate) fn to_db_in_place(values: &mut [f32], amin: f32, reference_db: f32) -> f32 {
    // Two plain loops (a map, then a max reduction over eight lanes) so both vectorise.
    for v in values.iter_mut() {
        let x = if *v > amin { *v } else { amin };
        *v = 10.0 * log10_fast(x) - reference_db;
    }
    max_of(values)
}

/// Largest value (NEG_INFINITY for an empty slice), eight lanes at a time.
pub(crate) fn max_of(values: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            lanes[i] = if c[i] > lanes[i] { c[i] } else { lanes[i] };
        }
    }
    let mut max = f32::NEG_INFINITY;
    for &v in lanes.iter().chain(tail) {
        max = if v > max { v } else { max };
    }
    max
}

/// Clamps every value to at least `max − top_db`.
pub(crate) fn clamp_top_db(values: &mut [f32], max: f32, top_db: Option<f32>) {
    if let Some(t) = top_db {
        let floor = max - t;
        values
            .iter_mut()
            .for_each(|v| *v = if *v > floor { *v } else { floor });
    }
}

/// Power → dB of a whole array, as `librosa.power_to_db(S, ref=…, amin=…, top_db=…)`; the
/// `top_db` floor is relative to this array's maximum.
pub fn power_to_db(power: ArrayView2<'_, f32>, params: &DbParams) -> Result<Array2<f32>> {
    params.check()?;
    if let Some((i, &value)) = power.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(FeatureError::NonFiniteSample { index: i, value });
    }
    let mut out = power.as_standard_layout().into_owned();
    let reference_db = params.reference_db();
    match out.as_slice_mut() {
        Some(values) => {
            let max = to_db_in_place(values, params.amin, reference_db);
            clamp_top_db(values, max, params.top_db);
        }
        None => {
            return Err(FeatureError::ShapeMismatch {
                expected: power.shape().to_vec(),
                actual: out.shape().to_vec(),
            });
        }
    }
    Ok(out)
}

/// `log10(x)` for positive normal `x`, branch-free so loops over slices vectorise.
/// Error below `2.5e-7 · (1 + |log10 x|)` (a few `f32` ulps); used where `x ≥ amin ≥
/// f32::MIN_POSITIVE`.
#[inline]
pub(crate) fn log10_fast(x: f32) -> f32 {
    const LOG10_2: f32 = std::f32::consts::LOG10_2;
    const INV_LN10_2: f32 = 2.0 / std::f32::consts::LN_10;
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    // Mantissa in [1, 2); fold into [√½, √2) so the series argument stays small.
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = (exponent + big as i32) as f32;
    // ln(m) = 2 atanh(s), s = (m − 1) / (m + 1), |s| < 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series =
        s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
    e * LOG10_2 + INV_LN10_2 * series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log10_fast_matches_std_over_the_f32_range() {
        let mut worst = 0f64;
        let mut x = 1e-30f32;
        while x < 1e30 {
            let got = log10_fast(x) as f64;
            let want = (x as f64).log10();
            // A few f32 ulps of the result (the exponent term alone is rounded to f32).
            worst = worst.max((got - want).abs() / (1.0 + want.abs()));
            x *= 1.000_37;
        }
        assert!(worst < 2.5e-7, "worst error {worst}");
    }

    #[test]
    fn power_to_db_of_zeros_is_the_amin_floor() {
        let zeros = Array2::<f32>::zeros((3, 4));
        let db = power_to_db(zeros.view(), &DbParams::default()).unwrap();
        assert!(db.iter().all(|&v| (v + 100.0).abs() < 1e-4));
    }

    #[test]
    fn power_to_db_clamps_to_top_db_below_the_max() {
        let p = ndarray::arr2(&[[1.0f32, 1e-3, 1e-9, 0.0]]);
        let db = power_to_db(p.view(), &DbParams::default()).unwrap();
        let want = [0.0, -30.0, -80.0, -80.0];
        for (g, w) in db.iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{g} vs {w}");
        }
        let no_clamp = DbParams {
            top_db: None,
            ..DbParams::default()
        };
        let db = power_to_db(p.view(), &no_clamp).unwrap();
        let want = [0.0, -30.0, -90.0, -100.0];
        for (g, w) in db.iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{g} vs {w}");
        }
    }

    #[test]
    fn power_to_db_rejects_bad_params_and_values() {
        let p = ndarray::arr2(&[[1.0f32, f32::NAN]]);
        assert!(matches!(
            power_to_db(p.view(), &DbParams::default()),
            Err(FeatureError::NonFiniteSample { index: 1, .. })
        ));
        let bad = DbParams {
            amin: 0.0,
            ..DbParams::default()
        };
        assert!(matches!(
            power_to_db(ndarray::arr2(&[[1.0f32]]).view(), &bad),
            Err(FeatureError::InvalidParameter { name: "amin", .. })
        ));
    }
}
