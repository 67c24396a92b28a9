//! Exploratory data analysis of a corpus folder, printed as one JSON object.
//!
//! ```text
//! cargo run --release --example eda -- DIR [--scheme tess|ravdess|emodb|crema-d|savee]
//! ```
//!
//! Prints `{"files", "read", "faulty": [{"file", "reason", "kind", "kept"}], "by_emotion",
//! "by_speaker", "scheme", ...}`; see `ser::data::Eda` for every field. A file name that is not
//! UTF-8 is written as text with U+FFFD and its bytes in `"file_bytes"`. A reader that closes
//! standard output early ends the output quietly (status 0); any other write failure is an error
//! (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::cli::print_line;
use ser::data::{Eda, ScanOptions, Scheme, SchemeChoice, scan};

/// Counts, durations, rates, formats, faults and balance of a corpus folder, as JSON.
#[derive(Parser)]
struct Args {
    /// Corpus folder (walked recursively).
    dir: PathBuf,
    /// Naming scheme to force instead of detecting it.
    #[arg(long)]
    scheme: Option<Scheme>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = ScanOptions {
        scheme: args
            .scheme
            .map_or(SchemeChoice::Detect, SchemeChoice::Force),
        ..ScanOptions::default()
    };
    match scan(&args.dir, &opts) {
        Ok(corpus) => match serde_json::to_string_pretty(&Eda::of(&corpus)) {
            Ok(json) => match print_line(json) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => e.exit_code("eda"),
            },
            Err(e) => {
                eprintln!("eda: cannot serialise: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("eda: {e}");
            ExitCode::FAILURE
        }
    }
}
