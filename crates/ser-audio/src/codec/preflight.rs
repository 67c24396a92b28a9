//! Our own reading of a compressed container's headers before symphonia sees
//! the file: limits on every size a header claims (so no decoder allocates by
//! a claim larger than the file or than a packet can be), the codec named when
//! it is one we do not decode, and the encoder delay the container declares
//! but symphonia does not trim (MP4 edit lists and `iTunSMPB`, CAF `pakt`).

use std::io::{Read, Seek};

use crate::chunk::Source;
use crate::error::Fault;
use crate::info::Container;

use super::{caf, mp4};

/// Largest compressed packet accepted from a header's claim (4 MiB): an ALAC
/// packet of 4096 frames × 8 channels × 32 bits is 128 KiB, a FLAC block of
/// 65 535 frames × 8 channels × 32 bits 2 MiB.
pub(crate) const MAX_PACKET_BYTES: u64 = 1 << 22;

/// Largest MP4 `moov`/`moof` box read (64 MiB): a two-hour AAC file's is a few MB.
pub(crate) const MAX_INDEX_BYTES: u64 = 1 << 26;

/// Metadata blocks (FLAC) or chunks (CAF) or top-level boxes (MP4) walked at most.
pub(crate) const MAX_ITEMS: usize = 4096;

/// A length the container states in its own time units: `value / per_second` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// The length in the container's units.
    pub value: u64,
    /// Units per second (frames for CAF, the track or movie timescale for MP4).
    pub per_second: u64,
}

impl Span {
    /// Frames at `rate`, rounded to nearest.
    pub fn frames(self, rate: u32) -> u64 {
        let den = u128::from(self.per_second.max(1));
        let num = u128::from(self.value) * u128::from(rate);
        u64::try_from((2 * num + den) / (2 * den)).unwrap_or(u64::MAX)
    }

    /// Frames at `rate`, allowing for the half unit the container may have rounded away.
    pub fn frames_at_most(self, rate: u32) -> u64 {
        let den = 2 * u128::from(self.per_second.max(1));
        let num = (2 * u128::from(self.value) + 1) * u128::from(rate);
        u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX)
    }
}

/// What the header walk found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Preflight {
    /// Encoder delay (priming) to drop from the start of the decoded stream, when the
    /// container declares it and symphonia does not trim it.
    pub skip: Option<Span>,
    /// The stream's valid length after `skip`, when the container declares it.
    pub keep: Option<Span>,
    /// Whether `keep` was rounded to a coarse unit (an MP4 edit list in movie
    /// time, often milliseconds): then it bounds the length from above only.
    pub keep_rounded: bool,
    /// Whether the frame count symphonia reports comes from an exact header field (FLAC
    /// STREAMINFO, MP4 sample table, CAF packet table, Ogg granule, MP3 Xing/Info/VBRI),
    /// not an estimate from the bit rate.
    pub exact_count: bool,
}

/// Walks the headers of `container` (whose bytes start at `start`).
pub(crate) fn preflight<R: Read + Seek>(
    src: &mut Source<'_, R>,
    container: Container,
    start: u64,
) -> Result<Preflight, Fault> {
    match container {
        Container::Flac => flac(src, start),
        Container::Ogg => ogg(src, start),
        Container::Mp3 => mp3(src, start),
        Container::Mp4 => mp4::preflight(src),
        Container::Caf => caf::preflight(src),
        _ => Ok(Preflight::default()),
    }
}

/// FLAC: `fLaC`, then metadata blocks (1-byte type, 24-bit length) up to the
/// one flagged last; each must fit in the file and STREAMINFO must come first.
fn flac<R: Read + Seek>(src: &mut Source<'_, R>, start: u64) -> Result<Preflight, Fault> {
    let mut at = start + 4;
    for index in 0..MAX_ITEMS {
        let head = src.read_upto(at, 4)?;
        if head.len() < 4 {
            return Err(Fault::Truncated(format!(
                "the FLAC metadata ends inside block {index} (byte {at})"
            )));
        }
        let (last, kind) = (head[0] & 0x80 != 0, head[0] & 0x7F);
        let len = u64::from(u32::from_be_bytes([0, head[1], head[2], head[3]]));
        if index == 0 && (kind != 0 || len != 34) {
            return Err(Fault::Corrupt(format!(
                "the first FLAC metadata block is type {kind} of {len} bytes, not a 34-byte STREAMINFO"
            )));
        }
        if kind == 127 {
            return Err(Fault::Corrupt(format!(
                "invalid FLAC metadata block type 127 at byte {at}"
            )));
        }
        let end = at + 4 + len;
        if end > src.len() {
            return Err(Fault::Truncated(format!(
                "FLAC metadata block {index} (type {kind}) claims {len} bytes, past the end of the file"
            )));
        }
        at = end;
        if last {
            let exact = streaminfo_total(src, start)? > 0;
            return Ok(Preflight {
                exact_count: exact,
                ..Preflight::default()
            });
        }
    }
    Err(Fault::Corrupt(format!(
        "more than {MAX_ITEMS} FLAC metadata blocks"
    )))
}

/// The 36-bit total sample count in STREAMINFO (0 when the encoder did not know it).
fn streaminfo_total<R: Read + Seek>(src: &mut Source<'_, R>, start: u64) -> Result<u64, Fault> {
    let mut b = [0u8; 5];
    src.read_at(start + 8 + 13, &mut b)?;
    Ok((u64::from(b[0] & 0x0F) << 32) | u64::from(u32::from_be_bytes([b[1], b[2], b[3], b[4]])))
}

/// Ogg: names the codec of the first logical stream from its first packet, so
/// that Opus, Speex and the like are refused with their name.
fn ogg<R: Read + Seek>(src: &mut Source<'_, R>, start: u64) -> Result<Preflight, Fault> {
    let head = src.read_upto(start, 27)?;
    if head.len() < 27 {
        return Err(Fault::Truncated(
            "the first Ogg page header is cut short".to_string(),
        ));
    }
    let segments = usize::from(head[26]);
    let table = src.read_upto(start + 27, segments)?;
    let body = start + 27 + segments as u64;
    let first = src.read_upto(body, 8)?;
    if table.len() < segments || first.len() < 8 {
        return Err(Fault::Truncated(
            "the first Ogg page is cut short".to_string(),
        ));
    }
    let name = if first.starts_with(b"\x01vorbis") || first.starts_with(b"\x7fFLAC") {
        None
    } else if first.starts_with(b"OpusHead") {
        Some("Opus")
    } else if first.starts_with(b"Speex   ") {
        Some("Speex")
    } else if first.starts_with(b"\x80theora") {
        Some("Theora video")
    } else if first.starts_with(b"fishead") {
        None // a skeleton stream: symphonia looks past it.
    } else if first.starts_with(b"OVP80") {
        Some("VP8 video")
    } else {
        None
    };
    match name {
        Some(codec) => Err(Fault::Unsupported(format!(
            "codec {codec} in an Ogg container: not decoded by this crate (Ogg Vorbis and Ogg FLAC are)"
        ))),
        None => Ok(Preflight {
            exact_count: true,
            ..Preflight::default()
        }),
    }
}

/// MP3: whether the first frame is a Xing/Info/VBRI header (an exact frame
/// count, with LAME's encoder delay and padding), else the count is estimated.
fn mp3<R: Read + Seek>(src: &mut Source<'_, R>, start: u64) -> Result<Preflight, Fault> {
    let head = src.read_upto(start, 192)?;
    let tagged = head
        .windows(4)
        .any(|w| w == b"Xing" || w == b"Info" || w == b"VBRI");
    Ok(Preflight {
        exact_count: tagged,
        ..Preflight::default()
    })
}

/// Big-endian u64 at `at` (caller guarantees the bytes exist).
pub(crate) fn be_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_convert_to_frames() {
        let second = Span {
            value: 1000,
            per_second: 1000,
        };
        assert_eq!(second.frames(22_050), 22_050);
        assert_eq!(second.frames_at_most(22_050), 22_062);
        let priming = Span {
            value: 1024,
            per_second: 44_100,
        };
        assert_eq!(priming.frames(44_100), 1024);
        assert_eq!(priming.frames(22_050), 512);
        let zero = Span {
            value: 5,
            per_second: 0,
        };
        assert_eq!(zero.frames(10), 50);
    }
}
