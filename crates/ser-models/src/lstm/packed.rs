//! `C (+)= A · B` for a right-hand matrix `B` that is used many times (an LSTM's recurrent
//! weights, once per step): `B` is packed once into column panels, and each product streams
//! the rows of `A` against them with SIMD chosen at run time (AVX-512, AVX2 + FMA, SSE2) by
//! `pulp`, without `unsafe` here. General GEMM libraries re-pack `B` on every call, which for
//! the study's LSTM (`B` 256 × 1024, `A` 64 × 256) costs about a fifth of the product.
//!
//! Each output element is one fused multiply-add chain over `k` in order, whatever the number
//! of threads or the split of the columns: results do not depend on the thread count.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Slice, linalg::general_mat_mul};
use pulp::{Arch, Simd, WithSimd};

use super::scalar::Scalar;

// `PreparedRhs`, `PlainRhs` and `PackedRhs` are `pub` only because the public `Scalar` trait
// names them (`Scalar::Rhs`), which `pub(crate)` would not allow; `lstm` does not re-export
// them, so no code outside this crate can name them (nor, therefore, implement `Scalar`).

/// A right-hand matrix `B` (`k × n`) prepared once for many products `C (+)= A · B`.
pub trait PreparedRhs<F>: Send + Sync + Sized {
    /// Prepares `b` (any layout).
    fn prepare(b: ArrayView2<'_, F>) -> Self;

    /// Columns per block: splitting the output's columns on multiples of this (as threads do)
    /// keeps every element's arithmetic, so results do not depend on the thread count.
    fn block_width(&self) -> usize;

    /// `C ← A B + (accumulate ? C : 0)` for columns `first_col .. first_col + c.ncols()` of
    /// `B`. `A` is `m × k` (any layout), `C` is `m × c.ncols()` with contiguous rows;
    /// `first_col` is a multiple of [`Self::block_width`]. The caller guarantees the shapes.
    fn gemm(
        &self,
        a: ArrayView2<'_, F>,
        c: ArrayViewMut2<'_, F>,
        first_col: usize,
        accumulate: bool,
    );
}

/// `B` kept as a contiguous matrix; products go through ndarray (matrixmultiply, or BLAS with
/// the `blas` feature). Used for `f64` (gradient checks).
#[derive(Debug, Clone)]
pub struct PlainRhs<F> {
    b: Array2<F>,
}

impl<F: Scalar> PreparedRhs<F> for PlainRhs<F> {
    fn prepare(b: ArrayView2<'_, F>) -> Self {
        Self {
            b: b.as_standard_layout().into_owned(),
        }
    }

    fn block_width(&self) -> usize {
        64
    }

    fn gemm(
        &self,
        a: ArrayView2<'_, F>,
        mut c: ArrayViewMut2<'_, F>,
        first_col: usize,
        accumulate: bool,
    ) {
        let b = self
            .b
            .slice_axis(Axis(1), Slice::from(first_col..first_col + c.ncols()));
        let beta = if accumulate { F::one() } else { F::zero() };
        general_mat_mul(F::one(), &a, &b, beta, &mut c);
    }
}

/// An `f32` matrix `k × n` packed for the SIMD kernel: column panels of two vectors' width,
/// each stored row after row (`k` rows of `width` values, zero-padded past column `n`).
#[derive(Debug, Clone)]
pub struct PackedRhs {
    arch: Arch,
    k: usize,
    n: usize,
    width: usize,
    data: Vec<f32>,
}

/// Lanes of an `f32` vector on the SIMD level `pulp` picks.
struct Lanes;

impl WithSimd for Lanes {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> usize {
        S::F32_LANES
    }
}

impl PackedRhs {
    /// Rows of the packed matrix (`k`).
    pub fn rows(&self) -> usize {
        self.k
    }

    /// Columns of the packed matrix (`n`).
    pub fn cols(&self) -> usize {
        self.n
    }
}

impl PreparedRhs<f32> for PackedRhs {
    fn prepare(b: ArrayView2<'_, f32>) -> Self {
        let arch = Arch::new();
        let (k, n) = b.dim();
        let width = 2 * arch.dispatch(Lanes);
        let panels = n.div_ceil(width);
        let mut data = vec![0.0; panels * k * width];
        for (p, panel) in data.chunks_exact_mut(k * width).enumerate() {
            let first = p * width;
            let cols = width.min(n - first);
            let block = b.slice_axis(Axis(1), Slice::from(first..first + cols));
            for (row, dst) in block.rows().into_iter().zip(panel.chunks_exact_mut(width)) {
                for (d, &v) in dst.iter_mut().zip(row) {
                    *d = v;
                }
            }
        }
        Self {
            arch,
            k,
            n,
            width,
            data,
        }
    }

    fn block_width(&self) -> usize {
        self.width
    }

    fn gemm(
        &self,
        a: ArrayView2<'_, f32>,
        mut c: ArrayViewMut2<'_, f32>,
        first_col: usize,
        accumulate: bool,
    ) {
        debug_assert_eq!(a.ncols(), self.k);
        debug_assert_eq!(a.nrows(), c.nrows());
        debug_assert_eq!(first_col % self.width, 0);
        debug_assert!(first_col + c.ncols() <= self.n);
        let m = a.nrows();
        let k = self.k;
        // Row tiles: 6 rows × two vectors of columns (12 accumulators: AVX2 has 16 registers;
        // larger tiles measured slower with AVX-512 too), then smaller ones for the rest.
        let mut tiles = Vec::new();
        let mut done = 0;
        for rows in [6, 4, 2, 1] {
            while done + rows <= m {
                tiles.push((done, rows));
                done += rows;
            }
        }
        // A interleaved tile by tile (`k` groups of `rows` values), so the kernel reads it in
        // order with no bounds checks; A may have any layout.
        // Tiles are consecutive, so the interleaved copy is built in order (no zero fill).
        let mut a_packed = Vec::with_capacity(m * k);
        let row_slices: Option<Vec<&[f32]>> = a
            .axis_iter(Axis(0))
            .map(|r| r.to_slice().map(|r| &r[..k]))
            .collect();
        for &(first, rows) in &tiles {
            match &row_slices {
                // Rows contiguous (the usual case): plain slices.
                Some(all) => {
                    let src = &all[first..first + rows];
                    match rows {
                        6 => interleave::<6>(src, k, &mut a_packed),
                        4 => interleave::<4>(src, k, &mut a_packed),
                        2 => interleave::<2>(src, k, &mut a_packed),
                        _ => interleave::<1>(src, k, &mut a_packed),
                    }
                }
                None => {
                    let block = a.slice_axis(Axis(0), Slice::from(first..first + rows));
                    for col in block.columns() {
                        a_packed.extend(col.iter().copied());
                    }
                }
            }
        }
        let c_rows: Vec<&mut [f32]> = c
            .axis_iter_mut(Axis(0))
            .map(|r| {
                r.into_slice()
                    .expect("the caller passes rows that are contiguous")
            })
            .collect();
        self.arch.dispatch(Kernel {
            packed: self,
            tiles,
            a_packed,
            c_rows,
            first_col,
            accumulate,
        });
    }
}

/// Appends `R` rows (each at least `k` long) interleaved: `k` groups of `R` values.
// `kk` indexes all `R` rows at once; an iterator per row would not vectorise the gather.
#[allow(clippy::needless_range_loop)]
fn interleave<const R: usize>(src: &[&[f32]], k: usize, out: &mut Vec<f32>) {
    let rows: [&[f32]; R] = std::array::from_fn(|r| &src[r][..k]);
    for kk in 0..k {
        out.extend_from_slice(&std::array::from_fn::<f32, R, _>(|r| rows[r][kk]));
    }
}

struct Kernel<'a, 'c> {
    packed: &'a PackedRhs,
    tiles: Vec<(usize, usize)>,
    a_packed: Vec<f32>,
    c_rows: Vec<&'c mut [f32]>,
    first_col: usize,
    accumulate: bool,
}

impl WithSimd for Kernel<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self {
            packed,
            tiles,
            a_packed,
            mut c_rows,
            first_col,
            accumulate,
        } = self;
        let (k, width) = (packed.k, packed.width);
        let ncols = c_rows.first().map_or(0, |r| r.len());
        let first_panel = first_col / width;
        for p in 0..ncols.div_ceil(width) {
            let start = (first_panel + p) * k * width;
            let (panel, _) = S::as_simd_f32s(&packed.data[start..start + k * width]);
            let cols = p * width..(p * width + width).min(ncols);
            for &(first, rows) in &tiles {
                let a = &a_packed[first * k..(first + rows) * k];
                let c = &mut c_rows[first..first + rows];
                let cols = cols.clone();
                match rows {
                    6 => tile::<S, 6>(simd, a, panel, c, cols, accumulate),
                    4 => tile::<S, 4>(simd, a, panel, c, cols, accumulate),
                    2 => tile::<S, 2>(simd, a, panel, c, cols, accumulate),
                    _ => tile::<S, 1>(simd, a, panel, c, cols, accumulate),
                }
            }
        }
    }
}

/// `MR` rows of `A` (interleaved: `k` groups of `MR` values) times one panel (two vectors of
/// columns) into `C[.., cols]`.
#[inline(always)]
fn tile<S: Simd, const MR: usize>(
    simd: S,
    a: &[f32],
    panel: &[S::f32s],
    c_rows: &mut [&mut [f32]],
    cols: std::ops::Range<usize>,
    accumulate: bool,
) {
    let zero = simd.splat_f32s(0.0);
    let mut acc = [[zero; 2]; MR];
    for (a, b) in a.chunks_exact(MR).zip(panel.chunks_exact(2)) {
        let (b0, b1) = (b[0], b[1]);
        for i in 0..MR {
            let av = simd.splat_f32s(a[i]);
            acc[i][0] = simd.mul_add_f32s(av, b0, acc[i][0]);
            acc[i][1] = simd.mul_add_f32s(av, b1, acc[i][1]);
        }
    }
    let lanes = S::F32_LANES;
    for (row, acc) in c_rows.iter_mut().zip(acc) {
        let c = &mut row[cols.clone()];
        if c.len() == 2 * lanes {
            // A whole panel: plain vector loads and stores.
            let (v, _) = S::as_mut_simd_f32s(c);
            for (c, a) in v.iter_mut().zip(acc) {
                *c = if accumulate { simd.add_f32s(a, *c) } else { a };
            }
            continue;
        }
        let (lo, hi) = c.split_at_mut(lanes.min(c.len()));
        for (part, v) in [(lo, acc[0]), (hi, acc[1])] {
            if part.is_empty() {
                continue;
            }
            let v = if accumulate {
                simd.add_f32s(v, simd.partial_load_f32s(part))
            } else {
                v
            };
            simd.partial_store_f32s(part, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use ser_data::SeededRng;

    fn random(rows: usize, cols: usize, rng: &mut SeededRng) -> Array2<f32> {
        Array2::from_shape_simple_fn((rows, cols), || rng.uniform(-1.0, 1.0) as f32)
    }

    /// Against a product in f64, for shapes with remainder rows and a partial last panel.
    #[test]
    fn matches_reference_product() {
        let mut rng = SeededRng::splitmix64(3);
        for &(m, k, n) in &[
            (64, 256, 1024),
            (13, 7, 37),
            (1, 1, 1),
            (7, 33, 16),
            (6, 5, 70),
        ] {
            let a = random(m, k, &mut rng);
            let b = random(k, n, &mut rng);
            let c0 = random(m, n, &mut rng);
            let packed = PackedRhs::prepare(b.view());
            assert_eq!((packed.rows(), packed.cols()), (k, n));
            let want = a.mapv(f64::from).dot(&b.mapv(f64::from));
            for accumulate in [false, true] {
                let mut c = c0.clone();
                packed.gemm(a.view(), c.view_mut(), 0, accumulate);
                for ((i, j), &got) in c.indexed_iter() {
                    let w = want[[i, j]]
                        + if accumulate {
                            f64::from(c0[[i, j]])
                        } else {
                            0.0
                        };
                    let tol = 1e-5 * (k as f64).sqrt() * (1.0 + w.abs());
                    assert!((f64::from(got) - w).abs() < tol, "{m}x{k}x{n} [{i},{j}]");
                }
            }
        }
    }

    /// The plain path (ndarray's product: matrixmultiply, or the system BLAS with feature
    /// `blas`) against the same f64 reference, with a column offset.
    #[test]
    fn plain_rhs_matches_reference_product() {
        let mut rng = SeededRng::splitmix64(5);
        let (m, k, n) = (10, 48, 150);
        let a = random(m, k, &mut rng);
        let b = random(k, n, &mut rng);
        let plain = PlainRhs::prepare(b.view());
        let first = plain.block_width();
        let mut c = Array2::<f32>::ones((m, n - first));
        plain.gemm(a.view(), c.view_mut(), first, true);
        let want = a.mapv(f64::from).dot(&b.mapv(f64::from));
        for ((i, j), &got) in c.indexed_iter() {
            let w = want[[i, j + first]] + 1.0;
            assert!(
                (f64::from(got) - w).abs() < 1e-4 * (1.0 + w.abs()),
                "[{i},{j}]"
            );
        }
    }

    /// `A` given as a transposed view (columns contiguous) works like a standard one.
    #[test]
    fn transposed_a_matches_standard_a() {
        let mut rng = SeededRng::splitmix64(6);
        let (m, k, n) = (11, 20, 40);
        let at = random(k, m, &mut rng);
        let a = at.t().as_standard_layout().into_owned();
        let b = random(k, n, &mut rng);
        let packed = PackedRhs::prepare(b.view());
        let mut c1 = Array2::<f32>::zeros((m, n));
        let mut c2 = Array2::<f32>::zeros((m, n));
        packed.gemm(a.view(), c1.view_mut(), 0, false);
        packed.gemm(at.t(), c2.view_mut(), 0, false);
        assert_eq!(c1, c2);
    }

    /// Computing the columns in two pieces (as two threads do) gives the same bits.
    #[test]
    fn column_split_is_bit_identical() {
        let mut rng = SeededRng::splitmix64(4);
        let (m, k, n) = (9, 40, 200);
        let a = random(m, k, &mut rng);
        let b = random(k, n, &mut rng);
        let packed = PackedRhs::prepare(b.view());
        let mut whole = Array2::<f32>::zeros((m, n));
        packed.gemm(a.view(), whole.view_mut(), 0, false);
        let mid = packed.block_width() * (n / packed.block_width() / 2).max(1);
        let mut parts = Array2::<f32>::zeros((m, n));
        let (left, right) = parts.view_mut().split_at(Axis(1), mid);
        packed.gemm(a.view(), left, 0, false);
        packed.gemm(a.view(), right, mid, false);
        assert_eq!(whole, parts);
        // And it agrees with ndarray's product to rounding.
        let mut reference = Array2::<f32>::zeros((m, n));
        general_mat_mul(1.0, &a, &b, 0.0, &mut reference);
        let worst = (&whole - &reference)
            .iter()
            .fold(0.0f32, |w, d| w.max(d.abs()));
        assert!(worst < 1e-4, "{worst}");
    }
}
