//! The study's 40 mean MFCCs of each file named, one JSON object per line.
//!
//! ```sh
//! cargo run --release --example mfcc -- FILE...
//! cargo run --release --example mfcc -- --demo   # a clip the project synthesises itself
//! ```
//!
//! Each file is loaded as the study does (22050 Hz, mono, offset 0.5 s, 3 s) and gives
//! `{"file": "...", "mfcc_mean": [40 numbers]}`; a file that cannot be read gives
//! `{"file": "...", "error": "..."}` and the others still print. Exit status 1 if any failed.
//! A name that is not UTF-8 is written with U+FFFD and its bytes added as `"file_bytes"`.
//! A reader that closes standard output ends the output quietly (status 0); any other write
//! failure is reported (status 1). Files are read and summarised on every core (`RAYON_NUM_THREADS`
//! sets how many); the lines come out in the order the files were given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser};
use rayon::prelude::*;
use ser::audio::{LoadOptions, load};
use ser::cli::print_line;
use ser::data::Emotion;
use ser::data::corpus::non_utf8_bytes;
use ser::data::synth::{SynthParams, synthesize, write_wav};
use ser::features::{Mfcc, MfccParams, MfccScratch};
use serde_json::json;

/// The study's 40 mean MFCCs of each file, one JSON object per line: `{"file", "mfcc_mean"}`,
/// or `{"file", "error"}` for a file that cannot be read (the others still print; exit status 1).
#[derive(Parser)]
#[command(name = "mfcc")]
struct Args {
    /// Audio files, each loaded as the study does (22050 Hz, mono, offset 0.5 s, 3 s).
    #[arg(value_name = "FILE", required_unless_present = "demo")]
    files: Vec<PathBuf>,
    /// Also a clip the project synthesises itself (a happy utterance written to the temp
    /// folder), printed where the flag stands among the files.
    // One entry per `--demo` given: an appended flag keeps where each one stands.
    #[arg(long, action = ArgAction::Append, num_args = 0, default_missing_value = "true")]
    demo: Vec<bool>,
}

fn study_mfcc_mean(
    mfcc: &Mfcc,
    scratch: &mut MfccScratch,
    path: &Path,
) -> Result<Vec<f32>, String> {
    let audio = load(path, &LoadOptions::study()).map_err(|e| e.to_string())?;
    // Feature errors (e.g. a sample out of range) do not know the file: name it here.
    let mean = mfcc
        .mean_with_scratch(&audio.samples, scratch)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(mean.to_vec())
}

/// Writes one synthetic happy utterance to the temp dir and returns its path.
fn demo_clip() -> Result<PathBuf, String> {
    let params = SynthParams::default();
    let utt = synthesize(&params, 0, Emotion::Happy, 0).map_err(|e| e.to_string())?;
    let path = std::env::temp_dir().join(utt.relative_path().file_name().unwrap_or_default());
    write_wav(&path, &utt.samples, utt.sample_rate).map_err(|e| e.to_string())?;
    Ok(path)
}

fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The files and each `--demo` in the order they were given.
    let mut order: Vec<(usize, Option<PathBuf>)> = matches
        .indices_of("files")
        .into_iter()
        .flatten()
        .zip(args.files.into_iter().map(Some))
        .collect();
    order.extend(
        matches
            .indices_of("demo")
            .into_iter()
            .flatten()
            .map(|i| (i, None)),
    );
    order.sort_by_key(|&(i, _)| i);
    let mut files: Vec<PathBuf> = Vec::with_capacity(order.len());
    for (_, file) in order {
        match file {
            Some(p) => files.push(p),
            None => match demo_clip() {
                Ok(p) => files.push(p),
                Err(e) => {
                    eprintln!("mfcc: cannot synthesise the demo clip: {e}");
                    return ExitCode::FAILURE;
                }
            },
        }
    }
    let mfcc = match Mfcc::new(&MfccParams::study()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("mfcc: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    // Files are decoded, resampled and summarised on every core (rayon), a few per core at a
    // time, and printed in the order given as each group completes.
    for group in files.chunks(8 * rayon::current_num_threads().max(1)) {
        let means: Vec<Result<Vec<f32>, String>> = group
            .par_iter()
            .map_init(
                || mfcc.make_scratch(),
                |scratch, path| study_mfcc_mean(&mfcc, scratch, path),
            )
            .collect();
        for (path, mean) in group.iter().zip(means) {
            let mut line = match mean {
                Ok(mean) => json!({ "file": path.to_string_lossy(), "mfcc_mean": mean }),
                Err(error) => {
                    failed = true;
                    json!({ "file": path.to_string_lossy(), "error": error })
                }
            };
            if let (Some(bytes), Some(map)) = (non_utf8_bytes(path), line.as_object_mut()) {
                map.insert("file_bytes".into(), json!(bytes));
            }
            if let Err(e) = print_line(line) {
                return e.exit_code("mfcc");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
