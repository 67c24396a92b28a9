//! `librosa.load` semantics: decode, cut, mix to mono, resample.

use std::fs::{self, File};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::chunk::Source;
use crate::decode::decode;
use crate::error::{AudioError, Fault};
use crate::info::{AudioInfo, Container, Layout};
use crate::resample::{cached_plan, check_rate};
use crate::sniff::{SNIFF_LEN, sniff};
use crate::{aiff, wav};

/// How to load a file; the defaults are `librosa.load`'s.
///
/// Setters consume and return the options, so they chain:
/// `LoadOptions::native().offset(1.0).duration(Some(2.0))`.
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

    fn check(&self, path: &Path) -> Result<(), AudioError> {
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
/// extension) and decode; cut at the native rate from frame
/// `floor(offset · rate)`, keeping `floor(duration · rate)` frames (or fewer if
/// the file ends first: a short clip gives what there is); average the
/// channels if `mono`; resample each channel to `sample_rate` if it differs.
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
    let layout = parse(&mut reader, len).map_err(|f| f.at(path))?;
    let range = frame_range(&layout, opts).map_err(|f| f.at(path))?;
    let (lo, n) = byte_range(&layout, range);
    // Only the frames asked for are read; `n` is bounded by the file's real size.
    let mut bytes = vec![0u8; n];
    reader
        .seek(SeekFrom::Start(lo))
        .and_then(|_| reader.read_exact(&mut bytes))
        .map_err(|e| io_error(path, e))?;
    finish(&bytes, &layout, range, opts).map_err(|f| f.at(path))
}

/// [`load`] from bytes in memory; `name` is used only in errors (and for nothing else).
pub fn load_bytes(bytes: &[u8], name: &Path, opts: &LoadOptions) -> Result<Audio, AudioError> {
    opts.check(name)?;
    let mut cursor = Cursor::new(bytes);
    let layout = parse(&mut cursor, bytes.len() as u64).map_err(|f| f.at(name))?;
    let range = frame_range(&layout, opts).map_err(|f| f.at(name))?;
    let (lo, len) = byte_range(&layout, range);
    let lo = lo as usize;
    finish(&bytes[lo..lo + len], &layout, range, opts).map_err(|f| f.at(name))
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
    let layout = parse(&mut reader, len).map_err(|f| f.at(path))?;
    Ok(layout.info(path))
}

/// [`probe`] on bytes in memory; `name` is used for the extension check and in errors.
pub fn probe_bytes(bytes: &[u8], name: &Path) -> Result<AudioInfo, AudioError> {
    let layout = parse(&mut Cursor::new(bytes), bytes.len() as u64).map_err(|f| f.at(name))?;
    Ok(layout.info(name))
}

/// Sniffs the container and parses its headers.
fn parse<R: Read + Seek>(reader: &mut R, len: u64) -> Result<Layout, Fault> {
    let mut src = Source::new(reader, len);
    let head = src.read_upto(0, SNIFF_LEN)?;
    match sniff(&head)? {
        Container::Wav => wav::parse(&mut src),
        c @ (Container::Aiff | Container::AiffC) => aiff::parse(&mut src, c),
    }
}

/// The frames `[start, end)` the options ask for, cut as librosa cuts them.
fn frame_range(layout: &Layout, opts: &LoadOptions) -> Result<(u64, u64), Fault> {
    let rate = f64::from(layout.sample_rate);
    // librosa: seek(int(offset * sr)), read(int(duration * sr)).
    let start = (opts.offset * rate).floor() as u64;
    let wanted = opts
        .duration
        .map_or(u64::MAX, |d| (d * rate).floor() as u64);
    let end = start.saturating_add(wanted).min(layout.frames);
    if start >= end {
        return Err(Fault::NoSamples {
            total_frames: layout.frames,
            start_frame: start,
        });
    }
    Ok((start, end))
}

/// Byte offset and length of frames `[start, end)`; in the file because
/// `layout.frames` counts only whole frames present.
fn byte_range(layout: &Layout, (start, end): (u64, u64)) -> (u64, usize) {
    let frame_bytes = layout.frame_bytes();
    let lo = layout.data_offset + start * frame_bytes;
    (lo, ((end - start) * frame_bytes) as usize)
}

/// Decodes the bytes of frames `range`, then mixes and resamples.
fn finish(
    bytes: &[u8],
    layout: &Layout,
    range: (u64, u64),
    opts: &LoadOptions,
) -> Result<Audio, Fault> {
    let start = range.0;
    let channels = usize::from(layout.channels);
    let mut samples = Vec::new();
    decode(
        bytes,
        layout.format,
        layout.endian,
        start * u64::from(layout.channels),
        &mut samples,
    )?;
    let (samples, channels) = if opts.mono && channels > 1 {
        (mix_to_mono(&samples, channels), 1)
    } else {
        (samples, channels)
    };
    let samples = match opts.sample_rate {
        Some(to) if to != layout.sample_rate => {
            let plan = cached_plan(layout.sample_rate, to)?;
            if channels == 1 {
                plan.process(&samples)
            } else {
                let per_channel: Vec<Vec<f32>> = (0..channels)
                    .map(|c| {
                        let one: Vec<f32> =
                            samples.iter().skip(c).step_by(channels).copied().collect();
                        plan.process(&one)
                    })
                    .collect();
                interleave(&per_channel)
            }
        }
        _ => samples,
    };
    Ok(Audio {
        samples,
        sample_rate: opts.sample_rate.unwrap_or(layout.sample_rate),
        channels: channels as u16,
    })
}

/// Averages interleaved channels: sum in channel order, then divide (as numpy's `mean`).
///
/// Float files may hold finite samples near `f32::MAX`, whose `f32` sum overflows; such a
/// frame is averaged in `f64` instead, so finite input always gives finite output (a mean
/// never exceeds its largest term). Other frames keep the `f32` sum, bit for bit.
fn mix_to_mono(samples: &[f32], channels: usize) -> Vec<f32> {
    let n = channels as f32;
    samples
        .chunks_exact(channels)
        .map(|frame| {
            let sum = frame.iter().sum::<f32>();
            if sum.is_finite() {
                sum / n
            } else {
                (frame.iter().map(|&s| f64::from(s)).sum::<f64>() / channels as f64) as f32
            }
        })
        .collect()
}

fn interleave(channels: &[Vec<f32>]) -> Vec<f32> {
    let frames = channels.first().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(frames * channels.len());
    for i in 0..frames {
        out.extend(channels.iter().map(|c| c[i]));
    }
    out
}

fn io_error(path: &Path, source: std::io::Error) -> AudioError {
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
fn open_file(path: &Path) -> Result<File, AudioError> {
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
