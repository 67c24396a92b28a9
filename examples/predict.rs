//! Predicts the emotion of recordings with a model file written by `train` (version 2, a whole
//! pipeline) or by older builds (version 1).
//!
//! ```text
//! cargo run --release --example predict -- MODEL [FILE...] [--speaker-clips PATH]...
//!     [--same-speaker | --group-by-folder | --segments | --window SECONDS [--hop SECONDS]]
//! ```
//!
//! # The prediction line
//! One JSON object per file and line, in the order given:
//!
//! * `{"file", "emotion", "scores", "normalisation"}`: `scores` is an object class →
//!   probability (the model's class order, summing to 1), `emotion` the most probable class,
//!   `normalisation` where the speaker statistics came from: `"none"` (the pipeline has no
//!   per-speaker normalisation), `"speaker-clips"`, `"same-speaker"`, `"group-by-folder"`, or
//!   `"training-fallback"` (nothing known of the speaker: the model's cold stage, fitted
//!   without speaker normalisation, predicts it — or, in model files written before it
//!   existed, a typical training speaker's statistics normalise it);
//! * recordings longer than 4 s add `"duration"` (s) and `"windows": [{"start", "end",
//!   "emotion", "score"}]`, the pipeline over successive windows as long as its clips
//!   (3 s for whole-clip pipelines), half a window apart, the last ending at the end;
//! * a file where no speech is heard (its loudest frame below −50 dBFS: silence, a noise floor)
//!   gets `"emotion": null`, every class equally likely, `"speech": false` and a `"reason"`;
//!   it takes no part in the other files' statistics;
//! * `{"file", "error"}` for a file that failed (the others still go through).
//!
//! With `--segments` (long recordings: a podcast, a meeting), one line per speech segment
//! the voice-activity segmenter finds (`ser_features::vad`, defaults in `VadParams`):
//! `{"file", "start", "end", "emotion", "scores", "normalisation"}` (`start`/`end` in seconds);
//! a file with no speech gets one line `{"file", "speech": false, "reason", "duration"}`. The
//! file is decoded block by block, so its length does not matter (a 2-hour MP3 runs in under
//! 256 MB); without `--segments` a recording longer than 30 minutes is refused as too long.
//!
//! With `--window W [--hop H]` (H defaults to 1 s, or W if shorter), one line per window of
//! each file, the windows W s long starting every H s from 0, the last partial window kept
//! when it holds new samples and is at least W/2 long: `{"file", "start", "end", "emotion",
//! "scores", "speech", "normalisation"}`, where `speech` is `false` (with `"emotion": null`
//! and equal scores) for a window with no speech. These are exactly the lines `listen`
//! prints for the same audio streamed (`ser_pipeline::predict_stream_offline`, the
//! recognizer's own code run over the whole file): each window normalised, for a per-speaker
//! pipeline, with the statistics of the file's speech windows up to and including it once
//! 10 have been heard (before that: `"training-fallback"`). A file shorter than W/2 gets one
//! line `{"file", "duration", "reason"}`. The file is loaded whole (at most 30 minutes; use
//! `listen --file` for longer).
//!
//! `file` is text: a name that is not UTF-8 has U+FFFD in place of what is not, and the line
//! adds `"file_bytes": [its bytes, 0–255]` (only then).
//!
//! Later versions add fields; none is renamed or removed. Exit status 1 if any file failed,
//! the model cannot be loaded (a typed error on stderr) or standard output fails (e.g. a full
//! disk), 2 on a usage error; a reader that closes standard output (`| head -1`) ends the
//! output quietly with status 0. With no FILE it reads paths from standard input, one per
//! line (as bytes: any name the system allows), until an empty line or end of input; a line
//! longer than 64 KiB is reported on stderr and skipped (status 1), the others still go
//! through.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use ser::cli::{PathLines, print_line};
use ser::data::corpus::non_utf8_bytes;
use ser::features::vad::VadParams;
use ser::pipeline::{
    FittedPipeline, Grouping, Prediction, StatsSource, StreamOptions, predict_files,
    predict_segments, predict_stream_offline, predict_windows,
};

/// Recordings longer than this (seconds) also get per-window predictions.
const WINDOWED_ABOVE_S: f64 = 4.0;

/// Predicts the emotion of recordings with a model file.
#[derive(Parser)]
struct Args {
    /// Model file written by `train`.
    model: PathBuf,
    /// Recordings (none: read paths from standard input).
    files: Vec<PathBuf>,
    /// Unlabelled clips of the speaker of every FILE (a file or a folder; repeat the flag for
    /// more): their statistics normalise the files (and the pipeline self-trains with them).
    #[arg(long)]
    speaker_clips: Vec<PathBuf>,
    /// The FILEs are one speaker: normalised over themselves.
    #[arg(long, conflicts_with_all = ["speaker_clips", "group_by_folder"])]
    same_speaker: bool,
    /// Each folder of FILEs is one speaker.
    #[arg(long, conflicts_with = "speaker_clips")]
    group_by_folder: bool,
    /// Long recordings: find the speech segments (voice-activity detection) and print one line
    /// per segment, `{"file", "start", "end", "emotion", "scores", "normalisation"}`. Files are
    /// decoded in blocks, so recordings of any length (hours) fit in bounded memory; each
    /// recording is one speaker, normalised over its own segments unless --speaker-clips.
    #[arg(long, conflicts_with_all = ["same_speaker", "group_by_folder"])]
    segments: bool,
    /// Consecutive windows of SECONDS, predicted as `listen` predicts a stream: one line per
    /// window, `{"file", "start", "end", "emotion", "scores", "speech", "normalisation"}`.
    #[arg(long, value_name = "SECONDS", conflicts_with_all = [
        "segments", "same_speaker", "group_by_folder", "speaker_clips",
    ])]
    window: Option<f64>,
    /// Seconds between window starts with --window (default 1, or the window if shorter).
    #[arg(long, value_name = "SECONDS", requires = "window")]
    hop: Option<f64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stream_options = match args.window.map(|w| stream_options(w, args.hop)).transpose() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("predict: {e}");
            return ExitCode::from(2);
        }
    };
    let pipeline = match FittedPipeline::load(&args.model) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("predict: {e}");
            return ExitCode::FAILURE;
        }
    };
    let grouping = if !args.speaker_clips.is_empty() {
        Grouping::SpeakerClips(args.speaker_clips.clone())
    } else if args.same_speaker {
        Grouping::SameSpeaker
    } else if args.group_by_folder {
        Grouping::ByFolder
    } else {
        Grouping::None
    };
    let mut all_ok = true;
    let files = if args.files.is_empty() {
        let (files, ok) = read_paths();
        all_ok &= ok;
        files
    } else {
        args.files.clone()
    };
    if let Some(options) = stream_options {
        return window_lines(&pipeline, &files, &options, all_ok);
    }
    if pipeline.per_speaker() && grouping == Grouping::None {
        eprintln!(
            "predict: nothing is known of the speaker; normalising with the training speakers' \
             statistics (\"normalisation\": \"training-fallback\"); give --speaker-clips, \
             --same-speaker or --group-by-folder"
        );
    }
    if args.segments {
        return segment_lines(&pipeline, &files, &grouping, all_ok);
    }
    let results = match predict_files(&pipeline, &files, &grouping) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("predict: {e}");
            return ExitCode::FAILURE;
        }
    };
    for r in results {
        let line = match r.outcome {
            Ok((scores, source)) => match r.no_speech {
                None => ok_line(&pipeline, &r.file, scores, source),
                Some(level) => no_speech_line(&pipeline, &r.file, scores, source, level),
            },
            Err(e) => error_line(&r.file, &e.to_string()),
        };
        all_ok &= line.error.is_none();
        let text = serde_json::to_string(&line)
            .unwrap_or_else(|e| format!("{{\"error\":\"cannot write the line: {e}\"}}"));
        if let Err(e) = print_line(text) {
            // A closed stdout (`| head -1`) ends the output quietly; a full one is an error.
            return e.exit_code("predict");
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--segments`: one line per speech segment of each file (see [`SegmentLine`]).
fn segment_lines(
    pipeline: &FittedPipeline,
    files: &[PathBuf],
    grouping: &Grouping,
    mut all_ok: bool,
) -> ExitCode {
    let vad = VadParams::default();
    for file in files {
        let lines = match predict_segments(pipeline, file, &vad, grouping) {
            Ok(rec) if rec.segments.is_empty() => vec![SegmentLine {
                speech: Some(false),
                reason: Some("no speech segment found".into()),
                duration: Some(round3(rec.duration)),
                ..SegmentLine::new(file)
            }],
            Ok(rec) => rec
                .segments
                .into_iter()
                .map(|seg| {
                    let mut line = SegmentLine {
                        start: Some(round3(seg.start)),
                        end: Some(round3(seg.end)),
                        ..SegmentLine::new(file)
                    };
                    match seg.probabilities {
                        Ok(p) => {
                            let (best, _) = ser::models::argmax(&p);
                            line.emotion = pipeline.classes().get(best).map(String::as_str);
                            line.scores = Some(Scores(pipeline.classes(), p));
                            line.normalisation = Some(rec.normalisation.name());
                        }
                        Err(e) => {
                            all_ok = false;
                            line.error = Some(e);
                        }
                    }
                    line
                })
                .collect(),
            Err(e) => {
                all_ok = false;
                vec![SegmentLine {
                    error: Some(e.to_string()),
                    ..SegmentLine::new(file)
                }]
            }
        };
        for line in lines {
            let text = serde_json::to_string(&line)
                .unwrap_or_else(|e| format!("{{\"error\":\"cannot write the line: {e}\"}}"));
            if let Err(e) = print_line(text) {
                return e.exit_code("predict");
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--window W --hop H` as stream options (the hop defaults to 1 s, or the window if shorter).
fn stream_options(window_s: f64, hop_s: Option<f64>) -> ser::pipeline::Result<StreamOptions> {
    let defaults = StreamOptions::default();
    let options = StreamOptions {
        window_s,
        hop_s: hop_s.unwrap_or(defaults.hop_s.min(window_s)),
        ..defaults
    };
    options.check()?;
    Ok(options)
}

/// `--window`: one line per window of each file (see [`WindowLine`]).
fn window_lines(
    pipeline: &FittedPipeline,
    files: &[PathBuf],
    options: &StreamOptions,
    mut all_ok: bool,
) -> ExitCode {
    let load = pipeline
        .spec()
        .features
        .load_options()
        .offset(0.0)
        .duration(None);
    for file in files {
        let outcome = ser::audio::load(file, &load).map_err(ser::pipeline::PipelineError::from);
        let outcome = outcome.and_then(|audio| {
            let p = predict_stream_offline(pipeline, &audio.samples, audio.sample_rate, options)?;
            Ok((p, audio.duration_seconds()))
        });
        let lines = match outcome {
            Ok((predictions, duration)) if predictions.is_empty() => vec![WindowLine {
                duration: Some(round3(duration)),
                reason: Some(format!(
                    "shorter than half a window ({} s): nothing predicted",
                    options.window_s / 2.0
                )),
                ..WindowLine::new(file)
            }],
            Ok((predictions, _)) => predictions
                .into_iter()
                .map(|p| WindowLine::of(pipeline, file, p))
                .collect(),
            Err(e) => {
                all_ok = false;
                vec![WindowLine {
                    error: Some(e.to_string()),
                    ..WindowLine::new(file)
                }]
            }
        };
        for line in lines {
            let text = serde_json::to_string(&line)
                .unwrap_or_else(|e| format!("{{\"error\":\"cannot write the line: {e}\"}}"));
            if let Err(e) = print_line(text) {
                return e.exit_code("predict");
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A `--window` line: a window's prediction, a file too short for a window (`duration`,
/// `reason`), or an error.
#[derive(Serialize)]
struct WindowLine<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_bytes: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<f64>,
    #[serde(skip_serializing_if = "Emotion::is_absent")]
    emotion: Emotion<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<Scores<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speech: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalisation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> WindowLine<'a> {
    fn new(file: &Path) -> Self {
        Self {
            file: file.to_string_lossy().into_owned(),
            file_bytes: non_utf8_bytes(file),
            start: None,
            end: None,
            emotion: Emotion::Absent,
            scores: None,
            speech: None,
            normalisation: None,
            duration: None,
            reason: None,
            error: None,
        }
    }

    fn of(pipeline: &'a FittedPipeline, file: &Path, p: Prediction) -> Self {
        let classes = pipeline.classes();
        Self {
            start: Some(round3(p.start)),
            end: Some(round3(p.end)),
            emotion: p
                .emotion
                .and_then(|e| classes.iter().find(|c| **c == e))
                .map_or(Emotion::Null, |c| Emotion::Name(c.as_str())),
            scores: Some(Scores(classes, p.scores)),
            speech: Some(p.speech),
            normalisation: Some(p.normalisation.name()),
            ..Self::new(file)
        }
    }
}

/// A `--segments` line: a speech segment (`start`, `end` in seconds, `emotion`, `scores`,
/// `normalisation`), a file with no speech (`speech: false`, `reason`, `duration`), or an
/// error.
#[derive(Serialize)]
struct SegmentLine<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_bytes: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    emotion: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<Scores<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalisation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speech: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl SegmentLine<'_> {
    fn new(file: &Path) -> Self {
        Self {
            file: file.to_string_lossy().into_owned(),
            file_bytes: non_utf8_bytes(file),
            start: None,
            end: None,
            emotion: None,
            scores: None,
            normalisation: None,
            speech: None,
            reason: None,
            duration: None,
            error: None,
        }
    }
}

/// Paths from standard input, one per line, until an empty line (quotes stripped; bytes, so
/// a name that is not UTF-8 is a path too). A line longer than 64 KiB is reported and skipped
/// (the `false`: exit status 1), and reading goes on.
fn read_paths() -> (Vec<PathBuf>, bool) {
    let mut paths = Vec::new();
    let mut ok = true;
    let mut lines = PathLines::new(std::io::stdin().lock());
    loop {
        eprint!("path to a recording (empty line to stop): ");
        let _ = std::io::stderr().flush();
        match lines.next() {
            None => break,
            Some(Ok(path)) => paths.push(path),
            Some(Err(e)) => {
                eprintln!("\npredict: standard input {e}");
                ok = false;
            }
        }
    }
    (paths, ok)
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_bytes: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Emotion::is_absent")]
    emotion: Emotion<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<Scores<'a>>,
    /// `false` when no speech was heard (with `reason`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    speech: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalisation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<Vec<Window<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The `emotion` field: a class, `null` (no speech heard), or absent (an error line).
enum Emotion<'a> {
    Absent,
    Null,
    Name(&'a str),
}

impl Emotion<'_> {
    fn is_absent(&self) -> bool {
        matches!(self, Emotion::Absent)
    }
}

impl Serialize for Emotion<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Emotion::Name(n) => s.serialize_str(n),
            _ => s.serialize_none(),
        }
    }
}

/// Class name → probability, in the model's class order.
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

fn error_line<'a>(file: &Path, error: &str) -> Line<'a> {
    Line {
        file: file.to_string_lossy().into_owned(),
        file_bytes: non_utf8_bytes(file),
        emotion: Emotion::Absent,
        scores: None,
        speech: None,
        reason: None,
        normalisation: None,
        duration: None,
        windows: None,
        error: Some(error.to_owned()),
    }
}

/// A file where no speech was heard: `"emotion": null`, every class equally likely,
/// `"speech": false` and the reason.
fn no_speech_line<'a>(
    pipeline: &'a FittedPipeline,
    file: &Path,
    scores: Vec<f32>,
    source: StatsSource,
    level: f32,
) -> Line<'a> {
    Line {
        file: file.to_string_lossy().into_owned(),
        file_bytes: non_utf8_bytes(file),
        emotion: Emotion::Null,
        scores: Some(Scores(pipeline.classes(), scores)),
        speech: Some(false),
        reason: Some(format!(
            "no speech: the loudest frame is at {level:.1} dBFS, below {} dBFS",
            ser::pipeline::SPEECH_FLOOR_DBFS
        )),
        normalisation: Some(source.name()),
        duration: None,
        windows: None,
        error: None,
    }
}

fn ok_line<'a>(
    pipeline: &'a FittedPipeline,
    file: &Path,
    scores: Vec<f32>,
    source: StatsSource,
) -> Line<'a> {
    let classes = pipeline.classes();
    let (best, _) = ser::models::argmax(&scores);
    let mut line = Line {
        file: file.to_string_lossy().into_owned(),
        file_bytes: non_utf8_bytes(file),
        emotion: classes
            .get(best)
            .map_or(Emotion::Null, |c| Emotion::Name(c.as_str())),
        scores: Some(Scores(classes, scores)),
        speech: None,
        reason: None,
        normalisation: Some(source.name()),
        duration: None,
        windows: None,
        error: None,
    };
    let total_s = ser::audio::probe(file)
        .map(|i| i.frames as f64 / f64::from(i.sample_rate.max(1)))
        .unwrap_or(0.0);
    if total_s > WINDOWED_ABOVE_S {
        line.duration = Some(round3(total_s));
        line.windows = Some(match predict_windows(pipeline, file) {
            Ok(ws) => ws
                .into_iter()
                .map(|w| {
                    let (start, end) = (round3(w.start), round3(w.end));
                    match w.probabilities {
                        Ok(p) => {
                            let (i, s) = ser::models::argmax(&p);
                            Window {
                                start,
                                end,
                                emotion: classes.get(i).map(String::as_str),
                                score: Some(s),
                                error: None,
                            }
                        }
                        Err(e) => Window {
                            start,
                            end,
                            emotion: None,
                            score: None,
                            error: Some(e),
                        },
                    }
                })
                .collect(),
            Err(e) => vec![Window {
                start: 0.0,
                end: round3(total_s),
                emotion: None,
                score: None,
                error: Some(e.to_string()),
            }],
        });
    }
    line
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
