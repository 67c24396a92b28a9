//! Honest evaluation of a corpus: prints one JSON object (protocol, folds, pooled accuracy, UAR,
//! macro-F1, confusion matrix, classes).
//!
//! ```text
//! cargo run --release --example evaluate -- --data DIR|MANIFEST
//!     [--protocol split|kfold:K|loso|group-kfold:K|manifest]
//!     [--preset robust|study|compare] [--model svm|knn|lstm|svm+knn]
//!     [--features mfcc40|enriched|functionals|egemaps|paralinguistic|frames|paralinguistic+frames|compare]
//!     [--frame-model cnn|lstm|none] [--frame-epochs N] [--fusion inner|W]
//!     [--norm none|speaker|speaker-center] [--cold global|fallback] [--adapt ROUNDS] [--multi-class auto|ovr|ovo]
//!     [--inner auto|rows|text|voices|reverse] [--select ensemble|inner]
//!     [--augment PLAN [--augment-same-speaker]] [--extra-train DIR ...]
//!     [--seed N] [--cache DIR | --no-cache] [--dump FILE] [--allow-leakage]
//!     [--label-map FILE] [--speaker-from REGEX]
//! cargo run --release --example evaluate -- --train DIR [--train DIR ...] --test DIR [...]
//! ```
//!
//! Every corpus argument (`--data`, `--train`, `--test`, `--extra-train`) is a folder (any
//! file-name scheme, or a folder per class) or a manifest (a CSV/TSV file with `path` and
//! `label` columns; see `ser_data::manifest`). A manifest whose `split` column marks train and
//! test rows is evaluated on that split unless `--protocol` says otherwise. The JSON's
//! `scheme` says how the evaluated corpus is labelled (`manifest` for a manifest), and
//! `bad_rows` lists manifest and label-map rows skipped (also on stderr).
//!
//! A test recording that is also training data (the same file bytes in `--extra-train` and
//! `--data`, or in `--train` and `--test`) is an error naming one such pair, found before any
//! feature is computed; `--allow-leakage` evaluates anyway, warns on stderr and adds
//! `"leakage": {"duplicates", "train", "test"}` to the JSON. A reader that closes standard
//! output ends it quietly (status 0); any other write failure is an error (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::cli::print_line;
use ser::data::{CorpusOptions, LabelMap, Progress, SpeakerPattern};
use ser::evaluate::{EvalOptions, Protocol, evaluate_dir, evaluate_multi};
use ser::features::FeatureSpec;
use ser::pipeline::{
    ColdModel, InnerProtocol, ModelChoice, Normalisation, PipelineSpec, Preset, Selection,
    parse_scheme,
};

#[derive(Parser, Debug)]
#[command(about = "Speaker-independent and cross-corpus evaluation; one JSON object on stdout")]
struct Args {
    /// Corpus: a folder (any layout ser-data reads: TESS, RAVDESS, EmoDB, CREMA-D, SAVEE names,
    /// or DIR/<label>/*.wav) or a manifest (CSV/TSV with path and label columns; optional
    /// speaker, split, corpus).
    #[arg(long, conflicts_with_all = ["train", "test"])]
    data: Option<PathBuf>,
    /// Cross-corpus: training corpus, folder or manifest (repeat to train on several at once).
    #[arg(long, requires = "test")]
    train: Vec<PathBuf>,
    /// Cross-corpus: test corpus, folder or manifest. Classes are those the corpora share.
    #[arg(long, requires = "train")]
    test: Option<PathBuf>,
    /// The pipeline every fold fits: robust | study | compare (robust on the ComParE-scale
    /// set). Every flag below replaces only its own
    /// stage of it.
    #[arg(long, default_value = "robust")]
    preset: Preset,
    /// split | kfold:K | loso | group-kfold:K | manifest (the rows a manifest's split column
    /// marks test are tested, the others train). Default: manifest when --data is a manifest
    /// whose split column marks both train and test rows; else loso for 2–12 speakers,
    /// group-kfold:4 above, kfold:5 for a single (or no named) speaker.
    #[arg(long)]
    protocol: Option<Protocol>,
    /// svm | knn | lstm | svm+knn (default: the preset's).
    #[arg(long)]
    model: Option<ModelChoice>,
    /// mfcc40 | enriched | functionals | egemaps | paralinguistic | frames |
    /// paralinguistic+frames | compare (default: the preset's; mfcc40 and enriched load the
    /// study's 0.5 s + 3 s, the others the whole clip).
    #[arg(long)]
    features: Option<FeatureSpec>,
    /// none | speaker | speaker-center (default: the preset's).
    #[arg(long)]
    norm: Option<Normalisation>,
    /// How a per-speaker pipeline predicts a clip of no known speaker (the JSON's `cold`
    /// figures): global (a model stage fitted without speaker normalisation) | fallback (a
    /// typical training speaker's statistics). Default: the preset's.
    #[arg(long)]
    cold: Option<ColdModel>,
    /// SVM C values, comma separated, each > 0 (default: the preset's).
    #[arg(long)]
    c: Option<String>,
    /// Self-training rounds on the unlabelled test clips, 0–10 (0: off; default: the preset's).
    #[arg(long)]
    adapt: Option<usize>,
    /// Fraction of test clips pseudo-labelled per self-training round, in (0, 1] (default:
    /// the preset's).
    #[arg(long)]
    adapt_fraction: Option<f32>,
    /// SVM class split: auto (both one-vs-rest and one-vs-one) | ovr | ovo (default: the
    /// preset's).
    #[arg(long)]
    multi_class: Option<String>,
    /// Inner folds that choose the hyper-parameters with `--select inner`: auto (speakers with
    /// ≥ 3 training speakers, else utterance texts, else rows) | rows | text | voices (held-out
    /// augmented voices × held-out texts when fewer than 3 real training speakers; needs
    /// --augment) | reverse (reverse validation: refit on the test clips' predicted labels,
    /// score on the labelled training clips; reads no test label).
    #[arg(long)]
    inner: Option<InnerProtocol>,
    /// ensemble (no pick: every (scheme, C) candidate fitted, probabilities averaged;
    /// self-training uses the ensemble) | inner (one candidate picked by the inner protocol of
    /// --inner). Default: the preset's.
    #[arg(long)]
    select: Option<Selection>,
    /// LSTM epochs, ≥ 1 (default: the preset's).
    #[arg(long)]
    epochs: Option<usize>,
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
    /// Seed of splits and models (default: the preset's).
    #[arg(long)]
    seed: Option<u64>,
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
    /// Augmented copies keep their source speaker for speaker normalisation (default: each
    /// copy is a voice of its own).
    #[arg(long)]
    augment_same_speaker: bool,
    /// Another corpus (folder or manifest) added whole to every training fold (repeatable;
    /// restricted to the classes of the evaluated corpus).
    #[arg(long)]
    extra_train: Vec<PathBuf>,
    /// CSV `from,to` (with that header) renaming or merging classes of every corpus; an empty
    /// `to` drops that class's files; classes not named pass through.
    #[arg(long, value_name = "FILE")]
    label_map: Option<PathBuf>,
    /// Regular expression reading the speaker from each file name (first capture group, else
    /// the whole match) of folder-per-class corpora and of manifest rows without a speaker; a
    /// file it does not match is skipped. Without it such files share one unnamed speaker.
    #[arg(long, value_name = "REGEX")]
    speaker_from: Option<SpeakerPattern>,
    /// Also write the feature matrix (`ser_data::Dataset` as JSON) of `--data` to this file.
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Evaluate even when a test recording is also training data (identical file bytes in
    /// `--extra-train` and `--data`, or in `--train` and `--test`): a warning on stderr and
    /// `"leakage": {"duplicates": N, ...}` in the JSON. Without it that is an error.
    #[arg(long)]
    allow_leakage: bool,
}

/// The preset's spec with the stages the flags name replaced.
fn spec_of(args: &Args) -> Result<PipelineSpec, Box<dyn std::error::Error>> {
    let mut spec = PipelineSpec::preset(args.preset);
    if let Some(f) = args.features {
        spec.features = PipelineSpec::features_for(f);
    }
    if let Some(m) = args.model {
        spec.model.kind = m;
    }
    if let Some(n) = args.norm {
        spec.normalisation = n;
    }
    if let Some(c) = args.cold {
        spec.cold = c;
    }
    if let Some(c) = &args.c {
        spec.model.c_grid = c
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<_, _>>()?;
    }
    if let Some(r) = args.adapt {
        spec.self_training.rounds = r;
    }
    if let Some(f) = args.adapt_fraction {
        spec.self_training.fraction = f;
    }
    if let Some(m) = &args.multi_class {
        spec.model.schemes = if m.eq_ignore_ascii_case("auto") {
            vec![
                ser::models::MultiClass::OneVsRest,
                ser::models::MultiClass::OneVsOne,
            ]
        } else {
            vec![parse_scheme(m)?]
        };
    }
    if let Some(i) = args.inner {
        spec.model.inner = i;
    }
    if let Some(s) = args.select {
        spec.model.selection = s;
    }
    if let Some(e) = args.epochs {
        spec.model.lstm_epochs = e;
    }
    if let Some(s) = args.seed {
        spec.seed = s;
    }
    spec.apply_frame_flags(args.frame_model.as_deref(), args.frame_epochs, args.fusion)?;
    spec.check()?;
    Ok(spec)
}

fn run(args: Args) -> Result<String, Box<dyn std::error::Error>> {
    let opts = EvalOptions {
        protocol: args.protocol,
        spec: spec_of(&args)?,
        cache_dir: if args.no_cache {
            None
        } else {
            Some(
                args.cache
                    .clone()
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
        allow_leakage: args.allow_leakage,
        corpus: CorpusOptions {
            speaker_from: args.speaker_from.clone(),
            label_map: args.label_map.as_deref().map(LabelMap::read).transpose()?,
            ..CorpusOptions::default()
        },
    };
    for p in args
        .data
        .iter()
        .chain(&args.train)
        .chain(&args.test)
        .chain(&args.extra_train)
    {
        if ser::data::is_manifest(p) {
            eprintln!("evaluate: {} is a manifest", p.display());
        }
    }
    if let (Some(d), Some(out)) = (&args.data, &args.dump) {
        let corpus = ser::evaluate::scan_corpus_with(d, &opts.corpus)?;
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
    for r in &report.bad_rows {
        eprintln!("evaluate: {r}");
    }
    if let Some(l) = &report.leakage {
        eprintln!(
            "evaluate: WARNING: LEAKAGE: {} test recording(s) are also training data (e.g. {} \
             is the same recording as {}); the figures below are optimistic",
            l.duplicates, l.test, l.train
        );
    }
    Ok(serde_json::to_string(&report)?)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(json) => match print_line(json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => e.exit_code("evaluate"),
        },
        Err(e) => {
            eprintln!("evaluate: {e}");
            ExitCode::FAILURE
        }
    }
}
