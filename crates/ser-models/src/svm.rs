//! A linear support vector machine trained by dual coordinate descent (Hsieh et al. 2008, the
//! solver of LIBLINEAR and scikit-learn's `LinearSVC`), one-vs-one (as scikit-learn's `SVC`, the
//! default) or one-vs-rest for more than two classes.
//!
//! Each binary problem minimises `½‖w‖² + Σᵢ Cᵢ ξ(yᵢ wᵀxᵢ)` with the hinge loss
//! `ξ(m) = max(0, 1 − m)` or the squared hinge `max(0, 1 − m)²` (the default, as `LinearSVC`).
//! The intercept is learnt as the weight of an extra constant feature `intercept_scaling`
//! (so, as in LIBLINEAR, it is regularised too).

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use crate::{Fit, ModelError, Predict, TrainSet, check_width};

/// The loss each binary problem minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SvmLoss {
    /// `max(0, 1 − m)`: the classic soft-margin SVM (LIBLINEAR `-s 3`).
    Hinge,
    /// `max(0, 1 − m)²`: differentiable, usually converges faster (LIBLINEAR `-s 1`, the
    /// default of scikit-learn's `LinearSVC`).
    SquaredHinge,
}

/// How the penalty `C` is scaled per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClassWeight {
    /// Every sample gets `C`.
    Uniform,
    /// A sample of class `k` gets `C · n / (n_classes · n_k)` (scikit-learn's `"balanced"`).
    Balanced,
    /// A sample of class `k` gets `C · weights[k]`; one positive weight per class.
    Custom(Vec<f32>),
}

/// How several classes are split into binary problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MultiClass {
    /// One problem per pair of classes, on the samples of those two only (as libsvm and
    /// scikit-learn's `SVC`). `k(k−1)/2` small problems; usually the more accurate.
    OneVsOne,
    /// One problem per class against all others (as LIBLINEAR and `LinearSVC`).
    OneVsRest,
}

/// Hyper-parameters of [`LinearSvm`]; build with [`LinearSvm::params`] and the setters, then
/// [`Fit::fit`]. Values are checked when fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvm {
    c: f32,
    tol: f32,
    max_iter: usize,
    loss: SvmLoss,
    class_weight: ClassWeight,
    intercept_scaling: f32,
    shrinking: bool,
    multi_class: MultiClass,
    seed: u64,
}

impl Default for LinearSvm {
    fn default() -> Self {
        Self {
            c: 1.0,
            tol: 0.1,
            max_iter: 1000,
            loss: SvmLoss::SquaredHinge,
            class_weight: ClassWeight::Uniform,
            intercept_scaling: 1.0,
            shrinking: true,
            multi_class: MultiClass::OneVsOne,
            seed: 0,
        }
    }
}

impl LinearSvm {
    /// The defaults: `C = 1`, `tol = 0.1` (LIBLINEAR's dual-solver default), 1000 passes at
    /// most, squared hinge, uniform class weights, intercept scaling 1, shrinking on,
    /// one-vs-one, seed 0.
    pub fn params() -> Self {
        Self::default()
    }

    /// Penalty on margin violations (> 0); larger fits the training data harder.
    pub fn c(mut self, c: f32) -> Self {
        self.c = c;
        self
    }

    /// Stopping tolerance (> 0) on the spread of the projected gradient over one pass
    /// (LIBLINEAR's `eps`).
    pub fn tol(mut self, tol: f32) -> Self {
        self.tol = tol;
        self
    }

    /// Maximum number of passes over the data per binary problem (≥ 1). A problem that reaches
    /// it is reported in [`LinearSvmModel::converged`], not an error.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The loss: [`SvmLoss::SquaredHinge`] (default) or [`SvmLoss::Hinge`].
    pub fn loss(mut self, loss: SvmLoss) -> Self {
        self.loss = loss;
        self
    }

    /// Per-class scaling of `C`. Each sample keeps the weight of its own class in every binary
    /// problem it takes part in (in one-vs-rest LIBLINEAR instead weights only the positive
    /// class).
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.class_weight = class_weight;
        self
    }

    /// Value of the constant feature that carries the intercept (≥ 0; 0 fits no intercept).
    pub fn intercept_scaling(mut self, intercept_scaling: f32) -> Self {
        self.intercept_scaling = intercept_scaling;
        self
    }

    /// Whether to shrink the active set (skip samples stuck at a bound), as LIBLINEAR does.
    /// The solution is the same within `tol`; shrinking is usually faster.
    pub fn shrinking(mut self, shrinking: bool) -> Self {
        self.shrinking = shrinking;
        self
    }

    /// How more than two classes are split into binary problems (default one-vs-one).
    pub fn multi_class(mut self, multi_class: MultiClass) -> Self {
        self.multi_class = multi_class;
        self
    }

    /// Seed of the order in which samples are visited.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn check(&self, n_classes: usize) -> Result<(), ModelError> {
        let bad = |name: &'static str, reason: &str| {
            Err(ModelError::InvalidParam {
                name,
                reason: reason.to_owned(),
            })
        };
        if !(self.c.is_finite() && self.c > 0.0) {
            return bad("c", "must be finite and > 0");
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return bad("tol", "must be finite and > 0");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1");
        }
        if !(self.intercept_scaling.is_finite() && self.intercept_scaling >= 0.0) {
            return bad("intercept_scaling", "must be finite and >= 0");
        }
        if n_classes < 2 {
            return bad("n_classes", "a classifier needs at least 2 classes");
        }
        if let ClassWeight::Custom(w) = &self.class_weight {
            if w.len() != n_classes {
                return Err(ModelError::ShapeMismatch {
                    what: "class weights",
                    expected: n_classes,
                    got: w.len(),
                });
            }
            if w.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return bad("class_weight", "every weight must be finite and > 0");
            }
        }
        Ok(())
    }
}

/// A fitted linear SVM: one weight row and intercept per binary problem.
///
/// One-vs-rest: row `k` separates class `k` from the rest (for two classes the second row is
/// the negated first, as one problem is solved). One-vs-one: one row per pair `(i, j)`, `i < j`,
/// in the order `(0,1), (0,2), …, (1,2), …`; a positive value votes for `i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvmModel {
    multi_class: MultiClass,
    n_classes: usize,
    weights: Array2<f32>,
    intercepts: Array1<f32>,
    iterations: Vec<usize>,
    converged: Vec<bool>,
}

/// The class pairs of one-vs-one, in row order.
fn class_pairs(n_classes: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n_classes).flat_map(move |i| (i + 1..n_classes).map(move |j| (i, j)))
}

impl LinearSvmModel {
    /// Raw decision values of every binary problem, samples × problems (see the type's doc for
    /// the row order); larger means the problem's positive side.
    pub fn binary_decisions(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        check_width(x, self.n_features())?;
        let mut out = Array2::<f32>::zeros((x.nrows(), self.weights.nrows()));
        for (xr, mut or) in x.rows().into_iter().zip(out.rows_mut()) {
            for ((o, w), &b) in or.iter_mut().zip(self.weights.rows()).zip(&self.intercepts) {
                let dot: f64 = xr
                    .iter()
                    .zip(w)
                    .map(|(&a, &b)| f64::from(a) * f64::from(b))
                    .sum();
                *o = (dot + f64::from(b)) as f32;
            }
        }
        Ok(out)
    }

    /// Per-class decision values, samples × classes; larger means more of class `k`.
    ///
    /// One-vs-rest: `x · wₖ + bₖ`. One-vs-one: scikit-learn's `decision_function_shape="ovr"`
    /// aggregate, the number of pairwise votes plus the summed pairwise confidences `c`
    /// squashed to `c / (3(|c| + 1))`, inside ±⅓, so votes decide and confidences break ties.
    pub fn decision_function(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        let d = self.binary_decisions(x)?;
        if self.multi_class == MultiClass::OneVsRest {
            return Ok(d);
        }
        let k = self.n_classes;
        let mut out = Array2::<f32>::zeros((d.nrows(), k));
        for (dr, mut or) in d.rows().into_iter().zip(out.rows_mut()) {
            let mut votes = vec![0.0f64; k];
            let mut conf = vec![0.0f64; k];
            for (&f, (i, j)) in dr.iter().zip(class_pairs(k)) {
                let f = f64::from(f);
                votes[if f > 0.0 { i } else { j }] += 1.0;
                conf[i] += f;
                conf[j] -= f;
            }
            for ((o, v), c) in or.iter_mut().zip(&votes).zip(&conf) {
                *o = (v + c / (3.0 * (c.abs() + 1.0))) as f32;
            }
        }
        Ok(out)
    }

    /// The weights, binary problems × features.
    pub fn weights(&self) -> &Array2<f32> {
        &self.weights
    }

    /// The intercepts, one per binary problem.
    pub fn intercepts(&self) -> &Array1<f32> {
        &self.intercepts
    }

    /// How the classes were split into binary problems.
    pub fn multi_class(&self) -> MultiClass {
        self.multi_class
    }

    /// Passes over the data each binary problem took.
    pub fn iterations(&self) -> &[usize] {
        &self.iterations
    }

    /// Whether each binary problem met the tolerance before the iteration cap.
    pub fn converged(&self) -> &[bool] {
        &self.converged
    }

    /// Checks invariants a deserialised model must hold before it predicts.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let k = self.n_classes;
        let rows = match self.multi_class {
            MultiClass::OneVsRest => k,
            MultiClass::OneVsOne => k * k.saturating_sub(1) / 2,
        };
        if k < 2 || self.weights.ncols() == 0 || self.weights.nrows() != rows {
            return Err(format!(
                "svm weights are {:?} for {k} classes {:?}: need {rows} rows, 1 feature or more",
                self.weights.dim(),
                self.multi_class
            ));
        }
        if self.intercepts.len() != rows {
            return Err(format!(
                "svm has {} intercepts for {rows} problems",
                self.intercepts.len()
            ));
        }
        if self
            .weights
            .iter()
            .chain(&self.intercepts)
            .any(|v| !v.is_finite())
        {
            return Err("svm weights are not all finite".to_owned());
        }
        Ok(())
    }
}

fn sigmoid(f: f64) -> f64 {
    1.0 / (1.0 + (-f).exp())
}

/// Pairwise coupling, method 2 of Wu, Lin & Weng (2004) as in libsvm's
/// `multiclass_probability`: the class probabilities `p` that best agree with the pairwise
/// estimates `r[i][j]` ≈ P(i | i or j). Returns `p` with `Σ p = 1`.
fn couple_pairwise(r: &[Vec<f64>]) -> Vec<f64> {
    let k = r.len();
    let mut q = vec![vec![0.0f64; k]; k];
    for t in 0..k {
        for j in 0..k {
            if j != t {
                q[t][t] += r[j][t] * r[j][t];
                q[t][j] = -r[j][t] * r[t][j];
            }
        }
    }
    let mut p = vec![1.0 / k as f64; k];
    let mut qp = vec![0.0f64; k];
    let eps = 0.005 / k as f64;
    for _ in 0..k.max(100) {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_err = qp.iter().map(|v| (v - pqp).abs()).fold(0.0, f64::max);
        if max_err < eps {
            break;
        }
        for t in 0..k {
            let diff = (pqp - qp[t]) / q[t][t];
            p[t] += diff;
            let scale = 1.0 + diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (scale * scale);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / scale;
                p[j] /= scale;
            }
        }
    }
    p
}

impl Predict for LinearSvmModel {
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn n_features(&self) -> usize {
        self.weights.ncols()
    }

    /// Scores from the logistic function `σ(f) = 1 / (1 + e^(−f))` of the decision values; not
    /// calibrated probabilities (no Platt fit), but each row sums to 1.
    ///
    /// One-vs-rest: `σ(fₖ)` normalised over the classes (LIBLINEAR's rule); the argmax is the
    /// class with the largest decision value. One-vs-one: the pairwise estimates
    /// `P(i | i or j) = σ(f_ij)` (clipped to `[1e-7, 1 − 1e-7]`) coupled into class
    /// probabilities by libsvm's method (Wu, Lin & Weng 2004); the argmax is usually, not
    /// always, the class with the most pairwise votes.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        let d = self.binary_decisions(x)?;
        let k = self.n_classes;
        let mut out = Array2::<f32>::zeros((d.nrows(), k));
        for (dr, mut or) in d.rows().into_iter().zip(out.rows_mut()) {
            let p: Vec<f64> = match self.multi_class {
                MultiClass::OneVsRest => {
                    let s: Vec<f64> = dr.iter().map(|&f| sigmoid(f64::from(f))).collect();
                    let total: f64 = s.iter().sum();
                    s.iter().map(|v| v / total).collect()
                }
                MultiClass::OneVsOne => {
                    let mut r = vec![vec![0.0f64; k]; k];
                    for (&f, (i, j)) in dr.iter().zip(class_pairs(k)) {
                        let pij = sigmoid(f64::from(f)).clamp(1e-7, 1.0 - 1e-7);
                        r[i][j] = pij;
                        r[j][i] = 1.0 - pij;
                    }
                    couple_pairwise(&r)
                }
            };
            for (o, v) in or.iter_mut().zip(&p) {
                *o = *v as f32;
            }
        }
        Ok(out)
    }
}

impl Fit for LinearSvm {
    type Fitted = LinearSvmModel;

    /// Solves the binary problems. Errors: invalid parameters, fewer than two classes, or a
    /// class without samples ([`ModelError::EmptyClass`]).
    fn fit(&self, train: &TrainSet<'_>) -> Result<LinearSvmModel, ModelError> {
        let k = train.n_classes;
        self.check(k)?;
        let n = train.x.nrows();
        let d = train.x.ncols();
        let mut counts = vec![0usize; k];
        for &c in &train.y {
            counts[c] += 1;
        }
        if let Some(empty) = counts.iter().position(|&c| c == 0) {
            return Err(ModelError::EmptyClass { class: empty });
        }
        let class_c: Vec<f64> = match &self.class_weight {
            ClassWeight::Uniform => vec![f64::from(self.c); k],
            ClassWeight::Balanced => counts
                .iter()
                .map(|&m| f64::from(self.c) * n as f64 / (k as f64 * m as f64))
                .collect(),
            ClassWeight::Custom(w) => w.iter().map(|&v| f64::from(self.c * v)).collect(),
        };
        let sample_c: Vec<f64> = train.y.iter().map(|&c| class_c[c]).collect();

        let bias = f64::from(self.intercept_scaling);
        let width = if bias > 0.0 { d + 1 } else { d };
        let mut data = Vec::with_capacity(n * width);
        for row in train.x.rows() {
            data.extend(row.iter().map(|&v| f64::from(v)));
            if bias > 0.0 {
                data.push(bias);
            }
        }
        let problem = Problem {
            data: &data,
            width,
            sample_c: &sample_c,
        };

        // Each binary problem: its members (sample indices), their ±1 targets.
        let problems: Vec<(Vec<usize>, Vec<f64>)> = match self.multi_class {
            MultiClass::OneVsRest if k == 2 => vec![one_vs_rest(train, 1)],
            MultiClass::OneVsRest => (0..k).map(|c| one_vs_rest(train, c)).collect(),
            MultiClass::OneVsOne => class_pairs(k)
                .map(|(i, j)| {
                    let members: Vec<usize> = (0..n)
                        .filter(|&s| train.y[s] == i || train.y[s] == j)
                        .collect();
                    let y = members
                        .iter()
                        .map(|&s| if train.y[s] == i { 1.0 } else { -1.0 })
                        .collect();
                    (members, y)
                })
                .collect(),
        };
        let rows = if self.multi_class == MultiClass::OneVsRest {
            k
        } else {
            problems.len()
        };
        let mut weights = Array2::<f32>::zeros((rows, d));
        let mut intercepts = Array1::<f32>::zeros(rows);
        let mut iterations = Vec::with_capacity(problems.len());
        let mut converged = Vec::with_capacity(problems.len());
        // One-vs-rest with two classes solves "class 1 vs rest" into row 1.
        let row_of = |p: usize| {
            if self.multi_class == MultiClass::OneVsRest && k == 2 {
                1
            } else {
                p
            }
        };
        // The problems are independent and each has its own seeded order, so solving them on
        // rayon's threads gives the same weights as solving them one after another.
        let solutions: Vec<Solution> = problems
            .par_iter()
            .enumerate()
            .map(|(p, (members, y))| {
                let row = row_of(p);
                let mut rng = SeededRng::splitmix64(
                    self.seed ^ (row as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                self.solve(&problem, members, y, &mut rng)
            })
            .collect();
        for (p, sol) in solutions.iter().enumerate() {
            let row = row_of(p);
            iterations.push(sol.iterations);
            converged.push(sol.converged);
            let wb = if bias > 0.0 { sol.w[d] * bias } else { 0.0 };
            for (dst, &src) in weights.row_mut(row).iter_mut().zip(&sol.w) {
                *dst = src as f32;
            }
            intercepts[row] = wb as f32;
            if self.multi_class == MultiClass::OneVsRest && k == 2 {
                for (dst, &src) in weights.row_mut(0).iter_mut().zip(&sol.w) {
                    *dst = -(src as f32);
                }
                intercepts[0] = -(wb as f32);
            }
        }
        Ok(LinearSvmModel {
            multi_class: self.multi_class,
            n_classes: k,
            weights,
            intercepts,
            iterations,
            converged,
        })
    }
}

/// All samples, `+1` for class `positive` and `−1` for the rest.
fn one_vs_rest(train: &TrainSet<'_>, positive: usize) -> (Vec<usize>, Vec<f64>) {
    let members = (0..train.y.len()).collect();
    let y = train
        .y
        .iter()
        .map(|&c| if c == positive { 1.0 } else { -1.0 })
        .collect();
    (members, y)
}

/// Row-major training data with the bias column appended, and each sample's upper penalty.
struct Problem<'a> {
    data: &'a [f64],
    width: usize,
    sample_c: &'a [f64],
}

impl Problem<'_> {
    fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
}

struct Solution {
    w: Vec<f64>,
    iterations: usize,
    converged: bool,
}

impl LinearSvm {
    /// LIBLINEAR's `solve_l2r_l1l2_svc`: coordinate descent on the dual, visiting samples in a
    /// random order each pass, with optional shrinking of samples stuck at a bound.
    /// `members` are the sample indices of this problem, `y` their ±1 targets.
    fn solve(
        &self,
        p: &Problem<'_>,
        members: &[usize],
        y: &[f64],
        rng: &mut SeededRng,
    ) -> Solution {
        let n = y.len();
        let eps = f64::from(self.tol);
        let c_of = |i: usize| p.sample_c[members[i]];
        // Hinge: 0 ≤ α ≤ C, no diagonal. Squared hinge: α ≥ 0, diagonal 1 / (2C).
        let (upper, diag): (Vec<f64>, Vec<f64>) = match self.loss {
            SvmLoss::Hinge => ((0..n).map(c_of).collect(), vec![0.0; n]),
            SvmLoss::SquaredHinge => (
                vec![f64::INFINITY; n],
                (0..n).map(|i| 0.5 / c_of(i)).collect(),
            ),
        };
        let qd: Vec<f64> = (0..n)
            .map(|i| diag[i] + p.row(members[i]).iter().map(|v| v * v).sum::<f64>())
            .collect();
        let mut w = vec![0.0f64; p.width];
        let mut alpha = vec![0.0f64; n];
        let mut index: Vec<usize> = (0..n).collect();
        let mut active = n;
        let mut pg_max_old = f64::INFINITY;
        let mut pg_min_old = f64::NEG_INFINITY;
        let mut iter = 0;
        let mut converged = false;
        while iter < self.max_iter {
            let mut pg_max_new = f64::NEG_INFINITY;
            let mut pg_min_new = f64::INFINITY;
            for s in 0..active {
                let j = s + rng.index(active - s);
                index.swap(s, j);
            }
            let mut s = 0;
            while s < active {
                let i = index[s];
                let xi = p.row(members[i]);
                let yi = y[i];
                let g = yi * dot(&w, xi) - 1.0 + alpha[i] * diag[i];
                let c = upper[i];
                let mut pg = 0.0;
                if alpha[i] == 0.0 {
                    if self.shrinking && g > pg_max_old {
                        active -= 1;
                        index.swap(s, active);
                        continue;
                    } else if g < 0.0 {
                        pg = g;
                    }
                } else if alpha[i] == c {
                    if self.shrinking && g < pg_min_old {
                        active -= 1;
                        index.swap(s, active);
                        continue;
                    } else if g > 0.0 {
                        pg = g;
                    }
                } else {
                    pg = g;
                }
                pg_max_new = pg_max_new.max(pg);
                pg_min_new = pg_min_new.min(pg);
                if pg.abs() > 1e-12 && qd[i] > 0.0 {
                    let old = alpha[i];
                    alpha[i] = (alpha[i] - g / qd[i]).max(0.0).min(c);
                    let step = (alpha[i] - old) * yi;
                    for (wj, &xj) in w.iter_mut().zip(xi) {
                        *wj += step * xj;
                    }
                }
                s += 1;
            }
            iter += 1;
            if pg_max_new - pg_min_new <= eps {
                if active == n {
                    converged = true;
                    break;
                }
                active = n;
                pg_max_old = f64::INFINITY;
                pg_min_old = f64::NEG_INFINITY;
                continue;
            }
            pg_max_old = if pg_max_new <= 0.0 {
                f64::INFINITY
            } else {
                pg_max_new
            };
            pg_min_old = if pg_min_new >= 0.0 {
                f64::NEG_INFINITY
            } else {
                pg_min_new
            };
        }
        Solution {
            w,
            iterations: iter,
            converged,
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    /// Seeded Gaussian-ish blobs (sum of 4 uniforms) around the given centres.
    pub(crate) fn blobs(
        centres: &[[f32; 2]],
        per_class: usize,
        spread: f32,
        seed: u64,
    ) -> (Array2<f32>, Array1<usize>) {
        let mut rng = SeededRng::splitmix64(seed);
        let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        let n = centres.len() * per_class;
        let mut x = Array2::<f32>::zeros((n, 2));
        let mut y = Array1::<usize>::zeros(n);
        for i in 0..n {
            let c = i % centres.len();
            y[i] = c;
            for j in 0..2 {
                let noise = (unit() + unit() + unit() + unit()) * spread;
                x[[i, j]] = centres[c][j] + noise;
            }
        }
        (x, y)
    }

    #[test]
    fn separates_three_blobs_and_scores_sum_to_one() {
        let centres = [[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]];
        let (x, y) = blobs(&centres, 40, 1.0, 7);
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        for (loss, multi_class) in [
            (SvmLoss::SquaredHinge, MultiClass::OneVsOne),
            (SvmLoss::Hinge, MultiClass::OneVsOne),
            (SvmLoss::SquaredHinge, MultiClass::OneVsRest),
            (SvmLoss::Hinge, MultiClass::OneVsRest),
        ] {
            for shrinking in [true, false] {
                let m = LinearSvm::params()
                    .loss(loss)
                    .multi_class(multi_class)
                    .shrinking(shrinking)
                    .fit(&train)
                    .unwrap();
                assert!(m.converged().iter().all(|&c| c));
                assert_eq!(m.predict(x.view()).unwrap(), y);
                let s = m.predict_scores(x.view()).unwrap();
                for row in s.rows() {
                    assert_abs_diff_eq!(row.sum(), 1.0, epsilon = 1e-5);
                    assert!(row.iter().all(|&v| v > 0.0 && v < 1.0));
                }
                let (xt, yt) = blobs(&centres, 20, 1.0, 99);
                assert_eq!(m.predict(xt.view()).unwrap(), yt);
            }
        }
    }

    #[test]
    fn hinge_solution_satisfies_kkt_on_a_hand_sized_problem() {
        // Two points per class on a line; the max-margin separator with the (regularised)
        // bias feature: symmetric data, so the intercept is 0 and w = ±1 puts x = ±1 exactly
        // on the margin.
        let x = array![[-2.0f32], [-1.0], [1.0], [2.0]];
        let y = array![0usize, 0, 1, 1];
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        let hard = LinearSvm::params().loss(SvmLoss::Hinge).c(100.0).tol(1e-6);
        let ovr = hard
            .clone()
            .multi_class(MultiClass::OneVsRest)
            .fit(&train)
            .unwrap();
        assert_abs_diff_eq!(ovr.weights()[[1, 0]], 1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(ovr.intercepts()[1], 0.0, epsilon = 1e-4);
        assert_abs_diff_eq!(ovr.weights()[[0, 0]], -ovr.weights()[[1, 0]]);
        let d = ovr.decision_function(x.view()).unwrap();
        assert_abs_diff_eq!(d[[1, 1]], -1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(d[[2, 1]], 1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(d[[2, 0]], -1.0, epsilon = 1e-4);
        // One-vs-one: a single pair (0, 1), positive for class 0.
        let ovo = hard.fit(&train).unwrap();
        assert_eq!(ovo.weights().dim(), (1, 1));
        assert_abs_diff_eq!(ovo.weights()[[0, 0]], -1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(ovo.intercepts()[0], 0.0, epsilon = 1e-4);
        assert_eq!(ovo.predict(x.view()).unwrap(), y);
    }

    #[test]
    fn one_vs_one_votes_and_confidences_by_hand() {
        // Pairs (0,1), (0,2), (1,2) with w = 1 and b = 0, −1, −2; at x = 0.5 the pair values
        // are 0.5 (→ 0), −0.5 (→ 2), −1.5 (→ 2): votes 1, 0, 2; summed confidences 0, −2, 2
        // squashed by c / (3(|c| + 1)) to 0, −2/9, 2/9.
        let m = LinearSvmModel {
            multi_class: MultiClass::OneVsOne,
            n_classes: 3,
            weights: array![[1.0f32], [1.0], [1.0]],
            intercepts: array![0.0f32, -1.0, -2.0],
            iterations: vec![1; 3],
            converged: vec![true; 3],
        };
        m.validate().unwrap();
        let d = m.decision_function(array![[0.5f32]].view()).unwrap();
        assert_abs_diff_eq!(
            d,
            array![[1.0, -2.0 / 9.0, 2.0 + 2.0 / 9.0]],
            epsilon = 1e-6
        );
        let s = m.predict_scores(array![[0.5f32]].view()).unwrap();
        assert_abs_diff_eq!(s.sum(), 1.0, epsilon = 1e-6);
        assert_eq!(m.predict(array![[0.5f32]].view()).unwrap(), array![2]);
    }

    #[test]
    fn pairwise_coupling_recovers_consistent_probabilities() {
        // r_ij = p_i / (p_i + p_j) is exactly consistent with p, so coupling returns p.
        let p = [0.5, 0.3, 0.15, 0.05];
        let r: Vec<Vec<f64>> = (0..4)
            .map(|i| {
                (0..4)
                    .map(|j| if i == j { 0.0 } else { p[i] / (p[i] + p[j]) })
                    .collect()
            })
            .collect();
        let got = couple_pairwise(&r);
        for (g, e) in got.iter().zip(p) {
            assert_abs_diff_eq!(*g, e, epsilon = 2e-3);
        }
        assert_abs_diff_eq!(got.iter().sum::<f64>(), 1.0, epsilon = 1e-9);
    }

    #[test]
    fn same_predictions_as_smartcore_svc_on_separated_binary_data() {
        use smartcore::svm::Kernels;
        use smartcore::svm::svc::{SVC, SVCParameters};

        let (x, y) = blobs(&[[-3.0, -2.0], [3.0, 2.5]], 60, 1.5, 3);
        let (xt, _) = blobs(&[[-3.0, -2.0], [3.0, 2.5]], 50, 2.0, 11);
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        let ours = LinearSvm::params().fit(&train).unwrap();
        let pred = ours.predict(xt.view()).unwrap();

        let x64 = x.mapv(f64::from);
        let xt64 = xt.mapv(f64::from);
        let y64: Vec<i32> = y.iter().map(|&c| if c == 1 { 1 } else { -1 }).collect();
        let params = SVCParameters::default()
            .with_c(1.0)
            .with_kernel(Kernels::linear())
            .with_seed(Some(5));
        let svc = SVC::fit(&x64, &y64, &params).unwrap();
        let theirs = svc.predict(&xt64).unwrap();
        let theirs: Array1<usize> = theirs.iter().map(|&v| usize::from(v > 0.0)).collect();
        assert_eq!(pred, theirs);
        // Both classes occur, so the agreement is not trivial.
        assert!(pred.iter().any(|&c| c == 0) && pred.iter().any(|&c| c == 1));
    }

    #[test]
    fn class_weights_move_the_boundary() {
        // Overlapping classes: weighting class 1 up predicts it on more points.
        let (x, y) = blobs(&[[0.0, 0.0], [1.0, 0.0]], 100, 3.0, 1);
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        let ones = |m: &LinearSvmModel| m.predict(x.view()).unwrap().sum();
        let plain = LinearSvm::params().fit(&train).unwrap();
        let heavy = LinearSvm::params()
            .class_weight(ClassWeight::Custom(vec![1.0, 10.0]))
            .fit(&train)
            .unwrap();
        assert!(ones(&heavy) > ones(&plain));
        let balanced = LinearSvm::params()
            .class_weight(ClassWeight::Balanced)
            .fit(&train)
            .unwrap();
        // Balanced classes: "balanced" weights are all 1, the same fit.
        assert_eq!(balanced.weights(), plain.weights());
    }

    #[test]
    fn same_seed_same_model() {
        let (x, y) = blobs(&[[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]], 30, 2.0, 5);
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        let a = LinearSvm::params().seed(3).fit(&train).unwrap();
        let b = LinearSvm::params().seed(3).fit(&train).unwrap();
        assert_eq!(a, b);
        // The problems run on rayon: one thread gives the same weights as many.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let c = pool.install(|| LinearSvm::params().seed(3).fit(&train).unwrap());
        assert_eq!(a, c);
        let d = LinearSvm::params().seed(4).fit(&train).unwrap();
        assert_ne!(a.weights(), d.weights());
    }

    #[test]
    fn bad_parameters_and_inputs_are_typed_errors() {
        let x = array![[0.0f32], [1.0]];
        let y = array![0usize, 1];
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        for p in [
            LinearSvm::params().c(0.0),
            LinearSvm::params().c(f32::NAN),
            LinearSvm::params().tol(-1.0),
            LinearSvm::params().max_iter(0),
            LinearSvm::params().intercept_scaling(-1.0),
            LinearSvm::params().class_weight(ClassWeight::Custom(vec![1.0, 0.0])),
        ] {
            assert!(matches!(
                p.fit(&train),
                Err(ModelError::InvalidParam { .. })
            ));
        }
        assert!(matches!(
            LinearSvm::params()
                .class_weight(ClassWeight::Custom(vec![1.0]))
                .fit(&train),
            Err(ModelError::ShapeMismatch { .. })
        ));
        let zeros = array![0usize, 0];
        let one = TrainSet::new(x.view(), zeros.view(), 1).unwrap();
        assert!(matches!(
            LinearSvm::params().fit(&one),
            Err(ModelError::InvalidParam { .. })
        ));
        let gap = TrainSet::new(x.view(), y.view(), 3).unwrap();
        assert!(matches!(
            LinearSvm::params().fit(&gap),
            Err(ModelError::EmptyClass { class: 2 })
        ));
        let m = LinearSvm::params().fit(&train).unwrap();
        assert!(matches!(
            m.predict(array![[0.0f32, 1.0]].view()),
            Err(ModelError::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn all_zero_features_without_intercept_do_not_divide_by_zero() {
        let x = Array2::<f32>::zeros((4, 2));
        let y = array![0usize, 1, 0, 1];
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        let m = LinearSvm::params()
            .intercept_scaling(0.0)
            .fit(&train)
            .unwrap();
        assert!(m.weights().iter().all(|&v| v == 0.0));
        let s = m.predict_scores(x.view()).unwrap();
        assert!(s.iter().all(|&v| (v - 0.5).abs() < 1e-6));
    }
}
