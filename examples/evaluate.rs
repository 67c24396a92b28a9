//! Honest evaluation of a corpus: prints one JSON object (protocol, folds, pooled accuracy, UAR,
//! macro-F1, confusion matrix, classes).
//!
//! ```text
//! cargo run --release --example evaluate -- --data DIR [--protocol split|kfold:K|loso|group-kfold:K]
//!     [--model svm|knn|lstm|svm+knn] [--features mfcc40|enriched|functionals]
//!     [--norm none|speaker|speaker-center] [--adapt ROUNDS] [--multi-class auto|ovr|ovo]
//!     [--inner auto|rows|text|voices|reverse] [--select ensemble|inner]
//!     [--augment PLAN [--augment-same-speaker]] [--extra-train DIR ...]
//!     [--seed N] [--cache DIR | --no-cache] [--dump FILE]
//! cargo run --release --example evaluate -- --train DIR [--train DIR ...] --test DIR [...]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::data::Progress;
use ser::evaluate::{
    EvalOptions, FeatureChoice, InnerProtocol, ModelChoice, Normalisation, Protocol, Selection,
    evaluate_dir, evaluate_multi,
};

#[derive(Parser, Debug)]
#[command(about = "Speaker-independent and cross-corpus evaluation; one JSON object on stdout")]
struct Args {
    /// Corpus folder (any layout ser-data reads: TESS, RAVDESS, EmoDB, CREMA-D, SAVEE).
    #[arg(long, conflicts_with_all = ["train", "test"])]
    data: Option<PathBuf>,
    /// Cross-corpus: training corpus (repeat to train on several at once).
    #[arg(long, requires = "test")]
    train: Vec<PathBuf>,
    /// Cross-corpus: test corpus.
    #[arg(long, requires = "train")]
    test: Option<PathBuf>,
    /// split | kfold:K | loso | group-kfold:K (default: loso for 2–12 speakers, else group-kfold:4).
    #[arg(long)]
    protocol: Option<String>,
    /// svm | knn | lstm | svm+knn.
    #[arg(long, default_value = "svm")]
    model: String,
    /// mfcc40 | enriched | functionals.
    #[arg(long, default_value = "functionals")]
    features: String,
    /// none | speaker | speaker-center.
    #[arg(long, default_value = "speaker")]
    norm: String,
    /// SVM C values for the inner CV, comma separated (one value fixes C).
    #[arg(long)]
    c: Option<String>,
    /// Self-training rounds on the unlabelled test clips (0: off).
    #[arg(long, default_value_t = 1)]
    adapt: usize,
    /// Fraction of test clips pseudo-labelled per self-training round.
    #[arg(long, default_value_t = 0.5)]
    adapt_fraction: f32,
    /// SVM class split: auto (both one-vs-rest and one-vs-one: the ensemble averages them, or
    /// the inner CV chooses one together with C inside each training fold) | ovr | ovo (fixed).
    #[arg(long, default_value = "auto")]
    multi_class: String,
    /// Inner folds that choose the hyper-parameters with `--select inner`: auto (speakers with
    /// ≥ 3 training speakers, else utterance texts, else rows) | rows | text | voices (held-out
    /// augmented pseudo-voices × held-out texts when fewer than 3 real training speakers; needs
    /// --augment) | reverse (reverse validation: refit on the test clips' predicted labels,
    /// score on the labelled training clips; reads no test label).
    #[arg(long, default_value = "auto")]
    inner: String,
    /// ensemble (the default: no pick, every (scheme, C) candidate fitted, each one's test
    /// scores divided by their standard deviation, softmax over classes, probabilities
    /// averaged; self-training uses the ensemble; no inner CV) | inner (one candidate picked by
    /// the inner protocol of --inner).
    #[arg(long, default_value = "ensemble")]
    select: String,
    /// LSTM epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Seed of splits and models.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Feature cache folder (default: ser-feature-cache under the system temp folder).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Compute every feature vector afresh, store nothing.
    #[arg(long)]
    no_cache: bool,
    /// Augmented copies of every training clip, e.g. `pitch:-2,2;noise:20;warp:0.9+reverb:0.4`
    /// (`;` items, `kind:a,b` one copy per value, `x+y` a chain). Test clips are never augmented.
    #[arg(long)]
    augment: Option<String>,
    /// Augmented copies keep their source speaker's id for speaker normalisation (default: each
    /// copy is a pseudo-speaker of its own).
    #[arg(long)]
    augment_same_speaker: bool,
    /// Another corpus added whole to every training fold (repeatable; labels mapped to the
    /// canonical emotions, restricted to those of the evaluated corpus).
    #[arg(long)]
    extra_train: Vec<PathBuf>,
    /// Also write the feature matrix (`ser_data::Dataset` as JSON) of `--data` to this file.
    #[arg(long)]
    dump: Option<PathBuf>,
}

fn run(args: Args) -> Result<String, Box<dyn std::error::Error>> {
    let mut opts = EvalOptions {
        protocol: args
            .protocol
            .as_deref()
            .map(str::parse::<Protocol>)
            .transpose()?,
        features: args.features.parse::<FeatureChoice>()?,
        seed: args.seed,
        cache_dir: if args.no_cache {
            None
        } else {
            Some(
                args.cache
                    .unwrap_or_else(|| std::env::temp_dir().join("ser-feature-cache")),
            )
        },
        progress: Progress::Auto,
        augment: match &args.augment {
            Some(plan) => ser::data::parse_plan(plan)?,
            None => Vec::new(),
        },
        augment_as_voices: !args.augment_same_speaker,
        extra_train: args.extra_train.clone(),
        ..EvalOptions::default()
    };
    opts.pipeline.model = args.model.parse::<ModelChoice>()?;
    opts.pipeline.normalisation = args.norm.parse::<Normalisation>()?;
    opts.pipeline.lstm_epochs = args.epochs;
    opts.pipeline.adapt_rounds = args.adapt;
    if args.multi_class.eq_ignore_ascii_case("auto") {
        opts.pipeline.multi_class_grid = vec![
            ser::models::MultiClass::OneVsRest,
            ser::models::MultiClass::OneVsOne,
        ];
    } else {
        opts.pipeline.multi_class = ser::evaluate::pipeline::parse_scheme(&args.multi_class)?;
    }
    opts.pipeline.inner = args.inner.parse::<InnerProtocol>()?;
    opts.pipeline.selection = args.select.parse::<Selection>()?;
    opts.pipeline.adapt_fraction = args.adapt_fraction;
    if let Some(c) = &args.c {
        opts.pipeline.c_grid = c
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<_, _>>()?;
    }
    if let (Some(d), Some(out)) = (&args.data, &args.dump) {
        let corpus = ser::evaluate::scan_corpus(d)?;
        let fm = ser::evaluate::extract(&corpus.items, None, &opts)?;
        std::fs::write(out, serde_json::to_string(&fm.dataset)?)
            .map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let report = match (&args.data, args.train.is_empty(), &args.test) {
        (Some(d), _, _) => evaluate_dir(d, &opts)?,
        (None, false, Some(te)) => {
            if opts.protocol.is_some() {
                return Err("--protocol does not apply to --train/--test".into());
            }
            evaluate_multi(&args.train, te, &opts)?
        }
        _ => return Err("give --data DIR, or --train DIR [--train DIR ...] --test DIR".into()),
    };
    Ok(serde_json::to_string(&report)?)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("evaluate: {e}");
            ExitCode::FAILURE
        }
    }
}
