//! AIFF and AIFF-C: walking the chunks to `COMM` and `SSND`.
//!
//! Reads uncompressed PCM (`NONE`/`twos` big-endian, `sowt` little-endian,
//! `raw ` unsigned 8-bit, `in24`, `in32`), floats (`fl32`/`FL32`,
//! `fl64`/`FL64`) and G.711 (`ulaw`, `alaw`). The frame count is `COMM`'s,
//! clamped to the whole frames the `SSND` chunk really holds (then
//! [`Layout::truncated`] is set). The 80-bit extended sample rate is truncated
//! to an integer, as libsndfile does.

use std::io::{Read, Seek};

use crate::chunk::{Source, be_u16, be_u32, id_text};
use crate::error::Fault;
use crate::info::{Container, Endian, Layout, SampleFormat};
use crate::resample::{MAX_SAMPLE_RATE, check_rate};

/// The parts of `COMM` that matter.
#[derive(Debug, Clone, Copy)]
struct Comm {
    channels: u16,
    frames: u64,
    format: SampleFormat,
    endian: Endian,
    sample_rate: u32,
}

/// Parses an AIFF or AIFF-C file's headers (the 12-byte FORM header has been sniffed).
pub(crate) fn parse<R: Read + Seek>(
    src: &mut Source<'_, R>,
    container: Container,
) -> Result<Layout, Fault> {
    let mut comm: Option<Comm> = None;
    // (offset of first sample, bytes present)
    let mut ssnd: Option<(u64, u64)> = None;
    let mut pos = 12;
    while let Some(chunk) = src.header(pos, true)? {
        let available = src.len() - chunk.body;
        match &chunk.id {
            b"COMM" => {
                if chunk.size > available {
                    return Err(Fault::Truncated(format!(
                        "`COMM` chunk claims {} bytes, {available} present",
                        chunk.size
                    )));
                }
                let body = src.read_upto(chunk.body, chunk.size.min(64) as usize)?;
                comm = Some(parse_comm(&body, container)?);
            }
            b"SSND" if ssnd.is_none() => {
                if chunk.size < 8 || available < 8 {
                    return Err(Fault::Corrupt(format!(
                        "`SSND` chunk of {} bytes, at least 8 needed",
                        chunk.size.min(available)
                    )));
                }
                let mut head = [0u8; 8];
                src.read_at(chunk.body, &mut head)?;
                let offset = u64::from(be_u32(&head, 0));
                let start = chunk.body + 8 + offset;
                let claimed = (chunk.size - 8).saturating_sub(offset);
                let present = src.len().saturating_sub(start).min(claimed);
                ssnd = Some((start, present));
            }
            _ => {}
        }
        if comm.is_some() && ssnd.is_some() {
            break;
        }
        if chunk.size >= available {
            break;
        }
        pos = src.next_chunk(&chunk)?;
    }
    let comm = comm.ok_or_else(|| Fault::Corrupt("no `COMM` chunk".to_string()))?;
    let frame_bytes = comm.format.bytes() as u64 * u64::from(comm.channels);
    let (data_offset, data_bytes) = match ssnd {
        Some(s) => s,
        // No sound chunk is valid AIFF when there are no frames.
        None if comm.frames == 0 => (0, 0),
        None => {
            return Err(Fault::Truncated(
                "no `SSND` chunk before the end of the file".to_string(),
            ));
        }
    };
    let present = data_bytes / frame_bytes;
    Ok(Layout {
        container,
        format: comm.format,
        endian: comm.endian,
        sample_rate: comm.sample_rate,
        channels: comm.channels,
        data_offset,
        frames: comm.frames.min(present),
        truncated: comm.frames > present,
    })
}

fn parse_comm(b: &[u8], container: Container) -> Result<Comm, Fault> {
    let needed = if container == Container::AiffC {
        22
    } else {
        18
    };
    if b.len() < needed {
        return Err(Fault::Corrupt(format!(
            "`COMM` chunk of {} bytes, at least {needed} needed",
            b.len()
        )));
    }
    let channels = be_u16(b, 0);
    if channels == 0 || channels > i16::MAX as u16 {
        return Err(Fault::Corrupt(format!("{} channels", channels as i16)));
    }
    let frames = u64::from(be_u32(b, 2));
    let bits = be_u16(b, 6);
    let mut rate_bytes = [0u8; 10];
    rate_bytes.copy_from_slice(&b[8..18]);
    let sample_rate = extended_to_rate(rate_bytes)?;
    let compression: [u8; 4] = if container == Container::AiffC {
        [b[18], b[19], b[20], b[21]]
    } else {
        *b"NONE"
    };
    let (format, endian) = match &compression {
        b"NONE" | b"twos" => (pcm_format(bits)?, Endian::Big),
        b"sowt" => (pcm_format(bits)?, Endian::Little),
        b"raw " if bits == 8 => (SampleFormat::U8, Endian::Big),
        b"in24" => (SampleFormat::I24, Endian::Big),
        b"in32" => (SampleFormat::I32, Endian::Big),
        b"fl32" | b"FL32" => (SampleFormat::F32, Endian::Big),
        b"fl64" | b"FL64" => (SampleFormat::F64, Endian::Big),
        b"ulaw" | b"ULAW" => (SampleFormat::MuLaw, Endian::Big),
        b"alaw" | b"ALAW" => (SampleFormat::ALaw, Endian::Big),
        other => {
            return Err(Fault::Unsupported(format!(
                "AIFF-C compression '{}' ({bits}-bit)",
                id_text(other)
            )));
        }
    };
    Ok(Comm {
        channels,
        frames,
        format,
        endian,
        sample_rate,
    })
}

/// Signed PCM of `bits` significant bits, stored in `ceil(bits / 8)` bytes.
fn pcm_format(bits: u16) -> Result<SampleFormat, Fault> {
    Ok(match bits {
        1..=8 => SampleFormat::I8,
        9..=16 => SampleFormat::I16,
        17..=24 => SampleFormat::I24,
        25..=32 => SampleFormat::I32,
        _ => return Err(Fault::Unsupported(format!("{bits}-bit AIFF PCM"))),
    })
}

/// An IEEE 754 80-bit extended float (sign, 15-bit exponent, 64-bit mantissa
/// with explicit integer bit) as a whole sample rate, truncated.
///
/// A NaN or an infinity is [`Fault::Corrupt`] ("not a finite number"); zero,
/// negative and out-of-range rates are [`Fault::InvalidRate`].
pub(crate) fn extended_to_rate(b: [u8; 10]) -> Result<u32, Fault> {
    let negative = b[0] & 0x80 != 0;
    let exponent = i32::from(u16::from_be_bytes([b[0] & 0x7F, b[1]]));
    let mut m = [0u8; 8];
    m.copy_from_slice(&b[2..10]);
    let mantissa = u64::from_be_bytes(m);
    if exponent == 0x7FFF {
        // All exponent bits set: an infinity (fraction bits 0) or a NaN, whatever
        // the sign and the explicit integer bit.
        let what = if mantissa << 1 == 0 {
            if negative { "-infinity" } else { "infinity" }
        } else {
            "NaN"
        };
        return Err(Fault::Corrupt(format!(
            "the sample rate is not a finite number (the 80-bit float in `COMM` is {what})"
        )));
    }
    let value = if mantissa == 0 {
        0.0
    } else {
        // value = mantissa · 2^(exponent − 16383 − 63); clamp the power to stay finite.
        let power = (exponent - 16383 - 63).clamp(-2000, 2000);
        mantissa as f64 * 2f64.powi(power)
    };
    if negative && value != 0.0 {
        return Err(Fault::InvalidRate(
            0,
            format!("negative sample rate -{value}"),
        ));
    }
    let rate = if value >= f64::from(MAX_SAMPLE_RATE) + 1.0 {
        u32::MAX
    } else {
        value as u32
    };
    check_rate(rate)?;
    Ok(rate)
}

/// The 80-bit extended encoding of a whole rate (for tests and writers).
#[cfg(test)]
pub(crate) fn rate_to_extended(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    if rate == 0 {
        return out;
    }
    let shift = rate.leading_zeros();
    let exponent = 16383 + 31 - shift;
    let mantissa = u64::from(rate) << (32 + shift);
    out[0..2].copy_from_slice(&(exponent as u16).to_be_bytes());
    out[2..10].copy_from_slice(&mantissa.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_rates_round_trip() {
        for rate in [1, 8000, 22_050, 24_414, 44_100, 48_000, 96_000, 192_000] {
            assert_eq!(extended_to_rate(rate_to_extended(rate)).ok(), Some(rate));
        }
        // 44100 as written by Apple tools: 40 0E AC 44 00 00 00 00 00 00.
        let apple = [0x40, 0x0E, 0xAC, 0x44, 0, 0, 0, 0, 0, 0];
        assert_eq!(extended_to_rate(apple).ok(), Some(44_100));
    }

    #[test]
    fn extended_fractions_truncate() {
        // 22254.545454… (Mac 22 kHz): exponent 16383 + 14, mantissa 0xADDD1745D145D000.
        let mac22k = [0x40, 0x0D, 0xAD, 0xDD, 0x17, 0x45, 0xD1, 0x74, 0x5D, 0x00];
        assert_eq!(extended_to_rate(mac22k).ok(), Some(22_254));
    }

    #[test]
    fn extended_refuses_nonsense() {
        assert!(matches!(
            extended_to_rate([0; 10]),
            Err(Fault::InvalidRate(0, _))
        ));
        let mut negative = rate_to_extended(8000);
        negative[0] |= 0x80;
        assert!(matches!(
            extended_to_rate(negative),
            Err(Fault::InvalidRate(..))
        ));
        let huge = [0x7F, 0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            extended_to_rate(huge),
            Err(Fault::InvalidRate(..))
        ));
    }

    #[test]
    fn extended_nan_and_infinity_are_not_finite_rates() {
        let cases: [([u8; 10], &str); 4] = [
            ([0x7F, 0xFF, 0xC0, 0, 0, 0, 0, 0, 0, 0], "NaN"),
            (
                [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                "NaN",
            ),
            ([0x7F, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], "infinity"),
            ([0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], "-infinity"),
        ];
        for (bytes, what) in cases {
            match extended_to_rate(bytes) {
                Err(Fault::Corrupt(reason)) => {
                    assert!(reason.contains("not a finite number"), "{reason}");
                    assert!(reason.contains(&format!("is {what})")), "{reason}");
                }
                other => panic!("{bytes:02x?}: {other:?}"),
            }
        }
    }
}
