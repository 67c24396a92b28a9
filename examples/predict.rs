//! Predicts the emotion of recordings with a model file written by the `train` example.
//!
//! ```text
//! cargo run --release --example predict -- MODEL [FILE...]
//! ```
//!
//! Prints one JSON object per file and line: `{"file", "emotion", "scores": {"angry": 0.9, …}}`,
//! or `{"file", "error"}` when the file cannot be read; exits with status 1 if any failed (or
//! the model file cannot be loaded: a typed error on stderr), 2 on a usage error. A
//! recording longer than 4 s also gets `"windows": [{"start", "end", "emotion", "score"}]`: the
//! model applied to successive windows as long as its training clips (3 s), half a window
//! apart, the last one ending at the end of the file. With no FILE it asks for paths on
//! standard input, one per line, until an empty line (or end of input), as the study's program
//! did.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use ser::audio::{load, probe};
use ser::models::ModelFile;

/// Recordings longer than this (seconds) also get per-window predictions.
const WINDOWED_ABOVE_S: f64 = 4.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(model_path) = args.first() else {
        eprintln!("usage: predict MODEL [FILE...]");
        return ExitCode::from(2);
    };
    let model = match ModelFile::load(model_path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("predict: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut all_ok = true;
    let mut report = |file: &str| {
        let (line, ok) = predict_file(&model, file);
        all_ok &= ok;
        println!("{line}");
    };
    if args.len() > 1 {
        for file in &args[1..] {
            report(file);
        }
    } else {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        loop {
            eprint!("path to a recording (empty line to stop): ");
            let _ = std::io::stderr().flush();
            let Some(Ok(line)) = lines.next() else { break };
            // Paths pasted from a file manager often come quoted.
            let path = line.trim().trim_matches(|c| c == '"' || c == '\'');
            if path.is_empty() {
                break;
            }
            report(path);
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    emotion: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<Scores<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<Vec<Window<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Class name → score, in the model's class order.
struct Scores<'a>(&'a [String], Vec<f32>);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (c, v) in self.0.iter().zip(&self.1) {
            map.serialize_entry(c, v)?;
        }
        map.end()
    }
}

/// The prediction for one window of a long recording.
#[derive(Serialize)]
struct Window<'a> {
    start: f64,
    end: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    emotion: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One output line for `file`, as JSON text.
fn predict_file(model: &ModelFile, file: &str) -> (String, bool) {
    let line = try_predict(model, file).unwrap_or_else(|error| Line {
        file,
        emotion: None,
        scores: None,
        duration: None,
        windows: None,
        error: Some(error),
    });
    let ok = line.error.is_none();
    let text = serde_json::to_string(&line)
        .unwrap_or_else(|e| format!("{{\"file\":{file:?},\"error\":\"{e}\"}}"));
    (text, ok)
}

fn try_predict<'a>(model: &'a ModelFile, file: &'a str) -> Result<Line<'a>, String> {
    let path = Path::new(file);
    let cfg = &model.features;
    let scores = model
        .predict_file(path)
        .map_err(|e| e.to_string())?
        .to_vec();
    let mut line = Line {
        file,
        emotion: Some(best(model, &scores).0),
        scores: Some(Scores(&model.classes, scores)),
        duration: None,
        windows: None,
        error: None,
    };
    // Long recordings: the same model over successive windows of the whole file.
    let info = probe(path).map_err(|e| e.to_string())?;
    let total_s = info.frames as f64 / f64::from(info.sample_rate.max(1));
    if total_s > WINDOWED_ABOVE_S {
        let window_s = cfg.duration.unwrap_or(3.0);
        let whole_opts = cfg.load_options().offset(0.0).duration(None);
        let whole = load(path, &whole_opts).map_err(|e| e.to_string())?;
        let rate = f64::from(whole.sample_rate);
        let windows = windows_of(total_s, window_s)
            .into_iter()
            .map(|(start, end)| {
                let a = ((start * rate) as usize).min(whole.samples.len());
                let b = ((end * rate) as usize).min(whole.samples.len());
                let (start, end) = (round3(start), round3(end));
                match model.scores_of_samples(&whole.samples[a..b], whole.sample_rate, path) {
                    Ok(s) => {
                        let (emotion, score) = best(model, s.as_slice().unwrap_or(&[]));
                        Window {
                            start,
                            end,
                            emotion: Some(emotion),
                            score: Some(score),
                            error: None,
                        }
                    }
                    Err(e) => Window {
                        start,
                        end,
                        emotion: None,
                        score: None,
                        error: Some(e.to_string()),
                    },
                }
            })
            .collect();
        line.duration = Some(round3(total_s));
        line.windows = Some(windows);
    }
    Ok(line)
}

/// Window bounds in seconds: `window` long, `window / 2` apart, the last one ending at `total`.
fn windows_of(total: f64, window: f64) -> Vec<(f64, f64)> {
    if total <= window {
        return vec![(0.0, total)];
    }
    let hop = window / 2.0;
    let mut out = Vec::new();
    let mut start = 0.0;
    while start + window < total {
        out.push((start, start + window));
        start += hop;
    }
    out.push((total - window, total));
    out
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The class with the highest score (the first on ties), and that score.
fn best<'a>(model: &'a ModelFile, scores: &[f32]) -> (&'a str, f32) {
    let (i, s) = ser::models::argmax(scores);
    (model.class_name(i).unwrap_or("?"), s)
}
