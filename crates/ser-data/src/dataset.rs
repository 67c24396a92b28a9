//! A labelled feature matrix with speakers, and its splits.

use std::path::PathBuf;

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::split::{self, Split};

/// Where a row comes from beyond its speaker and file, as typed fields (never packed into the
/// speaker string).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The corpus the row comes from, when rows of several corpora are joined (`None`: the
    /// one corpus at hand).
    pub corpus: Option<String>,
    /// The augmentation chain that made this row from its source clip (the row's path names
    /// the source); `None` for an original recording.
    pub augmentation: Option<String>,
}

/// A speaker as a grouping key: the corpus, the speaker id and, when augmented copies count as
/// voices of their own, the augmentation chain. Speaker ids of different corpora never merge;
/// a speaker id containing any character is fine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SpeakerKey {
    /// The corpus (see [`Provenance::corpus`]).
    pub corpus: Option<String>,
    /// The speaker id (empty when the corpus names no speakers).
    pub speaker: String,
    /// The augmentation chain of a pseudo-voice, `None` for the real voice.
    pub voice: Option<String>,
}

/// A labelled data set: one row of features per recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Features, `n × d`.
    pub records: Array2<f32>,
    /// Class index of each row, `< classes.len()`.
    pub targets: Array1<usize>,
    /// Class names, index order.
    pub classes: Vec<String>,
    /// Speaker of each row.
    pub speakers: Vec<String>,
    /// Source file of each row.
    pub paths: Vec<PathBuf>,
    /// Corpus and augmentation of each row (all default after [`Dataset::new`]).
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

impl Dataset {
    /// Builds a data set, checking that the lengths agree and every target names a class.
    ///
    /// # Errors
    /// [`DataError::ShapeMismatch`] when `targets`, `speakers` or `paths` do not have one entry
    /// per row; [`DataError::UnknownIndex`] for a target `>= classes.len()`.
    pub fn new(
        records: Array2<f32>,
        targets: Array1<usize>,
        classes: Vec<String>,
        speakers: Vec<String>,
        paths: Vec<PathBuf>,
    ) -> Result<Self> {
        let n = records.nrows();
        for (what, got) in [
            ("targets per row", targets.len()),
            ("speakers per row", speakers.len()),
            ("paths per row", paths.len()),
        ] {
            if got != n {
                return Err(DataError::ShapeMismatch {
                    what,
                    expected: n,
                    got,
                });
            }
        }
        if let Some(&bad) = targets.iter().find(|&&t| t >= classes.len()) {
            return Err(DataError::UnknownIndex {
                index: bad,
                n_classes: classes.len(),
            });
        }
        Ok(Self {
            records,
            targets,
            classes,
            speakers,
            provenance: vec![Provenance::default(); n],
            paths,
        })
    }

    /// Marks every row as coming from `corpus`.
    pub fn set_corpus(&mut self, corpus: &str) {
        self.fill_provenance();
        for p in &mut self.provenance {
            p.corpus = Some(corpus.to_owned());
        }
    }

    /// Marks every row as made by the augmentation chain `chain` (written as text).
    pub fn set_augmentation(&mut self, chain: &str) {
        self.fill_provenance();
        for p in &mut self.provenance {
            p.augmentation = Some(chain.to_owned());
        }
    }

    /// A data set read from JSON written before provenance existed has none: default it.
    fn fill_provenance(&mut self) {
        if self.provenance.len() != self.len() {
            self.provenance = vec![Provenance::default(); self.len()];
        }
    }

    /// The provenance of row `i` (default when the data set has none recorded).
    pub fn provenance_of(&self, i: usize) -> Provenance {
        self.provenance.get(i).cloned().unwrap_or_default()
    }

    /// Each row's speaker as a grouping key; with `augmented_as_voices` an augmented copy is a
    /// voice of its own (its chain in [`SpeakerKey::voice`]), otherwise it joins its source
    /// speaker.
    pub fn speaker_keys(&self, augmented_as_voices: bool) -> Vec<SpeakerKey> {
        (0..self.len())
            .map(|i| {
                let p = self.provenance_of(i);
                SpeakerKey {
                    corpus: p.corpus,
                    speaker: self.speakers[i].clone(),
                    voice: if augmented_as_voices {
                        p.augmentation
                    } else {
                        None
                    },
                }
            })
            .collect()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.records.nrows()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.records.nrows() == 0
    }

    /// Number of features per row.
    pub fn n_features(&self) -> usize {
        self.records.ncols()
    }

    /// Rows per class, index order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.classes.len()];
        for &t in &self.targets {
            c[t] += 1;
        }
        c
    }

    /// The rows at `indices`, in that order (classes kept whole).
    ///
    /// # Errors
    /// [`DataError::ShapeMismatch`] when an index is out of range.
    pub fn select(&self, indices: &[usize]) -> Result<Dataset> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(DataError::ShapeMismatch {
                what: "row index within the data set",
                expected: self.len(),
                got: bad,
            });
        }
        Ok(Dataset {
            records: self.records.select(Axis(0), indices),
            targets: self.targets.select(Axis(0), indices),
            classes: self.classes.clone(),
            speakers: indices.iter().map(|&i| self.speakers[i].clone()).collect(),
            paths: indices.iter().map(|&i| self.paths[i].clone()).collect(),
            provenance: indices.iter().map(|&i| self.provenance_of(i)).collect(),
        })
    }

    /// The (train, test) data sets of a split.
    ///
    /// # Errors
    /// As [`Dataset::select`].
    pub fn apply(&self, split: &Split) -> Result<(Dataset, Dataset)> {
        Ok((self.select(&split.train)?, self.select(&split.test)?))
    }

    fn target_slice(&self) -> Vec<usize> {
        self.targets.to_vec()
    }

    /// Stratified train/test split ([`split::stratified_split`]); `0.2` is the usual fraction.
    ///
    /// # Errors
    /// As [`split::stratified_split`].
    pub fn split_stratified(&self, test_fraction: f64, seed: u64) -> Result<Split> {
        split::stratified_split(&self.target_slice(), test_fraction, seed)
    }

    /// Stratified k-fold ([`split::stratified_kfold`]).
    ///
    /// # Errors
    /// As [`split::stratified_kfold`].
    pub fn folds(&self, k: usize, seed: u64) -> Result<Vec<Split>> {
        split::stratified_kfold(&self.target_slice(), k, seed)
    }

    /// Leave-one-speaker-out: `(speaker, split)` per speaker, sorted by speaker.
    ///
    /// # Errors
    /// As [`split::leave_one_group_out`].
    pub fn leave_one_speaker_out(&self) -> Result<Vec<(String, Split)>> {
        split::leave_one_group_out(&self.speakers)
    }

    /// Group k-fold over speakers ([`split::group_kfold`]).
    ///
    /// # Errors
    /// As [`split::group_kfold`].
    pub fn speaker_folds(&self, k: usize, seed: u64) -> Result<Vec<Split>> {
        split::group_kfold(&self.speakers, k, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn tiny() -> Dataset {
        Dataset::new(
            array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]],
            array![0, 1, 0, 1],
            vec!["a".into(), "b".into()],
            vec!["s1".into(), "s1".into(), "s2".into(), "s2".into()],
            (0..4).map(|i| PathBuf::from(format!("f{i}.wav"))).collect(),
        )
        .unwrap()
    }

    #[test]
    fn new_checks_shapes_and_targets() {
        let d = tiny();
        assert_eq!((d.len(), d.n_features()), (4, 2));
        assert_eq!(d.class_counts(), vec![2, 2]);
        assert!(matches!(
            Dataset::new(
                array![[0.0]],
                array![0, 1],
                vec!["a".into()],
                vec!["s".into()],
                vec!["p".into()]
            ),
            Err(DataError::ShapeMismatch {
                what: "targets per row",
                expected: 1,
                got: 2
            })
        ));
        assert!(matches!(
            Dataset::new(
                array![[0.0]],
                array![3],
                vec!["a".into()],
                vec!["s".into()],
                vec!["p".into()]
            ),
            Err(DataError::UnknownIndex { index: 3, .. })
        ));
    }

    #[test]
    fn select_and_speaker_split_keep_rows_together() {
        let d = tiny();
        let l = d.leave_one_speaker_out().unwrap();
        let (train, test) = d.apply(&l[0].1).unwrap();
        assert_eq!(test.speakers, vec!["s1", "s1"]);
        assert_eq!(train.speakers, vec!["s2", "s2"]);
        assert_eq!(train.records, array![[4.0, 5.0], [6.0, 7.0]]);
        assert_eq!(test.paths[1], PathBuf::from("f1.wav"));
        assert_eq!(train.targets.to_vec(), vec![0, 1]);
        assert!(d.select(&[9]).is_err());
    }

    #[test]
    fn provenance_is_typed_and_survives_select_and_serde() {
        let mut d = tiny();
        d.speakers[0] = "odd~name/with:chars".into();
        d.set_corpus("emodb");
        let keys = d.speaker_keys(true);
        assert_eq!(keys[0].speaker, "odd~name/with:chars");
        assert_eq!(keys[0].corpus.as_deref(), Some("emodb"));
        let mut copy = d.select(&[0, 1]).unwrap();
        copy.set_augmentation("pitch:2");
        let voices = copy.speaker_keys(true);
        assert_eq!(voices[0].voice.as_deref(), Some("pitch:2"));
        assert_ne!(voices[0], keys[0]);
        // As its source speaker when copies are not voices of their own.
        assert_eq!(copy.speaker_keys(false)[0], keys[0]);
        let back: Dataset = serde_json::from_str(&serde_json::to_string(&copy).unwrap()).unwrap();
        assert_eq!(back, copy);
        // JSON written before provenance existed still reads, with default provenance.
        let mut v: serde_json::Value = serde_json::to_value(tiny()).unwrap();
        v.as_object_mut().unwrap().remove("provenance");
        let old: Dataset = serde_json::from_value(v).unwrap();
        assert_eq!(old.provenance_of(3), Provenance::default());
    }

    #[test]
    fn serde_round_trip() {
        let d = tiny();
        let s = serde_json::to_string(&d).unwrap();
        let back: Dataset = serde_json::from_str(&s).unwrap();
        assert_eq!(back, d);
    }
}
