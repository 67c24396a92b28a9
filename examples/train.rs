//! Trains an emotion model on a corpus folder and writes a model file.
//!
//! ```text
//! cargo run --release --example train -- --data DIR --model svm|knn|lstm --out MODEL \
//!     [--features mfcc40|enriched] [--seed N] [--k 5] [--c 1.0] [--epochs N] [--cache DIR]
//! ```
//!
//! Every usable file of `DIR` (walked and labelled by `ser-data`) is loaded as the study did
//! (22 050 Hz, offset 0.5 s, 3 s) and turned into one feature vector (on every core, cached in
//! `--cache DIR` if given). Classes are the emotions present, in `ser-data`'s canonical order. A seeded stratified 80/20
//! split is scored first (scaler and model fitted on the 80 % only); then the scaler and model
//! are fitted on every file and written to `MODEL` with the feature configuration and class
//! names. Prints one JSON object: the held-out `accuracy`, `uar`, `macro_f1`, per-class figures,
//! fit time, and counts of files used and skipped. Progress and skipped files go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use ndarray::{Array1, Array2, Axis};
use serde_json::json;

use ser::audio::LoadOptions;
use ser::data::{FeatureOptions, ScanOptions, feature_matrix, scan};
use ser::features::FeatureSpec;
use ser::models::lstm::LstmParams;
use ser::models::{
    AnyModel, ConfusionMatrix, FeatureConfig, Fit, Knn, LinearSvm, ModelError, ModelFile, Predict,
    StandardScaler, TrainSet,
};

/// Which classifier to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelKind {
    /// Linear SVM (one-vs-one, dual coordinate descent).
    Svm,
    /// k nearest neighbours (Euclidean, uniform votes).
    Knn,
    /// The study's LSTM(256) → 128 → 64 network over the feature vector read as a sequence.
    Lstm,
}

/// Trains an emotion model on a corpus folder and writes a model file.
#[derive(Parser)]
struct Args {
    /// Corpus folder (walked recursively; labels from the file names).
    #[arg(long)]
    data: PathBuf,
    /// Classifier.
    #[arg(long, value_enum)]
    model: ModelKind,
    /// Model file to write.
    #[arg(long)]
    out: PathBuf,
    /// Feature set: mfcc40 (40 mean MFCCs) or enriched.
    #[arg(long, default_value = "mfcc40")]
    features: FeatureSpec,
    /// Seed of the held-out split (and the SVM's visiting order).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Neighbours for KNN.
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Penalty C for the SVM.
    #[arg(long, default_value_t = 1.0)]
    c: f32,
    /// Most training epochs for the LSTM (default: the study network's, 100, keeping the
    /// best validation-loss epoch; the seed trained 50).
    #[arg(long)]
    epochs: Option<usize>,
    /// Folder caching feature vectors between runs (keyed by file bytes and configuration).
    #[arg(long)]
    cache: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let config = FeatureConfig::study(args.features);
    let corpus = scan(&args.data, &ScanOptions::default()).map_err(|e| e.to_string())?;
    let excluded: Vec<String> = corpus
        .excluded()
        .map(|r| format!("{}: {}", r.file.display(), r.reason))
        .collect();
    for line in &excluded {
        eprintln!("train: skipped {line}");
    }
    eprintln!(
        "train: {} usable files of {}; computing {} features",
        corpus.items.len(),
        corpus.files,
        config.spec
    );
    let opts = FeatureOptions {
        load: LoadOptions::study()
            .sample_rate(Some(config.sample_rate))
            .offset(config.offset)
            .duration(config.duration),
        cache_dir: args.cache.clone(),
        ..FeatureOptions::default()
    };
    let t0 = Instant::now();
    let features = feature_matrix(&corpus.items, &config.spec, &opts).map_err(|e| e.to_string())?;
    let feature_seconds = t0.elapsed().as_secs_f64();
    for f in &features.failed {
        eprintln!("train: skipped {}: {}", f.file.display(), f.reason);
    }
    let data = features.dataset;
    let classes = data.classes.clone();
    let (x, y) = (&data.records, &data.targets);

    // Held-out estimate: scaler and model see the training part only.
    let split = data
        .split_stratified(0.2, args.seed)
        .map_err(|e| e.to_string())?;
    let (xtr, xte) = (
        x.select(Axis(0), &split.train),
        x.select(Axis(0), &split.test),
    );
    let (ytr, yte) = (
        y.select(Axis(0), &split.train),
        y.select(Axis(0), &split.test),
    );
    let scaler = StandardScaler::fit(xtr.view()).map_err(|e| e.to_string())?;
    let xtr = scaler.transform(xtr.view()).map_err(|e| e.to_string())?;
    let xte = scaler.transform(xte.view()).map_err(|e| e.to_string())?;
    let t1 = Instant::now();
    let held_out = fit(args, &xtr, &ytr, classes.len()).map_err(|e| e.to_string())?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let pred = held_out.predict(xte.view()).map_err(|e| e.to_string())?;
    let cm =
        ConfusionMatrix::new(yte.view(), pred.view(), classes.len()).map_err(|e| e.to_string())?;
    if let Ok(table) = cm.to_table(&classes) {
        eprintln!("{table}");
    }

    // The model written: fitted on every file.
    let scaler_all = StandardScaler::fit(x.view()).map_err(|e| e.to_string())?;
    let xs = scaler_all.transform(x.view()).map_err(|e| e.to_string())?;
    let model = fit(args, &xs, y, classes.len()).map_err(|e| e.to_string())?;
    let file = ModelFile::new(config, Some(scaler_all), classes.clone(), model)
        .map_err(|e| e.to_string())?;
    file.save(&args.out).map_err(|e| e.to_string())?;

    let summary = cm.summary();
    let per_class: serde_json::Map<String, serde_json::Value> = classes
        .iter()
        .zip(&summary.per_class)
        .map(|(c, m)| (c.clone(), json!(m)))
        .collect();
    let out = json!({
        "accuracy": summary.accuracy,
        "uar": summary.uar,
        "macro_f1": summary.macro_f1,
        "per_class": per_class,
        "confusion": cm.counts().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "classes": classes,
        "model": file.model.kind(),
        "features": args.features.name(),
        "seed": args.seed,
        "epochs": (args.model == ModelKind::Lstm).then(|| lstm_params(args).train_options().epochs),
        "n_train": split.train.len(),
        "n_test": split.test.len(),
        "fit_seconds": fit_seconds,
        "feature_seconds": feature_seconds,
        "files": corpus.files,
        "used": x.nrows(),
        "skipped": excluded.len() + features.failed.len(),
        "out": args.out.display().to_string(),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn fit(
    args: &Args,
    x: &Array2<f32>,
    y: &Array1<usize>,
    n_classes: usize,
) -> Result<AnyModel, ModelError> {
    let train = TrainSet::new(x.view(), y.view(), n_classes)?;
    Ok(match args.model {
        ModelKind::Svm => LinearSvm::params()
            .c(args.c)
            .seed(args.seed)
            .fit(&train)?
            .into(),
        ModelKind::Knn => Knn::params().k(args.k).fit(&train)?.into(),
        ModelKind::Lstm => lstm_params(args).fit(&train)?.into(),
    })
}

/// The study's LSTM with the command line's seed and, if given, epochs.
fn lstm_params(args: &Args) -> LstmParams {
    let params = LstmParams::study().seed(args.seed);
    match args.epochs {
        Some(epochs) => params.epochs(epochs),
        None => params,
    }
}
