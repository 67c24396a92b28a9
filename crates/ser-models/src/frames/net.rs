//! The network itself, generic over `f32` (training, prediction) and `f64` (gradient checks):
//! `layers` × [1-D convolution over time (same padding) + bias + ReLU] → attention pooling
//! over time → dropout → dense → logits, with a hand-written backward pass.
//!
//! A batch is `(batch · steps) × width`, sample-major: rows `b·steps .. (b+1)·steps` are the
//! steps of sample `b`, which is exactly a [`crate::TrainSet`] row read as `steps × step_dim`.
//! Each convolution is one matrix product: the input is unfolded (im2col) into
//! `(batch · steps) × (kernel · width)` rows holding the `kernel` neighbouring steps (zeros past
//! either end of the sample), and multiplied by the `(kernel · width) × channels` weights.

use ndarray::{Array1, Array2, ArrayD, ArrayView2, ArrayViewD, ArrayViewMutD, Axis, Slice, Zip};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use crate::lstm::{Grads, Scalar, dropout_mask, glorot_uniform, softmax_cross_entropy};

/// One convolution over time: weights `(kernel · inputs) × channels`, row `k · inputs + i`
/// holding input `i` at offset `k − kernel / 2` steps; one bias per channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct Conv<F: Scalar> {
    pub(crate) w: Array2<F>,
    pub(crate) b: Array1<F>,
}

/// The weights of the whole network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct CnnNet<F: Scalar> {
    /// Inputs per step of the first convolution.
    pub(crate) step_dim: usize,
    /// Steps each convolution spans (odd).
    pub(crate) kernel: usize,
    /// The convolutions, first to last.
    pub(crate) conv: Vec<Conv<F>>,
    /// Attention projection, channels × attention_dim.
    pub(crate) att_w: Array2<F>,
    /// Attention bias, attention_dim.
    pub(crate) att_b: Array1<F>,
    /// Attention scoring vector, attention_dim.
    pub(crate) att_v: Array1<F>,
    /// Output layer, channels × classes.
    pub(crate) out_w: Array2<F>,
    /// Output bias, classes.
    pub(crate) out_b: Array1<F>,
}

/// Sizes of a network to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) step_dim: usize,
    pub(crate) channels: usize,
    pub(crate) kernel: usize,
    pub(crate) layers: usize,
    pub(crate) attention_dim: usize,
    pub(crate) classes: usize,
}

/// What the forward pass keeps for the backward pass.
pub(crate) struct Cache<F> {
    /// The unfolded input of each convolution.
    cols: Vec<Array2<F>>,
    /// The ReLU output of each convolution.
    outs: Vec<Array2<F>>,
    /// `tanh(W h_t + b)` per row.
    u: Array2<F>,
    /// Attention weights, batch × steps.
    alpha: Array2<F>,
    /// Pooled vectors after dropout, batch × channels.
    pooled: Array2<F>,
    /// Inverted-dropout mask of the pooled vectors, when dropout ran.
    mask: Option<Array2<F>>,
}

/// Loss of a batch: the sum over samples of the cross-entropy and the number classified right.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchStats {
    pub(crate) loss_sum: f64,
    pub(crate) correct: usize,
}

impl<F: Scalar> CnnNet<F> {
    /// He-uniform convolutions (ReLU follows them), Glorot-uniform attention and output
    /// weights, zero biases.
    pub(crate) fn new(shape: Shape, rng: &mut SeededRng) -> Self {
        let Shape {
            step_dim,
            channels,
            kernel,
            layers,
            attention_dim,
            classes,
        } = shape;
        let conv = (0..layers)
            .map(|l| {
                let inputs = if l == 0 { step_dim } else { channels };
                let fan_in = (kernel * inputs).max(1);
                // He et al. 2015: variance 2 / fan_in, i.e. uniform in ±sqrt(6 / fan_in).
                let limit = (6.0 / fan_in as f64).sqrt();
                Conv {
                    w: Array2::from_shape_simple_fn((kernel * inputs, channels), || {
                        F::from_f64(rng.uniform(-limit, limit))
                    }),
                    b: Array1::zeros(channels),
                }
            })
            .collect();
        let att_w = glorot_uniform(channels, attention_dim, rng);
        let att_v = glorot_uniform(attention_dim, 1, rng).column(0).to_owned();
        let out_w = glorot_uniform(channels, classes, rng);
        Self {
            step_dim,
            kernel,
            conv,
            att_w,
            att_b: Array1::zeros(attention_dim),
            att_v,
            out_w,
            out_b: Array1::zeros(classes),
        }
    }

    /// Channels of the last convolution.
    pub(crate) fn channels(&self) -> usize {
        self.att_w.nrows()
    }

    /// Number of classes.
    pub(crate) fn classes(&self) -> usize {
        self.out_b.len()
    }

    /// Checks every shape against the others and that every weight is finite.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.step_dim == 0 || self.kernel == 0 || self.kernel.is_multiple_of(2) {
            return Err("step_dim must be positive and the kernel odd".into());
        }
        if self.conv.is_empty() {
            return Err("no convolution layer".into());
        }
        let channels = self.att_w.nrows();
        let att = self.att_w.ncols();
        if channels == 0 || att == 0 || self.classes() == 0 {
            return Err("zero channels, attention units or classes".into());
        }
        for (l, c) in self.conv.iter().enumerate() {
            let inputs = if l == 0 { self.step_dim } else { channels };
            if c.w.dim() != (self.kernel * inputs, channels) || c.b.len() != channels {
                return Err(format!(
                    "convolution {l} has weights {:?} and {} biases; expected ({}, {channels}) and {channels}",
                    c.w.dim(),
                    c.b.len(),
                    self.kernel * inputs
                ));
            }
        }
        if self.att_b.len() != att || self.att_v.len() != att {
            return Err("attention bias or vector disagrees with the attention width".into());
        }
        if self.out_w.dim() != (channels, self.classes()) {
            return Err(format!(
                "output weights {:?}; expected ({channels}, {})",
                self.out_w.dim(),
                self.classes()
            ));
        }
        if self
            .params()
            .iter()
            .any(|p| p.iter().any(|v| !v.is_finite()))
        {
            return Err("non-finite weights".into());
        }
        Ok(())
    }

    /// Every parameter tensor: per convolution `[w, b]`, then attention `[w, b, v]`, then
    /// output `[w, b]`.
    pub(crate) fn params(&self) -> Vec<ArrayViewD<'_, F>> {
        let mut out = Vec::with_capacity(2 * self.conv.len() + 5);
        for c in &self.conv {
            out.push(c.w.view().into_dyn());
            out.push(c.b.view().into_dyn());
        }
        out.push(self.att_w.view().into_dyn());
        out.push(self.att_b.view().into_dyn());
        out.push(self.att_v.view().into_dyn());
        out.push(self.out_w.view().into_dyn());
        out.push(self.out_b.view().into_dyn());
        out
    }

    /// Mutable views in the order of [`Self::params`].
    pub(crate) fn params_mut(&mut self) -> Vec<ArrayViewMutD<'_, F>> {
        let mut out = Vec::with_capacity(2 * self.conv.len() + 5);
        for c in &mut self.conv {
            out.push(c.w.view_mut().into_dyn());
            out.push(c.b.view_mut().into_dyn());
        }
        out.push(self.att_w.view_mut().into_dyn());
        out.push(self.att_b.view_mut().into_dyn());
        out.push(self.att_v.view_mut().into_dyn());
        out.push(self.out_w.view_mut().into_dyn());
        out.push(self.out_b.view_mut().into_dyn());
        out
    }

    /// Which tensors of [`Self::params`] are weights (decayed) rather than biases.
    pub(crate) fn decayed(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(2 * self.conv.len() + 5);
        for _ in &self.conv {
            out.extend([true, false]);
        }
        out.extend([true, false, true, true, false]);
        out
    }

    /// Logits (batch × classes) of `x` (`(batch · steps) × step_dim`, sample-major), with
    /// inverted dropout of `rate` on the pooled vectors when `dropout` holds a generator.
    /// The caller guarantees `x.ncols() == step_dim` and `steps ≥ 1` dividing `x.nrows()`.
    pub(crate) fn forward(
        &self,
        x: ArrayView2<'_, F>,
        steps: usize,
        dropout: Option<(&mut SeededRng, f64)>,
    ) -> (Array2<F>, Cache<F>) {
        let rows = x.nrows();
        let batch = rows / steps.max(1);
        let mut cols = Vec::with_capacity(self.conv.len());
        let mut outs: Vec<Array2<F>> = Vec::with_capacity(self.conv.len());
        for c in &self.conv {
            let input = outs.last().map_or(x, |h| h.view());
            let col = im2col(input, steps, self.kernel);
            let mut z = col.dot(&c.w);
            let zero = F::zero();
            Zip::from(z.rows_mut()).for_each(|mut row| {
                Zip::from(&mut row).and(&c.b).for_each(|v, &b| {
                    let t = *v + b;
                    *v = if t > zero { t } else { zero };
                });
            });
            cols.push(col);
            outs.push(z);
        }
        let h = outs.last().map_or(x, |h| h.view());
        // Attention scores e = vᵀ tanh(W h_t + b), softmax over each sample's steps.
        let mut u = h.dot(&self.att_w);
        Zip::from(u.rows_mut()).for_each(|mut row| {
            Zip::from(&mut row)
                .and(&self.att_b)
                .for_each(|v, &b| *v = F::tanh_act(*v + b));
        });
        let e = u.dot(&self.att_v);
        let mut alpha = Array2::<F>::zeros((batch, steps));
        let channels = h.ncols();
        let mut pooled = Array2::<F>::zeros((batch, channels));
        for b in 0..batch {
            let scores = e.slice_axis(Axis(0), Slice::from(b * steps..(b + 1) * steps));
            let max = scores.fold(F::neg_infinity(), |m, &v| m.max(v));
            let mut a = alpha.row_mut(b);
            Zip::from(&mut a)
                .and(&scores)
                .for_each(|a, &v| *a = (v - max).exp());
            let sum = a.sum();
            a.mapv_inplace(|v| v / sum);
            let mut p = pooled.row_mut(b);
            for t in 0..steps {
                p.scaled_add(a[t], &h.row(b * steps + t));
            }
        }
        let mask = match dropout {
            Some((rng, rate)) if rate > 0.0 => {
                let m = dropout_mask::<F>(pooled.dim(), rate, rng);
                pooled *= &m;
                Some(m)
            }
            _ => None,
        };
        let mut logits = pooled.dot(&self.out_w);
        logits += &self.out_b;
        let cache = Cache {
            cols,
            outs,
            u,
            alpha,
            pooled,
            mask,
        };
        (logits, cache)
    }

    /// Softmax cross-entropy of a batch and the gradients of `scale · loss_sum` (pass
    /// `1 / batch` for the batch mean), in the order of [`Self::params`].
    pub(crate) fn loss_and_grads(
        &self,
        x: ArrayView2<'_, F>,
        steps: usize,
        labels: &[usize],
        dropout: Option<(&mut SeededRng, f64)>,
        scale: F,
    ) -> (BatchStats, Grads<F>) {
        let (logits, cache) = self.forward(x, steps, dropout);
        let out = softmax_cross_entropy(logits.view(), labels, scale);
        let grads = self.backward(x, steps, cache, out.dlogits);
        let stats = BatchStats {
            loss_sum: out.loss_sum,
            correct: out.correct,
        };
        (stats, grads)
    }

    fn backward(
        &self,
        x: ArrayView2<'_, F>,
        steps: usize,
        cache: Cache<F>,
        dlogits: Array2<F>,
    ) -> Grads<F> {
        let Cache {
            cols,
            mut outs,
            u,
            alpha,
            pooled,
            mask,
        } = cache;
        let one = F::one();
        // Output layer.
        let d_out_w = pooled.t().dot(&dlogits);
        let d_out_b = dlogits.sum_axis(Axis(0));
        let mut dpooled = dlogits.dot(&self.out_w.t());
        if let Some(m) = &mask {
            dpooled *= m;
        }
        // Attention pooling: pooled_b = Σ_t α_bt h_bt.
        let last = outs.pop();
        let h = last.as_ref().map_or(x, |h| h.view());
        let rows = h.nrows();
        let batch = alpha.nrows();
        let mut dh = Array2::<F>::zeros(h.dim());
        let mut de = Array1::<F>::zeros(rows);
        let mut dalpha = Array1::<F>::zeros(steps);
        for b in 0..batch {
            let dp = dpooled.row(b);
            let a = alpha.row(b);
            for t in 0..steps {
                let r = b * steps + t;
                dalpha[t] = h.row(r).dot(&dp);
                dh.row_mut(r).scaled_add(a[t], &dp);
            }
            // Through the softmax: de_t = α_t (dα_t − Σ_s α_s dα_s).
            let mean = a.dot(&dalpha);
            for t in 0..steps {
                de[b * steps + t] = a[t] * (dalpha[t] - mean);
            }
        }
        // e = U v, U = tanh(H W + b).
        let d_att_v = u.t().dot(&de);
        let mut dpre = u;
        Zip::from(dpre.rows_mut())
            .and(&de)
            .for_each(|mut row, &de| {
                Zip::from(&mut row)
                    .and(&self.att_v)
                    .for_each(|u, &v| *u = de * v * (one - *u * *u));
            });
        let d_att_w = h.t().dot(&dpre);
        let d_att_b = dpre.sum_axis(Axis(0));
        ndarray::linalg::general_mat_mul(one, &dpre, &self.att_w.t(), one, &mut dh);
        // Convolutions, last to first; `dh` is the gradient of each one's ReLU output.
        let n = self.conv.len();
        let mut rev: Vec<ArrayD<F>> = Vec::with_capacity(2 * n);
        let mut out = last;
        for l in (0..n).rev() {
            if let Some(y) = &out {
                Zip::from(&mut dh).and(y).for_each(|d, &y| {
                    if y <= F::zero() {
                        *d = F::zero();
                    }
                });
            }
            let dw = cols[l].t().dot(&dh);
            let db = dh.sum_axis(Axis(0));
            if l > 0 {
                let dcol = dh.dot(&self.conv[l].w.t());
                let inputs = self.conv[l].w.nrows() / self.kernel.max(1);
                dh = col2im(dcol.view(), steps, self.kernel, inputs);
            }
            rev.push(db.into_dyn());
            rev.push(dw.into_dyn());
            out = outs.pop();
        }
        rev.reverse();
        let mut tensors = rev;
        tensors.extend([
            d_att_w.into_dyn(),
            d_att_b.into_dyn(),
            d_att_v.into_dyn(),
            d_out_w.into_dyn(),
            d_out_b.into_dyn(),
        ]);
        Grads { tensors }
    }
}

/// Unfolds `h` (`(batch · steps) × width`, sample-major) into `(batch · steps) × (kernel ·
/// width)`: row `(b, t)` holds steps `t − kernel/2 ..= t + kernel/2` of sample `b`, zeros
/// where those fall outside the sample (same padding).
pub(crate) fn im2col<F: Scalar>(h: ArrayView2<'_, F>, steps: usize, kernel: usize) -> Array2<F> {
    let (rows, width) = h.dim();
    let pad = kernel / 2;
    let mut out = Array2::<F>::zeros((rows, kernel * width));
    for (r, mut orow) in out.rows_mut().into_iter().enumerate() {
        let t = r % steps;
        let base = r - t;
        for k in 0..kernel {
            // Source step t + k − pad, when inside 0..steps.
            let src = t + k;
            if src < pad || src - pad >= steps {
                continue;
            }
            orow.slice_axis_mut(Axis(0), Slice::from(k * width..(k + 1) * width))
                .assign(&h.row(base + src - pad));
        }
    }
    out
}

/// The adjoint of [`im2col`]: sums each unfolded row's `kernel` blocks back onto the steps
/// they came from.
pub(crate) fn col2im<F: Scalar>(
    dcol: ArrayView2<'_, F>,
    steps: usize,
    kernel: usize,
    width: usize,
) -> Array2<F> {
    let rows = dcol.nrows();
    let pad = kernel / 2;
    let mut out = Array2::<F>::zeros((rows, width));
    for (r, drow) in dcol.rows().into_iter().enumerate() {
        let t = r % steps;
        let base = r - t;
        for k in 0..kernel {
            let src = t + k;
            if src < pad || src - pad >= steps {
                continue;
            }
            let mut dst = out.row_mut(base + src - pad);
            dst += &drow.slice_axis(Axis(0), Slice::from(k * width..(k + 1) * width));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    const SHAPE: Shape = Shape {
        step_dim: 3,
        channels: 4,
        kernel: 3,
        layers: 2,
        attention_dim: 5,
        classes: 3,
    };

    #[test]
    fn im2col_pads_with_zeros_and_col2im_is_its_adjoint() {
        // Two samples of 4 steps × 2 features; kernel 3.
        let h = Array2::from_shape_fn((8, 2), |(r, c)| (10 * r + c) as f64);
        let col = im2col(h.view(), 4, 3);
        assert_eq!(col.dim(), (8, 6));
        // Sample 0, step 0: [zeros | step 0 | step 1].
        assert_eq!(col.row(0).to_vec(), vec![0.0, 0.0, 0.0, 1.0, 10.0, 11.0]);
        // Sample 1, step 0 (row 4): its left neighbour is not sample 0's last step.
        assert_eq!(col.row(4).to_vec(), vec![0.0, 0.0, 40.0, 41.0, 50.0, 51.0]);
        // Sample 1, step 3 (row 7): right edge.
        assert_eq!(col.row(7).to_vec(), vec![60.0, 61.0, 70.0, 71.0, 0.0, 0.0]);
        // <im2col(h), g> == <h, col2im(g)> for any g.
        let mut rng = SeededRng::splitmix64(3);
        let g = Array2::from_shape_simple_fn((8, 6), || rng.uniform(-1.0, 1.0));
        let lhs: f64 = (&col * &g).sum();
        let rhs: f64 = (&h * &col2im(g.view(), 4, 3, 2)).sum();
        assert!(
            (lhs - rhs).abs() < 1e-9 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
    }

    /// Central differences of the real loss code against the analytic gradients of every
    /// tensor, in f64, on a tiny net whose kernel reaches past both ends of every sample.
    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = SeededRng::splitmix64(7);
        let mut net = CnnNet::<f64>::new(SHAPE, &mut rng);
        // Non-zero biases, so that they matter and the ReLUs are not all at the same side.
        for (k, mut p) in net.params_mut().into_iter().enumerate() {
            if p.ndim() == 1 {
                p.mapv_inplace(|_| rng.uniform(-0.3, 0.3) + 0.05 * k as f64);
            }
        }
        let (steps, batch) = (7, 4);
        let x = Array2::from_shape_simple_fn((steps * batch, SHAPE.step_dim), || {
            rng.uniform(-1.5, 1.5)
        });
        let labels = [0, 2, 1, 2];
        let scale = 1.0 / batch as f64;
        let loss_of = |net: &CnnNet<f64>| {
            net.loss_and_grads(x.view(), steps, &labels, None, scale)
                .0
                .loss_sum
                * scale
        };
        let (_, grads) = net.loss_and_grads(x.view(), steps, &labels, None, scale);
        let shapes: Vec<Vec<usize>> = net.params().iter().map(|p| p.shape().to_vec()).collect();
        assert_eq!(grads.tensors.len(), shapes.len());
        assert_eq!(shapes.len(), 2 * SHAPE.layers + 5);
        const H: f64 = 1e-5;
        for (k, shape) in shapes.iter().enumerate() {
            assert_eq!(grads.tensors[k].shape(), &shape[..], "tensor {k}");
            let n = grads.tensors[k].len();
            let (mut diff2, mut norm2) = (0.0f64, 0.0f64);
            for i in 0..n {
                let orig = net.params()[k].iter().nth(i).copied().unwrap_or_default();
                let mut at = |d: f64| {
                    if let Some(p) = net.params_mut()[k].iter_mut().nth(i) {
                        *p = orig + d;
                    }
                    loss_of(&net)
                };
                let (plus, minus) = (at(H), at(-H));
                at(0.0);
                let numeric = (plus - minus) / (2.0 * H);
                let analytic = grads.tensors[k].iter().nth(i).copied().unwrap_or_default();
                let denom = analytic.abs().max(numeric.abs());
                if denom > 1e-7 {
                    let rel = (analytic - numeric).abs() / denom;
                    assert!(
                        rel < 1e-6,
                        "tensor {k} elem {i}: analytic {analytic:e} numeric {numeric:e} rel {rel:e}"
                    );
                } else {
                    assert!((analytic - numeric).abs() < 1e-12, "tensor {k} elem {i}");
                }
                diff2 += (analytic - numeric).powi(2);
                norm2 += analytic.powi(2);
            }
            assert!(norm2 > 0.0, "tensor {k} has an all-zero gradient");
            assert!(
                diff2.sqrt() < 1e-7 * norm2.sqrt(),
                "tensor {k}: relative norm error {}",
                diff2.sqrt() / norm2.sqrt()
            );
        }
    }

    #[test]
    fn dropout_mask_is_applied_in_the_backward_pass_too() {
        // With a fixed mask the loss is still a smooth function of the output weights.
        let mut rng = SeededRng::splitmix64(8);
        let mut net = CnnNet::<f64>::new(SHAPE, &mut rng);
        let (steps, batch) = (5, 3);
        let x = Array2::from_shape_simple_fn((steps * batch, 3), || rng.uniform(-1.0, 1.0));
        let labels = [1, 0, 2];
        let mask_rng = SeededRng::splitmix64(99);
        let loss = |net: &CnnNet<f64>| {
            let mut r = mask_rng.clone();
            net.loss_and_grads(x.view(), steps, &labels, Some((&mut r, 0.5)), 1.0)
                .0
                .loss_sum
        };
        let mut r = mask_rng.clone();
        let (_, g) = net.loss_and_grads(x.view(), steps, &labels, Some((&mut r, 0.5)), 1.0);
        let k = net.params().len() - 2; // output weights
        let h = 1e-6;
        for i in 0..net.params()[k].len() {
            let orig = net.params()[k].iter().nth(i).copied().unwrap_or_default();
            let mut at = |d: f64| {
                if let Some(p) = net.params_mut()[k].iter_mut().nth(i) {
                    *p = orig + d;
                }
                loss(&net)
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            at(0.0);
            let analytic = g.tensors[k].iter().nth(i).copied().unwrap_or_default();
            assert!((analytic - numeric).abs() < 1e-7, "{analytic} vs {numeric}");
        }
    }
}
