//! A linear support vector machine trained by dual coordinate descent (Hsieh et al. 2008, the
//! solver of LIBLINEAR and scikit-learn's `LinearSVC`), one-vs-rest for more than two classes.
//!
//! Each binary problem minimises `½‖w‖² + Σᵢ Cᵢ ξ(yᵢ wᵀxᵢ)` with the hinge loss
//! `ξ(m) = max(0, 1 − m)` or the squared hinge `max(0, 1 − m)²` (the default, as `LinearSVC`).
//! The intercept is learnt as the weight of an extra constant feature `intercept_scaling`
//! (so, as in LIBLINEAR, it is regularised too).

use ndarray::{Array1, Array2, ArrayView2};
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
            seed: 0,
        }
    }
}

impl LinearSvm {
    /// The defaults: `C = 1`, `tol = 0.1` (LIBLINEAR's dual-solver default), 1000 passes at
    /// most, squared hinge, uniform class weights, intercept scaling 1, shrinking on, seed 0.
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

    /// Per-class scaling of `C`. In one-vs-rest each sample keeps the weight of its own class
    /// in every binary problem (LIBLINEAR instead weights only the positive class).
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

/// A fitted linear SVM: one weight row and intercept per class (for two classes the second row
/// is the negated first, as one binary problem is solved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvmModel {
    weights: Array2<f32>,
    intercepts: Array1<f32>,
    iterations: Vec<usize>,
    converged: Vec<bool>,
}

impl LinearSvmModel {
    /// Decision values `x · wₖ + bₖ`, samples × classes; larger means more of class `k`.
    pub fn decision_function(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
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

    /// The weights, classes × features.
    pub fn weights(&self) -> &Array2<f32> {
        &self.weights
    }

    /// The intercepts, one per class.
    pub fn intercepts(&self) -> &Array1<f32> {
        &self.intercepts
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
        if self.weights.nrows() < 2 || self.weights.ncols() == 0 {
            return Err(format!(
                "svm weights are {:?}: need at least 2 classes and 1 feature",
                self.weights.dim()
            ));
        }
        if self.intercepts.len() != self.weights.nrows() {
            return Err(format!(
                "svm has {} intercepts for {} classes",
                self.intercepts.len(),
                self.weights.nrows()
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

impl Predict for LinearSvmModel {
    fn n_classes(&self) -> usize {
        self.weights.nrows()
    }

    fn n_features(&self) -> usize {
        self.weights.ncols()
    }

    /// Scores by LIBLINEAR's rule for one-vs-rest: the logistic function of each decision
    /// value, `1 / (1 + e^(−f))`, normalised so each row sums to 1. It keeps the order of the
    /// decision values (so the argmax is the SVM's class) but is not a calibrated probability.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        let mut d = self.decision_function(x)?;
        let uniform = 1.0 / d.ncols() as f32;
        for mut row in d.rows_mut() {
            row.mapv_inplace(|f| 1.0 / (1.0 + (-f).exp()));
            let s = row.sum();
            if s > 0.0 {
                row /= s;
            } else {
                row.fill(uniform);
            }
        }
        Ok(d)
    }
}

impl Fit for LinearSvm {
    type Fitted = LinearSvmModel;

    /// Solves one binary problem per class (one for two classes). Errors: invalid parameters,
    /// fewer than two classes, or a class without samples ([`ModelError::EmptyClass`]).
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

        let binary_targets: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
        let mut weights = Array2::<f32>::zeros((k, d));
        let mut intercepts = Array1::<f32>::zeros(k);
        let mut iterations = Vec::with_capacity(binary_targets.len());
        let mut converged = Vec::with_capacity(binary_targets.len());
        for &pos in &binary_targets {
            let y: Vec<f64> = train
                .y
                .iter()
                .map(|&c| if c == pos { 1.0 } else { -1.0 })
                .collect();
            let mut rng = SplitMix64(self.seed ^ (pos as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let sol = self.solve(&problem, &y, &mut rng);
            iterations.push(sol.iterations);
            converged.push(sol.converged);
            let wb = if bias > 0.0 { sol.w[d] * bias } else { 0.0 };
            for j in 0..d {
                weights[[pos, j]] = sol.w[j] as f32;
            }
            intercepts[pos] = wb as f32;
            if k == 2 {
                for j in 0..d {
                    weights[[0, j]] = -(sol.w[j] as f32);
                }
                intercepts[0] = -(wb as f32);
            }
        }
        Ok(LinearSvmModel {
            weights,
            intercepts,
            iterations,
            converged,
        })
    }
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
    fn solve(&self, p: &Problem<'_>, y: &[f64], rng: &mut SplitMix64) -> Solution {
        let n = y.len();
        let eps = f64::from(self.tol);
        // Hinge: 0 ≤ α ≤ C, no diagonal. Squared hinge: α ≥ 0, diagonal 1 / (2C).
        let (upper, diag): (Vec<f64>, Vec<f64>) = match self.loss {
            SvmLoss::Hinge => (p.sample_c.to_vec(), vec![0.0; n]),
            SvmLoss::SquaredHinge => (
                vec![f64::INFINITY; n],
                p.sample_c.iter().map(|&c| 0.5 / c).collect(),
            ),
        };
        let qd: Vec<f64> = (0..n)
            .map(|i| diag[i] + p.row(i).iter().map(|v| v * v).sum::<f64>())
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
                let j = s + rng.below(active - s);
                index.swap(s, j);
            }
            let mut s = 0;
            while s < active {
                let i = index[s];
                let xi = p.row(i);
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

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator for the visiting order.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the multiply-shift bias is negligible for our sizes.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
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
        let mut rng = SplitMix64(seed);
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
        for loss in [SvmLoss::SquaredHinge, SvmLoss::Hinge] {
            for shrinking in [true, false] {
                let m = LinearSvm::params()
                    .loss(loss)
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
        // bias feature: w·x + b, margins ≥ 1 − tol for large C.
        let x = array![[-2.0f32], [-1.0], [1.0], [2.0]];
        let y = array![0usize, 0, 1, 1];
        let train = TrainSet::new(x.view(), y.view(), 2).unwrap();
        let m = LinearSvm::params()
            .loss(SvmLoss::Hinge)
            .c(100.0)
            .tol(1e-6)
            .fit(&train)
            .unwrap();
        // Symmetric data: the intercept is 0 and w = 1 puts ±1 exactly on the margin.
        let w = m.weights()[[1, 0]];
        let b = m.intercepts()[1];
        assert_abs_diff_eq!(w, 1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(b, 0.0, epsilon = 1e-4);
        assert_abs_diff_eq!(m.weights()[[0, 0]], -w);
        let d = m.decision_function(x.view()).unwrap();
        assert_abs_diff_eq!(d[[1, 1]], -1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(d[[2, 1]], 1.0, epsilon = 1e-4);
        assert_abs_diff_eq!(d[[2, 0]], -1.0, epsilon = 1e-4);
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
