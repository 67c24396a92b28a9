//! Orthonormal DCT-II, as `scipy.fft.dct(x, type=2, norm="ortho")` (what librosa's MFCC uses).

use ndarray::Array2;

use crate::error::{FeatureError, Result};

/// The first `n_out` rows of the orthonormal DCT-II matrix of size `n_in`:
/// `D[k, n] = s_k · cos(π k (2n + 1) / (2 n_in))` with `s_0 = √(1/n_in)`, `s_k = √(2/n_in)`.
/// `D · x` gives the first `n_out` coefficients of `scipy.fft.dct(x, type=2, norm="ortho")`.
pub fn dct_matrix(n_out: usize, n_in: usize) -> Result<Array2<f32>> {
    if n_in == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "n_mels",
            reason: "the DCT input length must be at least 1".into(),
        });
    }
    if n_out == 0 || n_out > n_in {
        return Err(FeatureError::InvalidParameter {
            name: "n_mfcc",
            reason: format!("must lie in 1..={n_in}, got {n_out}"),
        });
    }
    let n = n_in as f64;
    Ok(Array2::from_shape_fn((n_out, n_in), |(k, i)| {
        let scale = if k == 0 {
            (1.0 / n).sqrt()
        } else {
            (2.0 / n).sqrt()
        };
        let angle = std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n);
        (scale * angle.cos()) as f32
    }))
}

/// The first `n_out` orthonormal DCT-II coefficients of `x` (one-shot; computed in `f64`).
pub fn dct_ii_ortho(x: &[f32], n_out: usize) -> Result<Vec<f32>> {
    let d = dct_matrix(n_out, x.len())?;
    Ok(d.rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .zip(x)
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum::<f64>() as f32
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_matrix_is_orthonormal() {
        let d = dct_matrix(16, 16).unwrap();
        let eye = d.dot(&d.t());
        for ((i, j), &v) in eye.indexed_iter() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((v - want).abs() < 1e-5, "({i},{j}) = {v}");
        }
    }

    #[test]
    fn matches_a_hand_computed_case() {
        // scipy.fft.dct([1, 2, 3, 4], norm="ortho") = [5, -2.2304425, 0, -0.15851267]
        let y = dct_ii_ortho(&[1.0, 2.0, 3.0, 4.0], 4).unwrap();
        let want = [5.0, -2.230_442_5, 0.0, -0.158_512_67];
        for (g, w) in y.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{g} vs {w}");
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(dct_matrix(0, 4).is_err());
        assert!(dct_matrix(5, 4).is_err());
        assert!(dct_matrix(1, 0).is_err());
    }
}
