//! Live recognition: a [`StreamRecognizer`] takes audio as it arrives (a microphone, a pipe),
//! cuts it into overlapping windows and predicts each window as soon as it is complete;
//! [`predict_stream_offline`] gives the same predictions for a whole recording at once.
//!
//! Both run the same per-window code (one private session), so a recording fed to the
//! recognizer in pieces of any size and the same recording given whole agree bit for bit.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::ArrayView2;
use ser_audio::{AudioError, ResampleStream, Resampler, mix_to_mono_into};

use crate::error::{PipelineError, Result};
use crate::fitted::{FittedPipeline, SpeakerContext, StatsSource};
use crate::predict::{SPEECH_FLOOR_DBFS, peak_level_dbfs};

/// The name a stream goes by in errors (a [`AudioError::NonFinite`] sample, a window whose
/// features fail).
pub const STREAM_NAME: &str = "<stream>";

/// Most feature rows the running normaliser keeps: the statistics are those of the last 600
/// speech windows (10 minutes at the default 1 s hop), so memory and the time per window stay
/// bounded however long the stream runs, and the statistics follow a slowly changing voice.
pub const MAX_NORMALISER_ROWS: usize = 600;

/// Longest window accepted, seconds (the window is held in memory at the pipeline's rate).
pub const MAX_WINDOW_S: f64 = 600.0;

/// Interleaved input frames mixed and resampled at a time: bounds the scratch a large chunk
/// needs (a whole recording pushed at once is processed 4096 frames after another).
const BLOCK_FRAMES: usize = 4096;

/// How a stream is cut into windows and normalised.
///
/// Window `k` covers the pipeline-rate samples `[k·hop, k·hop + window)` of the stream
/// (both lengths rounded to whole samples). Check with [`StreamOptions::check`]
/// ([`StreamRecognizer::new`] and [`predict_stream_offline`] do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamOptions {
    /// Window length, seconds: 3 (the length of the clips the presets train on). Finite,
    /// `> 0` and at most [`MAX_WINDOW_S`].
    pub window_s: f64,
    /// Seconds between the starts of successive windows: 1 (a prediction per second, each
    /// window overlapping the previous by two thirds). Finite, `0 < hop_s ≤ window_s`.
    pub hop_s: f64,
    /// For a pipeline that normalises per speaker: speech windows to hear before the
    /// stream's own statistics replace those of a typical training speaker (the training
    /// fallback): 10, about 12 s of speech at the default window and hop. Until then a
    /// window is normalised with the fallback; from then on with the statistics of every
    /// speech window so far, itself included (at most the last [`MAX_NORMALISER_ROWS`]).
    /// 0 behaves as 1 (the first window's own statistics).
    pub warmup_windows: usize,
    /// `Some(n)`: after `n ≥ 1` speech windows the statistics stop changing (those of the
    /// first `n` windows, or of the last [`MAX_NORMALISER_ROWS`] of them; used from then on
    /// even if `n < warmup_windows`); `None` (the
    /// default): they follow the stream.
    pub freeze_after: Option<usize>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            window_s: 3.0,
            hop_s: 1.0,
            warmup_windows: 10,
            freeze_after: None,
        }
    }
}

impl StreamOptions {
    /// Checks the ranges documented on each field.
    ///
    /// # Errors
    /// [`PipelineError::InvalidSetting`] naming the setting.
    pub fn check(&self) -> Result<()> {
        let bad = |setting: &'static str, reason: String| {
            Err(PipelineError::InvalidSetting { setting, reason })
        };
        if !(self.window_s.is_finite() && self.window_s > 0.0 && self.window_s <= MAX_WINDOW_S) {
            return bad(
                "window",
                format!(
                    "{} s must be finite, > 0 and at most {MAX_WINDOW_S} s",
                    self.window_s
                ),
            );
        }
        if !(self.hop_s.is_finite() && self.hop_s > 0.0 && self.hop_s <= self.window_s) {
            return bad(
                "hop",
                format!(
                    "{} s must be finite, > 0 and at most the window ({} s)",
                    self.hop_s, self.window_s
                ),
            );
        }
        if self.freeze_after == Some(0) {
            return bad("freeze-after", "0 windows; at least 1".into());
        }
        Ok(())
    }
}

/// The prediction for one window of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Start, seconds from the beginning of the stream.
    pub start: f64,
    /// End, seconds (`start` + the window, or less for the last, partial window).
    pub end: f64,
    /// The most probable class; `None` when no speech was heard.
    pub emotion: Option<String>,
    /// Class probabilities in the pipeline's class order, summing to 1; all equal when no
    /// speech was heard.
    pub scores: Vec<f32>,
    /// `false` when the window's loudest 1024-sample frame is below [`SPEECH_FLOOR_DBFS`]:
    /// such a window is not predicted and stays out of the running statistics.
    pub speech: bool,
    /// Where the window's normalisation came from: [`StatsSource::None`] (the pipeline does
    /// not normalise per speaker), [`StatsSource::TrainingFallback`] (warming up, or no
    /// speech) or [`StatsSource::SameSpeaker`] (the stream's running statistics).
    pub normalisation: StatsSource,
}

/// The windows and the running normaliser of one stream: what the recognizer and
/// [`predict_stream_offline`] share.
#[derive(Debug, Clone)]
struct Session {
    /// The pipeline's sample rate.
    rate: u32,
    /// Window and hop, samples (`1 ≤ hop ≤ window`).
    window: usize,
    hop: usize,
    warmup: usize,
    freeze_after: Option<usize>,
    /// Index of the next window.
    next: u64,
    /// Speech rows seen.
    seen: usize,
    /// The last speech rows (at most [`MAX_NORMALISER_ROWS`]), one after another.
    kept: Vec<f32>,
    /// The statistics once frozen.
    frozen: Option<SpeakerContext>,
}

impl Session {
    fn new(rate: u32, options: &StreamOptions) -> Result<Self> {
        options.check()?;
        let samples = |s: f64| (s * f64::from(rate)).round() as usize;
        let (window, hop) = (samples(options.window_s), samples(options.hop_s));
        if hop == 0 {
            return Err(PipelineError::InvalidSetting {
                setting: if window == 0 { "window" } else { "hop" },
                reason: format!(
                    "{} s is less than one sample at {rate} Hz",
                    if window == 0 {
                        options.window_s
                    } else {
                        options.hop_s
                    }
                ),
            });
        }
        Ok(Self {
            rate,
            window,
            hop,
            warmup: options.warmup_windows,
            freeze_after: options.freeze_after,
            next: 0,
            seen: 0,
            kept: Vec::new(),
            frozen: None,
        })
    }

    /// A new stream: the first window next, no statistics.
    fn reset(&mut self) {
        self.next = 0;
        self.seen = 0;
        self.kept.clear();
        self.frozen = None;
    }

    /// First sample of the next window.
    fn next_start(&self) -> u64 {
        self.next * self.hop as u64
    }

    /// The start of the next window when `total` samples hold all of it (and moves on).
    fn take_full(&mut self, total: u64) -> Option<u64> {
        let start = self.next_start();
        (start + self.window as u64 <= total).then(|| {
            self.next += 1;
            start
        })
    }

    /// At the end of a stream of `total` samples (every full window taken): the start of the
    /// last, partial window `[start, total)`, when it holds samples no earlier window held
    /// and is at least half a window long.
    fn take_partial(&mut self, total: u64) -> Option<u64> {
        let start = self.next_start();
        let new = match self.next.checked_sub(1) {
            None => true,
            Some(prev) => total > prev * self.hop as u64 + self.window as u64,
        };
        (start < total && new && 2 * (total - start) >= self.window as u64).then(|| {
            self.next += 1;
            start
        })
    }

    /// Predicts the window `samples` starting at sample `start` of the stream.
    fn predict(
        &mut self,
        pipeline: &FittedPipeline,
        samples: &[f32],
        start: u64,
    ) -> Result<Prediction> {
        let rate = f64::from(self.rate);
        let (start_s, end_s) = (
            start as f64 / rate,
            (start + samples.len() as u64) as f64 / rate,
        );
        let level = peak_level_dbfs(samples);
        if level.is_nan() || level < SPEECH_FLOOR_DBFS {
            let n = pipeline.classes().len();
            return Ok(Prediction {
                start: start_s,
                end: end_s,
                emotion: None,
                scores: vec![1.0 / n as f32; n],
                speech: false,
                normalisation: if pipeline.per_speaker() {
                    StatsSource::TrainingFallback
                } else {
                    StatsSource::None
                },
            });
        }
        let row = pipeline.features_of_samples(samples, self.rate, Path::new(STREAM_NAME))?;
        let x = ArrayView2::from_shape((1, row.len()), &row).map_err(|e| unusable(&e))?;
        let running;
        let context = if !pipeline.per_speaker() {
            running = SpeakerContext::none();
            &running
        } else if let Some(frozen) = &self.frozen {
            frozen
        } else {
            running = self.running(pipeline, &row)?;
            self.frozen.as_ref().unwrap_or(&running)
        };
        let p = pipeline.predict_rows(x, context)?;
        let scores = p.probabilities.row(0).to_vec();
        let (best, _) = ser_models::argmax(&scores);
        Ok(Prediction {
            start: start_s,
            end: end_s,
            emotion: pipeline.classes().get(best).cloned(),
            scores,
            speech: true,
            normalisation: p
                .normalisation
                .first()
                .copied()
                .unwrap_or(StatsSource::None),
        })
    }

    /// Keeps `row` and returns the context for it: the fallback while warming up, the kept
    /// rows' statistics after; freezes them when the time has come.
    fn running(&mut self, pipeline: &FittedPipeline, row: &[f32]) -> Result<SpeakerContext> {
        let d = row.len().max(1);
        self.kept.extend_from_slice(row);
        if self.kept.len() > MAX_NORMALISER_ROWS * d {
            self.kept.drain(..self.kept.len() - MAX_NORMALISER_ROWS * d);
        }
        self.seen += 1;
        let freeze = self.freeze_after.is_some_and(|n| self.seen >= n);
        if self.seen < self.warmup && !freeze {
            return Ok(SpeakerContext::none());
        }
        let rows = ArrayView2::from_shape((self.kept.len() / d, d), &self.kept)
            .map_err(|e| unusable(&e))?;
        let context = SpeakerContext {
            stats: vec![(pipeline.speaker_stats(rows)?, StatsSource::SameSpeaker)],
            row_group: vec![Some(0)],
        };
        if freeze {
            self.frozen = Some(context.clone());
            self.kept = Vec::new();
        }
        Ok(context)
    }
}

fn unusable(e: &dyn std::fmt::Display) -> PipelineError {
    PipelineError::Unusable {
        reason: format!("a window's feature row: {e}"),
    }
}

/// The rate `pipeline` computes its features at (its loading rate).
fn pipeline_rate(pipeline: &FittedPipeline, input_rate: u32) -> u32 {
    pipeline
        .spec()
        .features
        .load_options()
        .sample_rate
        .unwrap_or(input_rate)
}

/// The first non-finite sample of `samples` as an error, its index counted from `offset`.
fn check_finite(samples: &[f32], offset: u64) -> Result<()> {
    match samples.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(PipelineError::Audio(AudioError::NonFinite {
            path: PathBuf::from(STREAM_NAME),
            index: offset + i as u64,
        })),
    }
}

/// The predictions a [`StreamRecognizer`] makes for the mono signal `samples` at `rate` Hz
/// fed to it in pieces, computed at once: resampled to the pipeline's rate as the recognizer
/// resamples (the same filter: identical samples), cut into the same windows (the last,
/// partial one as [`StreamRecognizer::finish`] keeps it) and normalised with the same
/// running statistics, and without self-training as the recognizer predicts, so the two agree
/// bit for bit.
///
/// `samples` is a whole recording as `ser_audio::load` gives it with the pipeline's load
/// options from offset 0 to the end (`pipeline.spec().features.load_options().offset(0.0)
/// .duration(None)`): then `rate` is the pipeline's own and nothing is resampled.
///
/// # Errors
/// [`PipelineError::InvalidSetting`] for bad `options`; [`PipelineError::Audio`] for a
/// non-finite sample ([`AudioError::NonFinite`], its index) or a rate the resampler refuses;
/// the first window whose features or prediction fail.
pub fn predict_stream_offline(
    pipeline: &FittedPipeline,
    samples: &[f32],
    rate: u32,
    options: &StreamOptions,
) -> Result<Vec<Prediction>> {
    let plain;
    let pipeline = if pipeline.self_trains() {
        plain = pipeline.without_self_training();
        &plain
    } else {
        pipeline
    };
    check_finite(samples, 0)?;
    let target = pipeline_rate(pipeline, rate);
    let mut session = Session::new(target, options)?;
    let resampled;
    let x = if rate == target {
        samples
    } else {
        resampled = ser_audio::resample(samples, rate, target)?;
        &resampled
    };
    let total = x.len() as u64;
    let mut out = Vec::new();
    while let Some(a) = session.take_full(total) {
        let a_i = a as usize;
        out.push(session.predict(pipeline, &x[a_i..a_i + session.window], a)?);
    }
    if let Some(a) = session.take_partial(total) {
        out.push(session.predict(pipeline, &x[a as usize..], a)?);
    }
    Ok(out)
}

/// Recognises emotions in audio as it arrives: interleaved samples in pieces of any size
/// ([`push`](Self::push)), predictions of overlapping windows out as soon as each window is
/// complete, the last partial window at the end ([`finish`](Self::finish)).
///
/// Each piece is mixed to mono (the channels averaged, as `ser_audio::load` mixes), resampled
/// to the pipeline's rate (a `ser_audio::ResampleStream`, whose output equals resampling the
/// whole signal at once) and appended to a buffer of the last window or two. Window `k` covers
/// the resampled samples `[k·hop, k·hop + window)` ([`StreamOptions`]); it is predicted as
/// soon as its last sample exists, which, when resampling, is the resampling filter's
/// half-length after that sample arrives (about 100 samples at the lower of the two rates:
/// 5 ms at 22050 Hz). How the stream is split into pieces
/// changes nothing: the predictions are bit for bit those of [`predict_stream_offline`] of
/// the whole signal.
///
/// A window where no speech is heard (its loudest frame below [`SPEECH_FLOOR_DBFS`]) gets
/// `speech: false`, no emotion and equal scores, and takes no part in the statistics. A
/// pipeline that normalises per speaker normalises with the stream's own running statistics
/// once [`StreamOptions::warmup_windows`] speech windows have been heard (before: a typical
/// training speaker's), the statistics of the last [`MAX_NORMALISER_ROWS`] speech windows,
/// or frozen after [`StreamOptions::freeze_after`].
///
/// The buffers are reused: after the first windows, pushing allocates only what computing a
/// window's features and prediction does.
///
/// ```no_run
/// use ser_pipeline::{FittedPipeline, StreamOptions, StreamRecognizer};
///
/// let pipeline = FittedPipeline::load("model.json")?;
/// let mut recognizer = StreamRecognizer::new(pipeline, 16_000, 1, &StreamOptions::default())?;
/// let mut predictions = Vec::new();
/// # let chunks: Vec<Vec<f32>> = Vec::new();
/// for chunk in chunks {
///     recognizer.push(&chunk, &mut predictions)?; // e.g. 10 ms from a microphone
///     for p in predictions.drain(..) {
///         println!("{:.1}–{:.1} s: {:?}", p.start, p.end, p.emotion);
///     }
/// }
/// recognizer.finish(&mut predictions)?;
/// # Ok::<(), ser_pipeline::PipelineError>(())
/// ```
pub struct StreamRecognizer {
    pipeline: Arc<FittedPipeline>,
    channels: usize,
    input_rate: u32,
    options: StreamOptions,
    session: Session,
    /// The resampling plan (`None` when the input is at the pipeline's rate), and the stream.
    plan: Option<Arc<Resampler>>,
    resampler: Option<ResampleStream<'static>>,
    /// The samples of a frame split between two pushes.
    carry: Vec<f32>,
    /// Scratch: one block mixed to mono.
    mixed: Vec<f32>,
    /// Resampled samples from `base` on (the next window's first sample and after).
    buf: Vec<f32>,
    base: u64,
    /// Interleaved input samples taken so far (for error positions).
    taken: u64,
}

impl StreamRecognizer {
    /// Lowest input rate accepted, Hz.
    pub const MIN_RATE: u32 = 1_000;
    /// Highest input rate accepted, Hz.
    pub const MAX_RATE: u32 = 384_000;
    /// Most channels accepted.
    pub const MAX_CHANNELS: u16 = 64;

    /// A recognizer for a stream of `channels` interleaved channels at `sample_rate` Hz.
    ///
    /// A self-training pipeline predicts live without its refit
    /// ([`FittedPipeline::without_self_training`]): a refit per window would cost a whole fit.
    ///
    /// # Errors
    /// [`PipelineError::InvalidSetting`] for a rate outside
    /// [`MIN_RATE`](Self::MIN_RATE)`..=`[`MAX_RATE`](Self::MAX_RATE), channels outside
    /// `1..=`[`MAX_CHANNELS`](Self::MAX_CHANNELS), bad `options` or a window or hop shorter
    /// than a sample; [`PipelineError::Audio`] for a rate pair the resampler cannot convert.
    pub fn new(
        pipeline: impl Into<Arc<FittedPipeline>>,
        sample_rate: u32,
        channels: u16,
        options: &StreamOptions,
    ) -> Result<Self> {
        if !(Self::MIN_RATE..=Self::MAX_RATE).contains(&sample_rate) {
            return Err(PipelineError::InvalidSetting {
                setting: "input sample rate",
                reason: format!(
                    "{sample_rate} Hz is outside {}–{} Hz",
                    Self::MIN_RATE,
                    Self::MAX_RATE
                ),
            });
        }
        if !(1..=Self::MAX_CHANNELS).contains(&channels) {
            return Err(PipelineError::InvalidSetting {
                setting: "channels",
                reason: format!("{channels}; 1 to {}", Self::MAX_CHANNELS),
            });
        }
        let mut pipeline: Arc<FittedPipeline> = pipeline.into();
        if pipeline.self_trains() {
            pipeline = Arc::new(pipeline.without_self_training());
        }
        let target = pipeline_rate(&pipeline, sample_rate);
        let session = Session::new(target, options)?;
        let plan = if target == sample_rate {
            None
        } else {
            Some(Arc::new(Resampler::new(sample_rate, target)?))
        };
        Ok(Self {
            pipeline,
            channels: usize::from(channels),
            input_rate: sample_rate,
            options: *options,
            session,
            resampler: plan.clone().map(Resampler::shared_stream),
            plan,
            carry: Vec::new(),
            mixed: Vec::new(),
            buf: Vec::new(),
            base: 0,
            taken: 0,
        })
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &FittedPipeline {
        &self.pipeline
    }

    /// The options it was made with.
    pub fn options(&self) -> &StreamOptions {
        &self.options
    }

    /// Input rate, Hz.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// Interleaved input channels.
    pub fn channels(&self) -> u16 {
        u16::try_from(self.channels).unwrap_or(u16::MAX)
    }

    /// Rate the windows are cut at (the pipeline's), Hz.
    pub fn rate(&self) -> u32 {
        self.session.rate
    }

    /// Interleaved input samples taken since the stream began.
    pub fn samples_taken(&self) -> u64 {
        self.taken
    }

    /// Takes the next piece of the stream (interleaved samples; a frame may be split between
    /// pieces) and appends to `out` the prediction of every window it completes.
    ///
    /// # Errors
    /// [`PipelineError::Audio`] ([`AudioError::NonFinite`]) when `chunk` holds NaN or an
    /// infinity, naming its index in the stream's interleaved samples: then nothing of
    /// `chunk` is taken, and the recognizer goes on with the next piece as if this one had
    /// not come. A window whose features or prediction fail is skipped (the others are
    /// still predicted) and its error returned.
    pub fn push(&mut self, chunk: &[f32], out: &mut Vec<Prediction>) -> Result<()> {
        check_finite(chunk, self.taken)?;
        self.taken += chunk.len() as u64;
        let mut failed = None;
        let mut rest = chunk;
        if !self.carry.is_empty() {
            let take = (self.channels - self.carry.len()).min(rest.len());
            self.carry.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.carry.len() < self.channels {
                return Ok(());
            }
            let mut frame = std::mem::take(&mut self.carry);
            self.feed(&frame, out, &mut failed);
            frame.clear();
            self.carry = frame;
        }
        let whole = rest.len() / self.channels * self.channels;
        for block in rest[..whole].chunks(BLOCK_FRAMES * self.channels) {
            self.feed(block, out, &mut failed);
        }
        self.carry.extend_from_slice(&rest[whole..]);
        failed.map_or(Ok(()), Err)
    }

    /// Ends the stream: flushes the resampler, predicts the windows that completes and the
    /// last, partial window `[k·hop, end)` if it holds samples no earlier window held and
    /// is at least half a window long (a shorter tail is too little to judge, and a stream
    /// shorter than half a window gives no prediction). Samples of an incomplete last frame
    /// are dropped.
    ///
    /// The recognizer is then ready for a new stream: times from 0 again, no statistics.
    ///
    /// # Errors
    /// As [`push`](Self::push) for a window that fails (the recognizer is reset all the same).
    pub fn finish(&mut self, out: &mut Vec<Prediction>) -> Result<()> {
        let mut failed = None;
        if let Some(r) = self.resampler.take() {
            r.finish(&mut self.buf);
        }
        self.emit(out, &mut failed);
        let total = self.base + self.buf.len() as u64;
        if let Some(a) = self.session.take_partial(total) {
            let lo = (a - self.base) as usize;
            match self.session.predict(&self.pipeline, &self.buf[lo..], a) {
                Ok(p) => out.push(p),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        self.session.reset();
        self.resampler = self.plan.clone().map(Resampler::shared_stream);
        self.carry.clear();
        self.buf.clear();
        self.base = 0;
        self.taken = 0;
        failed.map_or(Ok(()), Err)
    }

    /// Mixes and resamples whole frames into the buffer, then predicts what is complete.
    fn feed(
        &mut self,
        frames: &[f32],
        out: &mut Vec<Prediction>,
        failed: &mut Option<PipelineError>,
    ) {
        let mono = if self.channels == 1 {
            frames
        } else {
            mix_to_mono_into(frames, self.channels, &mut self.mixed);
            &self.mixed
        };
        match &mut self.resampler {
            Some(r) => r.push(mono, &mut self.buf),
            None => self.buf.extend_from_slice(mono),
        }
        self.emit(out, failed);
    }

    /// Predicts every complete window, then drops the samples before the next window once
    /// they are half the buffer (amortised: the buffer stays within about two windows plus
    /// one block).
    fn emit(&mut self, out: &mut Vec<Prediction>, failed: &mut Option<PipelineError>) {
        let total = self.base + self.buf.len() as u64;
        while let Some(a) = self.session.take_full(total) {
            let lo = (a - self.base) as usize;
            let window = &self.buf[lo..lo + self.session.window];
            match self.session.predict(&self.pipeline, window, a) {
                Ok(p) => out.push(p),
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        let unused = ((self.session.next_start() - self.base) as usize).min(self.buf.len());
        if unused > 0 && unused * 2 >= self.buf.len() {
            self.buf.drain(..unused);
            self.base += unused as u64;
        }
    }
}

impl std::fmt::Debug for StreamRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamRecognizer")
            .field("input_rate", &self.input_rate)
            .field("channels", &self.channels)
            .field("rate", &self.session.rate)
            .field("options", &self.options)
            .field("samples_taken", &self.taken)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    /// Compile-time: a recognizer can move to another thread (e.g. an audio callback's).
    #[test]
    fn recognizer_is_send() {
        assert_send::<StreamRecognizer>();
        assert_send::<Prediction>();
        assert_send::<StreamOptions>();
    }

    #[test]
    fn options_are_checked() {
        let ok = StreamOptions::default();
        assert!(ok.check().is_ok());
        for bad in [
            StreamOptions {
                window_s: 0.0,
                ..ok
            },
            StreamOptions {
                window_s: f64::NAN,
                ..ok
            },
            StreamOptions {
                window_s: MAX_WINDOW_S * 2.0,
                ..ok
            },
            StreamOptions { hop_s: 0.0, ..ok },
            StreamOptions { hop_s: 4.0, ..ok },
            StreamOptions {
                hop_s: f64::INFINITY,
                ..ok
            },
            StreamOptions {
                freeze_after: Some(0),
                ..ok
            },
        ] {
            assert!(
                matches!(bad.check(), Err(PipelineError::InvalidSetting { .. })),
                "{bad:?}"
            );
        }
        let tiny = StreamOptions {
            window_s: 1e-6,
            hop_s: 1e-6,
            ..ok
        };
        assert!(tiny.check().is_ok());
        assert!(matches!(
            Session::new(22_050, &tiny),
            Err(PipelineError::InvalidSetting {
                setting: "window",
                ..
            })
        ));
    }

    /// Windows: full ones every hop, then the tail when it is new and at least half a window.
    #[test]
    fn windows_and_the_partial_tail() {
        let cut = |total: u64, window: f64, hop: f64| {
            let mut s = Session::new(
                10,
                &StreamOptions {
                    window_s: window,
                    hop_s: hop,
                    ..StreamOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let mut starts: Vec<(u64, u64)> = Vec::new();
            while let Some(a) = s.take_full(total) {
                starts.push((a, a + s.window as u64));
            }
            if let Some(a) = s.take_partial(total) {
                starts.push((a, total));
            }
            starts
        };
        // 3-sample windows, 1-sample hop, at 10 Hz (0.3 s, 0.1 s).
        assert_eq!(cut(5, 0.3, 0.1), [(0, 3), (1, 4), (2, 5)]);
        assert_eq!(cut(2, 0.3, 0.1), [(0, 2)]); // shorter than a window, ≥ half
        assert_eq!(cut(1, 0.3, 0.1), []); // less than half
        assert_eq!(cut(0, 0.3, 0.1), []);
        // No overlap: the tail is kept when at least half a window.
        assert_eq!(cut(14, 0.4, 0.4), [(0, 4), (4, 8), (8, 12), (12, 14)]);
        assert_eq!(cut(13, 0.4, 0.4), [(0, 4), (4, 8), (8, 12)]);
        // Hop 2 of window 4: the tail [4, 7) is new (the last full window ended at 6).
        assert_eq!(cut(7, 0.4, 0.2), [(0, 4), (2, 6), (4, 7)]);
    }

    /// A small per-speaker pipeline at 8 kHz (MFCC means, KNN) fitted on made-up rows: its
    /// predictions mean nothing, but every stage of the stream runs.
    fn pipeline() -> FittedPipeline {
        use crate::spec::{ModelChoice, PipelineSpec, Preset};
        use ser_features::FeatureSpec;
        use ser_models::FeatureConfig;
        let x = ndarray::Array2::from_shape_fn((60, 40), |(i, j)| {
            (i % 3) as f32 * (1 + j % 5) as f32 + if i < 30 { 0.0 } else { 25.0 }
                - 20.0 * (j == 0) as u8 as f32
                + ((i * 7 + j) as f32).sin()
        });
        let data = ser_data::Dataset::new(
            x,
            (0..60).map(|i| i % 3).collect(),
            vec!["angry".into(), "neutral".into(), "sad".into()],
            (0..60)
                .map(|i| if i < 30 { "a".into() } else { "b".into() })
                .collect(),
            (0..60).map(|i| format!("{i}.wav").into()).collect(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut spec = PipelineSpec::preset(Preset::Robust);
        spec.features = FeatureConfig::with_loading(
            FeatureSpec::Mfcc40Mean,
            &ser_audio::LoadOptions::default().sample_rate(Some(8_000)),
        );
        spec.model.kind = ModelChoice::Knn;
        spec.self_training.rounds = 0;
        crate::fit(&spec, &data).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `seconds` of stereo at `rate`: tones whose pitch and loudness change every 0.7 s, with
    /// silence from 3.5 to 7.5 s.
    fn stereo(rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)) as usize;
        let mut x = Vec::with_capacity(2 * n);
        for i in 0..n {
            let t = i as f64 / f64::from(rate);
            let part = (t / 0.7) as usize;
            let a = if (3.5..7.5).contains(&t) {
                0.0
            } else {
                0.1 + 0.08 * (part % 4) as f64
            };
            let f = 150.0 + 60.0 * (part % 5) as f64;
            let v = a * (2.0 * std::f64::consts::PI * f * t).sin();
            x.push(v as f32);
            x.push((0.5 * v + a * 0.2 * (t * 3000.0).sin()) as f32);
        }
        x
    }

    fn run(r: &mut StreamRecognizer, x: &[f32], size: usize) -> Vec<Prediction> {
        let mut out = Vec::new();
        for chunk in x.chunks(size) {
            r.push(chunk, &mut out).unwrap_or_else(|e| panic!("{e}"));
        }
        r.finish(&mut out).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    /// Any chunking (frames split between pieces included) gives the offline predictions,
    /// bit for bit, through mixing, resampling, silence and the running normaliser.
    #[test]
    fn chunking_changes_nothing_and_matches_offline() {
        let pipeline = Arc::new(pipeline());
        let rate = 11_025;
        let x = stereo(rate, 12.3);
        let options = StreamOptions {
            warmup_windows: 3,
            ..StreamOptions::default()
        };
        let mut mono = Vec::new();
        mix_to_mono_into(&x, 2, &mut mono);
        let want = predict_stream_offline(&pipeline, &mono, rate, &options)
            .unwrap_or_else(|e| panic!("{e}"));
        // 10 full windows (the 8 kHz stream has 98 400 samples) and the tail [10, 12.3) s.
        assert_eq!(want.len(), 11);
        assert_eq!((want[10].start, want[10].end), (10.0, 12.3));
        assert!(want.iter().any(|p| !p.speech) && want.iter().any(|p| p.speech));
        let sources: Vec<StatsSource> = want.iter().map(|p| p.normalisation).collect();
        assert_eq!(sources[0], StatsSource::TrainingFallback);
        assert_eq!(sources[10], StatsSource::SameSpeaker);
        let mut r = StreamRecognizer::new(Arc::clone(&pipeline), rate, 2, &options)
            .unwrap_or_else(|e| panic!("{e}"));
        for size in [1, 7, 1000, 6 * rate as usize, x.len()] {
            assert_eq!(run(&mut r, &x, size), want, "pieces of {size}");
        }
    }

    #[test]
    fn a_bad_piece_is_refused_and_the_stream_goes_on() {
        let pipeline = pipeline();
        let x = stereo(8_000, 5.0);
        let options = StreamOptions {
            freeze_after: Some(1),
            ..StreamOptions::default()
        };
        let mut r =
            StreamRecognizer::new(pipeline, 8_000, 2, &options).unwrap_or_else(|e| panic!("{e}"));
        let want = run(&mut r, &x, 999);
        let mut out = Vec::new();
        let (a, b) = x.split_at(3333);
        r.push(a, &mut out).unwrap_or_else(|e| panic!("{e}"));
        match r.push(&[0.0, 1.0, f32::NAN], &mut out) {
            Err(PipelineError::Audio(AudioError::NonFinite { index, .. })) => {
                assert_eq!(index, 3335)
            }
            other => panic!("{other:?}"),
        }
        r.push(b, &mut out).unwrap_or_else(|e| panic!("{e}"));
        r.finish(&mut out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, want);
        assert!(
            want.iter()
                .skip(1)
                .all(|p| p.normalisation == StatsSource::SameSpeaker)
        );
    }

    #[test]
    fn bad_rates_and_channels_are_refused() {
        let pipeline = Arc::new(pipeline());
        let new = |rate, channels| {
            StreamRecognizer::new(
                Arc::clone(&pipeline),
                rate,
                channels,
                &StreamOptions::default(),
            )
        };
        for (rate, channels) in [(10, 1), (999, 1), (384_001, 1), (16_000, 0), (16_000, 65)] {
            assert!(
                matches!(
                    new(rate, channels),
                    Err(PipelineError::InvalidSetting { .. })
                ),
                "{rate} Hz, {channels} channels"
            );
        }
        assert!(new(1_000, 1).is_ok() && new(384_000, 64).is_ok());
    }

    #[test]
    fn mixing_matches_an_average() {
        let mut out = Vec::new();
        mix_to_mono_into(&[1.0, 0.0, 0.5, 0.5, f32::MAX, f32::MAX], 2, &mut out);
        assert_eq!(out, [0.5, 0.5, f32::MAX]);
    }
}
