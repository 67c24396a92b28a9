//! Exploratory data analysis of a corpus folder or manifest, printed as one JSON object.
//!
//! ```text
//! cargo run --release --example eda -- DIR|MANIFEST [--scheme tess|ravdess|emodb|crema-d|savee|folders]
//!     [--label-map FILE] [--speaker-from REGEX]
//! ```
//!
//! Prints `{"files", "read", "faulty": [{"file", "reason", "kind", "kept"}], "by_emotion",
//! "by_speaker", "scheme", "source", "bad_rows", ...}`; see `ser::data::Eda` for every field.
//! `source` is `folder` or `manifest`; `by_emotion` counts classes (the user's labels for a
//! folder per class or a manifest); `bad_rows` lists manifest and label-map rows skipped, each
//! with its `line` and `kind`. A file name that is not
//! UTF-8 is written as text with U+FFFD and its bytes in `"file_bytes"`. A reader that closes
//! standard output early ends the output quietly (status 0); any other write failure is an error
//! (status 1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ser::cli::print_line;
use ser::data::{
    CorpusOptions, Eda, LabelMap, ScanOptions, Scheme, SchemeChoice, SpeakerPattern, open_corpus,
};

/// Counts, durations, rates, formats, faults and balance of a corpus folder or manifest, as
/// JSON.
#[derive(Parser)]
struct Args {
    /// Corpus folder (walked recursively), or a manifest: a CSV/TSV file whose header has
    /// path and label columns (optional speaker, split, corpus).
    dir: PathBuf,
    /// Naming scheme to force instead of detecting it: tess | ravdess | emodb | crema-d |
    /// savee | folders (DIR/<label>/*.wav; detected when no file name fits a scheme and the
    /// audio sits in at least two folders directly under DIR). Ignored for a manifest.
    #[arg(long)]
    scheme: Option<Scheme>,
    /// CSV `from,to` (with that header) renaming or merging classes; an empty `to` drops that
    /// class's files (listed as faults); classes not named pass through.
    #[arg(long, value_name = "FILE")]
    label_map: Option<PathBuf>,
    /// Regular expression reading the speaker from each file name (first capture group, else
    /// the whole match) for folders per class and manifest rows without a speaker; a file it
    /// does not match is a fault. Without it such files share one unnamed speaker "".
    #[arg(long, value_name = "REGEX")]
    speaker_from: Option<SpeakerPattern>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let label_map = match args.label_map.as_deref().map(LabelMap::read).transpose() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("eda: {e}");
            return ExitCode::FAILURE;
        }
    };
    let opts = CorpusOptions {
        scan: ScanOptions {
            scheme: args
                .scheme
                .map_or(SchemeChoice::Detect, SchemeChoice::Force),
            ..ScanOptions::default()
        },
        speaker_from: args.speaker_from,
        label_map,
    };
    match open_corpus(&args.dir, &opts) {
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
