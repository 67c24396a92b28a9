//! Live emotion recognition: raw PCM from standard input (a microphone through `arecord`,
//! `sox`, `ffmpeg`, …) or a recording played as a stream, one prediction per window, printed
//! as soon as it exists.
//!
//! ```text
//! cargo run --release --example listen -- MODEL [--format s16le|f32le] [--rate N]
//!     [--channels C] [--window S] [--hop S] [--warmup N] [--freeze-after N]
//! cargo run --release --example listen -- MODEL --file RECORDING [--realtime] ...
//!
//! arecord -q -f S16_LE -r 16000 -c 1 -t raw | listen model.json --rate 16000
//! ffmpeg -loglevel quiet -i talk.mp3 -f s16le -ac 2 -ar 44100 - | listen model.json --rate 44100 --channels 2
//! ```
//!
//! Standard input is raw interleaved PCM: `s16le` (16-bit signed little-endian, the default)
//! or `f32le` (32-bit float little-endian), `--rate` Hz (default 16000; 1000 to 384000) and
//! `--channels` channels (default 1), mixed to mono and resampled to the model's rate. With
//! `--file` any recording the crate decodes (WAV, AIFF, FLAC, MP3, Ogg, …) is read block by
//! block at its own rate and channels (a `--rate` or `--channels` that disagrees with the
//! file's is a usage error), as fast as it decodes or, with `--realtime`, paced as if it
//! were being recorded.
//!
//! The stream is cut into windows `--window` s long (default 3) starting every `--hop` s
//! (default 1, or the window if shorter): window `k` covers `[k·hop, k·hop + window)` s of the
//! stream, and is predicted as soon as its last sample has arrived. One JSON object per
//! window and line, flushed at once:
//!
//! `{"file", "start", "end", "emotion", "scores", "speech", "normalisation"}`: `file` is `"-"`
//! for standard input, `start`/`end` are seconds from the start of the stream, `scores` an
//! object class → probability, `emotion` the most probable class. A window with no speech
//! (its loudest frame below −50 dBFS) has `"speech": false`, `"emotion": null` and equal
//! scores. A model that normalises per speaker uses a typical training speaker's statistics
//! (`"normalisation": "training-fallback"`) for the first `--warmup` speech windows (default
//! 10), then the stream's own (`"same-speaker"`): those of its speech windows so far, at most
//! the last 600, or of the first N only with `--freeze-after N`. These are the lines
//! `predict --window S --hop S` prints for the same audio as a file.
//!
//! End of input (end of the file, the pipe closed, Ctrl-D) is the clean stop: the last,
//! partial window is predicted if it is at least half a window long and holds new audio.
//! Ctrl-C (SIGINT) is a clean stop too: the piece of input being processed is finished, then
//! the last window is predicted by the same rule and printed before the exit (status as at end
//! of input). Input that ends in the middle of a frame (an odd trailing byte) is reported on
//! stderr and its complete frames are used.
//!
//! Exit status 0 on success (and, quietly, when the reader closes standard output, as in
//! `| head -3`); 1 when the model or the recording cannot be read, the input holds a
//! non-finite sample (f32le), a window cannot be predicted, or standard output fails; 2 on a
//! usage error.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use ser::audio::{AudioReader, LoadOptions};
use ser::cli::{PrintError, print_line};
use ser::data::corpus::non_utf8_bytes;
use ser::pipeline::{FittedPipeline, Prediction, StreamOptions, StreamRecognizer};

/// Raw sample encodings on standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// 16-bit signed integers, little-endian.
    S16le,
    /// 32-bit floats, little-endian.
    F32le,
}

impl Format {
    fn bytes(self) -> usize {
        match self {
            Format::S16le => 2,
            Format::F32le => 4,
        }
    }

    /// One sample of `bytes` (exactly [`bytes`](Self::bytes) long), as `ser_audio` decodes it.
    fn decode(self, bytes: &[u8]) -> f32 {
        match (self, bytes) {
            (Format::S16le, &[a, b]) => f32::from(i16::from_le_bytes([a, b])) / 32_768.0,
            (Format::F32le, &[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
            _ => 0.0,
        }
    }
}

/// Standard input's rate when --rate is not given, Hz.
const DEFAULT_RATE: u32 = 16_000;

/// Recognises emotions live, one JSON line per window.
#[derive(Parser)]
struct Args {
    /// Model file written by `train`.
    model: PathBuf,
    /// Sample encoding on standard input.
    #[arg(long, value_enum, default_value_t = Format::S16le)]
    format: Format,
    /// Sample rate of the input, Hz (standard input: default 16000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(
        i64::from(StreamRecognizer::MIN_RATE)..=i64::from(StreamRecognizer::MAX_RATE)
    ))]
    rate: Option<u32>,
    /// Interleaved channels of the input (standard input: default 1).
    #[arg(long, value_parser = clap::value_parser!(u16).range(
        1..=i64::from(StreamRecognizer::MAX_CHANNELS)
    ))]
    channels: Option<u16>,
    /// Window length, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = StreamOptions::default().window_s)]
    window: f64,
    /// Seconds between window starts (default 1, or the window if shorter).
    #[arg(long, value_name = "SECONDS")]
    hop: Option<f64>,
    /// Speech windows heard before the stream's own statistics replace the training
    /// speakers' (per-speaker models).
    #[arg(long, value_name = "N", default_value_t = StreamOptions::default().warmup_windows)]
    warmup: usize,
    /// Stop updating the stream's statistics after N speech windows.
    #[arg(long, value_name = "N")]
    freeze_after: Option<usize>,
    /// Read this recording (any supported format, its own rate and channels) instead of
    /// standard input.
    #[arg(long, value_name = "RECORDING", conflicts_with = "format")]
    file: Option<PathBuf>,
    /// With --file: deliver the recording at the pace it would be recorded.
    #[arg(long, requires = "file")]
    realtime: bool,
}

/// Why listening stopped early.
enum Stop {
    /// Standard output is gone or failed.
    Print(PrintError),
    /// Reported on stderr; exit 1.
    Failed,
}

impl From<PrintError> for Stop {
    fn from(e: PrintError) -> Self {
        Stop::Print(e)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let defaults = StreamOptions::default();
    let options = StreamOptions {
        window_s: args.window,
        hop_s: args.hop.unwrap_or(defaults.hop_s.min(args.window)),
        warmup_windows: args.warmup,
        freeze_after: args.freeze_after,
    };
    if let Err(e) = options.check() {
        eprintln!("listen: {e}");
        return ExitCode::from(2);
    }
    let pipeline = match FittedPipeline::load(&args.model) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match &args.file {
        Some(file) => {
            let reader = match AudioReader::open(file, &LoadOptions::native().mono(false)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("listen: {e}");
                    return ExitCode::FAILURE;
                }
            };
            for (flag, given, own) in [
                ("--rate", args.rate, reader.sample_rate()),
                (
                    "--channels",
                    args.channels.map(u32::from),
                    u32::from(reader.channels()),
                ),
            ] {
                if let Some(given) = given.filter(|&g| g != own) {
                    eprintln!(
                        "listen: {flag} {given} disagrees with {}, which has {own}",
                        file.display()
                    );
                    return ExitCode::from(2);
                }
            }
            let Some(out) = Output::new(pipeline, &options, &reader, file) else {
                return ExitCode::FAILURE;
            };
            run_file(&shared(out), reader, args.realtime)
        }
        None => {
            let rate = args.rate.unwrap_or(DEFAULT_RATE);
            let channels = args.channels.unwrap_or(1);
            match StreamRecognizer::new(pipeline, rate, channels, &options) {
                Ok(r) => run_stdin(&shared(Output::stdin(r)), args.format),
                Err(e) => {
                    eprintln!("listen: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    ExitCode::from(exit_status(outcome))
}

/// The exit status for how listening ended (reporting a failed standard output).
fn exit_status(outcome: Result<bool, Stop>) -> u8 {
    match outcome {
        Ok(true) | Err(Stop::Print(PrintError::Closed)) => 0,
        Ok(false) | Err(Stop::Failed) => 1,
        Err(Stop::Print(e)) => {
            eprintln!("listen: {e}");
            1
        }
    }
}

/// The output, shared by the reading loop and the Ctrl-C handler: whichever takes it out of
/// the mutex ends the stream with [`Output::finish`].
type Shared = Arc<Mutex<Option<Output>>>;

/// `out` shared, with a Ctrl-C handler that finishes it and exits. Without a handler (one
/// could not be installed) Ctrl-C ends the process as it would by default.
fn shared(out: Output) -> Shared {
    let shared = Arc::new(Mutex::new(Some(out)));
    let handler = Arc::clone(&shared);
    let installed = ctrlc::set_handler(move || {
        // The reading loop holds the lock only while it processes a piece of input, so this
        // waits for at most one piece, never for input to arrive.
        let Some(out) = lock(&handler).take() else {
            return;
        };
        std::process::exit(i32::from(exit_status(out.finish())));
    });
    if let Err(e) = installed {
        eprintln!("listen: Ctrl-C will not flush the last window: {e}");
    }
    shared
}

fn lock(shared: &Shared) -> MutexGuard<'_, Option<Output>> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` on the output; once the Ctrl-C handler has taken it, waits for the handler to
/// end the process.
fn with_output<T>(shared: &Shared, f: impl FnOnce(&mut Output) -> T) -> T {
    let mut guard = lock(shared);
    match guard.as_mut() {
        Some(out) => f(out),
        None => {
            drop(guard);
            wait_for_handler()
        }
    }
}

/// Parks this thread for good: the Ctrl-C handler has the output and exits the process.
fn wait_for_handler() -> ! {
    loop {
        std::thread::park();
    }
}

/// Ends the stream unless the Ctrl-C handler already does.
fn finish(shared: &Shared) -> Result<bool, Stop> {
    let taken = lock(shared).take();
    match taken {
        Some(out) => out.finish(),
        None => wait_for_handler(),
    }
}

/// The recognizer and where its lines go.
struct Output {
    recognizer: StreamRecognizer,
    /// The `file` field: `"-"` or the recording's name.
    file: String,
    file_bytes: Option<Vec<u8>>,
    predictions: Vec<Prediction>,
    /// Whether every window so far was predicted.
    all_ok: bool,
    /// Lines printed.
    printed: u64,
}

impl Output {
    fn stdin(recognizer: StreamRecognizer) -> Self {
        Self {
            recognizer,
            file: "-".into(),
            file_bytes: None,
            predictions: Vec::new(),
            all_ok: true,
            printed: 0,
        }
    }

    /// For a recording; `None` (reported) when its rate or channels are out of range.
    fn new(
        pipeline: FittedPipeline,
        options: &StreamOptions,
        reader: &AudioReader,
        file: &std::path::Path,
    ) -> Option<Self> {
        match StreamRecognizer::new(pipeline, reader.sample_rate(), reader.channels(), options) {
            Ok(recognizer) => Some(Self {
                file: file.to_string_lossy().into_owned(),
                file_bytes: non_utf8_bytes(file),
                ..Self::stdin(recognizer)
            }),
            Err(e) => {
                eprintln!("listen: {}: {e}", file.display());
                None
            }
        }
    }

    /// Pushes interleaved samples and prints what they complete.
    fn push(&mut self, samples: &[f32]) -> Result<(), Stop> {
        let result = self.recognizer.push(samples, &mut self.predictions);
        self.print()?;
        match result {
            Ok(()) => Ok(()),
            Err(e @ ser::pipeline::PipelineError::Audio(_)) => {
                eprintln!("listen: {e}");
                Err(Stop::Failed)
            }
            Err(e) => {
                eprintln!("listen: {e}");
                self.all_ok = false;
                Ok(())
            }
        }
    }

    /// Ends the stream: the last windows; whether every window was predicted.
    fn finish(mut self) -> Result<bool, Stop> {
        let r = &self.recognizer;
        let seconds =
            r.samples_taken() as f64 / f64::from(r.channels()) / f64::from(r.input_rate());
        let result = self.recognizer.finish(&mut self.predictions);
        self.print()?;
        if self.printed == 0 {
            eprintln!(
                "listen: the input ended after {seconds:.3} s, less than half a window: \
                 nothing to predict"
            );
        }
        if let Err(e) = result {
            eprintln!("listen: {e}");
            self.all_ok = false;
        }
        Ok(self.all_ok)
    }

    fn print(&mut self) -> Result<(), PrintError> {
        let classes = self.recognizer.pipeline().classes();
        for p in self.predictions.drain(..) {
            let line = Line {
                file: &self.file,
                file_bytes: self.file_bytes.as_deref(),
                start: round3(p.start),
                end: round3(p.end),
                emotion: p.emotion.as_deref(),
                scores: Scores(classes, &p.scores),
                speech: p.speech,
                normalisation: p.normalisation.name(),
            };
            let text = serde_json::to_string(&line)
                .unwrap_or_else(|e| format!("{{\"error\":\"cannot write the line: {e}\"}}"));
            print_line(text)?;
            self.printed += 1;
        }
        Ok(())
    }
}

/// Raw PCM from standard input until its end.
fn run_stdin(shared: &Shared, format: Format) -> Result<bool, Stop> {
    let width = format.bytes();
    let frame = width * usize::from(with_output(shared, |out| out.recognizer.channels()));
    let mut stdin = std::io::stdin().lock();
    let mut bytes = vec![0u8; 1 << 14];
    // Bytes of a sample split between two reads.
    let (mut pending, mut samples) = (Vec::<u8>::with_capacity(width), Vec::<f32>::new());
    let mut total = 0u64;
    loop {
        let n = match stdin.read(&mut bytes) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("listen: cannot read standard input: {e}");
                return Err(Stop::Failed);
            }
        };
        total += n as u64;
        let mut data = &bytes[..n];
        samples.clear();
        if !pending.is_empty() {
            let take = (width - pending.len()).min(data.len());
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if pending.len() == width {
                samples.push(format.decode(&pending));
                pending.clear();
            }
        }
        let mut whole = data.chunks_exact(width);
        samples.extend(whole.by_ref().map(|b| format.decode(b)));
        pending.extend_from_slice(whole.remainder());
        with_output(shared, |out| out.push(&samples))?;
    }
    let trailing = total % frame as u64;
    if trailing > 0 {
        eprintln!(
            "listen: the input ended in the middle of a frame: its last {trailing} byte(s) \
             (of a {frame}-byte frame) were ignored"
        );
    }
    finish(shared)
}

/// A recording block by block, paced in real time when asked.
fn run_file(shared: &Shared, mut reader: AudioReader, realtime: bool) -> Result<bool, Stop> {
    let channels = usize::from(reader.channels().max(1));
    let rate = f64::from(reader.sample_rate());
    // Real time: 50 ms pieces, each delivered when it would have been recorded.
    let piece = if realtime {
        (reader.sample_rate() as usize / 20).max(1) * channels
    } else {
        usize::MAX
    };
    let started = Instant::now();
    let (mut block, mut frames) = (Vec::new(), 0u64);
    loop {
        block.clear();
        match reader.read(&mut block) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                eprintln!("listen: {e}");
                return Err(Stop::Failed);
            }
        }
        for samples in block.chunks(piece) {
            with_output(shared, |out| out.push(samples))?;
            frames += (samples.len() / channels) as u64;
            if realtime {
                let due = started + Duration::from_secs_f64(frames as f64 / rate);
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        }
    }
    finish(shared)
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_bytes: Option<&'a [u8]>,
    start: f64,
    end: f64,
    emotion: Option<&'a str>,
    scores: Scores<'a>,
    speech: bool,
    normalisation: &'static str,
}

/// Class name → probability, in the model's class order.
struct Scores<'a>(&'a [String], &'a [f32]);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (c, v) in self.0.iter().zip(self.1) {
            map.serialize_entry(c, v)?;
        }
        map.end()
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
