//! The floating-point type the network computes in: `f32` for training and prediction, `f64`
//! for gradient checks, both through the same code.

use ndarray::NdFloat;

use super::packed::{PackedRhs, PlainRhs, PreparedRhs};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A float the network can run on (`f32` or `f64`), with the slice-wide activations the LSTM
/// applies to its gates. Implemented for `f32` and `f64` only: its `Rhs` bound is a trait
/// that code outside this crate cannot name.
pub trait Scalar: NdFloat + Default + Serialize + DeserializeOwned {
    /// How a right-hand matrix multiplied many times (the recurrent weights) is prepared:
    /// packed for the SIMD kernel (`f32`) or kept plain (`f64`).
    type Rhs: PreparedRhs<Self>;
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Replaces every value `x` by `1 / (1 + e^-x)`.
    fn sigmoid_in_place(xs: &mut [Self]);
    /// Replaces every value `x` by `tanh(x)`.
    fn tanh_in_place(xs: &mut [Self]);
    /// `1 / (1 + e^-x)` of one value, inlined so that loops over slices vectorise.
    fn sigmoid(x: Self) -> Self;
    /// `tanh(x)` of one value, inlined so that loops over slices vectorise.
    fn tanh_act(x: Self) -> Self;
}

impl Scalar for f64 {
    type Rhs = PlainRhs<f64>;

    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    /// Exact (libm) so that finite-difference gradient checks compare against the true
    /// derivative.
    #[inline(always)]
    fn sigmoid_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = Self::sigmoid(*x);
        }
    }
    #[inline(always)]
    fn tanh_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = x.tanh();
        }
    }
    #[inline(always)]
    fn sigmoid(x: Self) -> Self {
        1.0 / (1.0 + (-x).exp())
    }
    #[inline(always)]
    fn tanh_act(x: Self) -> Self {
        x.tanh()
    }
}

impl Scalar for f32 {
    type Rhs = PackedRhs;

    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    /// Branch-free polynomial `exp` that the compiler vectorises; within a few ulp of libm.
    #[inline(always)]
    fn sigmoid_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = Self::sigmoid(*x);
        }
    }
    /// `tanh(x) = 2 σ(2x) − 1`: absolute error below 1e-7.
    #[inline(always)]
    fn tanh_in_place(xs: &mut [Self]) {
        for x in xs {
            *x = Self::tanh_act(*x);
        }
    }
    #[inline(always)]
    fn sigmoid(x: Self) -> Self {
        1.0 / (1.0 + exp_f32(-x))
    }
    #[inline(always)]
    fn tanh_act(x: Self) -> Self {
        2.0 / (1.0 + exp_f32(-2.0 * x)) - 1.0
    }
}

/// `e^x` for `f32` without branches or library calls (Cephes `expf` polynomial), so loops over
/// slices vectorise. Inputs are clamped to `[-87.3, 88.3]`, where the result stays finite and
/// normal; relative error is a few ulp.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 · 2^23 rounds to the nearest integer without a call.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.3);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_2e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // `shifted`'s low mantissa bits hold n (its bits are 0x4B40_0000 + n): 2^n is n + 127 moved
    // into the exponent field, with no float-to-int conversion (which does not vectorise).
    let scale = f32::from_bits(shifted.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23);
    y * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_libm() {
        let mut worst = 0.0f64;
        let mut x = -80.0f32;
        while x < 80.0 {
            let want = f64::from(x).exp();
            let got = f64::from(exp_f32(x));
            worst = worst.max(((got - want) / want).abs());
            x += 0.013;
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
    }

    #[test]
    fn f32_activations_match_f64() {
        let xs: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.05).collect();
        let mut s = xs.clone();
        f32::sigmoid_in_place(&mut s);
        let mut t = xs.clone();
        f32::tanh_in_place(&mut t);
        for ((&x, &s), &t) in xs.iter().zip(&s).zip(&t) {
            let x = f64::from(x);
            assert!((f64::from(s) - 1.0 / (1.0 + (-x).exp())).abs() < 2e-7);
            assert!((f64::from(t) - x.tanh()).abs() < 3e-7);
        }
        let mut big = [-200.0f32, 200.0];
        f32::sigmoid_in_place(&mut big);
        assert!(big[0] >= 0.0 && big[0] < 1e-30 && big[1] == 1.0);
    }
}
