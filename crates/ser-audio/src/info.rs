//! What a file's headers say: container, sample format, rate, channels, length.

use std::fmt;
use std::path::Path;

/// The container format, detected from the file's bytes (never its name).
///
/// WAV and AIFF(-C) are read by this crate's own exact PCM reader; the others
/// are decoded through symphonia (cargo feature `symphonia`, on by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Container {
    /// RIFF/WAVE (`RIFF....WAVE`).
    Wav,
    /// Apple/SGI AIFF (`FORM....AIFF`), big-endian PCM.
    Aiff,
    /// AIFF-C (`FORM....AIFC`), PCM (big or little endian) or float.
    AiffC,
    /// Native FLAC (`fLaC`), lossless.
    Flac,
    /// An MPEG audio elementary stream (frame sync, optionally after an ID3v2 tag): MP3.
    Mp3,
    /// Ogg (`OggS`): Vorbis here (Opus, Speex and FLAC-in-Ogg are refused with the codec named).
    Ogg,
    /// ISO base media / MP4 / M4A / 3GP (`ftyp`): AAC-LC or ALAC.
    Mp4,
    /// Apple Core Audio Format (`caff`): ALAC, AAC-LC, FLAC or PCM.
    Caf,
    /// Raw AAC in ADTS frames (`.aac`), AAC-LC.
    Adts,
}

impl Container {
    /// File extensions (lower case, no dot) this container usually goes by.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Wav => &["wav", "wave"],
            Self::Aiff => &["aif", "aiff"],
            Self::AiffC => &["aifc", "aif", "aiff"],
            Self::Flac => &["flac"],
            Self::Mp3 => &["mp3", "mpga"],
            Self::Ogg => &["ogg", "oga"],
            Self::Mp4 => &["m4a", "mp4", "m4b", "m4v", "mov", "3gp", "3g2"],
            Self::Caf => &["caf"],
            Self::Adts => &["aac", "adts"],
        }
    }

    /// Whether this crate's own PCM reader handles it (WAV, AIFF, AIFF-C);
    /// the other containers go through symphonia.
    pub(crate) fn is_pcm(self) -> bool {
        matches!(self, Self::Wav | Self::Aiff | Self::AiffC)
    }

    /// Whether `path` carries an extension that names some other format.
    ///
    /// A path without an extension does not disagree with anything.
    pub fn disagrees_with_extension(self, path: &Path) -> bool {
        match path.extension().and_then(|e| e.to_str()) {
            None => false,
            Some(ext) => {
                let ext = ext.to_ascii_lowercase();
                !self.extensions().contains(&ext.as_str())
            }
        }
    }
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Wav => "WAV",
            Self::Aiff => "AIFF",
            Self::AiffC => "AIFF-C",
            Self::Flac => "FLAC",
            Self::Mp3 => "MP3",
            Self::Ogg => "Ogg",
            Self::Mp4 => "MP4",
            Self::Caf => "CAF",
            Self::Adts => "ADTS",
        })
    }
}

/// How the audio inside the container is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// Uncompressed samples (WAV, AIFF, AIFF-C, PCM in CAF), as [`SampleFormat`] says.
    Pcm,
    /// FLAC, lossless.
    Flac,
    /// MPEG-1/2 Layer III.
    Mp3,
    /// Vorbis.
    Vorbis,
    /// AAC Low Complexity (HE-AAC is refused).
    AacLc,
    /// Apple Lossless.
    Alac,
}

impl Codec {
    /// Whether decoding gives back the encoded samples exactly.
    pub fn is_lossless(self) -> bool {
        matches!(self, Self::Pcm | Self::Flac | Self::Alac)
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pcm => "PCM",
            Self::Flac => "FLAC",
            Self::Mp3 => "MP3",
            Self::Vorbis => "Vorbis",
            Self::AacLc => "AAC-LC",
            Self::Alac => "ALAC",
        })
    }
}

/// How one sample is stored, and so how it is scaled to `f32`.
///
/// Integer formats are scaled by `1 / 2^(bits - 1)` (unsigned 8-bit is first
/// recentred by 128), as libsndfile and so librosa do; float formats are kept
/// as they are (values beyond ±1 included).
///
/// For a compressed [`Codec`] it is the format the decoder produces: the
/// encoded bit depth for lossless codecs (FLAC, ALAC), [`SampleFormat::F32`]
/// for lossy ones (MP3, Vorbis, AAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SampleFormat {
    /// Unsigned 8-bit (WAV's 8-bit PCM).
    U8,
    /// Signed 8-bit (AIFF's 8-bit PCM).
    I8,
    /// Signed 16-bit PCM.
    I16,
    /// Signed 24-bit PCM (3 bytes per sample).
    I24,
    /// Signed 32-bit PCM.
    I32,
    /// IEEE 754 32-bit float.
    F32,
    /// IEEE 754 64-bit float.
    F64,
    /// G.711 µ-law (8 bits, decoded to 16-bit levels).
    MuLaw,
    /// G.711 A-law (8 bits, decoded to 16-bit levels).
    ALaw,
}

impl SampleFormat {
    /// Bytes one sample takes in the file.
    pub fn bytes(self) -> usize {
        match self {
            Self::U8 | Self::I8 | Self::MuLaw | Self::ALaw => 1,
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    /// Whether samples are IEEE floats (which may hold NaN or infinities).
    pub fn is_float(self) -> bool {
        matches!(self, Self::F32 | Self::F64)
    }
}

impl fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::U8 => "unsigned 8-bit PCM",
            Self::I8 => "signed 8-bit PCM",
            Self::I16 => "16-bit PCM",
            Self::I24 => "24-bit PCM",
            Self::I32 => "32-bit PCM",
            Self::F32 => "32-bit float",
            Self::F64 => "64-bit float",
            Self::MuLaw => "µ-law",
            Self::ALaw => "A-law",
        })
    }
}

/// Byte order of the sample data.
///
/// Compressed codecs decode to native samples; their [`AudioInfo`] says `Little`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (WAV, AIFF-C `sowt`).
    Little,
    /// Most significant byte first (AIFF).
    Big,
}

/// What [`probe`](crate::probe) learns from a file's headers.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// Container found in the bytes.
    pub container: Container,
    /// How the audio is encoded inside the container.
    pub codec: Codec,
    /// Sample encoding (for a compressed codec, what its decoder produces).
    pub format: SampleFormat,
    /// Byte order of the samples.
    pub endian: Endian,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels (≥ 1).
    pub channels: u16,
    /// Whole frames actually present in the file (what [`load`](crate::load) reads).
    ///
    /// For a compressed codec: the frames its packets hold once the encoder
    /// delay and padding are trimmed, counted by reading every packet (not
    /// decoding them), so it equals what a load of the whole file returns.
    pub frames: u64,
    /// Whether the header claims more sample data than the file holds
    /// (the file was cut short; the frames present are still read).
    pub truncated: bool,
    /// Whether the file's extension names another format (e.g. AIFF data in a `.wav`).
    pub extension_mismatch: bool,
    /// The file name's extension, lower case, if it has one.
    pub extension: Option<String>,
}

impl AudioInfo {
    /// Length in seconds of the frames present.
    pub fn duration_seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }
}

impl fmt::Display for AudioInfo {
    /// E.g. `AIFF, 16-bit PCM, 24414 Hz, 1 channel, 53847 frames (2.206 s); AIFF data in a file named .wav`,
    /// or `MP4 (AAC-LC), 32-bit float, 44100 Hz, …` when the codec is not what the container's name says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.container)?;
        let named_by_container = match self.container {
            Container::Wav | Container::Aiff | Container::AiffC => self.codec == Codec::Pcm,
            Container::Flac => self.codec == Codec::Flac,
            Container::Mp3 => self.codec == Codec::Mp3,
            _ => false,
        };
        if !named_by_container {
            write!(f, " ({})", self.codec)?;
        }
        write!(
            f,
            ", {}, {} Hz, {} channel{}, {} frames ({:.3} s)",
            self.format,
            self.sample_rate,
            self.channels,
            if self.channels == 1 { "" } else { "s" },
            self.frames,
            self.duration_seconds()
        )?;
        if let (true, Some(ext)) = (self.extension_mismatch, &self.extension) {
            write!(f, "; {} data in a file named .{ext}", self.container)?;
        }
        if self.truncated {
            write!(
                f,
                "; the header claims more sample data than the file holds"
            )?;
        }
        Ok(())
    }
}

/// Where the samples are and how to read them: the parsers' common result.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub container: Container,
    pub format: SampleFormat,
    pub endian: Endian,
    pub sample_rate: u32,
    pub channels: u16,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Whole frames present (clamped to the file).
    pub frames: u64,
    /// Header claimed more than the file holds.
    pub truncated: bool,
}

impl Layout {
    /// Bytes per interleaved frame.
    pub fn frame_bytes(&self) -> u64 {
        self.format.bytes() as u64 * u64::from(self.channels)
    }

    pub fn info(&self, name: &Path) -> AudioInfo {
        AudioInfo {
            container: self.container,
            codec: Codec::Pcm,
            format: self.format,
            endian: self.endian,
            sample_rate: self.sample_rate,
            channels: self.channels,
            frames: self.frames,
            truncated: self.truncated,
            extension_mismatch: self.container.disagrees_with_extension(name),
            extension: name
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase()),
        }
    }
}
