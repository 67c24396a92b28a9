//! k-nearest-neighbour classification by brute-force search over the stored training rows,
//! with Euclidean, Manhattan or cosine distance and uniform or inverse-distance votes.
//!
//! A plain exhaustive search: for the corpus sizes here (about a thousand rows of 40 features)
//! it is faster than building a tree, it supports the cosine distance, and the fitted model
//! owns its data so it can be saved. smartcore's `KNNClassifier` serves as a cross-check in the
//! tests.

use std::cmp::Ordering;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::{Fit, ModelError, Predict, TrainSet, check_width};

/// How far apart two feature rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Distance {
    /// `√Σ (aᵢ − bᵢ)²`.
    Euclidean,
    /// `Σ |aᵢ − bᵢ|`.
    Manhattan,
    /// `1 − a·b / (‖a‖ ‖b‖)`, in `[0, 2]`; a zero row is at distance 1 from everything
    /// (similarity 0), including another zero row.
    Cosine,
}

/// How the k neighbours vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Weighting {
    /// One vote each.
    Uniform,
    /// A vote of `1 / distance`; if some neighbours are at distance 0, only they vote, one
    /// vote each (as scikit-learn's `weights="distance"`).
    Distance,
}

/// Hyper-parameters of the k-nearest-neighbour classifier; build with [`Knn::params`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    k: usize,
    distance: Distance,
    weighting: Weighting,
}

impl Default for Knn {
    fn default() -> Self {
        Self {
            k: 5,
            distance: Distance::Euclidean,
            weighting: Weighting::Uniform,
        }
    }
}

impl Knn {
    /// The defaults: k = 5, Euclidean distance, uniform votes (scikit-learn's defaults).
    pub fn params() -> Self {
        Self::default()
    }

    /// Number of neighbours that vote (≥ 1 and at most the number of training rows).
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// The distance between rows.
    pub fn distance(mut self, distance: Distance) -> Self {
        self.distance = distance;
        self
    }

    /// How the neighbours' votes are weighted.
    pub fn weighting(mut self, weighting: Weighting) -> Self {
        self.weighting = weighting;
        self
    }
}

impl Fit for Knn {
    type Fitted = KnnModel;

    /// Stores a copy of the training set. Errors: `k = 0` ([`ModelError::InvalidParam`]) or `k`
    /// above the number of rows ([`ModelError::TooFewSamples`]).
    ///
    /// A class with no training rows is allowed: it never gets a vote, so its score is always 0
    /// and it is never predicted.
    fn fit(&self, train: &TrainSet<'_>) -> Result<KnnModel, ModelError> {
        if self.k == 0 {
            return Err(ModelError::InvalidParam {
                name: "k",
                reason: "must be at least 1".to_owned(),
            });
        }
        if self.k > train.x.nrows() {
            return Err(ModelError::TooFewSamples {
                needed: self.k,
                got: train.x.nrows(),
            });
        }
        Ok(KnnModel {
            params: self.clone(),
            n_classes: train.n_classes,
            x: train.x.to_owned(),
            y: train.y.to_owned(),
        })
    }
}

/// A fitted k-nearest-neighbour classifier: the parameters and its own copy of the training
/// rows and labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnModel {
    params: Knn,
    n_classes: usize,
    x: Array2<f32>,
    y: Array1<usize>,
}

impl KnnModel {
    /// The parameters it was fitted with.
    pub fn params(&self) -> &Knn {
        &self.params
    }

    /// Checks invariants a deserialised model must hold before it predicts.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let n = self.x.nrows();
        if n == 0 || self.x.ncols() == 0 {
            return Err("knn holds no training rows".to_owned());
        }
        if self.y.len() != n {
            return Err(format!("knn has {} labels for {n} rows", self.y.len()));
        }
        if self.params.k == 0 || self.params.k > n {
            return Err(format!("knn k = {} outside 1..={n}", self.params.k));
        }
        if let Some(&bad) = self.y.iter().find(|&&c| c >= self.n_classes) {
            return Err(format!(
                "knn label {bad} out of range for {} classes",
                self.n_classes
            ));
        }
        if self.x.iter().any(|v| !v.is_finite()) {
            return Err("knn training rows are not all finite".to_owned());
        }
        Ok(())
    }

    /// Indices (into the training rows) and distances of the k nearest neighbours of each row
    /// of `x`, nearest first; equal distances are ordered by training index.
    pub fn kneighbors(&self, x: ArrayView2<'_, f32>) -> Result<Vec<Vec<(usize, f32)>>, ModelError> {
        check_width(x, self.n_features())?;
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        let train_norms: Vec<f64> = match self.params.distance {
            Distance::Cosine => self.x.rows().into_iter().map(norm).collect(),
            _ => Vec::new(),
        };
        let k = self.params.k.min(self.x.nrows());
        let mut out = Vec::with_capacity(x.nrows());
        let mut cand: Vec<(f64, usize)> = Vec::with_capacity(self.x.nrows());
        for q in x.rows() {
            let qn = norm(q);
            cand.clear();
            cand.extend(self.x.rows().into_iter().enumerate().map(|(i, t)| {
                let d = match self.params.distance {
                    Distance::Euclidean => q
                        .iter()
                        .zip(t)
                        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                        .sum::<f64>()
                        .sqrt(),
                    Distance::Manhattan => q
                        .iter()
                        .zip(t)
                        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).abs())
                        .sum(),
                    Distance::Cosine => {
                        let den = qn * train_norms[i];
                        if den > 0.0 {
                            let dot: f64 = q
                                .iter()
                                .zip(t)
                                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                                .sum();
                            (1.0 - dot / den).max(0.0)
                        } else {
                            1.0
                        }
                    }
                };
                (d, i)
            }));
            let by_dist = |a: &(f64, usize), b: &(f64, usize)| -> Ordering {
                a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
            };
            if k < cand.len() {
                cand.select_nth_unstable_by(k - 1, by_dist);
                cand.truncate(k);
            }
            cand.sort_unstable_by(by_dist);
            out.push(cand.iter().map(|&(d, i)| (i, d as f32)).collect());
        }
        Ok(out)
    }
}

fn norm(r: ArrayView1<'_, f32>) -> f64 {
    r.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt()
}

impl Predict for KnnModel {
    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// Vote fractions: each class's share of the (possibly distance-weighted) votes of the k
    /// nearest neighbours. Ties in the argmax go to the lowest class index.
    fn predict_scores(&self, x: ArrayView2<'_, f32>) -> Result<Array2<f32>, ModelError> {
        let neighbours = self.kneighbors(x)?;
        let mut scores = Array2::<f32>::zeros((x.nrows(), self.n_classes));
        for (mut row, nb) in scores.rows_mut().into_iter().zip(&neighbours) {
            let exact = nb.iter().any(|&(_, d)| d == 0.0);
            let mut total = 0.0f64;
            let mut votes = vec![0.0f64; self.n_classes];
            for &(i, d) in nb {
                let v = match self.params.weighting {
                    Weighting::Uniform => 1.0,
                    Weighting::Distance if exact => f64::from(u8::from(d == 0.0)),
                    Weighting::Distance => 1.0 / f64::from(d),
                };
                votes[self.y[i]] += v;
                total += v;
            }
            for (s, v) in row.iter_mut().zip(&votes) {
                *s = (v / total) as f32;
            }
        }
        Ok(scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn line() -> (Array2<f32>, Array1<usize>) {
        // Class 0 at 0, 1, 2; class 1 at 10, 11; class 2 at 20.
        let x = array![[0.0f32], [1.0], [2.0], [10.0], [11.0], [20.0]];
        let y = array![0usize, 0, 0, 1, 1, 2];
        (x, y)
    }

    #[test]
    fn vote_fractions_by_hand() {
        let (x, y) = line();
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        let m = Knn::params().k(3).fit(&train).unwrap();
        // Query 9: neighbours 10 (d 1), 11 (d 2), 2 (d 7) → 1/3 class 0, 2/3 class 1.
        // Query 1: neighbours 1, 0/2 (tie at 1, lower index first) → all class 0.
        let s = m.predict_scores(array![[9.0f32], [1.0]].view()).unwrap();
        assert_abs_diff_eq!(s, array![[1.0 / 3.0, 2.0 / 3.0, 0.0], [1.0, 0.0, 0.0]]);
        assert_eq!(
            m.predict(array![[9.0f32], [1.0]].view()).unwrap(),
            array![1, 0]
        );
        let nb = m.kneighbors(array![[1.0f32]].view()).unwrap();
        assert_eq!(nb[0], vec![(1, 0.0), (0, 1.0), (2, 1.0)]);
    }

    #[test]
    fn distance_weights_by_hand() {
        let (x, y) = line();
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        let m = Knn::params()
            .k(3)
            .weighting(Weighting::Distance)
            .fit(&train)
            .unwrap();
        // Query 6: neighbours 2 (d 4), 10 (d 4), then 1 and 11 tie at d 5 and the lower
        // index (row 1, value 1) wins: class 0 gets 1/4 + 1/5 = 0.45, class 1 gets 0.25.
        let s = m.predict_scores(array![[6.0f32]].view()).unwrap();
        assert_abs_diff_eq!(s, array![[0.45 / 0.7, 0.25 / 0.7, 0.0]], epsilon = 1e-6);
        // Query exactly on a training row: only it votes.
        let s = m.predict_scores(array![[20.0f32]].view()).unwrap();
        assert_abs_diff_eq!(s, array![[0.0, 0.0, 1.0]]);
    }

    #[test]
    fn manhattan_and_cosine_by_hand() {
        let x = array![[1.0f32, 0.0], [0.0, 3.0], [2.0, 2.0]];
        let y = array![0usize, 1, 2];
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        // Query (0.9, 0.8): Manhattan to rows 0.9, 3.1, 2.3 → row 0.
        let q = array![[0.9f32, 0.8]];
        let man = Knn::params()
            .k(1)
            .distance(Distance::Manhattan)
            .fit(&train)
            .unwrap();
        let nb = man.kneighbors(q.view()).unwrap();
        assert_eq!(nb[0][0].0, 0);
        assert_abs_diff_eq!(nb[0][0].1, 0.9, epsilon = 1e-6);
        // Cosine only looks at direction: (0.9, 0.8) is closest in angle to (2, 2).
        let cos = Knn::params()
            .k(3)
            .distance(Distance::Cosine)
            .fit(&train)
            .unwrap();
        let nb = cos.kneighbors(q.view()).unwrap();
        let order: Vec<usize> = nb[0].iter().map(|p| p.0).collect();
        assert_eq!(order, [2, 0, 1]);
        let qn = (0.81f32 + 0.64).sqrt();
        assert_abs_diff_eq!(nb[0][1].1, 1.0 - 0.9 / qn, epsilon = 1e-6);
        // A zero query is at distance 1 from everything.
        let nb = cos.kneighbors(array![[0.0f32, 0.0]].view()).unwrap();
        assert!(nb[0].iter().all(|p| p.1 == 1.0));
    }

    #[test]
    fn same_predictions_as_smartcore_knn() {
        use smartcore::metrics::distance::Distances;
        use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};

        // Deterministic scattered points in 3 overlapping classes.
        let n = 90;
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            let t = (i * 7 + j * 13) as f32;
            (t * 0.37).sin() * 3.0 + (i % 3) as f32 * 1.5 + j as f32 * 0.1
        });
        let y: Array1<usize> = (0..n).map(|i| i % 3).collect();
        let q = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 5 + j) as f32 * 0.71).cos() * 4.0);
        let train = TrainSet::new(x.view(), y.view(), 3).unwrap();
        for (ours_d, k) in [(Distance::Euclidean, 5), (Distance::Manhattan, 7)] {
            let ours = Knn::params().k(k).distance(ours_d).fit(&train).unwrap();
            let pred = ours.predict(q.view()).unwrap();

            let x64 = x.mapv(f64::from);
            let q64 = q.mapv(f64::from);
            let y32: Array1<i32> = y.mapv(|c| c as i32);
            let theirs: Array1<i32> = match ours_d {
                Distance::Manhattan => {
                    let p = KNNClassifierParameters::default()
                        .with_k(k)
                        .with_distance(Distances::manhattan());
                    KNNClassifier::fit(&x64, &y32, p)
                        .unwrap()
                        .predict(&q64)
                        .unwrap()
                }
                _ => {
                    let p = KNNClassifierParameters::default()
                        .with_k(k)
                        .with_distance(Distances::euclidian());
                    KNNClassifier::fit(&x64, &y32, p)
                        .unwrap()
                        .predict(&q64)
                        .unwrap()
                }
            };
            assert_eq!(pred.mapv(|c| c as i32), theirs, "{ours_d:?}");
        }
    }

    #[test]
    fn k_too_large_or_zero_is_a_typed_error_and_empty_classes_score_zero() {
        let (x, y) = line();
        let train = TrainSet::new(x.view(), y.view(), 4).unwrap();
        assert!(matches!(
            Knn::params().k(7).fit(&train),
            Err(ModelError::TooFewSamples { needed: 7, got: 6 })
        ));
        assert!(matches!(
            Knn::params().k(0).fit(&train),
            Err(ModelError::InvalidParam { name: "k", .. })
        ));
        // k = n: every row votes; class 3 has no rows and scores 0.
        let m = Knn::params().k(6).fit(&train).unwrap();
        let s = m.predict_scores(array![[5.0f32]].view()).unwrap();
        assert_abs_diff_eq!(s, array![[0.5, 1.0 / 3.0, 1.0 / 6.0, 0.0]], epsilon = 1e-6);
        assert!(matches!(
            m.predict(array![[f32::NAN]].view()),
            Err(ModelError::NonFinite)
        ));
        assert!(matches!(
            m.predict(array![[1.0f32, 2.0]].view()),
            Err(ModelError::ShapeMismatch { .. })
        ));
    }
}
