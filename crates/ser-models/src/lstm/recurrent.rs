//! The LSTM layer: forward over a time-major batch with one GEMM per step, and
//! back-propagation through time with the weight gradients as one GEMM over all steps.
//!
//! Layout: a sequence batch of `B` samples and `T` steps is a `(T·B) × D` matrix whose rows
//! `t·B .. (t+1)·B` hold step `t` of every sample. Gate blocks are ordered `[i, f, g, o]`
//! (input, forget, cell candidate, output) like Keras.

use ndarray::{Array1, Array2, ArrayView2, Axis, Slice, Zip, linalg::general_mat_mul};
use serde::{Deserialize, Serialize};

use super::init::{glorot_uniform, orthogonal};
use super::rng::SplitMix64;
use super::scalar::Scalar;

/// One LSTM layer: `z = x W_x + h W_h + b`, `i, f, o = σ(z)`, `g = tanh(z)`,
/// `c' = f c + i g`, `h' = o tanh(c')`. Padded steps (beyond a sample's length) keep `c` and
/// `h` unchanged, so a many-to-one layer returns the state after the last real step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct LstmLayer<F: Scalar> {
    w_x: Array2<F>,
    w_h: Array2<F>,
    b: Array1<F>,
    return_sequences: bool,
}

/// What the forward pass keeps for back-propagation.
#[derive(Debug, Clone)]
pub struct LstmCache<F> {
    x: Array2<F>,
    gates: Array2<F>,
    h: Array2<F>,
    c: Array2<F>,
    tanh_c: Array2<F>,
    steps: usize,
    lengths: Option<Vec<usize>>,
}

/// Gradients of an LSTM layer's parameters and (optionally) of its input.
#[derive(Debug, Clone)]
pub struct LstmGrads<F> {
    /// Gradient of the input weights (inputs × 4·units).
    pub w_x: Array2<F>,
    /// Gradient of the recurrent weights (units × 4·units).
    pub w_h: Array2<F>,
    /// Gradient of the bias (4·units).
    pub b: Array1<F>,
    /// Gradient of the layer's input, `(T·B) × inputs`, when asked for.
    pub dx: Option<Array2<F>>,
}

/// The contiguous buffer of an array this module allocated itself (always standard layout).
fn flat<F>(a: &Array2<F>) -> &[F] {
    a.as_slice()
        .expect("arrays allocated by the LSTM layer are in standard layout")
}

fn flat_mut<F>(a: &mut Array2<F>) -> &mut [F] {
    a.as_slice_mut()
        .expect("arrays allocated by the LSTM layer are in standard layout")
}

fn is_active(lengths: Option<&[usize]>, t: usize, r: usize) -> bool {
    lengths.is_none_or(|l| t < l[r])
}

impl<F: Scalar> LstmLayer<F> {
    /// Keras initialisation: Glorot-uniform `W_x`, orthogonal `W_h`, zero bias except the
    /// forget gate's, which starts at 1.
    pub fn new(inputs: usize, units: usize, return_sequences: bool, rng: &mut SplitMix64) -> Self {
        let mut b = Array1::zeros(4 * units);
        b.slice_axis_mut(Axis(0), Slice::from(units..2 * units))
            .fill(F::one());
        Self {
            w_x: glorot_uniform(inputs, 4 * units, rng),
            w_h: orthogonal(units, 4 * units, rng),
            b,
            return_sequences,
        }
    }

    /// Features per input step.
    pub fn inputs(&self) -> usize {
        self.w_x.nrows()
    }

    /// Hidden units (the width of `h` and `c`).
    pub fn units(&self) -> usize {
        self.w_h.nrows()
    }

    /// Whether the layer outputs `h` at every step (`true`) or only after the last (`false`).
    pub fn return_sequences(&self) -> bool {
        self.return_sequences
    }

    /// Input weights, inputs × 4·units, gate blocks `[i, f, g, o]`.
    pub fn w_x(&self) -> &Array2<F> {
        &self.w_x
    }

    /// Recurrent weights, units × 4·units.
    pub fn w_h(&self) -> &Array2<F> {
        &self.w_h
    }

    /// Bias, 4·units.
    pub fn b(&self) -> &Array1<F> {
        &self.b
    }

    /// Mutable views of `[w_x, w_h, b]` (for an optimiser).
    pub(crate) fn params_mut(&mut self) -> (&mut Array2<F>, &mut Array2<F>, &mut Array1<F>) {
        (&mut self.w_x, &mut self.w_h, &mut self.b)
    }

    /// Runs the layer over `x`, `(steps·B) × inputs` time-major. `lengths` (one per sample,
    /// each in `1..=steps`) marks the real steps. Returns the output — `(steps·B) × units`
    /// with `return_sequences`, else `B × units` — and, when `keep_cache`, what
    /// [`Self::backward`] needs. The caller guarantees the shapes.
    pub fn forward(
        &self,
        x: Array2<F>,
        steps: usize,
        lengths: Option<&[usize]>,
        keep_cache: bool,
    ) -> (Array2<F>, Option<LstmCache<F>>) {
        let units = self.units();
        let g4 = 4 * units;
        let tb = x.nrows();
        let batch = tb / steps;

        // Input projection for every step at once: one rank-1 update when inputs are scalars
        // (the study's 40 × 1 MFCC sequence), else one GEMM.
        let mut z = Array2::<F>::zeros((tb, g4));
        if self.inputs() == 1 {
            let w = self.w_x.row(0);
            for (mut zr, &xv) in z.rows_mut().into_iter().zip(x.column(0)) {
                Zip::from(&mut zr)
                    .and(&w)
                    .and(&self.b)
                    .for_each(|z, &w, &b| *z = xv * w + b);
            }
        } else {
            general_mat_mul(F::one(), &x, &self.w_x, F::zero(), &mut z);
            z += &self.b;
        }

        let mut hs = Array2::<F>::zeros(((steps + 1) * batch, units));
        let mut cs = Array2::<F>::zeros(((steps + 1) * batch, units));
        let mut tanh_c = Array2::<F>::zeros((tb, units));
        for t in 0..steps {
            if t > 0 {
                // h_0 = 0: the first step has no recurrent term.
                let h_prev = hs.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
                let mut zt = z.slice_axis_mut(Axis(0), Slice::from(t * batch..(t + 1) * batch));
                general_mat_mul(F::one(), &h_prev, &self.w_h, F::one(), &mut zt);
            }
            let zs = &mut flat_mut(&mut z)[t * batch * g4..(t + 1) * batch * g4];
            let (h_done, h_next) = flat_mut(&mut hs).split_at_mut((t + 1) * batch * units);
            let h_prev = &h_done[t * batch * units..];
            let (c_done, c_next) = flat_mut(&mut cs).split_at_mut((t + 1) * batch * units);
            let c_prev = &c_done[t * batch * units..];
            let tcs = &mut flat_mut(&mut tanh_c)[t * batch * units..(t + 1) * batch * units];
            for r in 0..batch {
                let row = r * units..(r + 1) * units;
                let hp = &h_prev[row.clone()];
                let cp = &c_prev[row.clone()];
                let hn = &mut h_next[row.clone()];
                let cn = &mut c_next[row.clone()];
                if !is_active(lengths, t, r) {
                    hn.copy_from_slice(hp);
                    cn.copy_from_slice(cp);
                    continue;
                }
                let zr = &mut zs[r * g4..(r + 1) * g4];
                let (ifg, o) = zr.split_at_mut(3 * units);
                let (i_f, g) = ifg.split_at_mut(2 * units);
                F::sigmoid_in_place(i_f);
                F::tanh_in_place(g);
                F::sigmoid_in_place(o);
                let (i, f) = i_f.split_at(units);
                for ((((c, &cp), &f), &i), &g) in cn.iter_mut().zip(cp).zip(f).zip(i).zip(&*g) {
                    *c = f * cp + i * g;
                }
                let tc = &mut tcs[row];
                tc.copy_from_slice(cn);
                F::tanh_in_place(tc);
                for ((h, &o), &tc) in hn.iter_mut().zip(&*o).zip(&*tc) {
                    *h = o * tc;
                }
            }
        }

        let out = if self.return_sequences {
            hs.slice_axis(Axis(0), Slice::from(batch..)).to_owned()
        } else {
            hs.slice_axis(Axis(0), Slice::from(steps * batch..))
                .to_owned()
        };
        let cache = keep_cache.then(|| LstmCache {
            x,
            gates: z,
            h: hs,
            c: cs,
            tanh_c,
            steps,
            lengths: lengths.map(<[usize]>::to_vec),
        });
        (out, cache)
    }

    /// Back-propagation through time. `dout` is the loss gradient of the forward output
    /// (same shape). Returns the parameter gradients and, when `need_dx`, the input gradient.
    pub fn backward(
        &self,
        cache: &LstmCache<F>,
        dout: ArrayView2<'_, F>,
        need_dx: bool,
    ) -> LstmGrads<F> {
        let units = self.units();
        let g4 = 4 * units;
        let steps = cache.steps;
        let tb = cache.x.nrows();
        let batch = tb / steps;
        let lengths = cache.lengths.as_deref();
        let one = F::one();

        let mut dz = Array2::<F>::zeros((tb, g4));
        let mut dh = Array2::<F>::zeros((batch, units));
        let mut dh_prev = Array2::<F>::zeros((batch, units));
        let mut dc = Array2::<F>::zeros((batch, units));
        if !self.return_sequences {
            dh.assign(&dout);
        }
        for t in (0..steps).rev() {
            if self.return_sequences {
                dh += &dout.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
            }
            {
                let dzs = &mut flat_mut(&mut dz)[t * batch * g4..(t + 1) * batch * g4];
                let gates = &flat(&cache.gates)[t * batch * g4..(t + 1) * batch * g4];
                let c_prev = &flat(&cache.c)[t * batch * units..(t + 1) * batch * units];
                let tcs = &flat(&cache.tanh_c)[t * batch * units..(t + 1) * batch * units];
                let dhs = flat(&dh);
                let dcs = flat_mut(&mut dc);
                for r in 0..batch {
                    if !is_active(lengths, t, r) {
                        // State passed through unchanged: dc and dh flow on, no gate gradient.
                        continue;
                    }
                    let row = r * units..(r + 1) * units;
                    let a = &gates[r * g4..(r + 1) * g4];
                    let (i, rest) = a.split_at(units);
                    let (f, rest) = rest.split_at(units);
                    let (g, o) = rest.split_at(units);
                    let dzr = &mut dzs[r * g4..(r + 1) * g4];
                    let (dzi, rest) = dzr.split_at_mut(units);
                    let (dzf, rest) = rest.split_at_mut(units);
                    let (dzg, dzo) = rest.split_at_mut(units);
                    let (cp, tc, dhr) =
                        (&c_prev[row.clone()], &tcs[row.clone()], &dhs[row.clone()]);
                    let dcr = &mut dcs[row];
                    for j in 0..units {
                        let (iv, fv, gv, ov) = (i[j], f[j], g[j], o[j]);
                        let (tcv, dhv) = (tc[j], dhr[j]);
                        let dcv = dcr[j] + dhv * ov * (one - tcv * tcv);
                        dzi[j] = dcv * gv * iv * (one - iv);
                        dzf[j] = dcv * cp[j] * fv * (one - fv);
                        dzg[j] = dcv * iv * (one - gv * gv);
                        dzo[j] = dhv * tcv * ov * (one - ov);
                        dcr[j] = dcv * fv;
                    }
                }
            }
            if t == 0 {
                break; // the gradient of h_0 = 0 is not needed
            }
            let dzt = dz.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
            general_mat_mul(one, &dzt, &self.w_h.t(), F::zero(), &mut dh_prev);
            if lengths.is_some() {
                for r in (0..batch).filter(|&r| !is_active(lengths, t, r)) {
                    dh_prev.row_mut(r).assign(&dh.row(r));
                }
            }
            std::mem::swap(&mut dh, &mut dh_prev);
        }

        // Weight gradients summed over all steps in one GEMM each.
        let h_prev_all = cache.h.slice_axis(Axis(0), Slice::from(..tb));
        let mut w_h = Array2::<F>::zeros((units, g4));
        general_mat_mul(one, &h_prev_all.t(), &dz, F::zero(), &mut w_h);
        let w_x = cache.x.t().dot(&dz);
        let b = dz.sum_axis(Axis(0));
        let dx = need_dx.then(|| dz.dot(&self.w_x.t()));
        LstmGrads { w_x, w_h, b, dx }
    }
}
