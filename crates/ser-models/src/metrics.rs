//! Classification metrics from a confusion matrix: accuracy, per-class precision / recall / F1,
//! macro-F1, unweighted average recall (UAR, balanced accuracy) and a plain-text table.

use std::fmt::Write as _;

use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Counts of (true class, predicted class) pairs: `counts()[[t, p]]` is the number of samples of
/// class `t` predicted as `p`.
///
/// Undefined ratios follow scikit-learn's `zero_division=0`: precision of a class never
/// predicted, and recall of a class never present, are 0. The averages skip classes that cannot
/// contribute: [`uar`](Self::uar) averages recall over classes present in the truth (as
/// `balanced_accuracy_score`), [`macro_f1`](Self::macro_f1) averages F1 over classes present in
/// the truth or the predictions (as `f1_score(average="macro")` without explicit labels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    counts: Array2<usize>,
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Correct predictions of the class over all predictions of it.
    pub precision: f64,
    /// Correct predictions of the class over all its samples.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of samples whose true class it is.
    pub support: usize,
}

/// The headline figures of a confusion matrix, ready to serialise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    /// Fraction of samples predicted correctly.
    pub accuracy: f64,
    /// Unweighted average recall (balanced accuracy).
    pub uar: f64,
    /// Unweighted mean of per-class F1.
    pub macro_f1: f64,
    /// Number of samples.
    pub n_samples: usize,
    /// Per-class figures, in class order.
    pub per_class: Vec<ClassMetrics>,
}

impl ConfusionMatrix {
    /// Counts `y_true` against `y_pred` for classes `0..n_classes`.
    ///
    /// Errors: [`ModelError::ShapeMismatch`] when the lengths differ, [`ModelError::EmptyInput`]
    /// for no samples or no classes, [`ModelError::LabelOutOfRange`] for a label not below
    /// `n_classes`.
    pub fn new(
        y_true: ArrayView1<'_, usize>,
        y_pred: ArrayView1<'_, usize>,
        n_classes: usize,
    ) -> Result<Self, ModelError> {
        if y_true.len() != y_pred.len() {
            return Err(ModelError::ShapeMismatch {
                what: "predictions per true label",
                expected: y_true.len(),
                got: y_pred.len(),
            });
        }
        if y_true.is_empty() || n_classes == 0 {
            return Err(ModelError::EmptyInput);
        }
        let mut counts = Array2::<usize>::zeros((n_classes, n_classes));
        for (&t, &p) in y_true.iter().zip(&y_pred) {
            if let Some(&bad) = [t, p].iter().find(|&&c| c >= n_classes) {
                return Err(ModelError::LabelOutOfRange {
                    label: bad,
                    n_classes,
                });
            }
            counts[[t, p]] += 1;
        }
        Ok(Self { counts })
    }

    /// The counts, true classes along rows, predicted classes along columns.
    pub fn counts(&self) -> &Array2<usize> {
        &self.counts
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.counts.nrows()
    }

    /// Number of samples counted.
    pub fn n_samples(&self) -> usize {
        self.counts.sum()
    }

    /// Fraction of samples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let correct: usize = self.counts.diag().sum();
        ratio(correct, self.n_samples())
    }

    /// Number of samples of class `class` (0 for a class out of range).
    pub fn support(&self, class: usize) -> usize {
        if class >= self.n_classes() {
            return 0;
        }
        self.counts.row(class).sum()
    }

    fn predicted(&self, class: usize) -> usize {
        if class >= self.n_classes() {
            return 0;
        }
        self.counts.column(class).sum()
    }

    fn hits(&self, class: usize) -> usize {
        if class >= self.n_classes() {
            return 0;
        }
        self.counts[[class, class]]
    }

    /// Precision of `class`: hits over predictions of it (0 if never predicted).
    pub fn precision(&self, class: usize) -> f64 {
        ratio(self.hits(class), self.predicted(class))
    }

    /// Recall of `class`: hits over its samples (0 if it has none).
    pub fn recall(&self, class: usize) -> f64 {
        ratio(self.hits(class), self.support(class))
    }

    /// F1 of `class`: `2 · hits / (support + predictions)` (0 if both are 0).
    pub fn f1(&self, class: usize) -> f64 {
        ratio(
            2 * self.hits(class),
            self.support(class) + self.predicted(class),
        )
    }

    /// Unweighted average recall over the classes present in the truth (balanced accuracy).
    pub fn uar(&self) -> f64 {
        let present: Vec<usize> = (0..self.n_classes())
            .filter(|&c| self.support(c) > 0)
            .collect();
        mean(present.iter().map(|&c| self.recall(c)), present.len())
    }

    /// Unweighted mean F1 over the classes present in the truth or the predictions.
    pub fn macro_f1(&self) -> f64 {
        let seen: Vec<usize> = (0..self.n_classes())
            .filter(|&c| self.support(c) + self.predicted(c) > 0)
            .collect();
        mean(seen.iter().map(|&c| self.f1(c)), seen.len())
    }

    /// Per-class precision, recall, F1 and support.
    pub fn class_metrics(&self, class: usize) -> ClassMetrics {
        ClassMetrics {
            precision: self.precision(class),
            recall: self.recall(class),
            f1: self.f1(class),
            support: self.support(class),
        }
    }

    /// Accuracy, UAR, macro-F1 and the per-class figures in one serialisable value.
    pub fn summary(&self) -> MetricsSummary {
        MetricsSummary {
            accuracy: self.accuracy(),
            uar: self.uar(),
            macro_f1: self.macro_f1(),
            n_samples: self.n_samples(),
            per_class: (0..self.n_classes())
                .map(|c| self.class_metrics(c))
                .collect(),
        }
    }

    /// A plain-text report: one line per class (precision, recall, F1, support), the averages,
    /// then the counts with true classes along rows.
    ///
    /// `class_names` must hold one name per class, else [`ModelError::ShapeMismatch`].
    pub fn to_table(&self, class_names: &[String]) -> Result<String, ModelError> {
        if class_names.len() != self.n_classes() {
            return Err(ModelError::ShapeMismatch {
                what: "class names",
                expected: self.n_classes(),
                got: class_names.len(),
            });
        }
        let w = class_names
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .max(16);
        let mut out = String::new();
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = writeln!(
            out,
            "{:<w$}  {:>9}  {:>9}  {:>9}  {:>7}",
            "class", "precision", "recall", "f1", "support"
        );
        for (c, name) in class_names.iter().enumerate() {
            let m = self.class_metrics(c);
            let _ = writeln!(
                out,
                "{:<w$}  {:>9.4}  {:>9.4}  {:>9.4}  {:>7}",
                name, m.precision, m.recall, m.f1, m.support
            );
        }
        let n = self.n_samples();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<w$}  {:>31.4}  {:>7}",
            "accuracy",
            self.accuracy(),
            n
        );
        let _ = writeln!(
            out,
            "{:<w$}  {:>31.4}  {:>7}",
            "macro f1",
            self.macro_f1(),
            n
        );
        let _ = writeln!(out, "{:<w$}  {:>31.4}  {:>7}", "uar", self.uar(), n);
        let _ = writeln!(out);
        let cw = class_names
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let _ = write!(out, "{:<w$}", "true \\ predicted");
        for name in class_names {
            let _ = write!(out, "  {name:>cw$}");
        }
        let _ = writeln!(out);
        for (c, name) in class_names.iter().enumerate() {
            let _ = write!(out, "{name:<w$}");
            for &v in self.counts.row(c) {
                let _ = write!(out, "  {v:>cw$}");
            }
            let _ = writeln!(out);
        }
        Ok(out)
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        values.sum::<f64>() / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::{Array1, array};

    /// truth  0 0 0 0 1 1 1 2 2 2
    /// pred   0 0 1 2 1 1 0 2 2 1
    fn three_class() -> ConfusionMatrix {
        let t = array![0usize, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        let p = array![0usize, 0, 1, 2, 1, 1, 0, 2, 2, 1];
        ConfusionMatrix::new(t.view(), p.view(), 3).unwrap()
    }

    #[test]
    fn counts_by_hand() {
        let cm = three_class();
        assert_eq!(cm.counts(), &array![[2usize, 1, 1], [1, 2, 0], [0, 1, 2]]);
        assert_eq!(cm.n_samples(), 10);
        assert_eq!((0..3).map(|c| cm.support(c)).collect::<Vec<_>>(), [4, 3, 3]);
    }

    #[test]
    fn ratios_by_hand() {
        let cm = three_class();
        assert_abs_diff_eq!(cm.accuracy(), 0.6, epsilon = 1e-12);
        // Columns sum to 3, 4, 3; diagonal 2, 2, 2.
        assert_abs_diff_eq!(cm.precision(0), 2.0 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.precision(1), 0.5, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.precision(2), 2.0 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.recall(0), 0.5, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.recall(1), 2.0 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.recall(2), 2.0 / 3.0, epsilon = 1e-12);
        // F1: 2·(2/3·1/2)/(2/3+1/2) = 4/7 for classes 0 and 1, 2/3 for class 2.
        assert_abs_diff_eq!(cm.f1(0), 4.0 / 7.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.f1(1), 4.0 / 7.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.f1(2), 2.0 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.macro_f1(), 38.0 / 63.0, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.uar(), 11.0 / 18.0, epsilon = 1e-12);
        let s = cm.summary();
        assert_eq!(s.per_class.len(), 3);
        assert_eq!(s.per_class[0].support, 4);
        assert_abs_diff_eq!(s.uar, 11.0 / 18.0, epsilon = 1e-12);
    }

    #[test]
    fn absent_classes_follow_sklearn_conventions() {
        // Class 2 absent everywhere, class 3 only predicted: UAR over {0, 1} = (0 + 1) / 2,
        // macro-F1 over {0, 1, 3} = (0 + 1 + 0) / 3, precision of a never-predicted class 0.
        let t = array![0usize, 1];
        let p = array![3usize, 1];
        let cm = ConfusionMatrix::new(t.view(), p.view(), 4).unwrap();
        assert_abs_diff_eq!(cm.accuracy(), 0.5, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.uar(), 0.5, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.macro_f1(), 1.0 / 3.0, epsilon = 1e-12);
        assert_eq!(cm.precision(0), 0.0);
        assert_eq!(cm.recall(3), 0.0);
        assert_eq!(cm.precision(3), 0.0);
    }

    #[test]
    fn imbalanced_uar_differs_from_accuracy() {
        // 8 of class 0 all right, 2 of class 1 all predicted 0: accuracy 0.8, UAR 0.5.
        let t: Array1<usize> = (0..10).map(|i| usize::from(i >= 8)).collect();
        let p = Array1::<usize>::zeros(10);
        let cm = ConfusionMatrix::new(t.view(), p.view(), 2).unwrap();
        assert_abs_diff_eq!(cm.accuracy(), 0.8, epsilon = 1e-12);
        assert_abs_diff_eq!(cm.uar(), 0.5, epsilon = 1e-12);
        // F1 of class 0: 2·8 / (8 + 10) = 8/9; class 1: 0 → macro 4/9.
        assert_abs_diff_eq!(cm.macro_f1(), 4.0 / 9.0, epsilon = 1e-12);
    }

    #[test]
    fn table_lists_every_class_and_the_counts() {
        let cm = three_class();
        let names: Vec<String> = ["angry", "happy", "sad"].map(String::from).to_vec();
        let table = cm.to_table(&names).unwrap();
        let rows: Vec<Vec<&str>> = table
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        let find = |first: &str| {
            rows.iter()
                .filter(|r| r.first() == Some(&first))
                .collect::<Vec<_>>()
        };
        // Per-class line first, confusion row last.
        assert_eq!(
            *find("angry")[0],
            ["angry", "0.6667", "0.5000", "0.5714", "4"]
        );
        assert_eq!(
            *find("happy")[0],
            ["happy", "0.5000", "0.6667", "0.5714", "3"]
        );
        assert_eq!(*find("angry")[1], ["angry", "2", "1", "1"]);
        assert_eq!(*find("sad")[1], ["sad", "0", "1", "2"]);
        assert_eq!(*find("accuracy")[0], ["accuracy", "0.6000", "10"]);
        assert_eq!(*find("macro")[0], ["macro", "f1", "0.6032", "10"]);
        assert_eq!(*find("uar")[0], ["uar", "0.6111", "10"]);
        // Columns line up: every confusion row is as wide as its header.
        let lines: Vec<&str> = table.lines().collect();
        let n = lines.len();
        assert!(lines[n - 4..].iter().all(|l| l.len() == lines[n - 4].len()));
        assert!(matches!(
            cm.to_table(&names[..2]),
            Err(ModelError::ShapeMismatch {
                expected: 3,
                got: 2,
                ..
            })
        ));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let a = array![0usize, 1];
        let b = array![0usize];
        assert!(matches!(
            ConfusionMatrix::new(a.view(), b.view(), 2),
            Err(ModelError::ShapeMismatch { .. })
        ));
        let e = Array1::<usize>::zeros(0);
        assert!(matches!(
            ConfusionMatrix::new(e.view(), e.view(), 2),
            Err(ModelError::EmptyInput)
        ));
        let c = array![0usize, 2];
        assert!(matches!(
            ConfusionMatrix::new(a.view(), c.view(), 2),
            Err(ModelError::LabelOutOfRange {
                label: 2,
                n_classes: 2
            })
        ));
    }
}
