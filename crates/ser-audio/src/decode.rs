//! Raw sample bytes to `f32`, scaled as libsndfile (and so librosa) scales them.
//!
//! Integers are divided by `2^(bits − 1)` after converting to `f32` (unsigned
//! 8-bit is first recentred by 128); G.711 µ-law/A-law decode to 16-bit levels
//! first; floats are kept as stored, values beyond ±1 included, but NaN and
//! infinities are refused.

use crate::error::Fault;
use crate::info::{Endian, SampleFormat};

/// Appends the samples in `bytes` (whole samples only) to `out`.
///
/// `first_index` is the index, in the file's interleaved sample stream, of the
/// first sample in `bytes`; it makes [`Fault::NonFinite`] point into the file.
pub(crate) fn decode(
    bytes: &[u8],
    format: SampleFormat,
    endian: Endian,
    first_index: u64,
    out: &mut Vec<f32>,
) -> Result<(), Fault> {
    let width = format.bytes();
    let start = out.len();
    out.reserve(bytes.len() / width);
    let samples = bytes.chunks_exact(width);
    let big = endian == Endian::Big;
    match format {
        SampleFormat::U8 => out.extend(samples.map(|s| (f32::from(s[0]) - 128.0) / 128.0)),
        SampleFormat::I8 => out.extend(samples.map(|s| f32::from(s[0] as i8) / 128.0)),
        SampleFormat::I16 => out.extend(samples.map(|s| {
            let b = [s[0], s[1]];
            let v = if big {
                i16::from_be_bytes(b)
            } else {
                i16::from_le_bytes(b)
            };
            f32::from(v) / 32_768.0
        })),
        SampleFormat::I24 => out.extend(samples.map(|s| {
            // Place the three bytes in the top of an i32, then shift down with sign.
            let b = if big {
                [s[0], s[1], s[2], 0]
            } else {
                [0, s[0], s[1], s[2]]
            };
            let v = if big {
                i32::from_be_bytes(b)
            } else {
                i32::from_le_bytes(b)
            } >> 8;
            v as f32 / 8_388_608.0
        })),
        SampleFormat::I32 => out.extend(samples.map(|s| {
            let b = [s[0], s[1], s[2], s[3]];
            let v = if big {
                i32::from_be_bytes(b)
            } else {
                i32::from_le_bytes(b)
            };
            v as f32 / 2_147_483_648.0
        })),
        SampleFormat::F32 => out.extend(samples.map(|s| {
            let b = [s[0], s[1], s[2], s[3]];
            if big {
                f32::from_be_bytes(b)
            } else {
                f32::from_le_bytes(b)
            }
        })),
        SampleFormat::F64 => out.extend(samples.map(|s| {
            let b = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
            (if big {
                f64::from_be_bytes(b)
            } else {
                f64::from_le_bytes(b)
            }) as f32
        })),
        SampleFormat::MuLaw => out.extend(samples.map(|s| f32::from(mulaw(s[0])) / 32_768.0)),
        SampleFormat::ALaw => out.extend(samples.map(|s| f32::from(alaw(s[0])) / 32_768.0)),
    }
    if format.is_float()
        && let Some(i) = out[start..].iter().position(|v| !v.is_finite())
    {
        return Err(Fault::NonFinite(first_index + i as u64));
    }
    Ok(())
}

/// G.711 µ-law byte to a 16-bit level (±32124).
fn mulaw(byte: u8) -> i16 {
    let u = !byte;
    let exponent = (u >> 4) & 0x07;
    let mantissa = i16::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if u & 0x80 != 0 { -magnitude } else { magnitude }
}

/// G.711 A-law byte to a 16-bit level (±32256).
fn alaw(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let exponent = (a >> 4) & 0x07;
    let mantissa = i16::from(a & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if a & 0x80 != 0 { magnitude } else { -magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8], format: SampleFormat, endian: Endian) -> Vec<f32> {
        let mut out = Vec::new();
        decode(bytes, format, endian, 0, &mut out).expect("decode");
        out
    }

    #[test]
    fn integer_scaling_matches_libsndfile() {
        assert_eq!(
            one(&[0, 128, 255], SampleFormat::U8, Endian::Little),
            [-1.0, 0.0, 127.0 / 128.0]
        );
        assert_eq!(
            one(&[0x80, 0x7F], SampleFormat::I8, Endian::Big),
            [-1.0, 127.0 / 128.0]
        );
        assert_eq!(
            one(&[0x00, 0x80, 0xFF, 0x7F], SampleFormat::I16, Endian::Little),
            [-1.0, 32_767.0 / 32_768.0]
        );
        assert_eq!(
            one(&[0x80, 0x00, 0x00, 0x01], SampleFormat::I16, Endian::Big),
            [-1.0, 1.0 / 32_768.0]
        );
        assert_eq!(
            one(
                &[0x00, 0x00, 0x80, 0x01, 0, 0],
                SampleFormat::I24,
                Endian::Little
            ),
            [-1.0, 1.0 / 8_388_608.0]
        );
        assert_eq!(
            one(&[0xFF, 0xFF, 0xFF], SampleFormat::I24, Endian::Big),
            [-1.0 / 8_388_608.0]
        );
        assert_eq!(
            one(&[0, 0, 0, 0x80], SampleFormat::I32, Endian::Little),
            [-1.0]
        );
        assert_eq!(one(&[0x40, 0, 0, 0], SampleFormat::I32, Endian::Big), [0.5]);
    }

    #[test]
    fn floats_kept_as_stored() {
        assert_eq!(
            one(&1.5f32.to_le_bytes(), SampleFormat::F32, Endian::Little),
            [1.5]
        );
        assert_eq!(
            one(&(-0.25f32).to_be_bytes(), SampleFormat::F32, Endian::Big),
            [-0.25]
        );
        assert_eq!(
            one(&0.125f64.to_le_bytes(), SampleFormat::F64, Endian::Little),
            [0.125]
        );
    }

    #[test]
    fn non_finite_floats_refused_with_file_index() {
        let mut bytes = Vec::new();
        for v in [0.0f32, 0.5, f32::NAN, 1.0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let mut out = Vec::new();
        let r = decode(&bytes, SampleFormat::F32, Endian::Little, 100, &mut out);
        assert!(matches!(r, Err(Fault::NonFinite(102))));
        let inf = f64::INFINITY.to_be_bytes();
        let r = decode(&inf, SampleFormat::F64, Endian::Big, 0, &mut out);
        assert!(matches!(r, Err(Fault::NonFinite(0))));
    }

    #[test]
    fn g711_matches_reference_tables() {
        // ITU-T G.711 / libsndfile tables: extremes and zeros.
        assert_eq!(mulaw(0x00), -32_124);
        assert_eq!(mulaw(0x80), 32_124);
        assert_eq!(mulaw(0xFF), 0);
        assert_eq!(mulaw(0x7F), 0);
        assert_eq!(mulaw(0xF0), 120);
        assert_eq!(alaw(0x55), -8);
        assert_eq!(alaw(0xD5), 8);
        assert_eq!(alaw(0x2A), -32_256);
        assert_eq!(alaw(0xAA), 32_256);
        assert_eq!(alaw(0x00), -5_504);
    }
}
