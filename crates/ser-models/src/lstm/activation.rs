//! Parameter-free layers and the loss: ReLU, inverted dropout, softmax with categorical
//! cross-entropy.

use ndarray::{Array2, ArrayView2, Zip};
use ser_data::SeededRng;

use super::scalar::Scalar;

/// `max(x, 0)` element-wise.
pub(crate) fn relu<F: Scalar>(x: ArrayView2<'_, F>) -> Array2<F> {
    x.mapv(|v| if v > F::zero() { v } else { F::zero() })
}

/// Gradient through ReLU, given its output `y` and the gradient `dy` of the output.
pub(crate) fn relu_backward<F: Scalar>(y: ArrayView2<'_, F>, dy: ArrayView2<'_, F>) -> Array2<F> {
    Zip::from(&y)
        .and(&dy)
        .map_collect(|&y, &d| if y > F::zero() { d } else { F::zero() })
}

/// An inverted-dropout mask: each entry is `0` with probability `rate`, else `1 / (1 − rate)`,
/// so the expected activation is unchanged and nothing needs rescaling at prediction time.
pub(crate) fn dropout_mask<F: Scalar>(
    shape: (usize, usize),
    rate: f64,
    rng: &mut SeededRng,
) -> Array2<F> {
    let keep = F::from_f64(1.0 / (1.0 - rate));
    Array2::from_shape_simple_fn(shape, || {
        if rng.next_f64() < rate {
            F::zero()
        } else {
            keep
        }
    })
}

/// Softmax of each row in place (max-subtracted, so large logits do not overflow).
pub(crate) fn softmax_rows<F: Scalar>(z: &mut Array2<F>) {
    for mut row in z.rows_mut() {
        let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
}

/// What the loss layer returns for a batch.
#[derive(Debug, Clone)]
pub(crate) struct LossOutput<F> {
    /// Sum over rows of `−ln p(label)` (not yet averaged).
    pub(crate) loss_sum: f64,
    /// Rows whose highest-probability class is their label.
    pub(crate) correct: usize,
    /// Gradient of `scale · loss_sum` with respect to the logits.
    pub(crate) dlogits: Array2<F>,
}

/// Softmax + categorical cross-entropy against one-hot targets `labels` (class indices, each
/// below the number of columns). The gradient is `scale · (softmax − onehot)`; pass
/// `scale = 1 / batch` for the batch mean.
pub(crate) fn softmax_cross_entropy<F: Scalar>(
    logits: ArrayView2<'_, F>,
    labels: &[usize],
    scale: F,
) -> LossOutput<F> {
    let mut p = logits.to_owned();
    softmax_rows(&mut p);
    let mut loss_sum = 0.0;
    let mut correct = 0;
    for ((row, mut prow), &label) in logits.rows().into_iter().zip(p.rows_mut()).zip(labels) {
        // −ln softmax(z)_label = logsumexp(z) − z_label, computed in f64.
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v.to_f64()));
        let lse = max
            + row
                .iter()
                .map(|&v| (v.to_f64() - max).exp())
                .sum::<f64>()
                .ln();
        loss_sum += lse - row[label].to_f64();
        let best = row
            .iter()
            .enumerate()
            .fold(
                (0, F::neg_infinity()),
                |b, (i, &v)| if v > b.1 { (i, v) } else { b },
            )
            .0;
        correct += usize::from(best == label);
        prow[label] -= F::one();
        prow.mapv_inplace(|v| v * scale);
    }
    LossOutput {
        loss_sum,
        correct,
        dlogits: p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cross_entropy_hand_computed() {
        // logits [0, ln 3] → p = [1/4, 3/4]; label 1 → loss ln(4/3); label 0 → ln 4.
        let z = array![[0.0f64, 3f64.ln()], [0.0, 3f64.ln()]];
        let out = softmax_cross_entropy(z.view(), &[1, 0], 0.5);
        let want = (4.0f64 / 3.0).ln() + 4f64.ln();
        assert!((out.loss_sum - want).abs() < 1e-12);
        assert_eq!(out.correct, 1);
        let want_d = array![[0.125, -0.125], [-0.375, 0.375]];
        assert!(
            out.dlogits
                .iter()
                .zip(&want_d)
                .all(|(a, b)| (a - b).abs() < 1e-12)
        );
    }

    #[test]
    fn softmax_survives_huge_logits() {
        let mut z = array![[1000.0f32, 0.0, -1000.0]];
        softmax_rows(&mut z);
        assert_eq!(z, array![[1.0f32, 0.0, 0.0]]);
    }

    #[test]
    fn dropout_mask_rate_and_scale() {
        let mut rng = SeededRng::splitmix64(4);
        let m: Array2<f64> = dropout_mask((200, 100), 0.2, &mut rng);
        let zeros = m.iter().filter(|&&v| v == 0.0).count() as f64 / m.len() as f64;
        assert!((zeros - 0.2).abs() < 0.01);
        assert!(m.iter().all(|&v| v == 0.0 || (v - 1.25).abs() < 1e-12));
    }
}
