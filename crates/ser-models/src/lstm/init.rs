//! Keras-like weight initialisation: Glorot uniform for input weights, orthogonal for recurrent
//! weights (Gram–Schmidt of a Gaussian matrix).

use ndarray::Array2;
use ser_data::SeededRng;

use super::scalar::Scalar;

/// `rows × cols` uniform in `±sqrt(6 / (rows + cols))` (Glorot & Bengio 2010).
pub(crate) fn glorot_uniform<F: Scalar>(
    rows: usize,
    cols: usize,
    rng: &mut SeededRng,
) -> Array2<F> {
    let limit = (6.0 / (rows + cols).max(1) as f64).sqrt();
    Array2::from_shape_simple_fn((rows, cols), || F::from_f64(rng.uniform(-limit, limit)))
}

/// `rows × cols` with orthonormal rows (when `rows <= cols`) or orthonormal columns (otherwise),
/// like Keras' `Orthogonal`: a Gaussian matrix orthonormalised by modified Gram–Schmidt, which
/// equals the Q of its QR decomposition with a positive diagonal in R.
pub(crate) fn orthogonal<F: Scalar>(rows: usize, cols: usize, rng: &mut SeededRng) -> Array2<F> {
    let (long, short) = (rows.max(cols), rows.min(cols));
    // `short` vectors of length `long`, each made orthogonal to the ones before it.
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(short);
    while basis.len() < short {
        let mut v: Vec<f64> = (0..long).map(|_| rng.normal()).collect();
        let first_norm = norm(&v);
        for q in &basis {
            let d: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
        }
        let n = norm(&v);
        // A draw (almost) inside the span so far is redrawn; with Gaussian draws and
        // `short <= long` this essentially never happens.
        if n > 1e-6 * first_norm {
            v.iter_mut().for_each(|a| *a /= n);
            basis.push(v);
        }
    }
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        let (k, i) = if rows <= cols { (r, c) } else { (c, r) };
        F::from_f64(basis[k][i])
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_orthonormal(m: &Array2<f64>) {
        let g = if m.nrows() <= m.ncols() {
            m.dot(&m.t())
        } else {
            m.t().dot(m)
        };
        for ((i, j), &v) in g.indexed_iter() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((v - want).abs() < 1e-10, "gram[{i},{j}] = {v}");
        }
    }

    #[test]
    fn orthogonal_wide_and_tall() {
        let mut rng = SeededRng::splitmix64(1);
        check_orthonormal(&orthogonal::<f64>(8, 32, &mut rng));
        check_orthonormal(&orthogonal::<f64>(32, 8, &mut rng));
        check_orthonormal(&orthogonal::<f64>(16, 16, &mut rng));
    }

    #[test]
    fn glorot_range_and_spread() {
        let mut rng = SeededRng::splitmix64(2);
        let w = glorot_uniform::<f64>(100, 200, &mut rng);
        let limit = (6.0f64 / 300.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= limit));
        // Uniform(-l, l) has variance l²/3.
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        assert!((var - limit * limit / 3.0).abs() < 0.05 * limit * limit / 3.0);
    }
}
