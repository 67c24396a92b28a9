//! Trains a pipeline on a corpus folder or manifest and writes a model file (version 2: the
//! whole fitted pipeline).
//!
//! ```text
//! cargo run --release --example train -- --data DIR|MANIFEST --out MODEL [--preset robust|study|compare]
//!     [--model svm|knn|lstm|svm+knn]
//!     [--features mfcc40|enriched|functionals|egemaps|paralinguistic|frames|paralinguistic+frames|compare]
//!     [--frame-model cnn|lstm|none] [--frame-epochs N] [--fusion inner|W]
//!     [--seed N] [--k K] [--c C] [--epochs N] [--validation F] [--cache DIR]
//!     [--label-map FILE] [--speaker-from REGEX]
//! ```
//!
//! `--data` is a folder (TESS, RAVDESS, EmoDB, CREMA-D or SAVEE names, or `DIR/<label>/*.wav`)
//! or a manifest (a CSV/TSV file with `path` and `label` columns, optional `speaker`, `split`,
//! `corpus`): the model's classes are the labels found, whatever they are, and `predict`
//! prints them. The JSON's `source` (`folder`/`manifest`) and `scheme` say how it was read;
//! `held_out` is `manifest split` when a manifest's `split` column gave the held-out rows.
//!
//! The preset (default `robust`) names every stage; `--model`, `--features`, `--k`, `--c`,
//! `--epochs` and `--validation` replace only their own. Prints one JSON object: the
//! random-split `accuracy`, `uar`, `macro_f1`, the `speaker_independent_uar` of the protocol
//! `evaluate` runs on the same clips (adapted when the pipeline normalises per speaker or
//! self-trains) and its `speaker_independent_cold_uar` (each clip alone, nothing known of its
//! speaker), the `preset`, the whole `spec`, the model file as `out` (text; `out_bytes` added when
//! its name is not UTF-8), and counts. Skipped files go to stderr. A reader that closes
//! standard output ends it quietly (status 0, the model file written); any other write failure
//! is an error (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use ser::cli::print_line;
use ser::data::corpus::non_utf8_bytes;
use ser::data::{CorpusOptions, LabelMap, Progress, SpeakerPattern};
use ser::evaluate::EvalOptions;
use ser::features::FeatureSpec;
use ser::pipeline::{ModelChoice, PipelineSpec, Preset, train_dir};

/// Trains an emotion pipeline on a corpus folder and writes a model file.
#[derive(Parser)]
struct Args {
    /// Corpus: a folder (walked recursively; labels from the file names, or DIR/<label>/*.wav)
    /// or a manifest (CSV/TSV with path and label columns; optional speaker, split, corpus).
    #[arg(long)]
    data: PathBuf,
    /// Model file to write.
    #[arg(long)]
    out: PathBuf,
    /// The pipeline: robust (functionals, per-speaker standardisation, SVM ensemble,
    /// self-training) | study (40 mean MFCCs, global scaling, the LSTM) | compare (robust on
    /// the ComParE-scale set).
    #[arg(long, default_value = "robust")]
    preset: Preset,
    /// Replaces the preset's model: svm | knn | lstm | svm+knn.
    #[arg(long)]
    model: Option<ModelChoice>,
    /// Replaces the preset's feature set: mfcc40 | enriched (study loading) | functionals |
    /// egemaps | paralinguistic | frames | paralinguistic+frames | compare (whole clip).
    #[arg(long)]
    features: Option<FeatureSpec>,
    /// A frame-level model beside the ensemble, its probabilities fused with the ensemble's:
    /// cnn (1-D CNN with attention pooling) | lstm (an LSTM over the frame steps) | none
    /// (default: the preset's, none). Switches the paralinguistic set to paralinguistic+frames.
    #[arg(long, value_name = "cnn|lstm|none")]
    frame_model: Option<String>,
    /// Epochs of the frame-level model, ≥ 1 (default 30).
    #[arg(long)]
    frame_epochs: Option<usize>,
    /// Fusion weight of the frame-level model: inner (chosen from 0, 0.2, …, 1 by inner folds
    /// of each training set) or a weight in [0, 1] (default: inner).
    #[arg(long, value_name = "inner|W")]
    fusion: Option<ser::pipeline::Fusion>,
    /// Seed of the held-out split and the models (default: the preset's).
    #[arg(long)]
    seed: Option<u64>,
    /// Fixes KNN's k (≥ 1; default: the preset's grid).
    #[arg(long)]
    k: Option<usize>,
    /// Fixes the SVM's C (> 0; default: the preset's grid).
    #[arg(long)]
    c: Option<f32>,
    /// LSTM epochs (≥ 1; default: the preset's).
    #[arg(long)]
    epochs: Option<usize>,
    /// Fraction of the LSTM's training rows held out to keep the best epoch, in [0, 1); 0
    /// trains on all of them, the training loss picking the epoch (default: the preset's, 0.2).
    #[arg(long, value_name = "FRACTION")]
    validation: Option<f64>,
    /// Folder caching feature vectors between runs (keyed by file bytes and configuration).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// CSV `from,to` (with that header) renaming or merging classes; an empty `to` drops that
    /// class's files; classes not named pass through.
    #[arg(long, value_name = "FILE")]
    label_map: Option<PathBuf>,
    /// Regular expression reading the speaker from each file name (first capture group, else
    /// the whole match) of a folder-per-class corpus, or of manifest rows without a speaker; a
    /// file it does not match is skipped. Without it such files share one unnamed speaker
    /// (no speaker-independent figure).
    #[arg(long, value_name = "REGEX")]
    speaker_from: Option<SpeakerPattern>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(json) => match print_line(json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => e.exit_code("train"),
        },
        Err(e) => {
            eprintln!("train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn spec_of(args: &Args) -> Result<PipelineSpec, ser::pipeline::PipelineError> {
    let mut spec = PipelineSpec::preset(args.preset);
    if let Some(f) = args.features {
        spec.features = PipelineSpec::features_for(f);
    }
    if let Some(m) = args.model {
        spec.model.kind = m;
    }
    if let Some(k) = args.k {
        spec.model.k_grid = vec![k];
    }
    if let Some(c) = args.c {
        spec.model.c_grid = vec![c];
    }
    if let Some(e) = args.epochs {
        spec.model.lstm_epochs = e;
    }
    if let Some(v) = args.validation {
        spec.model.lstm_validation = v;
    }
    if let Some(s) = args.seed {
        spec.seed = s;
    }
    spec.apply_frame_flags(args.frame_model.as_deref(), args.frame_epochs, args.fusion)?;
    spec.check()?;
    Ok(spec)
}

/// Trains, writes the model file and returns the report as pretty JSON.
fn run(args: &Args) -> Result<String, Box<dyn std::error::Error>> {
    let opts = EvalOptions {
        spec: spec_of(args)?,
        cache_dir: args.cache.clone(),
        progress: Progress::Auto,
        corpus: CorpusOptions {
            speaker_from: args.speaker_from.clone(),
            label_map: args.label_map.as_deref().map(LabelMap::read).transpose()?,
            ..CorpusOptions::default()
        },
        ..EvalOptions::default()
    };
    if ser::data::is_manifest(&args.data) {
        eprintln!("train: {} is a manifest", args.data.display());
    }
    let (fitted, report) = train_dir(&args.data, &opts, |file, reason| {
        eprintln!("train: skipped {}: {reason}", file.display());
    })?;
    fitted.save(&args.out)?;
    if let Some(per) = fitted.normalised_per()
        && per != "speaker"
    {
        eprintln!("train: normalised per {per}");
    }
    let mut out = serde_json::to_value(&report)?;
    if let Some(map) = out.as_object_mut() {
        map.insert("preset".into(), json!(args.preset.name()));
        map.insert("model".into(), json!(opts.spec.model.kind.name()));
        map.insert("features".into(), json!(opts.spec.features.spec.name()));
        map.insert("seed".into(), json!(opts.spec.seed));
        map.insert("spec".into(), serde_json::to_value(&opts.spec)?);
        map.insert("out".into(), json!(args.out.to_string_lossy()));
        if let Some(bytes) = non_utf8_bytes(&args.out) {
            map.insert("out_bytes".into(), json!(bytes));
        }
    }
    Ok(serde_json::to_string_pretty(&out)?)
}
