//! The LSTM layer: forward over a time-major batch with one GEMM per step, and
//! back-propagation through time with the weight gradients as one GEMM over all steps.
//!
//! Layout: a sequence batch of `B` samples and `T` steps is a `(T·B) × D` matrix whose rows
//! `t·B .. (t+1)·B` hold step `t` of every sample. Gate blocks are ordered `[i, f, g, o]`
//! (input, forget, cell candidate, output) like Keras.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Slice, linalg::general_mat_mul};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use super::init::{glorot_uniform, orthogonal};
use super::packed::PreparedRhs;
use super::scalar::Scalar;
use pulp::{Arch, Simd, WithSimd};

/// One LSTM layer: `z = x W_x + h W_h + b`, `i, f, o = σ(z)`, `g = tanh(z)`,
/// `c' = f c + i g`, `h' = o tanh(c')`. Padded steps (beyond a sample's length) keep `c` and
/// `h` unchanged, so a many-to-one layer returns the state after the last real step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub(crate) struct LstmLayer<F: Scalar> {
    w_x: Array2<F>,
    w_h: Array2<F>,
    b: Array1<F>,
    return_sequences: bool,
}

/// What the forward pass keeps for back-propagation.
#[derive(Debug, Clone)]
pub(crate) struct LstmCache<F> {
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
pub(crate) struct LstmGrads<F> {
    /// Gradient of the input weights (inputs × 4·units).
    pub(crate) w_x: Array2<F>,
    /// Gradient of the recurrent weights (units × 4·units).
    pub(crate) w_h: Array2<F>,
    /// Gradient of the bias (4·units).
    pub(crate) b: Array1<F>,
    /// Gradient of the layer's input, `(T·B) × inputs`, when asked for.
    pub(crate) dx: Option<Array2<F>>,
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
    pub(crate) fn new(
        inputs: usize,
        units: usize,
        return_sequences: bool,
        rng: &mut SeededRng,
    ) -> Self {
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
    pub(crate) fn inputs(&self) -> usize {
        self.w_x.nrows()
    }

    /// Hidden units (the width of `h` and `c`).
    pub(crate) fn units(&self) -> usize {
        self.w_h.nrows()
    }

    /// Whether the layer outputs `h` at every step (`true`) or only after the last (`false`).
    pub(crate) fn return_sequences(&self) -> bool {
        self.return_sequences
    }

    /// Input weights, inputs × 4·units, gate blocks `[i, f, g, o]`.
    pub(crate) fn w_x(&self) -> &Array2<F> {
        &self.w_x
    }

    /// Recurrent weights, units × 4·units.
    pub(crate) fn w_h(&self) -> &Array2<F> {
        &self.w_h
    }

    /// Bias, 4·units.
    pub(crate) fn b(&self) -> &Array1<F> {
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
    pub(crate) fn forward(
        &self,
        x: Array2<F>,
        steps: usize,
        lengths: Option<&[usize]>,
        keep_cache: bool,
        ws: &mut Workspace<F>,
    ) -> (Array2<F>, Option<LstmCache<F>>) {
        let units = self.units();
        let g4 = 4 * units;
        let tb = x.nrows();
        let batch = tb / steps;

        // Input projection for every step at once: a rank-1 update when inputs are scalars
        // (the study's 40 × 1 MFCC sequence), else one GEMM.
        let mut z = if self.inputs() == 1 {
            let w = self.w_x.row(0).to_vec();
            let bias = self.b.to_vec();
            let mut buf = ws.take(tb * g4);
            for &xv in x.column(0) {
                buf.extend(w.iter().zip(&bias).map(|(&w, &b)| xv * w + b));
            }
            Array2::from_shape_vec((tb, g4), buf)
                .expect("the buffer holds exactly steps · batch rows of 4 · units")
        } else {
            let mut z = ws.zeros((tb, g4));
            par_gemm(
                F::one(),
                &x.view(),
                &self.w_x.view(),
                F::zero(),
                &mut z.view_mut(),
            );
            z += &self.b;
            z
        };

        // W_h is the same at every step: prepared (packed) once for all of them.
        let w_h = F::Rhs::prepare(self.w_h.view());
        // Every block of these is written below (block 0 of h and c: the zero initial state),
        // so they need no zero fill.
        let mut hs = ws.scratch(((steps + 1) * batch, units));
        let mut cs = ws.scratch(((steps + 1) * batch, units));
        let mut tanh_c = ws.scratch((tb, units));
        flat_mut(&mut hs)[..batch * units].fill(F::zero());
        flat_mut(&mut cs)[..batch * units].fill(F::zero());
        for t in 0..steps {
            if t > 0 {
                // h_0 = 0: the first step has no recurrent term.
                let h_prev = hs.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
                let zt = z.slice_axis_mut(Axis(0), Slice::from(t * batch..(t + 1) * batch));
                par_prepared_gemm(&w_h, h_prev, zt, 0, true);
            }
            let (h_done, h_next) = flat_mut(&mut hs).split_at_mut((t + 1) * batch * units);
            let (c_done, c_next) = flat_mut(&mut cs).split_at_mut((t + 1) * batch * units);
            let rows = CellRows {
                t,
                first: 0,
                units,
                lengths,
                z: &mut flat_mut(&mut z)[t * batch * g4..(t + 1) * batch * g4],
                h_prev: &h_done[t * batch * units..],
                c_prev: &c_done[t * batch * units..],
                h: &mut h_next[..batch * units],
                c: &mut c_next[..batch * units],
                tanh_c: &mut flat_mut(&mut tanh_c)[t * batch * units..(t + 1) * batch * units],
            };
            rows.run();
        }

        let out = if self.return_sequences {
            hs.slice_axis(Axis(0), Slice::from(batch..)).to_owned()
        } else {
            hs.slice_axis(Axis(0), Slice::from(steps * batch..))
                .to_owned()
        };
        let cache = LstmCache {
            x,
            gates: z,
            h: hs,
            c: cs,
            tanh_c,
            steps,
            lengths: lengths.map(<[usize]>::to_vec),
        };
        if keep_cache {
            (out, Some(cache))
        } else {
            ws.recycle(cache);
            (out, None)
        }
    }

    /// Back-propagation through time. `dout` is the loss gradient of the forward output
    /// (same shape). Returns the parameter gradients and, when `need_dx`, the input gradient.
    pub(crate) fn backward(
        &self,
        cache: LstmCache<F>,
        dout: ArrayView2<'_, F>,
        need_dx: bool,
        ws: &mut Workspace<F>,
    ) -> LstmGrads<F> {
        let units = self.units();
        let g4 = 4 * units;
        let steps = cache.steps;
        let tb = cache.x.nrows();
        let batch = tb / steps;
        let lengths = cache.lengths.as_deref();
        let one = F::one();

        // Every row is written by the cell gradients (zeros for padded steps).
        let mut dz = ws.scratch((tb, g4));
        let mut dh = Array2::<F>::zeros((batch, units));
        let mut dh_prev = Array2::<F>::zeros((batch, units));
        let mut dc = Array2::<F>::zeros((batch, units));
        // W_hᵀ prepared (packed) once for every step.
        let w_h_t = F::Rhs::prepare(self.w_h.t());
        if !self.return_sequences {
            dh.assign(&dout);
        }
        for t in (0..steps).rev() {
            if self.return_sequences {
                dh += &dout.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
            }
            let rows = CellGradRows {
                t,
                first: 0,
                units,
                lengths,
                gates: &flat(&cache.gates)[t * batch * g4..(t + 1) * batch * g4],
                c_prev: &flat(&cache.c)[t * batch * units..(t + 1) * batch * units],
                tanh_c: &flat(&cache.tanh_c)[t * batch * units..(t + 1) * batch * units],
                dh: flat(&dh),
                dz: &mut flat_mut(&mut dz)[t * batch * g4..(t + 1) * batch * g4],
                dc: flat_mut(&mut dc),
            };
            rows.run();
            if t == 0 {
                break; // the gradient of h_0 = 0 is not needed
            }
            let dzt = dz.slice_axis(Axis(0), Slice::from(t * batch..(t + 1) * batch));
            par_prepared_gemm(&w_h_t, dzt, dh_prev.view_mut(), 0, false);
            if lengths.is_some() {
                // Padded steps pass the state (and so its gradient) through unchanged.
                for r in (0..batch).filter(|&r| !is_active(lengths, t, r)) {
                    dh_prev.row_mut(r).assign(&dh.row(r));
                }
            }
            std::mem::swap(&mut dh, &mut dh_prev);
        }

        // Weight gradients summed over all steps in one GEMM each.
        let h_prev_all = cache.h.slice_axis(Axis(0), Slice::from(..tb));
        let mut w_h = Array2::<F>::zeros((units, g4));
        // A general product here: packing dZ for the SIMD kernel measured slower than
        // matrixmultiply's blocked GEMM (k = steps · batch is large).
        par_gemm(
            one,
            &h_prev_all.t(),
            &dz.view(),
            F::zero(),
            &mut w_h.view_mut(),
        );
        let w_x = if self.inputs() == 1 {
            // xᵀ dz for scalar inputs: a weighted sum of rows, no packing.
            let mut acc = Array1::<F>::zeros(g4);
            for (dzr, &xv) in dz.rows().into_iter().zip(cache.x.column(0)) {
                acc.scaled_add(xv, &dzr);
            }
            acc.insert_axis(Axis(0))
        } else {
            let mut w_x = Array2::<F>::zeros((self.inputs(), g4));
            par_gemm(
                one,
                &cache.x.t(),
                &dz.view(),
                F::zero(),
                &mut w_x.view_mut(),
            );
            w_x
        };
        let b = dz.sum_axis(Axis(0));
        let dx = need_dx.then(|| {
            let mut dx = Array2::<F>::zeros((tb, self.inputs()));
            let w_x_t = self.w_x.t().as_standard_layout().into_owned();
            par_gemm(
                one,
                &dz.view(),
                &w_x_t.view(),
                F::zero(),
                &mut dx.view_mut(),
            );
            dx
        });
        ws.recycle(cache);
        ws.give(dz);
        LstmGrads { w_x, w_h, b, dx }
    }
}

/// Rows of a batch below which splitting the element-wise work across threads does not pay.
const MIN_PARALLEL_ROWS: usize = 16;
/// Multiply-adds below which a GEMM is not split across threads.
const MIN_PARALLEL_GEMM: usize = 1 << 18;

/// `C ← A B + (accumulate ? C : 0)` with a prepared `B` (columns `first_col ..`), the columns
/// of `C` split across the rayon pool when the product is large. Splits fall on whole blocks
/// of the prepared matrix, so results are bit-identical for any number of threads.
fn par_prepared_gemm<F: Scalar>(
    rhs: &F::Rhs,
    a: ArrayView2<'_, F>,
    c: ArrayViewMut2<'_, F>,
    first_col: usize,
    accumulate: bool,
) {
    let n = c.ncols();
    let width = rhs.block_width();
    let blocks = n.div_ceil(width);
    if blocks < 2
        || rayon::current_num_threads() < 2
        || a.nrows() * a.ncols() * n < MIN_PARALLEL_GEMM
    {
        rhs.gemm(a, c, first_col, accumulate);
        return;
    }
    let mid = blocks / 2 * width;
    let (c1, c2) = c.split_at(Axis(1), mid);
    rayon::join(
        || par_prepared_gemm::<F>(rhs, a, c1, first_col, accumulate),
        || par_prepared_gemm::<F>(rhs, a, c2, first_col + mid, accumulate),
    );
}

/// `C ← α A B + β C`, the columns of `B` and `C` split across the rayon pool when the product
/// is large. Each split falls on a multiple of 64 columns, so every element of `C` goes
/// through the same kernel and summation order as unsplit: results are bit-identical for any
/// number of threads.
fn par_gemm<F: Scalar>(
    alpha: F,
    a: &ArrayView2<'_, F>,
    b: &ArrayView2<'_, F>,
    beta: F,
    c: &mut ArrayViewMut2<'_, F>,
) {
    let n = c.ncols();
    let parts = rayon::current_num_threads().min(n / 64);
    if parts < 2 || a.nrows() * a.ncols() * n < MIN_PARALLEL_GEMM {
        general_mat_mul(alpha, a, b, beta, c);
        return;
    }
    let mid = (n / 2).div_ceil(64) * 64;
    let (b1, b2) = b.view().split_at(Axis(1), mid);
    let (mut c1, mut c2) = c.view_mut().split_at(Axis(1), mid);
    rayon::join(
        || par_gemm(alpha, a, &b1, beta, &mut c1),
        || par_gemm(alpha, a, &b2, beta, &mut c2),
    );
}

/// One step's forward element-wise work on a block of rows (samples `first..`): gate
/// activations, cell and hidden state.
struct CellRows<'a, F> {
    t: usize,
    first: usize,
    units: usize,
    lengths: Option<&'a [usize]>,
    z: &'a mut [F],
    h_prev: &'a [F],
    c_prev: &'a [F],
    h: &'a mut [F],
    c: &'a mut [F],
    tanh_c: &'a mut [F],
}

impl<F: Scalar> CellRows<'_, F> {
    fn rows(&self) -> usize {
        self.h.len() / self.units
    }

    /// Runs the block, halved across threads while it is large enough.
    fn run(self) {
        let rows = self.rows();
        if rows < 2 * MIN_PARALLEL_ROWS || rayon::current_num_threads() < 2 {
            self.run_serial();
            return;
        }
        let (u, k) = (self.units, rows / 2);
        let (z1, z2) = self.z.split_at_mut(k * 4 * u);
        let (hp1, hp2) = self.h_prev.split_at(k * u);
        let (cp1, cp2) = self.c_prev.split_at(k * u);
        let (h1, h2) = self.h.split_at_mut(k * u);
        let (c1, c2) = self.c.split_at_mut(k * u);
        let (tc1, tc2) = self.tanh_c.split_at_mut(k * u);
        let (t, first, lengths) = (self.t, self.first, self.lengths);
        let a = CellRows {
            t,
            first,
            units: u,
            lengths,
            z: z1,
            h_prev: hp1,
            c_prev: cp1,
            h: h1,
            c: c1,
            tanh_c: tc1,
        };
        let b = CellRows {
            t,
            first: first + k,
            units: u,
            lengths,
            z: z2,
            h_prev: hp2,
            c_prev: cp2,
            h: h2,
            c: c2,
            tanh_c: tc2,
        };
        rayon::join(|| a.run(), || b.run());
    }

    /// Runs on this thread, compiled for the widest SIMD the processor has (the loops are
    /// plain code that the compiler vectorises).
    fn run_serial(self) {
        Arch::new().dispatch(self);
    }

    #[inline(always)]
    fn run_rows(self) {
        let u = self.units;
        let g4 = 4 * u;
        for r in 0..self.rows() {
            let row = r * u..(r + 1) * u;
            let hp = &self.h_prev[row.clone()];
            let cp = &self.c_prev[row.clone()];
            let hn = &mut self.h[row.clone()];
            let cn = &mut self.c[row.clone()];
            if !is_active(self.lengths, self.t, self.first + r) {
                hn.copy_from_slice(hp);
                cn.copy_from_slice(cp);
                self.tanh_c[row].fill(F::zero());
                continue;
            }
            let zr = &mut self.z[r * g4..(r + 1) * g4];
            let (zi, rest) = zr.split_at_mut(u);
            let (zf, rest) = rest.split_at_mut(u);
            let (zg, zo) = rest.split_at_mut(u);
            cell_forward(zi, zf, zg, zo, cp, cn, &mut self.tanh_c[row], hn);
        }
    }
}

impl<F: Scalar> WithSimd for CellRows<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        self.run_rows();
    }
}

/// One row of the cell: the gate activations replace the pre-activations in `zi, zf, zg, zo`
/// (one pass per activation over contiguous gates), then `c = f c_prev + i g`,
/// `tanh_c = tanh(c)` and `h = o tanh_c` in a single pass. Every slice is re-cut to `u`
/// values first, so the loops have no bounds checks and vectorise for `f32`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn cell_forward<F: Scalar>(
    zi: &mut [F],
    zf: &mut [F],
    zg: &mut [F],
    zo: &mut [F],
    c_prev: &[F],
    c: &mut [F],
    tanh_c: &mut [F],
    h: &mut [F],
) {
    let u = c.len();
    let (zi, zf, zg, zo) = (&mut zi[..u], &mut zf[..u], &mut zg[..u], &mut zo[..u]);
    let (c_prev, tanh_c, h) = (&c_prev[..u], &mut tanh_c[..u], &mut h[..u]);
    F::sigmoid_in_place(zi);
    F::sigmoid_in_place(zf);
    F::tanh_in_place(zg);
    F::sigmoid_in_place(zo);
    for j in 0..u {
        let cv = zf[j] * c_prev[j] + zi[j] * zg[j];
        let tc = F::tanh_act(cv);
        c[j] = cv;
        tanh_c[j] = tc;
        h[j] = zo[j] * tc;
    }
}

/// One step's backward element-wise work on a block of rows: gate pre-activation gradients
/// `dz` and the cell gradient `dc` carried to the previous step.
struct CellGradRows<'a, F> {
    t: usize,
    first: usize,
    units: usize,
    lengths: Option<&'a [usize]>,
    gates: &'a [F],
    c_prev: &'a [F],
    tanh_c: &'a [F],
    dh: &'a [F],
    dz: &'a mut [F],
    dc: &'a mut [F],
}

impl<F: Scalar> CellGradRows<'_, F> {
    fn rows(&self) -> usize {
        self.dh.len() / self.units
    }

    fn run(self) {
        let rows = self.rows();
        if rows < 2 * MIN_PARALLEL_ROWS || rayon::current_num_threads() < 2 {
            self.run_serial();
            return;
        }
        let (u, k) = (self.units, rows / 2);
        let (g1, g2) = self.gates.split_at(k * 4 * u);
        let (cp1, cp2) = self.c_prev.split_at(k * u);
        let (tc1, tc2) = self.tanh_c.split_at(k * u);
        let (dh1, dh2) = self.dh.split_at(k * u);
        let (dz1, dz2) = self.dz.split_at_mut(k * 4 * u);
        let (dc1, dc2) = self.dc.split_at_mut(k * u);
        let (t, first, lengths) = (self.t, self.first, self.lengths);
        let a = CellGradRows {
            t,
            first,
            units: u,
            lengths,
            gates: g1,
            c_prev: cp1,
            tanh_c: tc1,
            dh: dh1,
            dz: dz1,
            dc: dc1,
        };
        let b = CellGradRows {
            t,
            first: first + k,
            units: u,
            lengths,
            gates: g2,
            c_prev: cp2,
            tanh_c: tc2,
            dh: dh2,
            dz: dz2,
            dc: dc2,
        };
        rayon::join(|| a.run(), || b.run());
    }

    /// Runs on this thread, compiled for the widest SIMD the processor has.
    fn run_serial(self) {
        Arch::new().dispatch(self);
    }

    #[inline(always)]
    fn run_rows(self) {
        let u = self.units;
        let g4 = 4 * u;
        let one = F::one();
        for r in 0..self.rows() {
            if !is_active(self.lengths, self.t, self.first + r) {
                // State passed through unchanged: dc and dh flow on, no gate gradient.
                self.dz[r * g4..(r + 1) * g4].fill(F::zero());
                continue;
            }
            let row = r * u..(r + 1) * u;
            let a = &self.gates[r * g4..(r + 1) * g4];
            let (i, rest) = a.split_at(u);
            let (f, rest) = rest.split_at(u);
            let (g, o) = rest.split_at(u);
            let dzr = &mut self.dz[r * g4..(r + 1) * g4];
            let (dzi, rest) = dzr.split_at_mut(u);
            let (dzf, rest) = rest.split_at_mut(u);
            let (dzg, dzo) = rest.split_at_mut(u);
            let cp = &self.c_prev[row.clone()];
            let tc = &self.tanh_c[row.clone()];
            let dhr = &self.dh[row.clone()];
            let dcr = &mut self.dc[row];
            // Every slice re-cut to `u` values: no bounds checks in the loop.
            let (i, f, g, o) = (&i[..u], &f[..u], &g[..u], &o[..u]);
            let (dzi, dzf, dzg, dzo) = (&mut dzi[..u], &mut dzf[..u], &mut dzg[..u], &mut dzo[..u]);
            let (cp, tc, dhr, dcr) = (&cp[..u], &tc[..u], &dhr[..u], &mut dcr[..u]);
            for j in 0..u {
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
}

impl<F: Scalar> WithSimd for CellGradRows<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        self.run_rows();
    }
}

/// Buffers kept between batches so the layers' large per-batch arrays (gates, states and their
/// gradients: tens of MB for the study's network) are not fresh pages each time. Reuse
/// changes no result.
#[derive(Debug)]
pub struct Workspace<F> {
    free: Vec<Vec<F>>,
}

impl<F> Default for Workspace<F> {
    fn default() -> Self {
        Self { free: Vec::new() }
    }
}

impl<F: Scalar> Workspace<F> {
    /// Most buffers kept; more are dropped.
    const KEEP: usize = 16;

    /// An empty vector with room for `len` values: the smallest kept buffer that fits, or a
    /// new one.
    pub(crate) fn take(&mut self, len: usize) -> Vec<F> {
        let mut v = self.take_filled(len);
        v.clear();
        v
    }

    /// The smallest kept buffer with room for `len` values, with the values it held, or a new
    /// empty one.
    fn take_filled(&mut self, len: usize) -> Vec<F> {
        let best = self
            .free
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => self.free.swap_remove(i),
            None => Vec::with_capacity(len),
        }
    }

    /// An array of the given shape holding whatever values its buffer held before (or zeros):
    /// for arrays the caller overwrites completely, without a fill pass.
    pub(crate) fn scratch(&mut self, shape: (usize, usize)) -> Array2<F> {
        let len = shape.0 * shape.1;
        let mut v = self.take_filled(len);
        v.truncate(len);
        v.resize(len, F::zero());
        Array2::from_shape_vec(shape, v).expect("the buffer holds exactly rows × columns values")
    }

    /// A zero-filled array of the given shape.
    pub(crate) fn zeros(&mut self, shape: (usize, usize)) -> Array2<F> {
        let mut v = self.take(shape.0 * shape.1);
        v.resize(shape.0 * shape.1, F::zero());
        Array2::from_shape_vec(shape, v).expect("the buffer holds exactly rows × columns values")
    }

    /// Keeps an array's buffer (and its values, for [`Self::scratch`]) for reuse.
    pub(crate) fn give(&mut self, a: Array2<F>) {
        if self.free.len() < Self::KEEP {
            let (v, _) = a.into_raw_vec_and_offset();
            self.free.push(v);
        }
    }

    fn recycle(&mut self, cache: LstmCache<F>) {
        self.give(cache.gates);
        self.give(cache.h);
        self.give(cache.c);
        self.give(cache.tanh_c);
        self.give(cache.x);
    }
}
