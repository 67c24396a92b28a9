//! Streaming extraction: audio in chunks of any size (one sample to minutes), state kept between
//! chunks, the frames and features of the whole signal out — equal to the offline extractors.
//!
//! * [`FrameStream`] cuts the analysis frames (`n_fft` samples, hop `hop_length`) exactly as
//!   [`Stft`] cuts them from the whole signal: centred frames of the signal zero padded by
//!   `n_fft / 2` samples at both ends (librosa's `center=True, pad_mode="constant"`), frame `t`
//!   covering signal samples `t·hop − n_fft/2 .. t·hop − n_fft/2 + n_fft`, and
//!   [`frame_count`]`(len, n_fft, hop)` frames in all. The start padding is known from the
//!   start; the end padding only at [`FrameStream::finish`], which emits the frames that reach
//!   into it. Frame `t` is emitted as soon as signal sample `t·hop − n_fft/2 + n_fft − 1` has
//!   been pushed.
//! * [`StftStream`]: the power spectrum of each frame, computed by [`Stft`]'s own per-frame
//!   code — bit for bit [`Stft::power_spectrogram`]'s columns.
//! * [`MfccStream`]: the MFCCs of each frame (see *`top_db`* below).
//! * [`LldStream`]: the frame rows ([`Lld`]: MFCCs, log-mel spectrum, energy, F0, spectral
//!   balance) behind the clip [`Functionals`] — bit for bit [`Functionals::llds`]; at the end of
//!   a clip [`Functionals::from_llds`] of all rows is [`Functionals::extract`] of the clip, bit
//!   for bit.
//!
//! Every stream takes [`push`](FrameStream::push) then [`finish`](FrameStream::finish), and
//! writes into buffers the caller owns (appending to a `Vec`, or a callback for raw frames):
//! once those buffers and the stream's own have grown to their working size, nothing is
//! allocated per chunk. A stream's memory depends on its parameters, not on the length of the
//! signal nor of a chunk: [`FrameStream`] keeps at most one frame of samples; [`LldStream`]
//! also the decimated samples of one pitch window plus its longest lag, and the few rows whose
//! F0 is not decided yet. Streams are `Send` (and `Sync`).
//!
//! # Defined behaviour at the edges
//! * A chunk with a NaN, an infinity or a sample beyond
//!   [`MAX_SAMPLE_MAGNITUDE`](crate::signal::MAX_SAMPLE_MAGNITUDE) is refused as a whole
//!   ([`FeatureError::NonFiniteSample`] / [`FeatureError::SampleOutOfRange`], with the index
//!   counted from the start of the stream); nothing of it is used and the stream stays usable.
//!   An empty chunk is fine.
//! * `finish` on a stream that got no samples returns [`FeatureError::EmptyInput`] (as the
//!   offline extractors refuse an empty signal). A signal shorter than one frame gives its
//!   frames at `finish` (zero padded, as offline).
//! * `finish` emits each remaining frame once; a second `finish` emits nothing and returns
//!   `Ok(0)`. `push` after `finish` returns [`FeatureError::StreamFinished`]; `reset` starts a
//!   new signal, keeping the buffers.
//!
//! # `top_db`
//! librosa's `power_to_db(top_db=80)` floors every value at 80 dB below the maximum of the whole
//! spectrogram, which a stream knows only at its end. [`MfccStream::new`] therefore refuses a
//! plan with `top_db` set: build it with `top_db(None)` and the streamed MFCCs are
//! [`Mfcc::process`]'s. [`MfccStream::with_running_top_db`] floors each frame at `top_db` below
//! the largest value of that frame and the frames before it instead (a causal floor): never
//! above the offline floor, equal to it from the frame holding the clip's maximum on, so frames
//! differ from [`Mfcc::process`] only before that frame and only where a log-mel value lies
//! below the clip's floor. [`Lld::mfcc`] uses that causal floor too, while
//! [`Functionals::from_llds`] recomputes the clip's MFCCs from [`Lld::log_mel`] with the clip's
//! floor, so the clip vector is exact.
//!
//! # Pitch alignment
//! [`AutocorrPitch`] frame `j` is centred on sample `j · hop` like
//! STFT frame `j` (its window starts half a window before, clamped at the start of the signal),
//! and both have `1 + len / hop` frames (`n_fft` is even). Its decision needs more than the
//! window: the autocorrelation reads the longest lag beyond it, and a frame is analysed only
//! when the whole (decimated) signal extends one sample further (otherwise it is unvoiced).
//! [`LldStream`] decides frame `j` as soon as that many samples have arrived — at 22050 Hz
//! about 706 samples after the frame's centre, before its STFT frame is complete (1024 after);
//! at 48 kHz about 1530, after it — and emits row `j` when both halves are known. Frames whose
//! pitch window never completes are unvoiced at `finish`, exactly as offline.
//!
//! ```
//! use ser_features::functionals::{Functionals, FunctionalsParams, Lld};
//! use ser_features::stream::LldStream;
//!
//! let sr = 16_000;
//! let x: Vec<f32> = (0..sr)
//!     .map(|i| 0.3 * (std::f32::consts::TAU * 180.0 * i as f32 / sr as f32).sin())
//!     .collect();
//! let plan = Functionals::new(&FunctionalsParams::default().sample_rate(sr as u32))?;
//! let mut stream = LldStream::new(&plan);
//! let mut rows: Vec<Lld> = Vec::new();
//! for chunk in x.chunks(1000) {
//!     stream.push(chunk, &mut rows)?; // rows of the frames complete so far
//! }
//! stream.finish(&mut rows)?;
//! assert_eq!(rows, plan.llds(&x)?);
//! assert_eq!(plan.from_llds(&rows)?, plan.extract(&x)?);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use std::collections::VecDeque;

use crate::db::clamp_top_db;
use crate::error::{FeatureError, Result};
use crate::functionals::{Functionals, Lld};
use crate::mfcc::Mfcc;
use crate::pitch::{AutocorrPitch, decimate};
use crate::signal::check_signal;
use crate::stft::{Stft, StftScratch, frame_count};

/// Checks a chunk: the indices of [`check_signal`]'s errors are moved by `offset` (the samples
/// before the chunk in the stream); an empty chunk passes.
pub(crate) fn check_chunk(chunk: &[f32], offset: usize) -> Result<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    check_signal(chunk).map_err(|e| match e {
        FeatureError::NonFiniteSample { index, value } => FeatureError::NonFiniteSample {
            index: offset + index,
            value,
        },
        FeatureError::SampleOutOfRange {
            index,
            value,
            limit,
        } => FeatureError::SampleOutOfRange {
            index: offset + index,
            value,
            limit,
        },
        other => other,
    })
}

/// Where [`FrameStream::run`] takes samples from: a chunk, or `n` zeros (the end padding).
#[derive(Clone, Copy)]
enum Source<'a> {
    Samples(&'a [f32]),
    Zeros(usize),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match *self {
            Source::Samples(s) => s.len(),
            Source::Zeros(n) => n,
        }
    }
}

/// Cuts a stream of samples into the centred, zero-padded analysis frames of [`Stft`] (see the
/// [module](self) docs): frame `t` is `n_fft` samples of the padded signal, not windowed,
/// exactly the samples [`Stft`] windows and transforms for its frame `t`.
///
/// It keeps at most `n_fft` samples (the unfinished frame); frames are handed to a callback as
/// slices of that buffer, so nothing is allocated after [`FrameStream::new`].
#[derive(Debug, Clone)]
pub struct FrameStream {
    n_fft: usize,
    hop: usize,
    /// Samples of the padded signal from padded index `start` on; at most `n_fft` of them.
    buf: Vec<f32>,
    /// Padded index of `buf[0]` (padded index = signal index + `n_fft / 2`).
    start: usize,
    /// Index of the next frame to emit.
    next: usize,
    /// Signal samples accepted.
    samples: usize,
    finished: bool,
}

impl FrameStream {
    /// A stream of frames of `n_fft ≥ 1` samples every `hop_length ≥ 1` samples.
    pub fn new(n_fft: usize, hop_length: usize) -> Result<Self> {
        if n_fft == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "n_fft",
                reason: "must be at least 1".into(),
            });
        }
        if hop_length == 0 {
            return Err(FeatureError::InvalidParameter {
                name: "hop_length",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self::build(n_fft, hop_length))
    }

    /// The frames of `stft` (its `n_fft` and hop).
    pub fn for_stft(stft: &Stft) -> Self {
        Self::build(stft.n_fft(), stft.hop_length())
    }

    /// A stream for valid sizes; its buffer holds one frame and never grows.
    fn build(n_fft: usize, hop: usize) -> Self {
        let mut stream = Self {
            n_fft,
            hop,
            buf: Vec::with_capacity(n_fft),
            start: 0,
            next: 0,
            samples: 0,
            finished: false,
        };
        stream.reset();
        stream
    }

    /// Frame length.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop between frames, in samples.
    pub fn hop_length(&self) -> usize {
        self.hop
    }

    /// Samples accepted since the start (or the last [`FrameStream::reset`]).
    pub fn samples_pushed(&self) -> usize {
        self.samples
    }

    /// Frames emitted so far; the next frame's index.
    pub fn frames_emitted(&self) -> usize {
        self.next
    }

    /// Whether [`FrameStream::finish`] was called (since the last reset).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Feeds the next chunk (any length, empty included) and calls `on_frame(t, frame)` for
    /// each frame `t` it completes, in order (`frame`: `n_fft` samples of the padded signal).
    /// Returns the number of frames emitted.
    ///
    /// # Errors
    /// [`FeatureError::StreamFinished`] after [`FrameStream::finish`];
    /// [`FeatureError::NonFiniteSample`] / [`FeatureError::SampleOutOfRange`] (index counted
    /// from the start of the stream) for a bad sample — the chunk is then ignored as a whole.
    pub fn push<F: FnMut(usize, &[f32])>(
        &mut self,
        chunk: &[f32],
        mut on_frame: F,
    ) -> Result<usize> {
        if self.finished {
            return Err(FeatureError::StreamFinished);
        }
        check_chunk(chunk, self.samples)?;
        Ok(self.push_checked(chunk, &mut on_frame))
    }

    /// [`FrameStream::push`] of a chunk already checked, on a stream not finished.
    fn push_checked<F: FnMut(usize, &[f32])>(&mut self, chunk: &[f32], on_frame: &mut F) -> usize {
        self.samples += chunk.len();
        self.run(Source::Samples(chunk), on_frame)
    }

    /// Ends the signal: appends the end padding and emits the frames that reach into it (for a
    /// signal shorter than one frame, all of them). Returns the number of frames emitted; in
    /// all, [`frame_count`]`(samples, n_fft, hop)` frames have then been emitted.
    ///
    /// # Errors
    /// [`FeatureError::EmptyInput`] when no sample was pushed (the stream is finished all the
    /// same). A second call emits nothing and returns `Ok(0)`.
    pub fn finish<F: FnMut(usize, &[f32])>(&mut self, mut on_frame: F) -> Result<usize> {
        if self.finished {
            return Ok(0);
        }
        self.finished = true;
        if self.samples == 0 {
            self.buf.clear();
            return Err(FeatureError::EmptyInput);
        }
        let emitted = self.run(Source::Zeros(self.n_fft / 2), &mut on_frame);
        debug_assert_eq!(self.next, frame_count(self.samples, self.n_fft, self.hop));
        self.buf.clear();
        Ok(emitted)
    }

    /// Starts a new signal (keeps the buffer).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.buf.resize(self.n_fft / 2, 0.0); // the start padding
        self.start = 0;
        self.next = 0;
        self.samples = 0;
        self.finished = false;
    }

    /// Capacity of the sample buffer (at most `n_fft`; for the memory tests).
    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Appends `src` to the padded signal and emits every frame it completes.
    fn run<F: FnMut(usize, &[f32])>(&mut self, src: Source<'_>, on_frame: &mut F) -> usize {
        let total = src.len();
        let (mut pos, mut emitted) = (0, 0);
        while pos < total {
            let frame_start = self.next * self.hop;
            let end = self.start + self.buf.len();
            if end < frame_start {
                // Between two frames (hop > n_fft): samples no frame reads.
                debug_assert!(self.buf.is_empty());
                let n = (frame_start - end).min(total - pos);
                self.start += n;
                pos += n;
                continue;
            }
            // The next frame is not complete (else it would have been emitted): n ≥ 1.
            let n = (frame_start + self.n_fft - end).min(total - pos);
            match src {
                Source::Samples(s) => self.buf.extend_from_slice(&s[pos..pos + n]),
                Source::Zeros(_) => self.buf.resize(self.buf.len() + n, 0.0),
            }
            pos += n;
            if self.start + self.buf.len() == frame_start + self.n_fft {
                on_frame(self.next, &self.buf[frame_start - self.start..]);
                emitted += 1;
                self.next += 1;
                let drop = (self.next * self.hop - self.start).min(self.buf.len());
                self.buf.drain(..drop);
                self.start += drop;
            }
        }
        emitted
    }
}

/// Power spectra `|STFT|²` of a stream, frame by frame: each frame's `1 + n_fft / 2` values are
/// those of the same column of [`Stft::power_spectrogram`] of the whole signal, bit for bit
/// (the same per-frame code on the same samples).
#[derive(Debug, Clone)]
pub struct StftStream {
    stft: Stft,
    frames: FrameStream,
    scratch: StftScratch,
}

impl StftStream {
    /// A stream with (a copy of) the plan `stft`.
    pub fn new(stft: &Stft) -> Self {
        Self {
            stft: stft.clone(),
            frames: FrameStream::for_stft(stft),
            scratch: stft.make_scratch(),
        }
    }

    /// The STFT plan.
    pub fn stft(&self) -> &Stft {
        &self.stft
    }

    /// Values per frame, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        self.stft.n_bins()
    }

    /// Samples accepted so far.
    pub fn samples_pushed(&self) -> usize {
        self.frames.samples_pushed()
    }

    /// Frames emitted so far.
    pub fn frames_emitted(&self) -> usize {
        self.frames.frames_emitted()
    }

    /// Whether [`StftStream::finish`] was called.
    pub fn is_finished(&self) -> bool {
        self.frames.is_finished()
    }

    /// Feeds the next chunk and appends the power spectrum of each frame it completes to `out`
    /// ([`StftStream::n_bins`] values per frame, frame after frame). Returns the number of
    /// frames appended. Errors: as [`FrameStream::push`] (`out` is then untouched).
    pub fn push(&mut self, chunk: &[f32], out: &mut Vec<f32>) -> Result<usize> {
        if self.frames.is_finished() {
            return Err(FeatureError::StreamFinished);
        }
        check_chunk(chunk, self.frames.samples_pushed())?;
        let Self {
            stft,
            frames,
            scratch,
        } = self;
        let mut failed = Ok(());
        let n = frames.push_checked(chunk, &mut |_, frame: &[f32]| {
            append_power(stft, scratch, frame, out, &mut failed)
        });
        failed.map(|()| n)
    }

    /// Ends the signal and appends the power spectra of the remaining frames. Errors and a
    /// second call: as [`FrameStream::finish`].
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<usize> {
        let Self {
            stft,
            frames,
            scratch,
        } = self;
        let mut failed = Ok(());
        let n = frames.finish(|_, frame| append_power(stft, scratch, frame, out, &mut failed))?;
        failed.map(|()| n)
    }

    /// Starts a new signal (keeps the buffers).
    pub fn reset(&mut self) {
        self.frames.reset();
    }
}

/// Appends the power spectrum of a cut frame to `out`; keeps the first error in `failed`.
fn append_power(
    stft: &Stft,
    scratch: &mut StftScratch,
    frame: &[f32],
    out: &mut Vec<f32>,
    failed: &mut Result<()>,
) {
    let at = out.len();
    out.resize(at + stft.n_bins(), 0.0);
    if let Err(e) = stft.cut_frame_power(frame, scratch, &mut out[at..])
        && failed.is_ok()
    {
        *failed = Err(e);
    }
}

/// MFCCs of a stream, frame by frame (`n_mfcc` values per frame, as a column of
/// [`Mfcc::process`]).
///
/// Each frame's power spectrum is [`Stft`]'s, bit for bit, and its log-mel spectrum is the one
/// [`Mfcc::process_spectrogram`] computes per frame (the sparse filterbank), bit for bit. The
/// mel projection and the DCT are then sums over the frame, which the offline paths take as
/// matrix products over all frames (summed in another order, and allocating): the streamed
/// MFCCs equal [`Mfcc::process`]'s within a few `f32` roundings of those sums (the tests bound
/// the difference by `1e-5 · (1 + max |MFCC| of the clip)`).
///
/// See the [module](self) docs for `top_db`: [`MfccStream::new`] needs a plan without it,
/// [`MfccStream::with_running_top_db`] floors at the running maximum.
#[derive(Debug, Clone)]
pub struct MfccStream {
    mfcc: Mfcc,
    frames: FrameStream,
    scratch: StftScratch,
    power: Vec<f32>,
    log_mel: Vec<f32>,
    /// The floor's range below the running maximum (`None`: no floor).
    top_db: Option<f32>,
    /// Largest log-mel value so far.
    running_max: f32,
}

impl MfccStream {
    /// A stream with (a copy of) the plan `mfcc`, whose `top_db` must be `None`: the streamed
    /// MFCCs are then [`Mfcc::process`]'s (within the rounding stated above).
    ///
    /// # Errors
    /// [`FeatureError::InvalidParameter`] (`top_db`) for a plan with `top_db` set: a stream
    /// cannot know the whole signal's maximum; use [`MfccStream::with_running_top_db`] to floor
    /// at the running maximum instead.
    pub fn new(mfcc: &Mfcc) -> Result<Self> {
        if let Some(top_db) = mfcc.params().top_db {
            return Err(FeatureError::InvalidParameter {
                name: "top_db",
                reason: format!(
                    "{top_db} dB below the whole signal's maximum is unknown to a stream: build \
                     the plan with top_db None, or use MfccStream::with_running_top_db"
                ),
            });
        }
        Ok(Self::with_running_top_db(mfcc))
    }

    /// A stream with (a copy of) the plan `mfcc` that floors each frame's log-mel spectrum at
    /// the plan's `top_db` below the largest value of that frame and those before it (the same
    /// as [`MfccStream::new`] when `top_db` is `None`). The floor is never above the offline
    /// one and equals it from the frame holding the signal's maximum on.
    pub fn with_running_top_db(mfcc: &Mfcc) -> Self {
        let stft = mfcc.stft();
        Self {
            mfcc: mfcc.clone(),
            frames: FrameStream::for_stft(stft),
            scratch: stft.make_scratch(),
            power: vec![0.0; stft.n_bins()],
            log_mel: vec![0.0; mfcc.params().n_mels],
            top_db: mfcc.params().top_db,
            running_max: f32::NEG_INFINITY,
        }
    }

    /// The MFCC plan.
    pub fn mfcc(&self) -> &Mfcc {
        &self.mfcc
    }

    /// Values per frame, `n_mfcc`.
    pub fn n_mfcc(&self) -> usize {
        self.mfcc.params().n_mfcc
    }

    /// Samples accepted so far.
    pub fn samples_pushed(&self) -> usize {
        self.frames.samples_pushed()
    }

    /// Frames emitted so far.
    pub fn frames_emitted(&self) -> usize {
        self.frames.frames_emitted()
    }

    /// Whether [`MfccStream::finish`] was called.
    pub fn is_finished(&self) -> bool {
        self.frames.is_finished()
    }

    /// Feeds the next chunk and appends the MFCCs of each frame it completes to `out`
    /// ([`MfccStream::n_mfcc`] values per frame, frame after frame). Returns the number of
    /// frames appended. Errors: as [`FrameStream::push`] (`out` is then untouched).
    pub fn push(&mut self, chunk: &[f32], out: &mut Vec<f32>) -> Result<usize> {
        if self.frames.is_finished() {
            return Err(FeatureError::StreamFinished);
        }
        check_chunk(chunk, self.frames.samples_pushed())?;
        let (frames, mut state) = self.split();
        let mut failed = Ok(());
        let n = frames.push_checked(chunk, &mut |_, frame: &[f32]| {
            state.append(frame, out, &mut failed)
        });
        failed.map(|()| n)
    }

    /// Ends the signal and appends the MFCCs of the remaining frames. Errors and a second
    /// call: as [`FrameStream::finish`].
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<usize> {
        let (frames, mut state) = self.split();
        let mut failed = Ok(());
        let n = frames.finish(|_, frame| state.append(frame, out, &mut failed))?;
        failed.map(|()| n)
    }

    /// Starts a new signal (keeps the buffers; the running maximum starts again).
    pub fn reset(&mut self) {
        self.frames.reset();
        self.running_max = f32::NEG_INFINITY;
    }

    /// The frame cutter, and the per-frame state borrowed apart from it.
    fn split(&mut self) -> (&mut FrameStream, MfccFrame<'_>) {
        let Self {
            mfcc,
            frames,
            scratch,
            power,
            log_mel,
            top_db,
            running_max,
        } = self;
        (
            frames,
            MfccFrame {
                mfcc,
                scratch,
                power,
                log_mel,
                top_db: *top_db,
                running_max,
            },
        )
    }
}

/// What [`MfccStream`] needs per frame, borrowed apart from its [`FrameStream`].
struct MfccFrame<'a> {
    mfcc: &'a Mfcc,
    scratch: &'a mut StftScratch,
    power: &'a mut [f32],
    log_mel: &'a mut [f32],
    top_db: Option<f32>,
    running_max: &'a mut f32,
}

impl MfccFrame<'_> {
    /// Appends the MFCCs of a cut frame to `out`; keeps the first error in `failed`.
    fn append(&mut self, frame: &[f32], out: &mut Vec<f32>, failed: &mut Result<()>) {
        if let Err(e) = self
            .mfcc
            .stft()
            .cut_frame_power(frame, self.scratch, self.power)
        {
            if failed.is_ok() {
                *failed = Err(e);
            }
            return;
        }
        let frame_max = self.mfcc.log_mel_frame(self.power, self.log_mel);
        *self.running_max = self.running_max.max(frame_max);
        clamp_top_db(self.log_mel, *self.running_max, self.top_db);
        let at = out.len();
        out.resize(at + self.mfcc.params().n_mfcc, 0.0);
        self.mfcc.dct_frame(self.log_mel, &mut out[at..]);
    }
}

/// The frame rows ([`Lld`]) of the clip [`Functionals`] for a stream: row `j` is
/// [`Functionals::llds`]'s row `j` of the whole signal, bit for bit, and
/// [`Functionals::from_llds`] of all rows of a clip is [`Functionals::extract`] of it.
///
/// Row `j` is emitted when both its STFT frame (1024 samples after its centre) and its pitch
/// frame (see *Pitch alignment* in the [module](self) docs) are complete. The chunk is worked
/// through a hop at a time, so the rows waiting for their F0 (or F0s waiting for their row) stay
/// a handful whatever the chunk size.
#[derive(Debug, Clone)]
pub struct LldStream {
    plan: Functionals,
    frames: FrameStream,
    scratch: StftScratch,
    power: Vec<f32>,
    /// Largest log-mel value so far (the causal floor of [`Lld::mfcc`]).
    running_max: f32,
    /// Rows whose F0 is not decided yet, in order.
    rows: VecDeque<Lld>,
    pitch: PitchState,
    /// The first error of the per-frame work (a bug if it ever happens).
    failed: Option<FeatureError>,
}

/// The streaming side of [`AutocorrPitch`]: the decimated signal from the window of the next
/// undecided frame on.
#[derive(Debug, Clone)]
struct PitchState {
    /// Decimated samples from index `start` on.
    decimated: Vec<f32>,
    start: usize,
    /// A lone input sample waiting for its pair.
    odd: Option<f32>,
    /// Next frame to decide.
    next: usize,
    /// The autocorrelation buffer.
    acf: Vec<f32>,
    /// F0s decided whose rows are not complete yet, in order.
    f0: VecDeque<Option<f32>>,
}

impl PitchState {
    fn new(pitch: &AutocorrPitch) -> Self {
        Self {
            decimated: Vec::new(),
            start: 0,
            odd: None,
            next: 0,
            acf: vec![0.0; pitch.acf_len()],
            f0: VecDeque::new(),
        }
    }

    fn reset(&mut self) {
        self.decimated.clear();
        self.start = 0;
        self.odd = None;
        self.next = 0;
        self.f0.clear();
    }

    /// Decimates `block` (pairs of the whole signal's samples) and decides every frame whose
    /// analysis is now possible.
    fn feed(&mut self, pitch: &AutocorrPitch, block: &[f32]) {
        for &x in block {
            match self.odd.take() {
                Some(a) => self.decimated.push(decimate(&[a, x])),
                None => self.odd = Some(x),
            }
        }
        // The whole signal's decimated length is at least this (a lone sample makes one too).
        let known = self.start + self.decimated.len() + usize::from(self.odd.is_some());
        while known >= pitch.decimated_needed(self.next) {
            let from = pitch.window_start(self.next) - self.start;
            let f0 = pitch.frame_f0(&self.decimated, from, &mut self.acf);
            self.f0.push_back(f0);
            self.next += 1;
            let drop = (pitch.window_start(self.next) - self.start).min(self.decimated.len());
            self.decimated.drain(..drop);
            self.start += drop;
        }
    }

    /// At the end of the signal: the frames up to `frames` not decided are unvoiced (their
    /// window plus the longest lag reaches beyond the signal).
    fn finish(&mut self, frames: usize) {
        while self.next < frames {
            self.f0.push_back(None);
            self.next += 1;
        }
        self.decimated.clear();
        self.odd = None;
    }
}

impl LldStream {
    /// A stream with (a copy of) the plans `functionals`.
    pub fn new(functionals: &Functionals) -> Self {
        let stft = functionals.mfcc_plan().stft();
        Self {
            plan: functionals.clone(),
            frames: FrameStream::for_stft(stft),
            scratch: stft.make_scratch(),
            power: vec![0.0; stft.n_bins()],
            running_max: f32::NEG_INFINITY,
            rows: VecDeque::new(),
            pitch: PitchState::new(functionals.pitch_plan()),
            failed: None,
        }
    }

    /// The plans.
    pub fn functionals(&self) -> &Functionals {
        &self.plan
    }

    /// Samples accepted so far.
    pub fn samples_pushed(&self) -> usize {
        self.frames.samples_pushed()
    }

    /// Rows emitted so far.
    pub fn rows_emitted(&self) -> usize {
        self.frames.frames_emitted() - self.rows.len()
    }

    /// Whether [`LldStream::finish`] was called.
    pub fn is_finished(&self) -> bool {
        self.frames.is_finished()
    }

    /// Feeds the next chunk and appends the rows it completes to `out`, in frame order.
    /// Returns the number of rows appended. Errors: as [`FrameStream::push`] (`out` is then
    /// untouched).
    pub fn push(&mut self, chunk: &[f32], out: &mut Vec<Lld>) -> Result<usize> {
        if self.frames.is_finished() {
            return Err(FeatureError::StreamFinished);
        }
        check_chunk(chunk, self.frames.samples_pushed())?;
        let hop = self.frames.hop_length();
        let mut n = 0;
        for block in chunk.chunks(hop) {
            let Self {
                plan,
                frames,
                scratch,
                power,
                running_max,
                rows,
                pitch,
                failed,
            } = self;
            frames.push_checked(block, &mut |_, frame: &[f32]| {
                add_row(plan, scratch, power, running_max, rows, failed, frame)
            });
            pitch.feed(plan.pitch_plan(), block);
            n += self.pair(out);
        }
        self.check_failed().map(|()| n)
    }

    /// Ends the signal and appends the remaining rows. Errors and a second call: as
    /// [`FrameStream::finish`].
    pub fn finish(&mut self, out: &mut Vec<Lld>) -> Result<usize> {
        let Self {
            plan,
            frames,
            scratch,
            power,
            running_max,
            rows,
            pitch,
            failed,
        } = self;
        frames
            .finish(|_, frame| add_row(plan, scratch, power, running_max, rows, failed, frame))?;
        pitch.finish(frames.frames_emitted());
        let n = self.pair(out);
        debug_assert!(self.rows.is_empty() && self.pitch.f0.is_empty());
        self.check_failed().map(|()| n)
    }

    /// Starts a new signal (keeps the buffers).
    pub fn reset(&mut self) {
        self.frames.reset();
        self.running_max = f32::NEG_INFINITY;
        self.rows.clear();
        self.pitch.reset();
        self.failed = None;
    }

    /// Moves the rows whose F0 is decided to `out`; returns how many.
    fn pair(&mut self, out: &mut Vec<Lld>) -> usize {
        let n = self.rows.len().min(self.pitch.f0.len());
        for (mut row, f0) in self.rows.drain(..n).zip(self.pitch.f0.drain(..n)) {
            row.f0_hz = f0;
            out.push(row);
        }
        n
    }

    /// The first per-frame error, if any.
    fn check_failed(&mut self) -> Result<()> {
        match self.failed.take() {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Capacities of the stream's buffers, in values (for the memory tests).
    #[cfg(test)]
    pub(crate) fn buffer_capacities(&self) -> [usize; 4] {
        [
            self.frames.buffer_capacity(),
            self.pitch.decimated.capacity(),
            self.rows.capacity(),
            self.pitch.f0.capacity(),
        ]
    }
}

/// Computes the row of a cut frame (all but its F0) and queues it.
fn add_row(
    plan: &Functionals,
    scratch: &mut StftScratch,
    power: &mut [f32],
    running_max: &mut f32,
    rows: &mut VecDeque<Lld>,
    failed: &mut Option<FeatureError>,
    frame: &[f32],
) {
    if let Err(e) = plan
        .mfcc_plan()
        .stft()
        .cut_frame_power(frame, scratch, power)
    {
        failed.get_or_insert(e);
        return;
    }
    let mut row = Lld::default();
    plan.lld_of(power, running_max, &mut row);
    rows.push_back(row);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::functionals::FunctionalsParams;

    /// A tiny seeded LCG: uniform values in `[-0.5, 0.5)`.
    fn noise(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    /// Chunk sizes from one sample to several seconds, cycling.
    fn chunk_sizes(seed: u64) -> impl Iterator<Item = usize> {
        let mut s = seed;
        std::iter::repeat_with(move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            match (s >> 33) % 4 {
                0 => 1 + (s >> 40) as usize % 4,
                1 => 1 + (s >> 40) as usize % 700,
                2 => 1 + (s >> 40) as usize % 5000,
                _ => 1 + (s >> 40) as usize % 100_000,
            }
        })
    }

    #[test]
    fn memory_stays_bounded_over_minutes_of_audio() {
        let rate = 16_000u32;
        let plan = Functionals::new(&FunctionalsParams::default().sample_rate(rate)).unwrap();
        let mut stream = LldStream::new(&plan);
        let mut frames = FrameStream::new(2048, 512).unwrap();
        let mut rows = Vec::new();
        // One second of tone and noise, pushed 150 times (2.5 min) in chunks of 1 to 100 000.
        let tone: Vec<f32> = noise(7, rate as usize)
            .iter()
            .enumerate()
            .map(|(i, n)| {
                0.1 * n + 0.3 * (std::f32::consts::TAU * 160.0 * i as f32 / rate as f32).sin()
            })
            .collect();
        let mut sizes = chunk_sizes(3);
        let mut after_warm_up = None;
        let mut total_rows = 0;
        for second in 0..150 {
            let mut rest = &tone[..];
            while !rest.is_empty() {
                let n = sizes.next().unwrap().min(rest.len());
                rows.clear();
                total_rows += stream.push(&rest[..n], &mut rows).unwrap();
                frames
                    .push(&rest[..n], |_, f| assert_eq!(f.len(), 2048))
                    .unwrap();
                rest = &rest[n..];
            }
            let caps = stream.buffer_capacities();
            assert!(caps[0] <= 2048, "{caps:?}");
            assert!(frames.buffer_capacity() <= 2048);
            if second == 10 {
                after_warm_up = Some(caps);
            }
            if let Some(warm) = after_warm_up {
                // No growth after the first seconds.
                assert_eq!(caps, warm, "second {second}");
            }
            // The pitch window (35 ms), the longest lag and a hop's worth, decimated; a few
            // queued rows and F0s.
            assert!(caps[1] <= 2048, "{caps:?}");
            assert!(caps[2] <= 8 && caps[3] <= 8, "{caps:?}");
        }
        rows.clear();
        total_rows += stream.finish(&mut rows).unwrap();
        assert_eq!(total_rows, 1 + 150 * rate as usize / 512);
    }

    #[test]
    fn streams_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FrameStream>();
        assert_send_sync::<StftStream>();
        assert_send_sync::<MfccStream>();
        assert_send_sync::<LldStream>();
        assert_send_sync::<Lld>();
    }

    #[test]
    fn pitch_frames_are_decided_as_offline_at_every_rate() {
        // Exactly the offline track, including the unvoiced tail, for odd and even lengths.
        for rate in [8_000u32, 16_000, 22_050, 48_000] {
            let plan = Functionals::new(&FunctionalsParams::default().sample_rate(rate)).unwrap();
            for len in [1usize, 2, 1001, 1024, 5_000, 5_001, 20_000] {
                let x: Vec<f32> = noise(len as u64, len)
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        0.05 * n
                            + 0.4 * (std::f32::consts::TAU * 210.0 * i as f32 / rate as f32).sin()
                    })
                    .collect();
                let want = plan.pitch_plan().process(&x).unwrap();
                let mut state = PitchState::new(plan.pitch_plan());
                for c in x.chunks(333) {
                    state.feed(plan.pitch_plan(), c);
                }
                state.finish(want.len());
                let got: Vec<Option<f32>> = state.f0.iter().copied().collect();
                assert_eq!(got, want, "rate {rate} len {len}");
            }
        }
    }
}
