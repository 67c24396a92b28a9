//! RIFF/WAVE: walking the chunks to the `fmt ` and `data` chunks.
//!
//! Tolerated, as libsndfile (and so librosa) tolerates them: a wrong RIFF size
//! (chunks are walked to the end of the file), odd-length chunks with or
//! without their pad byte, `fact`/`LIST`/unknown chunks of any length, a
//! `data` chunk before `fmt `, a `data` chunk claiming more bytes than the file
//! holds (the whole frames present are read and [`Layout::truncated`] is set),
//! a trailing partial frame (dropped).

use std::io::{Read, Seek};

use crate::chunk::{Source, le_u16, le_u32};
use crate::error::Fault;
use crate::info::{Container, Endian, Layout, SampleFormat};
use crate::resample::check_rate;

/// The tail every standard WAVE_FORMAT_EXTENSIBLE sub-format GUID shares.
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

const WAVE_FORMAT_PCM: u16 = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
const WAVE_FORMAT_ALAW: u16 = 0x0006;
const WAVE_FORMAT_MULAW: u16 = 0x0007;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// The parts of `fmt ` that matter.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    format: SampleFormat,
    channels: u16,
    sample_rate: u32,
}

/// Parses a WAV file's headers (the 12-byte RIFF header has been sniffed).
pub(crate) fn parse<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<Layout, Fault> {
    let mut fmt: Option<Fmt> = None;
    // (offset, bytes present, header claimed more)
    let mut data: Option<(u64, u64, bool)> = None;
    let mut pos = 12;
    while let Some(chunk) = src.header(pos, false)? {
        let available = src.len() - chunk.body;
        match &chunk.id {
            b"fmt " => {
                if chunk.size > available {
                    return Err(Fault::Truncated(format!(
                        "`fmt ` chunk claims {} bytes, {available} present",
                        chunk.size
                    )));
                }
                let body = src.read_upto(chunk.body, chunk.size.min(64) as usize)?;
                fmt = Some(parse_fmt(&body)?);
            }
            b"data" if data.is_none() => {
                data = Some((
                    chunk.body,
                    chunk.size.min(available),
                    chunk.size > available,
                ));
            }
            _ => {}
        }
        if fmt.is_some() && data.is_some() {
            break;
        }
        if chunk.size >= available {
            break; // nothing can follow this chunk
        }
        pos = src.next_chunk(&chunk)?;
    }
    let fmt = fmt.ok_or_else(|| Fault::Corrupt("no `fmt ` chunk".to_string()))?;
    let (data_offset, data_bytes, claimed_more) = data.ok_or_else(|| {
        Fault::Truncated("no `data` chunk before the end of the file".to_string())
    })?;
    let frame_bytes = fmt.format.bytes() as u64 * u64::from(fmt.channels);
    Ok(Layout {
        container: Container::Wav,
        format: fmt.format,
        endian: Endian::Little,
        sample_rate: fmt.sample_rate,
        channels: fmt.channels,
        data_offset,
        frames: data_bytes / frame_bytes,
        truncated: claimed_more,
    })
}

fn parse_fmt(b: &[u8]) -> Result<Fmt, Fault> {
    if b.len() < 16 {
        return Err(Fault::Corrupt(format!(
            "`fmt ` chunk of {} bytes, at least 16 needed",
            b.len()
        )));
    }
    let mut tag = le_u16(b, 0);
    let channels = le_u16(b, 2);
    let sample_rate = le_u32(b, 4);
    let block_align = le_u16(b, 12);
    let bits = le_u16(b, 14);
    if tag == WAVE_FORMAT_EXTENSIBLE {
        if b.len() < 40 {
            return Err(Fault::Corrupt(format!(
                "WAVE_FORMAT_EXTENSIBLE `fmt ` chunk of {} bytes, 40 needed",
                b.len()
            )));
        }
        if b[26..40] != GUID_TAIL {
            return Err(Fault::Unsupported(format!(
                "WAVE_FORMAT_EXTENSIBLE sub-format GUID {}",
                b[24..40]
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect::<String>()
            )));
        }
        tag = le_u16(b, 24);
    }
    if channels == 0 {
        return Err(Fault::Corrupt("0 channels".to_string()));
    }
    check_rate(sample_rate)?;
    let format = match tag {
        WAVE_FORMAT_PCM => pcm_format(bits, block_align, channels)?,
        WAVE_FORMAT_IEEE_FLOAT => match bits {
            32 => SampleFormat::F32,
            64 => SampleFormat::F64,
            _ => return Err(Fault::Unsupported(format!("{bits}-bit float WAV"))),
        },
        WAVE_FORMAT_ALAW => SampleFormat::ALaw,
        WAVE_FORMAT_MULAW => SampleFormat::MuLaw,
        other => {
            return Err(Fault::Unsupported(format!(
                "WAV format tag 0x{other:04x} ({})",
                tag_name(other)
            )));
        }
    };
    Ok(Fmt {
        format,
        channels,
        sample_rate,
    })
}

/// PCM sample width: `ceil(bits / 8)` bytes, or the wider container the block
/// alignment shows (e.g. 24 valid bits stored in 4 bytes), as libsndfile reads it.
fn pcm_format(bits: u16, block_align: u16, channels: u16) -> Result<SampleFormat, Fault> {
    if bits == 0 || bits > 32 {
        return Err(Fault::Unsupported(format!("{bits}-bit PCM WAV")));
    }
    let mut bytes = bits.div_ceil(8);
    if block_align.is_multiple_of(channels) {
        let container = block_align / channels;
        if container > bytes && container <= 4 {
            bytes = container;
        }
    }
    Ok(match bytes {
        1 => SampleFormat::U8,
        2 => SampleFormat::I16,
        3 => SampleFormat::I24,
        _ => SampleFormat::I32,
    })
}

fn tag_name(tag: u16) -> &'static str {
    match tag {
        0x0000 => "unknown",
        0x0002 => "MS ADPCM",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG layer 3",
        0x0092 => "Dolby AC3 SPDIF",
        0x00FF | 0x1610 => "AAC",
        0x0161..=0x0163 => "Windows Media Audio",
        0x2000 => "AC3",
        0xF1AC => "FLAC",
        _ => "compressed or unknown encoding",
    }
}
