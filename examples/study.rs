//! The seed study, end to end: recordings → EDA → plots → transcripts → MFCCs → LSTM, linear
//! SVM, KNN → confusion matrices → speaker-independent check → best model saved and used →
//! `results.json` and `report.html`.
//!
//! ```sh
//! cargo run --release --example study                      # the synthetic default corpus
//! cargo run --release --example study -- --data ../shared/data/tess --out tess-out
//! ```
//!
//! Progress goes to standard output: a reader that closes it ends the printing and the study
//! goes on (status 0); any other write failure is reported once everything is written
//! (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::study::{StudyConfig, run};

/// Speech emotion recognition: the seed study.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// A corpus folder (TESS, RAVDESS, EmoDB, CREMA-D or SAVEE names); default: a synthetic
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
}

fn main() -> ExitCode {
    let args = Args::parse();
    let defaults = StudyConfig::default();
    let config = StudyConfig {
        data: args.data,
        out: args.out,
        seed: args.seed.unwrap_or(defaults.seed),
        lstm_epochs: args.lstm_epochs.unwrap_or(defaults.lstm_epochs),
        cache: !args.no_cache,
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
