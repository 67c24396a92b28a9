//! The feature matrix of a corpus: load every clip, extract a vector, in parallel, cached.
//!
//! [`feature_matrix`] loads each item with the study's [`LoadOptions`], hands the samples to an
//! [`Extractor`] (any `Fn(&[f32], u32) -> Result<Vec<f32>, E>` wrapped in [`FnExtractor`], or a
//! [`ser_features::FeatureSpec`] directly), and stacks the vectors into a [`Dataset`]. Work runs
//! on rayon's pool (every core); a progress bar is drawn when stderr is a terminal.
//!
//! With a cache folder, each vector is stored under the hash of the file's bytes and a
//! configuration key made of the extractor's own description, the load options and a
//! *fingerprint*: the hash of the extractor's output on a fixed probe signal. A second run skips
//! extraction; a change in the file, the load options or the extractor's numbers changes the
//! key, and a damaged entry is recomputed (see [`crate::cache`]).

use std::fmt::Display;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;
use rayon::prelude::*;
use ser_audio::LoadOptions;
use ser_features::FeatureSpec;
use serde::{Deserialize, Serialize};

use crate::cache::{FeatureCache, Lookup, fnv1a_128};
use crate::corpus::{CorpusItem, FaultKind, FileReport};
use crate::dataset::Dataset;
use crate::dataset::Provenance;
use crate::encoder::LabelEncoder;
use crate::error::{DataError, Result};
use crate::labels::class_order;

/// Turns a clip into a fixed-length vector.
pub trait Extractor: Sync {
    /// A description of what is computed (part of the cache key), e.g. `"mfcc40"`.
    fn config(&self) -> String;
    /// The vector of `samples` (mono) at `sample_rate` Hz, or why not.
    fn extract_vec(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> std::result::Result<Vec<f32>, String>;
}

/// A closure as an [`Extractor`], with its description.
pub struct FnExtractor<F> {
    config: String,
    f: F,
}

impl<F> FnExtractor<F> {
    /// Wraps `f`, described by `config` (make it change whenever `f`'s meaning changes).
    pub fn new(config: impl Into<String>, f: F) -> Self {
        Self {
            config: config.into(),
            f,
        }
    }
}

impl<F, E> Extractor for FnExtractor<F>
where
    F: Fn(&[f32], u32) -> std::result::Result<Vec<f32>, E> + Sync,
    E: Display,
{
    fn config(&self) -> String {
        self.config.clone()
    }

    fn extract_vec(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> std::result::Result<Vec<f32>, String> {
        (self.f)(samples, sample_rate).map_err(|e| e.to_string())
    }
}

impl Extractor for FeatureSpec {
    fn config(&self) -> String {
        format!("ser-features {}", self.name())
    }

    fn extract_vec(
        &self,
        samples: &[f32],
        sample_rate: u32,
    ) -> std::result::Result<Vec<f32>, String> {
        self.extract(samples, sample_rate)
            .map_err(|e| e.to_string())
    }
}

/// When to draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Progress {
    /// When stderr is a terminal (default).
    #[default]
    Auto,
    /// Never.
    Hidden,
}

/// How to build the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureOptions {
    /// How each clip is loaded (default [`LoadOptions::study`]: 22050 Hz mono, 0.5 s + 3 s).
    pub load: LoadOptions,
    /// Cache folder (default none).
    pub cache_dir: Option<PathBuf>,
    /// Progress bar.
    pub progress: Progress,
    /// Class order; default: the classes present in [`class_order`] (the canonical emotions
    /// in [`crate::Emotion::ALL`] order, then other labels in byte order).
    pub classes: Option<LabelEncoder>,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        Self {
            load: LoadOptions::study(),
            cache_dir: None,
            progress: Progress::Auto,
            classes: None,
        }
    }
}

/// Cache counters of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CacheStats {
    /// Vectors read from the cache.
    pub hits: usize,
    /// Vectors computed.
    pub computed: usize,
    /// Entries found stale or corrupt (recomputed and rewritten).
    pub invalid: usize,
    /// Entries that could not be written (the vector is still used).
    pub write_errors: usize,
}

/// The result: the data set of the items that worked, and the reason for each that did not.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    /// Rows in item order.
    pub dataset: Dataset,
    /// Items left out, with the reason.
    pub failed: Vec<FileReport>,
    /// Cache counters.
    pub cache: CacheStats,
    /// The configuration key the cache used.
    pub config_key: String,
}

/// Hash of the extractor's output on a fixed 1.5 s probe (two harmonic tones, a chirp and a
/// little deterministic noise): any change in what the extractor computes changes it.
fn fingerprint<X: Extractor + ?Sized>(x: &X, sample_rate: u32) -> String {
    let fs = sample_rate as f32;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let probe: Vec<f32> = (0..(1.5 * fs) as usize)
        .map(|n| {
            let t = n as f32 / fs;
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            0.3 * (std::f32::consts::TAU * 180.0 * t).sin()
                + 0.15 * (std::f32::consts::TAU * 720.0 * t).sin()
                + 0.1 * (std::f32::consts::TAU * (200.0 + 1500.0 * t) * t).sin()
                + 0.01 * noise
        })
        .collect();
    match x.extract_vec(&probe, sample_rate) {
        Ok(v) => {
            let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
            format!("{:032x}", fnv1a_128(&bytes))
        }
        Err(e) => format!("probe-error:{e}"),
    }
}

enum Outcome {
    Row(Vec<f32>),
    Failed(FaultKind, String),
}

/// Builds the feature matrix of `items` (see the module docs).
///
/// Items whose file cannot be loaded with `opts.load`, whose extraction fails, returns
/// non-finite values, or returns another length than the first good row are left out and
/// listed in [`FeatureMatrix::failed`].
///
/// # Errors
/// [`DataError::EmptyInput`] for no items; [`DataError::Io`] when the cache folder cannot be
/// created; [`DataError::UnknownLabel`] when `opts.classes` lacks an item's class;
/// [`DataError::EmptyInput`] when no item yields a row.
pub fn feature_matrix<X: Extractor + ?Sized>(
    items: &[CorpusItem],
    extractor: &X,
    opts: &FeatureOptions,
) -> Result<FeatureMatrix> {
    if items.is_empty() {
        return Err(DataError::EmptyInput {
            what: "corpus items",
        });
    }
    let encoder = match &opts.classes {
        Some(e) => e.clone(),
        None => {
            LabelEncoder::with_classes(class_order(items.iter().map(|i| i.label.class.as_str())))?
        }
    };
    let targets_all: Vec<usize> = items
        .iter()
        .map(|i| encoder.index(&i.label.class))
        .collect::<Result<_>>()?;

    let cache = match &opts.cache_dir {
        Some(d) => {
            let c = FeatureCache::new(d);
            c.create().map_err(|source| DataError::Io {
                path: d.clone(),
                source,
            })?;
            Some(c)
        }
        None => None,
    };
    let rate = opts.load.sample_rate.unwrap_or(22_050);
    let config_key = format!(
        "{} | load {:?} | fingerprint {}",
        extractor.config(),
        opts.load,
        fingerprint(extractor, rate)
    );

    let bar = match opts.progress {
        Progress::Auto if std::io::stderr().is_terminal() => {
            let b = ProgressBar::new(items.len() as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message("features");
            b
        }
        _ => ProgressBar::hidden(),
    };
    let hits = AtomicUsize::new(0);
    let computed = AtomicUsize::new(0);
    let invalid = AtomicUsize::new(0);
    let write_errors = AtomicUsize::new(0);

    let outcomes: Vec<Outcome> = items
        .par_iter()
        .map(|item| {
            let path = &item.label.path;
            let out = (|| {
                let bytes = match std::fs::read(path) {
                    Ok(b) => b,
                    Err(e) => {
                        return Outcome::Failed(FaultKind::Unreadable, format!("cannot read: {e}"));
                    }
                };
                let content = fnv1a_128(&bytes);
                let len = bytes.len() as u64;
                if let Some(c) = &cache {
                    match c.get(content, len, &config_key) {
                        Lookup::Hit(v) => {
                            hits.fetch_add(1, Ordering::Relaxed);
                            return Outcome::Row(v);
                        }
                        Lookup::Miss => {}
                        Lookup::Invalid(_) => {
                            invalid.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                let audio = match ser_audio::load_bytes(&bytes, path, &opts.load) {
                    Ok(a) => a,
                    Err(e) => return Outcome::Failed(FaultKind::Unreadable, e.to_string()),
                };
                let v = match extractor.extract_vec(&audio.samples, audio.sample_rate) {
                    Ok(v) => v,
                    Err(e) => {
                        return Outcome::Failed(
                            FaultKind::Features,
                            format!("feature extraction failed: {e}"),
                        );
                    }
                };
                if v.iter().any(|x| !x.is_finite()) {
                    return Outcome::Failed(
                        FaultKind::Features,
                        "features hold NaN or infinite values".into(),
                    );
                }
                computed.fetch_add(1, Ordering::Relaxed);
                if let Some(c) = &cache
                    && c.put(content, len, &config_key, &v).is_err()
                {
                    write_errors.fetch_add(1, Ordering::Relaxed);
                }
                Outcome::Row(v)
            })();
            bar.inc(1);
            out
        })
        .collect();
    bar.finish_and_clear();

    let mut dim = None;
    let mut rows: Vec<f32> = Vec::new();
    let (mut targets, mut speakers, mut paths, mut failed) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut provenance = Vec::new();
    for ((item, out), &t) in items.iter().zip(outcomes).zip(&targets_all) {
        let fail = |kind, reason| FileReport {
            file: item.label.path.clone(),
            reason,
            kinds: vec![kind],
            kept: false,
        };
        match out {
            Outcome::Failed(kind, reason) => failed.push(fail(kind, reason)),
            Outcome::Row(v) => {
                let d = *dim.get_or_insert(v.len());
                if v.len() != d {
                    failed.push(fail(
                        FaultKind::Features,
                        format!(
                            "extractor returned {} values where the first row has {d}",
                            v.len()
                        ),
                    ));
                    continue;
                }
                rows.extend_from_slice(&v);
                targets.push(t);
                speakers.push(item.label.speaker.clone());
                paths.push(item.label.path.clone());
                provenance.push(Provenance {
                    corpus: item.label.corpus().map(str::to_string),
                    augmentation: None,
                });
            }
        }
    }
    let d = dim.ok_or(DataError::EmptyInput {
        what: "feature rows (every item failed)",
    })?;
    let n_values = rows.len();
    let records =
        Array2::from_shape_vec((targets.len(), d), rows).map_err(|_| DataError::ShapeMismatch {
            what: "feature values",
            expected: targets.len() * d,
            got: n_values,
        })?;
    let mut dataset = Dataset::new(
        records,
        targets.into(),
        encoder.classes().to_vec(),
        speakers,
        paths,
    )?;
    // A manifest's `corpus` column keeps speakers of different corpora apart.
    dataset.provenance = provenance;
    Ok(FeatureMatrix {
        dataset,
        failed,
        cache: CacheStats {
            hits: hits.into_inner(),
            computed: computed.into_inner(),
            invalid: invalid.into_inner(),
            write_errors: write_errors.into_inner(),
        },
        config_key,
    })
}
