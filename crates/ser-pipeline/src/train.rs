//! Training a pipeline on a corpus (a folder or a manifest): the held-out figures (a stratified
//! random split, or a manifest's own split, and the speaker-independent protocol `evaluate`
//! runs), then the pipeline fitted on every clip. The classes are the corpus's own labels.

use std::path::Path;
use std::time::Instant;

use ndarray::Axis;
use ser_models::{ConfusionMatrix, argmax_rows};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::evaluate::{
    EvalOptions, Protocol, evaluate_dataset, extract, fit_predict, scan_corpus_with,
};
use crate::fitted::{FittedPipeline, fit};

/// What training measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Accuracy on a stratified random 20 % of the clips (speakers on both sides), the
    /// pipeline fitted on the other 80 % (or on a manifest's own split: see
    /// [`Self::held_out`]).
    pub accuracy: f64,
    /// UAR on that split.
    pub uar: f64,
    /// Macro-F1 on that split.
    pub macro_f1: f64,
    /// Pooled UAR of the speaker-independent protocol `evaluate` runs on the same clips
    /// (leave-one-speaker-out, or speaker group 4-fold above 12 speakers); `None` with fewer
    /// than two speakers.
    pub speaker_independent_uar: Option<f64>,
    /// The same protocol's UAR with every test clip predicted cold (alone, nothing known of
    /// its speaker: `evaluate`'s `cold.uar`) — what a user gets for one clip of a new voice;
    /// [`Self::speaker_independent_uar`] uses each test speaker's unlabelled clips when the
    /// pipeline adapts. `None` with fewer than two speakers.
    #[serde(default)]
    pub speaker_independent_cold_uar: Option<f64>,
    /// The protocol of [`Self::speaker_independent_uar`].
    pub speaker_independent_protocol: Option<String>,
    /// Confusion counts of the random split, `[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    /// Class names.
    pub classes: Vec<String>,
    /// Clips of the random split's training / test part.
    pub n_train: usize,
    /// See [`Self::n_train`].
    pub n_test: usize,
    /// Files found under the folder.
    pub files: usize,
    /// Clips used.
    pub used: usize,
    /// Files skipped (unlabelled, unreadable, features failed).
    pub skipped: usize,
    /// What the training rows were normalised per, if per speaker.
    pub normalised_per: Option<String>,
    /// The fitted model(s) in words.
    pub chosen: String,
    /// Seconds computing features.
    pub feature_seconds: f64,
    /// Seconds of the whole run.
    pub seconds: f64,
    /// What the training data is: `folder` or `manifest`.
    #[serde(default)]
    pub source: String,
    /// How its files are labelled: a file-name scheme (`tess`, ...), `folders` or `manifest`.
    #[serde(default)]
    pub scheme: String,
    /// Where [`Self::accuracy`] comes from: `random 20 %` or `manifest split` (the rows a
    /// manifest marks `test`).
    #[serde(default)]
    pub held_out: String,
    /// Manifest and label-map rows skipped or suspect (also passed to `on_skip`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_rows: Vec<ser_data::RowReport>,
}

/// Opens `dir` (a folder or a manifest, with [`EvalOptions::corpus`]), extracts the spec's
/// features, measures the held-out figures and fits `opts.spec` on every usable clip. Skipped
/// files (file, reason) and bad manifest or label-map rows (the file, `line N: ...`) go to
/// `on_skip`. A manifest whose `split` column marks both train and test rows gives the
/// held-out figures on its test rows instead of a random 20 %.
///
/// # Errors
/// As [`scan_corpus_with`], [`extract`] and [`fit`].
pub fn train_dir(
    dir: &Path,
    opts: &EvalOptions,
    mut on_skip: impl FnMut(&Path, &str),
) -> Result<(FittedPipeline, TrainReport)> {
    let start = Instant::now();
    let corpus = scan_corpus_with(dir, &opts.corpus)?;
    for r in &corpus.bad_rows {
        on_skip(&r.file, &format!("line {}: {}", r.line, r.detail));
    }
    for r in corpus.excluded() {
        on_skip(&r.file, &r.reason);
    }
    let t0 = Instant::now();
    let fm = extract(&corpus.items, None, opts)?;
    let feature_seconds = t0.elapsed().as_secs_f64();
    for f in &fm.failed {
        on_skip(&f.file, &f.reason);
    }
    let data = fm.dataset;
    let (split, held_out) = match corpus.manifest_split(&data) {
        Some(s) => (s, "manifest split"),
        None => (data.split_stratified(0.2, opts.spec.seed)?, "random 20 %"),
    };
    let (train, test) = data.apply(&split)?;
    let held = fit_predict(&train, &test, &opts.spec)?;
    let cm = ConfusionMatrix::new(
        test.targets.view(),
        argmax_rows(held.scores.view()).view(),
        data.classes.len(),
    )?;
    let (si_uar, si_cold, si_protocol) = if data
        .speaker_keys(false)
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        >= 2
    {
        // A manifest split is one fold, not a speaker-independent protocol.
        let r = if opts.protocol == Some(Protocol::Manifest) {
            let mut o = opts.clone();
            o.protocol = None;
            evaluate_dataset(&data, &o)?
        } else {
            evaluate_dataset(&data, opts)?
        };
        (Some(r.uar), Some(r.cold.uar), Some(r.protocol))
    } else {
        (None, None, None)
    };
    let fitted = fit(&opts.spec, &data)?;
    let report = TrainReport {
        accuracy: cm.accuracy(),
        uar: cm.uar(),
        macro_f1: cm.macro_f1(),
        speaker_independent_uar: si_uar,
        speaker_independent_cold_uar: si_cold,
        speaker_independent_protocol: si_protocol,
        confusion: cm.counts().axis_iter(Axis(0)).map(|r| r.to_vec()).collect(),
        classes: data.classes.clone(),
        n_train: split.train.len(),
        n_test: split.test.len(),
        files: corpus.files,
        used: data.len(),
        skipped: corpus.excluded().count() + fm.failed.len(),
        normalised_per: fitted.normalised_per().map(str::to_owned),
        chosen: fitted.chosen().to_owned(),
        feature_seconds,
        seconds: start.elapsed().as_secs_f64(),
        source: if corpus.is_manifest() {
            "manifest"
        } else {
            "folder"
        }
        .into(),
        scheme: corpus.scheme.name().into(),
        held_out: held_out.into(),
        bad_rows: corpus.bad_rows.clone(),
    };
    Ok((fitted, report))
}
