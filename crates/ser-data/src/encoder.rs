//! Label encoder: class names ↔ indices ↔ one-hot rows.

use std::collections::BTreeSet;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};

/// Maps class names to indices `0..n` in a stable order, and back.
///
/// [`LabelEncoder::fit`] sorts the distinct labels (byte order), so the same set of labels
/// always gives the same indices whatever order they came in; [`LabelEncoder::with_classes`]
/// keeps an order you choose (for instance canonical emotion order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelEncoder {
    classes: Vec<String>,
}

impl LabelEncoder {
    /// Learns the distinct labels, sorted.
    ///
    /// # Errors
    /// [`DataError::EmptyInput`] when there are no labels.
    pub fn fit<I, S>(labels: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let set: BTreeSet<String> = labels.into_iter().map(|s| s.as_ref().to_string()).collect();
        if set.is_empty() {
            return Err(DataError::EmptyInput { what: "label list" });
        }
        Ok(Self {
            classes: set.into_iter().collect(),
        })
    }

    /// Uses exactly these classes in this order.
    ///
    /// # Errors
    /// [`DataError::EmptyInput`] when empty, [`DataError::DuplicateClass`] when a class repeats.
    pub fn with_classes<I, S>(classes: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let classes: Vec<String> = classes
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        if classes.is_empty() {
            return Err(DataError::EmptyInput { what: "class list" });
        }
        let mut seen = BTreeSet::new();
        for c in &classes {
            if !seen.insert(c.as_str()) {
                return Err(DataError::DuplicateClass { label: c.clone() });
            }
        }
        Ok(Self { classes })
    }

    /// The classes, index order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Index of one label.
    ///
    /// # Errors
    /// [`DataError::UnknownLabel`] for a label not among the classes.
    pub fn index(&self, label: &str) -> Result<usize> {
        self.classes
            .iter()
            .position(|c| c == label)
            .ok_or_else(|| DataError::UnknownLabel {
                label: label.to_string(),
                n_classes: self.classes.len(),
            })
    }

    /// Class name of one index.
    ///
    /// # Errors
    /// [`DataError::UnknownIndex`] for an index `>= n_classes`.
    pub fn label(&self, index: usize) -> Result<&str> {
        self.classes
            .get(index)
            .map(String::as_str)
            .ok_or(DataError::UnknownIndex {
                index,
                n_classes: self.classes.len(),
            })
    }

    /// Indices of many labels.
    ///
    /// # Errors
    /// [`DataError::UnknownLabel`] at the first unknown label.
    pub fn transform<S: AsRef<str>>(&self, labels: &[S]) -> Result<Array1<usize>> {
        labels
            .iter()
            .map(|l| self.index(l.as_ref()))
            .collect::<Result<Vec<_>>>()
            .map(Array1::from)
    }

    /// One-hot rows (`labels.len() × n_classes`, one `1.0` per row).
    ///
    /// # Errors
    /// [`DataError::UnknownLabel`] at the first unknown label.
    pub fn one_hot<S: AsRef<str>>(&self, labels: &[S]) -> Result<Array2<f32>> {
        let idx = self.transform(labels)?;
        self.one_hot_indices(idx.as_slice().unwrap_or(&[]))
    }

    /// One-hot rows of indices.
    ///
    /// # Errors
    /// [`DataError::UnknownIndex`] for an index `>= n_classes`.
    pub fn one_hot_indices(&self, indices: &[usize]) -> Result<Array2<f32>> {
        let mut out = Array2::zeros((indices.len(), self.classes.len()));
        for (row, &i) in indices.iter().enumerate() {
            if i >= self.classes.len() {
                return Err(DataError::UnknownIndex {
                    index: i,
                    n_classes: self.classes.len(),
                });
            }
            out[[row, i]] = 1.0;
        }
        Ok(out)
    }

    /// Class names of many indices.
    ///
    /// # Errors
    /// [`DataError::UnknownIndex`] at the first index out of range.
    pub fn inverse(&self, indices: &[usize]) -> Result<Vec<String>> {
        indices
            .iter()
            .map(|&i| self.label(i).map(str::to_string))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_sorted_and_independent_of_input_order() {
        let a = LabelEncoder::fit(["sad", "angry", "happy", "angry"]).unwrap();
        let b = LabelEncoder::fit(["happy", "sad", "angry"]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.classes(), ["angry", "happy", "sad"]);
        assert_eq!(a.index("happy").unwrap(), 1);
        assert_eq!(a.label(2).unwrap(), "sad");
    }

    #[test]
    fn transform_one_hot_and_inverse() {
        let e = LabelEncoder::with_classes(["neutral", "happy", "sad"]).unwrap();
        let t = e.transform(&["sad", "neutral", "sad"]).unwrap();
        assert_eq!(t.to_vec(), vec![2, 0, 2]);
        let oh = e.one_hot(&["sad", "happy"]).unwrap();
        assert_eq!(oh.shape(), &[2, 3]);
        assert_eq!(oh.row(0).to_vec(), vec![0.0, 0.0, 1.0]);
        assert_eq!(oh.row(1).to_vec(), vec![0.0, 1.0, 0.0]);
        assert_eq!(e.inverse(&[1, 0]).unwrap(), vec!["happy", "neutral"]);
    }

    #[test]
    fn errors_are_typed() {
        let e = LabelEncoder::fit(["a", "b"]).unwrap();
        assert!(matches!(
            e.transform(&["a", "zz"]),
            Err(DataError::UnknownLabel { label, n_classes: 2 }) if label == "zz"
        ));
        assert!(matches!(
            e.label(2),
            Err(DataError::UnknownIndex { index: 2, .. })
        ));
        assert!(matches!(
            e.one_hot_indices(&[0, 5]),
            Err(DataError::UnknownIndex { index: 5, .. })
        ));
        assert!(matches!(
            LabelEncoder::with_classes(["a", "a"]),
            Err(DataError::DuplicateClass { .. })
        ));
        let none: [&str; 0] = [];
        assert!(matches!(
            LabelEncoder::fit(none),
            Err(DataError::EmptyInput { .. })
        ));
    }

    #[test]
    fn serde_round_trip() {
        let e = LabelEncoder::with_classes(["neutral", "angry"]).unwrap();
        let s = serde_json::to_string(&e).unwrap();
        let back: LabelEncoder = serde_json::from_str(&s).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.index("angry").unwrap(), 1);
    }
}
