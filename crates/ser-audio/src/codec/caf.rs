//! The CAF chunks symphonia's reader would otherwise trust: every chunk must
//! fit in the file, and no packet size the description or the packet table
//! claims may exceed [`MAX_PACKET_BYTES`]. Also names a codec we do not decode,
//! and reads the packet table's priming and valid frame count (the encoder
//! delay symphonia does not trim).

use std::io::{Read, Seek};

use crate::chunk::{Source, be_u32, id_text};
use crate::error::Fault;

use super::preflight::{MAX_ITEMS, MAX_PACKET_BYTES, Preflight, Span, be_u64};

/// Most frames one packet may claim to hold.
const MAX_PACKET_FRAMES: u64 = 1 << 20;

/// The audio description (`desc`).
#[derive(Debug, Clone, Copy)]
struct Desc {
    rate: f64,
    format: [u8; 4],
    flags: u32,
    bytes_per_packet: u32,
    frames_per_packet: u32,
    channels: u32,
}

/// Checks the chunks and reads the codec, priming and valid length.
pub(crate) fn preflight<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<Preflight, Fault> {
    let len = src.len();
    let head = src.read_upto(0, 8)?;
    if head.len() < 8 {
        return Err(Fault::Truncated(
            "the CAF file header is cut short".to_string(),
        ));
    }
    let version = u16::from_be_bytes([head[4], head[5]]);
    if version != 1 {
        return Err(Fault::Unsupported(format!("CAF version {version}")));
    }
    let mut desc = None;
    let mut pakt = None;
    let mut at = 8u64;
    for index in 0..MAX_ITEMS {
        if at >= len {
            break;
        }
        let h = src.read_upto(at, 12)?;
        if h.len() < 12 {
            return Err(Fault::Truncated(format!(
                "the CAF chunk header at byte {at} is cut short"
            )));
        }
        let kind = [h[0], h[1], h[2], h[3]];
        let size = be_u64(&h, 4) as i64;
        let body = at + 12;
        if index == 0 && &kind != b"desc" {
            return Err(Fault::Corrupt(format!(
                "the first CAF chunk is '{}', not the audio description 'desc'",
                id_text(&kind)
            )));
        }
        if &kind == b"data" && size == -1 {
            break; // the audio runs to the end of the file.
        }
        let Ok(size) = u64::try_from(size) else {
            return Err(Fault::Corrupt(format!(
                "the CAF '{}' chunk claims a negative size ({size})",
                id_text(&kind)
            )));
        };
        let end = body.saturating_add(size);
        if end > len {
            if &kind == b"data" {
                break; // the audio is cut short: the packets present are read.
            }
            return Err(Fault::Truncated(format!(
                "the CAF '{}' chunk at byte {at} claims {size} bytes, past the end of the file \
                 ({len} bytes)",
                id_text(&kind)
            )));
        }
        match &kind {
            b"desc" => desc = Some(read_desc(src, body, size)?),
            b"pakt" => {
                let d = desc.ok_or_else(|| {
                    Fault::Corrupt("a CAF packet table before the description".to_string())
                })?;
                pakt = Some(read_pakt(src, body, size, &d)?);
            }
            _ => {}
        }
        at = end;
    }
    let desc = desc.ok_or_else(|| Fault::Corrupt("a CAF file without 'desc'".to_string()))?;
    if let Some(codec) = unsupported_format(&desc) {
        return Err(Fault::Unsupported(format!(
            "codec {codec} in a CAF container: not decoded by this crate (ALAC, AAC-LC, FLAC, \
             MP3 and PCM are)"
        )));
    }
    let per_second = desc.rate.round() as u64;
    let mut pre = Preflight {
        exact_count: true,
        ..Preflight::default()
    };
    if let Some((priming, valid)) = pakt {
        pre.skip = Some(Span {
            value: priming,
            per_second,
        });
        pre.keep = valid.map(|value| Span { value, per_second });
    }
    Ok(pre)
}

fn read_desc<R: Read + Seek>(src: &mut Source<'_, R>, at: u64, size: u64) -> Result<Desc, Fault> {
    if size < 32 {
        return Err(Fault::Corrupt(format!(
            "the CAF 'desc' chunk is {size} bytes, not 32"
        )));
    }
    let mut b = [0u8; 32];
    src.read_at(at, &mut b)?;
    let d = Desc {
        rate: f64::from_bits(be_u64(&b, 0)),
        format: [b[8], b[9], b[10], b[11]],
        flags: be_u32(&b, 12),
        bytes_per_packet: be_u32(&b, 16),
        frames_per_packet: be_u32(&b, 20),
        channels: be_u32(&b, 24),
    };
    if !(d.rate.is_finite() && d.rate >= 1.0 && d.rate <= f64::from(u32::MAX)) {
        return Err(Fault::Corrupt(format!(
            "a CAF sample rate of {} Hz",
            d.rate
        )));
    }
    if d.channels == 0 {
        return Err(Fault::Corrupt(
            "a CAF description with 0 channels".to_string(),
        ));
    }
    if u64::from(d.bytes_per_packet) > MAX_PACKET_BYTES {
        return Err(Fault::Corrupt(format!(
            "the CAF description claims packets of {} bytes (at most {MAX_PACKET_BYTES} are accepted)",
            d.bytes_per_packet
        )));
    }
    if u64::from(d.frames_per_packet) > MAX_PACKET_FRAMES {
        return Err(Fault::Corrupt(format!(
            "the CAF description claims {} frames per packet (at most {MAX_PACKET_FRAMES})",
            d.frames_per_packet
        )));
    }
    Ok(d)
}

/// Reads the packet table: checks every packet size (and frame count) it lists; returns
/// (priming frames, valid frames if stated).
fn read_pakt<R: Read + Seek>(
    src: &mut Source<'_, R>,
    at: u64,
    size: u64,
    desc: &Desc,
) -> Result<(u64, Option<u64>), Fault> {
    if size < 24 {
        return Err(Fault::Corrupt(format!(
            "the CAF 'pakt' chunk is {size} bytes, under 24"
        )));
    }
    let mut h = [0u8; 24];
    src.read_at(at, &mut h)?;
    let packets = be_u64(&h, 0) as i64;
    let valid = be_u64(&h, 8) as i64;
    let priming = be_u32(&h, 16) as i32;
    let per_packet =
        usize::from(desc.bytes_per_packet == 0) + usize::from(desc.frames_per_packet == 0);
    if per_packet > 0 {
        let mut table = Varints::new(src, at + 24, size - 24);
        for index in 0..packets.max(0) {
            if desc.bytes_per_packet == 0 {
                let bytes = table.next()?;
                if bytes > MAX_PACKET_BYTES {
                    return Err(Fault::Corrupt(format!(
                        "the CAF packet table claims {bytes} bytes for packet {index} (at most \
                         {MAX_PACKET_BYTES} are accepted)"
                    )));
                }
            }
            if desc.frames_per_packet == 0 {
                let frames = table.next()?;
                if frames > MAX_PACKET_FRAMES {
                    return Err(Fault::Corrupt(format!(
                        "the CAF packet table claims {frames} frames for packet {index}"
                    )));
                }
            }
        }
    }
    Ok((
        u64::try_from(priming).unwrap_or(0),
        u64::try_from(valid).ok(),
    ))
}

/// Variable-length integers (7 bits a byte, high bit set on all but the last) read in blocks.
struct Varints<'s, 'a, R> {
    src: &'s mut Source<'a, R>,
    at: u64,
    left: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl<'s, 'a, R: Read + Seek> Varints<'s, 'a, R> {
    fn new(src: &'s mut Source<'a, R>, at: u64, left: u64) -> Self {
        Self {
            src,
            at,
            left,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn byte(&mut self) -> Result<u8, Fault> {
        if self.pos == self.buf.len() {
            if self.left == 0 {
                return Err(Fault::Corrupt(
                    "the CAF packet table ends before the packets it counts".to_string(),
                ));
            }
            let n = self.left.min(1 << 16);
            self.buf = self.src.read_upto(self.at, n as usize)?;
            self.at += n;
            self.left -= n;
            self.pos = 0;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn next(&mut self) -> Result<u64, Fault> {
        let mut value = 0u64;
        for _ in 0..10 {
            let b = self.byte()?;
            value = (value << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Fault::Corrupt(
            "an over-long number in the CAF packet table".to_string(),
        ))
    }
}

/// The name of a CAF format this crate does not decode.
fn unsupported_format(d: &Desc) -> Option<String> {
    let name = match &d.format {
        b"lpcm" | b"alac" | b"flac" | b".mp3" | b"ulaw" | b"alaw" => return None,
        b"aac " => match d.flags {
            0 | 2 => return None, // 0: unspecified, 2: AAC-LC
            5 => "HE-AAC (AAC with SBR)",
            29 => "HE-AAC v2 (AAC with SBR and PS)",
            n => return Some(format!("AAC object type {n}")),
        },
        b"aach" => "HE-AAC (AAC with SBR)",
        b"aacp" => "HE-AAC v2 (AAC with SBR and PS)",
        b"opus" => "Opus",
        b"samr" => "AMR-NB (adaptive multi-rate speech)",
        b"ima4" => "IMA ADPCM",
        b".mp1" => "MPEG audio Layer I",
        b".mp2" => "MPEG audio Layer II",
        b"ilbc" => "iLBC",
        b"MAC3" | b"MAC6" => "MACE",
        b"QDMC" | b"QDM2" => "QDesign",
        _ => return Some(format!("'{}'", id_text(&d.format))),
    };
    Some(name.to_string())
}
