//! `librosa.load` semantics: decode, cut, mix to mono, resample.

use std::fs::{self, File};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::chunk::Source;
use crate::codec;
use crate::decode::decode;
use crate::error::{AudioError, Fault};
use crate::info::{AudioInfo, Container, Layout};
use crate::resample::{
    BLOCK, ResampleStream, Resampler, cached_plan, check_rate, check_ratio, output_frames,
};
use crate::sniff::locate;
use crate::{aiff, wav};

/// How to load a file; the defaults are `librosa.load`'s.
///
/// Setters consume and return the options, so they chain:
/// `LoadOptions::native().offset(1.0).duration(Some(2.0))`.
///
/// **Memory budget.** A load returns at most [`LoadOptions::MAX_SAMPLES`]
/// samples (30 minutes of mono audio at 22050 Hz, 159 MB of `f32`); a longer
/// result is refused with [`AudioError::TooLong`], naming the file, before
/// anything is decoded or allocated. The count comes from the header's frame
/// count, the cut and the resampling ratio, so only the part `offset` and
/// `duration` select counts: a 3 s window of a 2-hour file loads, while a
/// whole 4 MB file at 87 Hz (1 G samples at 22050 Hz) is refused. Decoding,
/// mixing and resampling run block by block, so besides the result a load
/// holds only a fixed scratch (about 1 MB, plus the cached filter table).
/// For audio of any length, load windows, or feed a
/// [`ResampleStream`](crate::ResampleStream) piece by piece.
///
/// Compressed files (FLAC, MP3, Ogg Vorbis, MP4/M4A, CAF, ADTS) are decoded
/// packet by packet into the same block-wise stage. Their length is known
/// from the header when it states one (FLAC STREAMINFO, the MP4 and CAF packet
/// tables, Ogg granule positions, an MP3 Xing/LAME header; estimated from the
/// bit rate for other MP3s): a result that would exceed the limit is refused
/// from it before decoding, and again after every packet, as soon as the
/// frames decoded so far would, so no header, honest or not, makes a load
/// hold more. An `offset` is reached by decoding from the start (exact to the
/// sample; the time grows with the offset).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Target sample rate in Hz; `None` keeps the file's own rate.
    pub sample_rate: Option<u32>,
    /// Average the channels into one (librosa's `mono=True`).
    pub mono: bool,
    /// Seconds to skip at the start (`≥ 0`).
    pub offset: f64,
    /// Seconds to read after the offset; `None` reads to the end.
    pub duration: Option<f64>,
}

impl Default for LoadOptions {
    /// librosa's defaults: 22050 Hz, mono, from the start, whole file.
    fn default() -> Self {
        Self {
            sample_rate: Some(22_050),
            mono: true,
            offset: 0.0,
            duration: None,
        }
    }
}

impl LoadOptions {
    /// The most samples (all channels together) one load may return: 30
    /// minutes of mono audio at 22050 Hz, 39 690 000 samples (159 MB of `f32`).
    ///
    /// Counted before anything is decoded: the frames `offset`/`duration`
    /// select, times `sample_rate / file rate` when resampling (rounded up as
    /// the resampler rounds), times the channels kept. Without resampling that
    /// is also the number of samples decoded; with resampling the decoded
    /// samples stream through the filter in blocks and are never held whole.
    /// More gives [`AudioError::TooLong`].
    pub const MAX_SAMPLES: usize = 30 * 60 * 22_050;

    /// The study's loading: 22050 Hz, mono, offset 0.5 s, duration 3 s.
    pub fn study() -> Self {
        Self {
            sample_rate: Some(22_050),
            mono: true,
            offset: 0.5,
            duration: Some(3.0),
        }
    }

    /// The file's own rate, mono, whole file (`librosa.load(sr=None)`).
    pub fn native() -> Self {
        Self {
            sample_rate: None,
            ..Self::default()
        }
    }

    /// Sets the target rate (`None` = native).
    pub fn sample_rate(mut self, sample_rate: Option<u32>) -> Self {
        self.sample_rate = sample_rate;
        self
    }

    /// Sets whether channels are averaged into one.
    pub fn mono(mut self, mono: bool) -> Self {
        self.mono = mono;
        self
    }

    /// Sets the seconds skipped at the start.
    pub fn offset(mut self, offset: f64) -> Self {
        self.offset = offset;
        self
    }

    /// Sets the seconds read (`None` = to the end).
    pub fn duration(mut self, duration: Option<f64>) -> Self {
        self.duration = duration;
        self
    }

    pub(crate) fn check(&self, path: &Path) -> Result<(), AudioError> {
        let invalid = |reason: String| AudioError::InvalidOptions {
            path: path.to_path_buf(),
            reason,
        };
        if !self.offset.is_finite() || self.offset < 0.0 {
            return Err(invalid(format!(
                "offset must be a finite number of seconds ≥ 0, got {}",
                self.offset
            )));
        }
        if let Some(d) = self.duration
            && !(d.is_finite() && d > 0.0)
        {
            return Err(invalid(format!(
                "duration must be a finite number of seconds > 0, got {d}"
            )));
        }
        if let Some(rate) = self.sample_rate {
            check_rate(rate).map_err(|f| f.at(path))?;
        }
        Ok(())
    }
}

/// Decoded audio: `f32` samples, interleaved when `channels > 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples, frame by frame (`[l0, r0, l1, r1, …]` for stereo).
    pub samples: Vec<f32>,
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels per frame (1 after a mono load).
    pub channels: u16,
}

impl Audio {
    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// Length in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }
}

/// Loads an audio file as `librosa.load(path, sr, mono, offset, duration)` does.
///
/// Steps, in librosa's order: detect the container from the bytes (never the
/// extension) and decode (compressed codecs with the encoder delay and padding
/// trimmed, as ffmpeg and libsndfile trim them); cut at the native rate from frame
/// `floor(offset · rate)`, keeping `floor(duration · rate)` frames (or fewer if
/// the file ends first: a short clip gives what there is); average the
/// channels if `mono`; resample each channel to `sample_rate` if it differs.
///
/// The frames are read, decoded, mixed and resampled in blocks, so the memory
/// used is the result plus a fixed scratch (about a megabyte). A result longer
/// than [`LoadOptions::MAX_SAMPLES`] is refused with [`AudioError::TooLong`]
/// before anything is decoded or allocated.
///
/// An offset at or past the end of the file (or a duration shorter than one
/// frame) gives [`AudioError::NoSamples`], where librosa returns an empty array;
/// so does a file with no frames at all.
pub fn load(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Audio, AudioError> {
    let path = path.as_ref();
    opts.check(path)?;
    let file = open_file(path)?;
    let len = file
        .metadata()
        .map_err(|source| io_error(path, source))?
        .len();
    let mut reader = BufReader::with_capacity(8192, file);
    let (container, start) = locate(&mut Source::new(&mut reader, len)).map_err(|f| f.at(path))?;
    if !container.is_pcm() {
        let mut file = reader.into_inner();
        return codec::load(&mut file, len, container, start, opts).map_err(|f| match f {
            Fault::Io(e) => io_error(path, e),
            f => f.at(path),
        });
    }
    let layout = parse(&mut reader, len, container, start).map_err(|f| f.at(path))?;
    let job = Job::new(&layout, opts).map_err(|f| f.at(path))?;
    // Only the frames asked for are read; they lie in the file (`layout.frames`
    // counts only whole frames present).
    reader
        .seek(SeekFrom::Start(job.byte_offset(&layout)))
        .map_err(|e| io_error(path, e))?;
    job.run(&mut reader, &layout).map_err(|f| match f {
        Fault::Io(e) => io_error(path, e),
        f => f.at(path),
    })
}

/// [`load`] from bytes in memory; `name` is used only in errors (and for nothing else).
pub fn load_bytes(bytes: &[u8], name: &Path, opts: &LoadOptions) -> Result<Audio, AudioError> {
    opts.check(name)?;
    let mut cursor = Cursor::new(bytes);
    let len = bytes.len() as u64;
    let (container, start) = locate(&mut Source::new(&mut cursor, len)).map_err(|f| f.at(name))?;
    if !container.is_pcm() {
        return codec::load(&mut cursor, len, container, start, opts).map_err(|f| f.at(name));
    }
    let layout = parse(&mut cursor, len, container, start).map_err(|f| f.at(name))?;
    let job = Job::new(&layout, opts).map_err(|f| f.at(name))?;
    let lo = usize::try_from(job.byte_offset(&layout)).unwrap_or(usize::MAX);
    let mut data = bytes.get(lo..).unwrap_or_default();
    job.run(&mut data, &layout).map_err(|f| f.at(name))
}

/// Reads a file's headers only: container, sample format, rate, channels, frames.
pub fn probe(path: impl AsRef<Path>) -> Result<AudioInfo, AudioError> {
    let path = path.as_ref();
    let file = open_file(path)?;
    let len = file
        .metadata()
        .map_err(|source| io_error(path, source))?
        .len();
    let mut reader = BufReader::with_capacity(4096, file);
    let (container, start) = locate(&mut Source::new(&mut reader, len)).map_err(|f| f.at(path))?;
    if !container.is_pcm() {
        let mut file = reader.into_inner();
        return codec::probe(&mut file, len, container, start, path).map_err(|f| match f {
            Fault::Io(e) => io_error(path, e),
            f => f.at(path),
        });
    }
    let layout = parse(&mut reader, len, container, start).map_err(|f| f.at(path))?;
    Ok(layout.info(path))
}

/// [`probe`] on bytes in memory; `name` is used for the extension check and in errors.
pub fn probe_bytes(bytes: &[u8], name: &Path) -> Result<AudioInfo, AudioError> {
    let mut cursor = Cursor::new(bytes);
    let len = bytes.len() as u64;
    let (container, start) = locate(&mut Source::new(&mut cursor, len)).map_err(|f| f.at(name))?;
    if !container.is_pcm() {
        return codec::probe(&mut cursor, len, container, start, name).map_err(|f| f.at(name));
    }
    let layout = parse(&mut cursor, len, container, start).map_err(|f| f.at(name))?;
    Ok(layout.info(name))
}

/// Parses the headers of a WAV or AIFF(-C) file (found by [`locate`] at `start`).
pub(crate) fn parse<R: Read + Seek>(
    reader: &mut R,
    len: u64,
    container: Container,
    start: u64,
) -> Result<Layout, Fault> {
    if start != 0 {
        return Err(Fault::Unsupported(format!(
            "an ID3v2 tag in front of {container} data"
        )));
    }
    let mut src = Source::new(reader, len);
    match container {
        Container::Wav => wav::parse(&mut src),
        c => aiff::parse(&mut src, c),
    }
}

/// The first frame and the frame after the last that the options ask for at
/// `rate`, cut as librosa cuts them (the end may lie past the end of the file).
pub(crate) fn window(rate: u32, opts: &LoadOptions) -> (u64, u64) {
    let rate = f64::from(rate);
    // librosa: seek(int(offset * sr)), read(int(duration * sr)).
    let start = (opts.offset * rate).floor() as u64;
    let wanted = opts
        .duration
        .map_or(u64::MAX, |d| (d * rate).floor() as u64);
    (start, start.saturating_add(wanted))
}

/// The frames `[start, end)` the options ask for, cut as librosa cuts them.
pub(crate) fn frame_range(layout: &Layout, opts: &LoadOptions) -> Result<(u64, u64), Fault> {
    let (start, end) = window(layout.sample_rate, opts);
    let end = end.min(layout.frames);
    if start >= end {
        return Err(Fault::NoSamples {
            total_frames: layout.frames,
            start_frame: start,
        });
    }
    Ok((start, end))
}

/// Frames read and decoded at a time: about [`BLOCK`] samples in, and about as
/// many out when upsampling by `up` (≥ 1). Bounds the scratch a load needs
/// besides its result.
fn block_frames(channels: usize, up: u32) -> usize {
    (BLOCK / channels.max(1) / up.max(1) as usize).max(1)
}

/// One load, planned from the headers before anything is decoded: which frames,
/// how many samples come out, and the resampling plan.
struct Job {
    /// First frame read.
    start: u64,
    /// Frames read.
    frames: u64,
    /// Channels in the result (1 when mixing to mono).
    out_channels: usize,
    /// Rate of the result.
    rate: u32,
    /// Samples in the result (all channels), within [`LoadOptions::MAX_SAMPLES`].
    out_samples: usize,
    /// The resampling plan when the rate changes.
    plan: Option<Arc<Resampler>>,
}

impl Job {
    /// Cuts the frames as librosa does, checks the resampling ratio and the
    /// result's size (from the frame count and the ratio), and plans the filter.
    fn new(layout: &Layout, opts: &LoadOptions) -> Result<Self, Fault> {
        let (start, end) = frame_range(layout, opts)?;
        let frames = end - start;
        let shape = Shape::new(layout.sample_rate, usize::from(layout.channels), opts)?;
        let out_samples = shape.out_samples(frames)?;
        Ok(Self {
            start,
            frames,
            out_channels: shape.out_channels,
            rate: shape.rate,
            out_samples,
            plan: shape.plan()?,
        })
    }

    /// Byte offset of the first frame read.
    fn byte_offset(&self, layout: &Layout) -> u64 {
        layout.data_offset + self.start * layout.frame_bytes()
    }

    /// Reads the frames from `reader` (positioned at [`byte_offset`](Self::byte_offset))
    /// block by block: decode, mix, resample, append to the result.
    fn run<R: Read>(&self, reader: R, layout: &Layout) -> Result<Audio, Fault> {
        let channels = usize::from(layout.channels);
        let mut sink = Sink::new(
            channels,
            self.out_channels,
            self.plan.clone(),
            self.out_samples,
        );
        let mut blocks = PcmBlocks::new(reader, layout, self.start, self.frames, self.rate);
        while let Some(block) = blocks.next_block()? {
            sink.push(block);
        }
        let out = sink.finish();
        debug_assert_eq!(out.len(), self.out_samples);
        Ok(Audio {
            samples: out,
            sample_rate: self.rate,
            channels: self.out_channels as u16,
        })
    }
}

/// The frames `[start, start + frames)` of a WAV or AIFF file, read and decoded
/// block by block from a reader positioned at the first of them.
pub(crate) struct PcmBlocks<R> {
    reader: R,
    layout: Layout,
    start: u64,
    frames: u64,
    done: u64,
    block: usize,
    bytes: Vec<u8>,
    decoded: Vec<f32>,
}

impl<R: Read> PcmBlocks<R> {
    /// Blocks sized for output at `rate` (see [`block_frames`]).
    pub(crate) fn new(reader: R, layout: &Layout, start: u64, frames: u64, rate: u32) -> Self {
        let channels = usize::from(layout.channels);
        let up = rate.div_ceil(layout.sample_rate);
        let block = block_frames(channels, up);
        let frame_bytes = layout.format.bytes() * channels;
        Self {
            reader,
            layout: layout.clone(),
            start,
            frames,
            done: 0,
            block,
            bytes: vec![
                0u8;
                block.min(usize::try_from(frames).unwrap_or(usize::MAX)) * frame_bytes
            ],
            decoded: Vec::with_capacity(block * channels),
        }
    }

    /// The next block of interleaved samples, or `None` after the last frame.
    pub(crate) fn next_block(&mut self) -> Result<Option<&[f32]>, Fault> {
        if self.done >= self.frames {
            return Ok(None);
        }
        let channels = usize::from(self.layout.channels);
        let frame_bytes = self.layout.format.bytes() * channels;
        let n = (self.frames - self.done).min(self.block as u64) as usize;
        let raw = &mut self.bytes[..n * frame_bytes];
        self.reader.read_exact(raw).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Fault::Truncated(format!(
                    "the sample data ends after frame {} of the {} to read",
                    self.done, self.frames
                ))
            } else {
                Fault::Io(e)
            }
        })?;
        self.decoded.clear();
        decode(
            raw,
            self.layout.format,
            self.layout.endian,
            (self.start + self.done) * channels as u64,
            &mut self.decoded,
        )?;
        self.done += n as u64;
        Ok(Some(&self.decoded))
    }
}

/// What a load turns decoded frames into: rate, channels kept, resampling plan.
pub(crate) struct Shape {
    /// The file's own rate.
    pub native: u32,
    /// The result's rate.
    pub rate: u32,
    /// Channels in the result (1 when mixing to mono).
    pub out_channels: usize,
}

impl Shape {
    /// Checks the resampling ratio; plans nothing yet.
    pub(crate) fn new(native: u32, channels: usize, opts: &LoadOptions) -> Result<Self, Fault> {
        let rate = opts.sample_rate.unwrap_or(native);
        if rate != native {
            check_ratio(native, rate)?;
        }
        let out_channels = if opts.mono && channels > 1 {
            1
        } else {
            channels
        };
        Ok(Self {
            native,
            rate,
            out_channels,
        })
    }

    /// Samples (all channels) the result holds for `frames` decoded frames:
    /// within [`LoadOptions::MAX_SAMPLES`] or [`Fault::TooLong`].
    pub(crate) fn out_samples(&self, frames: u64) -> Result<usize, Fault> {
        let out_frames = if self.rate == self.native {
            u128::from(frames)
        } else {
            output_frames(frames, self.native, self.rate)
        };
        let samples = out_frames * self.out_channels as u128;
        let limit = LoadOptions::MAX_SAMPLES;
        usize::try_from(samples)
            .ok()
            .filter(|&n| n <= limit)
            .ok_or_else(|| Fault::TooLong {
                samples: u64::try_from(samples).unwrap_or(u64::MAX),
                limit: limit as u64,
                seconds: out_frames as f64 / f64::from(self.rate),
            })
    }

    /// The (cached) resampling plan when the rate changes.
    pub(crate) fn plan(&self) -> Result<Option<Arc<Resampler>>, Fault> {
        if self.rate == self.native {
            Ok(None)
        } else {
            cached_plan(self.native, self.rate).map(Some)
        }
    }
}

/// The output stage every decoder feeds, block by block: average the channels
/// when mixing to mono, resample, append to the result.
pub(crate) struct Sink {
    channels: usize,
    out_channels: usize,
    out: Vec<f32>,
    mixed: Vec<f32>,
    resampling: Option<Channels>,
}

impl Sink {
    /// A sink for `channels`-channel input; `capacity` samples are reserved for the result.
    pub(crate) fn new(
        channels: usize,
        out_channels: usize,
        plan: Option<Arc<Resampler>>,
        capacity: usize,
    ) -> Self {
        Self {
            channels,
            out_channels,
            out: Vec::with_capacity(capacity),
            mixed: Vec::new(),
            resampling: plan.map(|plan| Channels::new(plan, out_channels)),
        }
    }

    /// Mixes and resamples a block of interleaved frames, appending the result.
    pub(crate) fn push(&mut self, samples: &[f32]) {
        let samples = if self.out_channels == 1 && self.channels > 1 {
            mix_to_mono_into(samples, self.channels, &mut self.mixed);
            &self.mixed
        } else {
            samples
        };
        match &mut self.resampling {
            Some(r) => r.push(samples, &mut self.out),
            None => self.out.extend_from_slice(samples),
        }
    }

    /// Grows the result's capacity by about `more` samples, never past `most`
    /// (the growth a plain `Vec` would do could double a 159 MB result).
    #[cfg_attr(not(feature = "symphonia"), allow(dead_code))]
    pub(crate) fn reserve_within(&mut self, more: usize, most: usize) {
        let (len, cap) = (self.out.len(), self.out.capacity());
        if cap - len >= more {
            return;
        }
        let target = (cap + cap / 2).max(len + more).min(most.max(len + more));
        self.out.reserve_exact(target - len);
    }

    /// Samples in the result so far.
    #[cfg_attr(not(feature = "symphonia"), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Ends the resampling; returns the result.
    pub(crate) fn finish(mut self) -> Vec<f32> {
        self.end();
        self.out
    }

    /// Ends the resampling, appending its last samples to the result.
    pub(crate) fn end(&mut self) {
        if let Some(r) = self.resampling.take() {
            r.finish(&mut self.out);
        }
    }

    /// Moves the result so far to the end of `out`.
    pub(crate) fn drain_into(&mut self, out: &mut Vec<f32>) {
        out.append(&mut self.out);
    }
}

/// One [`ResampleStream`] per channel of an interleaved signal.
struct Channels {
    streams: Vec<ResampleStream<'static>>,
    /// One channel of the current block.
    one: Vec<f32>,
    /// Each channel's new output.
    outs: Vec<Vec<f32>>,
}

impl Channels {
    fn new(plan: Arc<Resampler>, channels: usize) -> Self {
        Self {
            streams: (0..channels)
                .map(|_| Resampler::shared_stream(Arc::clone(&plan)))
                .collect(),
            one: Vec::new(),
            outs: vec![Vec::new(); channels],
        }
    }

    /// Resamples a block of interleaved samples, appending interleaved output.
    fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        if let [stream] = self.streams.as_mut_slice() {
            stream.push(samples, out);
            return;
        }
        let n = self.streams.len();
        for (c, (stream, o)) in self.streams.iter_mut().zip(&mut self.outs).enumerate() {
            self.one.clear();
            self.one.extend(samples.iter().skip(c).step_by(n));
            o.clear();
            stream.push(&self.one, o);
        }
        interleave_into(&self.outs, out);
    }

    /// Ends every channel, appending the interleaved rest.
    fn finish(mut self, out: &mut Vec<f32>) {
        if self.streams.len() == 1 {
            for stream in self.streams {
                stream.finish(out);
            }
            return;
        }
        for (stream, o) in self.streams.into_iter().zip(&mut self.outs) {
            o.clear();
            stream.finish(o);
        }
        interleave_into(&self.outs, out);
    }
}

/// Averages interleaved channels into `out` (cleared first): sum in channel
/// order, then divide (as numpy's `mean`).
///
/// Float files may hold finite samples near `f32::MAX`, whose `f32` sum overflows; such a
/// frame is averaged in `f64` instead, so finite input always gives finite output (a mean
/// never exceeds its largest term). Other frames keep the `f32` sum, bit for bit.
///
/// This is how [`load`] mixes to mono; live input mixed with it matches a loaded file.
pub fn mix_to_mono_into(samples: &[f32], channels: usize, out: &mut Vec<f32>) {
    let n = channels as f32;
    out.clear();
    out.extend(samples.chunks_exact(channels).map(|frame| {
        let sum = frame.iter().sum::<f32>();
        if sum.is_finite() {
            sum / n
        } else {
            (frame.iter().map(|&s| f64::from(s)).sum::<f64>() / channels as f64) as f32
        }
    }));
}

/// Appends the channels' samples frame by frame (all channels hold as many).
fn interleave_into(channels: &[Vec<f32>], out: &mut Vec<f32>) {
    let frames = channels.iter().map(Vec::len).min().unwrap_or(0);
    for i in 0..frames {
        out.extend(channels.iter().map(|c| c[i]));
    }
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> AudioError {
    if source.kind() == std::io::ErrorKind::NotFound {
        AudioError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        AudioError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Opens a regular file, telling a missing path and a directory apart from I/O failures.
pub(crate) fn open_file(path: &Path) -> Result<File, AudioError> {
    let meta = fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(AudioError::NotAFile {
            path: path.to_path_buf(),
            kind: if meta.is_dir() {
                "directory"
            } else {
                "special file"
            },
        });
    }
    File::open(path).map_err(|e| io_error(path, e))
}
