//! The crate's one error type.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while probing, loading or resampling audio.
///
/// Every variant names the file it is about (`path`). Errors raised by
/// [`resample`](crate::resample) on memory carry an empty path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// No file at this path.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The file asked for.
        path: PathBuf,
    },
    /// The path exists but is not a regular file (e.g. a directory named `x.wav`).
    #[error("{}: not a regular file ({kind})", path.display())]
    NotAFile {
        /// The path asked for.
        path: PathBuf,
        /// What it is instead, e.g. "directory".
        kind: &'static str,
    },
    /// Reading failed for another operating-system reason (permissions, I/O).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a container this crate knows (WAV, AIFF, AIFF-C, FLAC,
    /// MP3, Ogg, MP4/M4A, CAF, ADTS AAC).
    #[error("{}: not a known audio container; found {found}", path.display())]
    UnknownContainer {
        /// The file read.
        path: PathBuf,
        /// What the first bytes look like, e.g. "ID3 tag (mp3)" or "empty file".
        found: String,
    },
    /// A known container holding an encoding this crate does not decode (e.g.
    /// Opus, AMR, HE-AAC), or a compressed container when the crate was built
    /// without its `symphonia` feature.
    #[error("{}: unsupported {what}", path.display())]
    Unsupported {
        /// The file read.
        path: PathBuf,
        /// What is unsupported, e.g. "WAV format tag 0x0002 (MS ADPCM)" or
        /// "codec Opus in an Ogg container".
        what: String,
    },
    /// The file ends before a header (or the sample data it needs) is complete.
    #[error("{}: truncated: {reason}", path.display())]
    Truncated {
        /// The file read.
        path: PathBuf,
        /// What was cut short.
        reason: String,
    },
    /// A header holds values that make no sense (e.g. 0 channels), or the
    /// compressed stream cannot be decoded (the decoder's message says where;
    /// a panic inside the decoder on hostile input lands here too).
    #[error("{}: corrupt: {reason}", path.display())]
    Corrupt {
        /// The file read.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Nothing to return: the file holds no frames, or the requested offset
    /// lies at or past its end (librosa returns an empty array there).
    #[error(
        "{}: no samples to load (the file holds {total_frames} frames, reading would start at frame {start_frame})",
        path.display()
    )]
    NoSamples {
        /// The file read.
        path: PathBuf,
        /// Frames in the file.
        total_frames: u64,
        /// First frame the options ask for.
        start_frame: u64,
    },
    /// A float file holds NaN or an infinity (or a decoder produced one).
    #[error("{}: non-finite sample (NaN or infinity) at sample index {index}", path.display())]
    NonFinite {
        /// The file read.
        path: PathBuf,
        /// Index of the first bad sample in the file's interleaved sample stream
        /// (for a compressed codec, in the decoded stream once trimmed).
        index: u64,
    },
    /// A sample rate outside what this crate handles: 0, above
    /// [`MAX_SAMPLE_RATE`](crate::MAX_SAMPLE_RATE), or a resampling ratio
    /// beyond [`MAX_RATIO`](crate::MAX_RATIO) (then `rate` is the file's
    /// own rate and the reason names the rates the target accepts). A header
    /// whose rate is not a finite number (an AIFF NaN) is [`AudioError::Corrupt`].
    #[error("{}: invalid sample rate {rate} Hz: {reason}", path.display())]
    InvalidRate {
        /// The file read (empty for in-memory resampling).
        path: PathBuf,
        /// The offending rate: the file's (or, for a bad target in the
        /// options, the target's).
        rate: u32,
        /// Why it is refused.
        reason: String,
    },
    /// A load would return more samples than the limit,
    /// [`LoadOptions::MAX_SAMPLES`](crate::LoadOptions::MAX_SAMPLES): found from
    /// the header's frame count and the resampling ratio, before anything is
    /// decoded or allocated. Only the part `offset`/`duration` select counts, so
    /// a window of a long file loads. A compressed file whose header states no
    /// length is refused while decoding, once the frames so far pass the limit
    /// (`samples` then counts those).
    #[error(
        "{}: too long to load at once: {seconds:.1} s of audio would be {samples} samples, \
         more than the limit of {limit}; load a part of it (offset and duration)",
        path.display()
    )]
    TooLong {
        /// The file read.
        path: PathBuf,
        /// Samples (all channels) the load would return.
        samples: u64,
        /// The most a load may return.
        limit: u64,
        /// Length of the audio asked for, in seconds.
        seconds: f64,
    },
    /// [`LoadOptions`](crate::LoadOptions) that cannot be honoured
    /// (negative or non-finite offset, non-positive duration).
    #[error("{}: invalid load options: {reason}", path.display())]
    InvalidOptions {
        /// The file asked for.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl AudioError {
    /// The file this error is about (empty for in-memory resampling).
    pub fn path(&self) -> &Path {
        match self {
            Self::NotFound { path }
            | Self::NotAFile { path, .. }
            | Self::Io { path, .. }
            | Self::UnknownContainer { path, .. }
            | Self::Unsupported { path, .. }
            | Self::Truncated { path, .. }
            | Self::Corrupt { path, .. }
            | Self::NoSamples { path, .. }
            | Self::NonFinite { path, .. }
            | Self::InvalidRate { path, .. }
            | Self::TooLong { path, .. }
            | Self::InvalidOptions { path, .. } => path,
        }
    }
}

/// A problem found while parsing, before the path is attached.
#[derive(Debug)]
pub(crate) enum Fault {
    Io(std::io::Error),
    UnknownContainer(String),
    Unsupported(String),
    Truncated(String),
    Corrupt(String),
    NonFinite(u64),
    InvalidRate(u32, String),
    NoSamples {
        total_frames: u64,
        start_frame: u64,
    },
    TooLong {
        samples: u64,
        limit: u64,
        seconds: f64,
    },
}

impl Fault {
    /// Attaches the file path, giving the public error.
    pub(crate) fn at(self, path: &Path) -> AudioError {
        let path = path.to_path_buf();
        match self {
            Self::Io(source) => AudioError::Io { path, source },
            Self::UnknownContainer(found) => AudioError::UnknownContainer { path, found },
            Self::Unsupported(what) => AudioError::Unsupported { path, what },
            Self::Truncated(reason) => AudioError::Truncated { path, reason },
            Self::Corrupt(reason) => AudioError::Corrupt { path, reason },
            Self::NonFinite(index) => AudioError::NonFinite { path, index },
            Self::InvalidRate(rate, reason) => AudioError::InvalidRate { path, rate, reason },
            Self::NoSamples {
                total_frames,
                start_frame,
            } => AudioError::NoSamples {
                path,
                total_frames,
                start_frame,
            },
            Self::TooLong {
                samples,
                limit,
                seconds,
            } => AudioError::TooLong {
                path,
                samples,
                limit,
                seconds,
            },
        }
    }
}

impl From<std::io::Error> for Fault {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}
