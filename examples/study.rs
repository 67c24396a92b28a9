//! The seed study, end to end: recordings → EDA → plots → transcripts → MFCCs → LSTM, linear
//! SVM, KNN → confusion matrices → speaker-independent check → best model saved and used →
//! `results.json` and `report.html`.
//!
//! ```sh
//! cargo run --release --example study                      # the synthetic default corpus
//! cargo run --release --example study -- --data ../shared/data/tess --out tess-out
//! cargo run --release --example study -- --timeline podcast.mp3   # adds emotion over time
//! ```
//!
//! Progress goes to standard output: a reader that closes it ends the printing and the study
//! goes on (status 0); any other write failure is reported once everything is written
//! (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::data::{CorpusOptions, LabelMap, SpeakerPattern};
use ser::study::{StudyConfig, run};

/// Speech emotion recognition: the seed study.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// A corpus folder (TESS, RAVDESS, EmoDB, CREMA-D or SAVEE names, or DIR/<label>/*.wav)
    /// or a manifest (CSV/TSV with path and label columns); default: a synthetic
    /// emotional-speech corpus generated on the spot.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "study-out")]
    out: PathBuf,
    /// Seed of the split, the models and the synthetic corpus (default: the study preset's, 42).
    #[arg(long)]
    seed: Option<u64>,
    /// LSTM training epochs (default: the study preset's, 50, as the seed trained).
    #[arg(long)]
    lstm_epochs: Option<usize>,
    /// Do not cache extracted features.
    #[arg(long)]
    no_cache: bool,
    /// CSV `from,to` (with that header) renaming or merging classes; an empty `to` drops that
    /// class's files; classes not named pass through.
    #[arg(long, value_name = "FILE")]
    label_map: Option<PathBuf>,
    /// Regular expression reading the speaker from each file name (first capture group, else
    /// the whole match) for folders per class and manifest rows without a speaker; a file it
    /// does not match is skipped. Without it such files share one unnamed speaker.
    #[arg(long, value_name = "REGEX")]
    speaker_from: Option<SpeakerPattern>,
    /// A recording longer than 10 s to show as emotion over time in the report (its speech
    /// segments predicted with the saved best model); repeat for more. Any format `ser-audio`
    /// reads, any length: it is decoded block by block.
    #[arg(long, value_name = "FILE")]
    timeline: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let defaults = StudyConfig::default();
    let label_map = match args.label_map.as_deref().map(LabelMap::read).transpose() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("study: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = StudyConfig {
        data: args.data,
        out: args.out,
        seed: args.seed.unwrap_or(defaults.seed),
        lstm_epochs: args.lstm_epochs.unwrap_or(defaults.lstm_epochs),
        cache: !args.no_cache,
        corpus: CorpusOptions {
            speaker_from: args.speaker_from,
            label_map,
            ..CorpusOptions::default()
        },
        timelines: args.timeline,
        ..defaults
    };
    match run(&config) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("study: {e}");
            ExitCode::FAILURE
        }
    }
}
