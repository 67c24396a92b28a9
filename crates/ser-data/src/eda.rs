//! Exploratory data analysis of a scanned corpus: counts, durations, rates, formats, balance.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, FileReport};
use crate::manifest::RowReport;
use crate::scheme::{NameWarning, Scheme};

/// Class balance verdict: the ratio of the largest to the smallest class count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceVerdict {
    /// Ratio at most 1.5: plain accuracy is a fair measure.
    Balanced,
    /// Ratio above 1.5 and at most 3: report unweighted average recall beside accuracy.
    MildlyImbalanced,
    /// Ratio above 3 (or an emotion with no files): use class weights or resampling and UAR.
    Imbalanced,
    /// No labelled files.
    Empty,
}

/// Balance of the emotion classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// The verdict.
    pub verdict: BalanceVerdict,
    /// Largest count / smallest count (`null` when empty).
    pub ratio: Option<f64>,
    /// Emotion with the most files.
    pub largest: Option<String>,
    /// Emotion with the fewest files.
    pub smallest: Option<String>,
}

/// Minimum, mean and maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Smallest value.
    pub min: f64,
    /// Mean value.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
}

impl Range {
    /// Range of `values`; `None` when empty.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Range> {
        let mut n = 0usize;
        let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for v in values {
            n += 1;
            min = min.min(v);
            max = max.max(v);
            sum += v;
        }
        (n > 0).then(|| Range {
            min,
            mean: sum / n as f64,
            max,
        })
    }
}

/// The EDA of a corpus (all maps sorted by key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eda {
    /// Folder scanned, or manifest read (in JSON as text: U+FFFD for bytes that are not UTF-8).
    #[serde(serialize_with = "crate::manifest::lossy_path")]
    pub root: PathBuf,
    /// The root's bytes, only when its name is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_bytes: Option<Vec<u8>>,
    /// `folder` or `manifest`: what [`Self::root`] is.
    #[serde(default)]
    pub source: String,
    /// Naming scheme (`folders` for a folder per class, `manifest` for a manifest).
    pub scheme: Scheme,
    /// Whether the scheme was forced.
    pub scheme_forced: bool,
    /// Audio files found.
    pub files: usize,
    /// Files labelled and read.
    pub read: usize,
    /// Faulty files with the reason (`kept`: still read).
    pub faulty: Vec<FileReport>,
    /// Non-audio files and unlistable folders.
    pub skipped: Vec<FileReport>,
    /// Name/folder disagreements.
    pub warnings: Vec<NameWarning>,
    /// Files per class: the canonical emotion under the five file-name schemes, the user's
    /// label (after any label map) under folders and manifests.
    pub by_emotion: BTreeMap<String, usize>,
    /// Files per corpus label as written (`ps`, `05`, `W`, ...; a folder's name, a manifest's
    /// label before any label map).
    pub by_label: BTreeMap<String, usize>,
    /// Files per speaker (`""`: the unnamed speaker of a corpus that names none).
    pub by_speaker: BTreeMap<String, usize>,
    /// Files per speaker and class.
    pub by_speaker_emotion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Duration of the files read, seconds.
    pub duration_s: Option<Range>,
    /// Total duration read, seconds.
    pub total_duration_s: f64,
    /// Files per sample rate (Hz, as text for JSON keys).
    pub sample_rates: BTreeMap<String, usize>,
    /// Files per sample format.
    pub formats: BTreeMap<String, usize>,
    /// Files per container.
    pub containers: BTreeMap<String, usize>,
    /// Files per channel count.
    pub channels: BTreeMap<String, usize>,
    /// Class balance.
    pub balance: Balance,
    /// Manifest and label-map rows skipped or suspect, with their line numbers.
    #[serde(default)]
    pub bad_rows: Vec<RowReport>,
}

fn count<'a>(it: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in it {
        *m.entry(k.to_string()).or_insert(0) += 1;
    }
    m
}

/// Balance of a count table (see [`BalanceVerdict`] for the thresholds).
pub fn balance(counts: &BTreeMap<String, usize>) -> Balance {
    let largest = counts.iter().max_by_key(|(_, c)| **c);
    let smallest = counts.iter().min_by_key(|(_, c)| **c);
    match (largest, smallest) {
        (Some((lk, &l)), Some((sk, &s))) if l > 0 => {
            let ratio = (s > 0).then(|| l as f64 / s as f64);
            let verdict = match ratio {
                Some(r) if r <= 1.5 => BalanceVerdict::Balanced,
                Some(r) if r <= 3.0 => BalanceVerdict::MildlyImbalanced,
                _ => BalanceVerdict::Imbalanced,
            };
            Balance {
                verdict,
                ratio,
                largest: Some(lk.clone()),
                smallest: Some(sk.clone()),
            }
        }
        _ => Balance {
            verdict: BalanceVerdict::Empty,
            ratio: None,
            largest: None,
            smallest: None,
        },
    }
}

impl Eda {
    /// The EDA of a scanned corpus.
    pub fn of(corpus: &Corpus) -> Eda {
        let items = &corpus.items;
        let by_emotion = count(items.iter().map(|i| i.label.class.as_str()));
        let mut by_speaker_emotion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for i in items {
            *by_speaker_emotion
                .entry(i.label.speaker.clone())
                .or_default()
                .entry(i.label.class.clone())
                .or_insert(0) += 1;
        }
        Eda {
            root: corpus.root.clone(),
            root_bytes: crate::corpus::non_utf8_bytes(&corpus.root),
            source: if corpus.is_manifest() {
                "manifest"
            } else {
                "folder"
            }
            .to_string(),
            scheme: corpus.scheme,
            scheme_forced: corpus.scheme_forced,
            files: corpus.files,
            read: items.len(),
            faulty: corpus.faulty.clone(),
            skipped: corpus.skipped.clone(),
            warnings: corpus.warnings.clone(),
            balance: balance(&by_emotion),
            by_emotion,
            by_label: count(items.iter().map(|i| i.label.label.as_str())),
            by_speaker: count(items.iter().map(|i| i.label.speaker.as_str())),
            by_speaker_emotion,
            duration_s: Range::of(items.iter().map(|i| i.audio.duration_s)),
            total_duration_s: items.iter().map(|i| i.audio.duration_s).sum(),
            sample_rates: count(
                items
                    .iter()
                    .map(|i| i.audio.sample_rate.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ),
            formats: count(items.iter().map(|i| i.audio.format.as_str())),
            containers: count(items.iter().map(|i| i.audio.container.as_str())),
            channels: count(
                items
                    .iter()
                    .map(|i| i.audio.channels.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ),
            bad_rows: corpus.bad_rows.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[(&str, usize)]) -> BTreeMap<String, usize> {
        v.iter().map(|(k, c)| (k.to_string(), *c)).collect()
    }

    #[test]
    fn balance_thresholds() {
        assert_eq!(
            balance(&counts(&[("a", 10), ("b", 15)])).verdict,
            BalanceVerdict::Balanced
        );
        let b = balance(&counts(&[("a", 10), ("b", 16)]));
        assert_eq!(b.verdict, BalanceVerdict::MildlyImbalanced);
        assert_eq!(b.ratio, Some(1.6));
        assert_eq!(b.largest.as_deref(), Some("b"));
        assert_eq!(
            balance(&counts(&[("a", 10), ("b", 31)])).verdict,
            BalanceVerdict::Imbalanced
        );
        assert_eq!(
            balance(&counts(&[("a", 0), ("b", 3)])).verdict,
            BalanceVerdict::Imbalanced
        );
        assert_eq!(balance(&counts(&[])).verdict, BalanceVerdict::Empty);
    }

    #[test]
    fn range_of_values() {
        let r = Range::of([2.0, 1.0, 4.0, 5.0]).unwrap();
        assert_eq!((r.min, r.mean, r.max), (1.0, 3.0, 5.0));
        assert!(Range::of(std::iter::empty()).is_none());
    }
}
