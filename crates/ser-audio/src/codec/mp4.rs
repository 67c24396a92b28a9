//! The MP4 (ISO base media) boxes symphonia's reader would otherwise trust:
//! every box must fit in its parent and the file, the index boxes (`moov`,
//! `moof`) are bounded, and no packet size in a sample table (`stsz`, `trun`,
//! `tfhd`, `trex`) may exceed [`MAX_PACKET_BYTES`]. Also finds the audio
//! track's codec (to name one we do not decode) and its encoder delay: the
//! edit list's media time (ffmpeg, Apple) or the `iTunSMPB` tag.

use std::io::{Read, Seek};

use crate::chunk::{Source, be_u16, be_u32, id_text};
use crate::error::Fault;

use super::preflight::{MAX_INDEX_BYTES, MAX_ITEMS, MAX_PACKET_BYTES, Preflight, Span, be_u64};

/// Nesting depth walked at most (real files nest about 8 deep).
const MAX_DEPTH: usize = 16;

/// Boxes whose body is a list of boxes.
const CONTAINERS: [&[u8; 4]; 13] = [
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta", b"mvex", b"moof", b"traf",
    b"dinf", b"ilst", b"----",
];

/// What one track says.
#[derive(Debug, Default, Clone)]
struct Track {
    handler: Option<[u8; 4]>,
    timescale: Option<u64>,
    entry: Option<[u8; 4]>,
    /// First edit that maps media: (segment duration in movie units, media time in track units).
    edit: Option<(u64, u64)>,
}

/// What the walk collected.
#[derive(Debug, Default)]
struct Walk {
    movie_timescale: Option<u64>,
    tracks: Vec<Track>,
    smpb: Option<String>,
    /// Name of the freeform (`----`) item being read.
    freeform_name: Option<Vec<u8>>,
    boxes: usize,
}

/// Checks the file's boxes and reads the audio track's codec and delay.
pub(crate) fn preflight<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<Preflight, Fault> {
    let len = src.len();
    let mut walk = Walk::default();
    let mut at = 0u64;
    let mut top = 0usize;
    while at.saturating_add(8) <= len {
        top += 1;
        if top > MAX_ITEMS {
            return Err(Fault::Corrupt(format!(
                "more than {MAX_ITEMS} top-level MP4 boxes"
            )));
        }
        let head = src.read_upto(at, 16)?;
        let (kind, header, size) = box_header(&head, len - at)?;
        let end = at + size;
        if end > len {
            if &kind == b"mdat" || &kind == b"free" || &kind == b"skip" {
                break; // the sample data is cut short: the packets present are read.
            }
            return Err(Fault::Truncated(format!(
                "the MP4 '{}' box at byte {at} claims {size} bytes, past the end of the file ({len} bytes)",
                id_text(&kind)
            )));
        }
        if &kind == b"moov" || &kind == b"moof" {
            if size > MAX_INDEX_BYTES {
                return Err(Fault::Unsupported(format!(
                    "an MP4 '{}' box of {size} bytes (this crate reads at most {MAX_INDEX_BYTES})",
                    id_text(&kind)
                )));
            }
            let mut body = vec![0u8; (size - header) as usize];
            src.read_at(at + header, &mut body)?;
            walk.boxes(b"file", &kind, &body, 1)?;
        }
        at = end;
    }
    walk.finish()
}

/// Type, header length and total size of the box at the start of `head`;
/// `room` is what is left of the parent (or file).
fn box_header(head: &[u8], room: u64) -> Result<([u8; 4], u64, u64), Fault> {
    if head.len() < 8 {
        return Err(Fault::Truncated(
            "an MP4 box header is cut short".to_string(),
        ));
    }
    let kind = [head[4], head[5], head[6], head[7]];
    let (header, size) = match be_u32(head, 0) {
        0 => (8, room),
        1 if head.len() >= 16 => (16, be_u64(head, 8)),
        1 => {
            return Err(Fault::Truncated(
                "a 64-bit MP4 box size is cut short".to_string(),
            ));
        }
        n => (8, u64::from(n)),
    };
    if size < header {
        return Err(Fault::Corrupt(format!(
            "the MP4 '{}' box claims {size} bytes, less than its own header",
            id_text(&kind)
        )));
    }
    Ok((kind, header, size))
}

impl Walk {
    /// Reads box `kind`'s `body` (a child of `parent`), at nesting `depth`.
    fn boxes(
        &mut self,
        parent: &[u8; 4],
        kind: &[u8; 4],
        body: &[u8],
        depth: usize,
    ) -> Result<(), Fault> {
        self.boxes += 1;
        if self.boxes > 16 * MAX_ITEMS {
            return Err(Fault::Corrupt(
                "too many MP4 boxes in the index".to_string(),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(Fault::Corrupt(format!(
                "MP4 boxes nested more than {MAX_DEPTH} deep"
            )));
        }
        if kind == b"trak" {
            self.tracks.push(Track::default());
        }
        if kind == b"----" {
            self.freeform_name = None;
        }
        let children = if CONTAINERS.contains(&kind) {
            body
        } else if kind == b"meta" {
            // ISO `meta` is a full box (4 bytes of version and flags); QuickTime's is not.
            if body.get(4..8) == Some(b"hdlr") {
                body
            } else {
                body.get(4..).unwrap_or_default()
            }
        } else {
            return self.leaf(parent, kind, body);
        };
        let mut at = 0usize;
        while at + 8 <= children.len() {
            let room = (children.len() - at) as u64;
            let (child, header, size) = box_header(&children[at..], room)?;
            if size > room {
                return Err(Fault::Corrupt(format!(
                    "the MP4 '{}' box claims {size} bytes, more than its parent '{}' holds",
                    id_text(&child),
                    id_text(kind)
                )));
            }
            let (header, size) = (header as usize, size as usize);
            self.boxes(kind, &child, &children[at + header..at + size], depth + 1)?;
            at += size;
        }
        Ok(())
    }

    fn track(&mut self) -> Option<&mut Track> {
        self.tracks.last_mut()
    }

    /// Reads the leaf boxes that matter (each only where it belongs).
    fn leaf(&mut self, parent: &[u8; 4], kind: &[u8; 4], b: &[u8]) -> Result<(), Fault> {
        let short = || Fault::Corrupt(format!("the MP4 '{}' box is too short", id_text(kind)));
        match (parent, kind) {
            (b"moov", b"mvhd") => {
                let at = if b.first() == Some(&1) { 20 } else { 12 };
                let ts = b.get(at..at + 4).ok_or_else(short)?;
                self.movie_timescale = Some(u64::from(be_u32(ts, 0)));
            }
            (b"mdia", b"mdhd") => {
                let at = if b.first() == Some(&1) { 20 } else { 12 };
                let ts = b.get(at..at + 4).ok_or_else(short)?;
                if let Some(t) = self.track() {
                    t.timescale = Some(u64::from(be_u32(ts, 0)));
                }
            }
            (b"mdia", b"hdlr") => {
                let h = b.get(8..12).ok_or_else(short)?;
                if let Some(t) = self.track() {
                    t.handler = Some([h[0], h[1], h[2], h[3]]);
                }
            }
            (b"stbl", b"stsd") => {
                let entry = b.get(12..16).ok_or_else(short)?;
                if let Some(t) = self.track() {
                    t.entry = Some([entry[0], entry[1], entry[2], entry[3]]);
                }
            }
            (b"edts", b"elst") => {
                let edit = first_edit(b).ok_or_else(short)?;
                if let Some(t) = self.track()
                    && t.edit.is_none()
                {
                    t.edit = edit;
                }
            }
            (_, b"stsz") => {
                let head = b.get(4..12).ok_or_else(short)?;
                let (fixed, count) = (be_u32(head, 0), be_u32(head, 4));
                check_packet(u64::from(fixed), "stsz")?;
                if fixed == 0 {
                    let table = b.get(12..).unwrap_or_default();
                    if (table.len() / 4) < count as usize {
                        return Err(Fault::Corrupt(format!(
                            "the MP4 sample size table claims {count} entries in {} bytes",
                            table.len()
                        )));
                    }
                    for size in table.chunks_exact(4).take(count as usize) {
                        check_packet(u64::from(be_u32(size, 0)), "stsz")?;
                    }
                }
            }
            (_, b"trex") => {
                let size = b.get(16..20).ok_or_else(short)?;
                check_packet(u64::from(be_u32(size, 0)), "trex")?;
            }
            (_, b"tfhd") => self.tfhd(b)?,
            (_, b"trun") => trun(b)?,
            (b"----", b"name") => {
                self.freeform_name = b.get(4..).map(<[u8]>::to_vec);
            }
            (b"----", b"data") if self.freeform_name.as_deref() == Some(b"iTunSMPB") => {
                let text = b.get(8..).unwrap_or_default();
                self.smpb = Some(String::from_utf8_lossy(text).into_owned());
            }
            _ => {}
        }
        Ok(())
    }

    /// `tfhd`: the default sample size, when present (flag 0x10).
    fn tfhd(&mut self, b: &[u8]) -> Result<(), Fault> {
        let short = || Fault::Corrupt("the MP4 'tfhd' box is too short".to_string());
        let head = b.get(0..4).ok_or_else(short)?;
        let flags = u32::from_be_bytes([0, head[1], head[2], head[3]]);
        let mut at = 8; // version/flags, track id
        for (flag, width) in [(0x01, 8), (0x02, 4), (0x08, 4)] {
            if flags & flag != 0 {
                at += width;
            }
        }
        if flags & 0x10 != 0 {
            let size = b.get(at..at + 4).ok_or_else(short)?;
            check_packet(u64::from(be_u32(size, 0)), "tfhd")?;
        }
        Ok(())
    }

    /// Picks the audio track and turns what it says into a [`Preflight`].
    fn finish(self) -> Result<Preflight, Fault> {
        let audio = self.tracks.iter().find(|t| t.handler == Some(*b"soun"));
        let Some(track) = audio else {
            return if self.tracks.is_empty() {
                Err(Fault::Corrupt(
                    "the MP4 file holds no tracks (no 'moov' box)".to_string(),
                ))
            } else {
                Err(Fault::Unsupported(
                    "an MP4 file with no audio track".to_string(),
                ))
            };
        };
        let entry = track.entry.unwrap_or(*b"    ");
        if let Some(codec) = unsupported_entry(&entry) {
            return Err(Fault::Unsupported(format!(
                "codec {codec} in an MP4 container: not decoded by this crate (AAC-LC, ALAC, \
                 MP3, FLAC and PCM are)"
            )));
        }
        let track_scale = track.timescale.filter(|&t| t > 0);
        let movie_scale = self.movie_timescale.filter(|&t| t > 0);
        let mut pre = Preflight {
            exact_count: true,
            ..Preflight::default()
        };
        match (track.edit, track_scale) {
            (Some((duration, media_time)), Some(ts)) => {
                pre.skip = Some(Span {
                    value: media_time,
                    per_second: ts,
                });
                pre.keep = match movie_scale {
                    Some(ms) if duration > 0 => Some(Span {
                        value: duration,
                        per_second: ms,
                    }),
                    _ => None,
                };
                pre.keep_rounded = true;
            }
            _ => {
                if let Some((priming, valid)) = self.smpb.as_deref().and_then(parse_smpb) {
                    pre.skip = Some(Span {
                        value: priming,
                        per_second: track_scale.unwrap_or(1),
                    });
                    pre.keep = Some(Span {
                        value: valid,
                        per_second: track_scale.unwrap_or(1),
                    });
                }
            }
        }
        // Span values in the track's timescale are frames only when the timescale is the
        // sample rate (it is in audio tracks written by ffmpeg and Apple); `Span::frames`
        // converts otherwise. iTunSMPB counts frames: it assumes the same.
        Ok(pre)
    }
}

/// The first edit that maps media (`media_time ≥ 0`) at normal rate: (segment duration, media time).
/// `None` inside means the list has no such edit; `None` outside means the box is too short.
fn first_edit(b: &[u8]) -> Option<Option<(u64, u64)>> {
    let version = *b.first()?;
    let count = be_u32(b.get(4..8)?, 0) as usize;
    let width = if version == 1 { 20 } else { 12 };
    let entries = b.get(8..)?;
    if entries.len() / width < count {
        return None;
    }
    for e in entries.chunks_exact(width).take(count) {
        let (duration, media_time, rate) = if version == 1 {
            (be_u64(e, 0), be_u64(e, 8) as i64, be_u16(e, 16))
        } else {
            (
                u64::from(be_u32(e, 0)),
                i64::from(be_u32(e, 4) as i32),
                be_u16(e, 8),
            )
        };
        if media_time >= 0 {
            return Some((rate == 1).then_some((duration, media_time as u64)));
        }
    }
    Some(None)
}

/// `trun`: every sample size it lists (flag 0x200).
fn trun(b: &[u8]) -> Result<(), Fault> {
    let short = || Fault::Corrupt("the MP4 'trun' box is too short".to_string());
    let head = b.get(0..8).ok_or_else(short)?;
    let flags = u32::from_be_bytes([0, head[1], head[2], head[3]]);
    let count = be_u32(head, 4) as usize;
    let mut at = 8;
    if flags & 0x01 != 0 {
        at += 4;
    }
    if flags & 0x04 != 0 {
        at += 4;
    }
    let fields = [0x100, 0x200, 0x400, 0x800]
        .iter()
        .filter(|&&f| flags & f != 0)
        .count();
    let entries = b.get(at..).unwrap_or_default();
    if fields == 0 {
        return Ok(());
    }
    if entries.len() / (4 * fields) < count {
        return Err(Fault::Corrupt(format!(
            "the MP4 'trun' box claims {count} samples in {} bytes",
            entries.len()
        )));
    }
    if flags & 0x200 != 0 {
        let offset = if flags & 0x100 != 0 { 4 } else { 0 };
        for e in entries.chunks_exact(4 * fields).take(count) {
            check_packet(u64::from(be_u32(e, offset)), "trun")?;
        }
    }
    Ok(())
}

fn check_packet(size: u64, table: &str) -> Result<(), Fault> {
    if size > MAX_PACKET_BYTES {
        Err(Fault::Corrupt(format!(
            "the MP4 '{table}' table claims a packet of {size} bytes (at most {MAX_PACKET_BYTES} \
             are accepted)"
        )))
    } else {
        Ok(())
    }
}

/// The name of an audio sample entry this crate does not decode.
fn unsupported_entry(entry: &[u8; 4]) -> Option<String> {
    let known: &[u8; 4] = entry;
    let name = match known {
        b"mp4a" | b"alac" | b"fLaC" | b".mp3" | b"lpcm" | b"sowt" | b"twos" | b"in24" | b"in32"
        | b"fl32" | b"fl64" | b"raw " | b"ulaw" | b"alaw" | b"NONE" => return None,
        b"Opus" => "Opus",
        b"samr" => "AMR-NB (adaptive multi-rate speech)",
        b"sawb" => "AMR-WB (adaptive multi-rate wideband speech)",
        b"ac-3" => "AC-3 (Dolby Digital)",
        b"ec-3" => "E-AC-3 (Dolby Digital Plus)",
        b"ac-4" => "AC-4",
        b"mha1" | b"mhm1" => "MPEG-H 3D Audio",
        b"dtsc" | b"dtsh" | b"dtsl" | b"dtse" => "DTS",
        b"ima4" => "IMA ADPCM",
        b"Qclp" | b"sqcp" => "QCELP",
        b"    " => "an unknown codec (no sample entry)",
        _ => return Some(format!("'{}'", id_text(entry))),
    };
    Some(name.to_string())
}

/// `iTunSMPB`: " 00000000 PRIMING PADDING TOTAL …" in hexadecimal; (priming, valid frames).
fn parse_smpb(text: &str) -> Option<(u64, u64)> {
    let fields: Vec<u64> = text
        .split_whitespace()
        .take(4)
        .map(|f| u64::from_str_radix(f, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    match fields[..] {
        [_, priming, _, total] if total > 0 => Some((priming, total)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smpb_fields() {
        let text = " 00000000 00000840 000001CA 00000000000D2B36 00000000 00000000";
        assert_eq!(parse_smpb(text), Some((0x840, 0xD2B36)));
        assert_eq!(parse_smpb("nonsense"), None);
        assert_eq!(parse_smpb(" 0 840 1CA 0"), None);
    }

    #[test]
    fn edit_lists() {
        // version 0: one empty edit (media time -1), then 1000 units from media time 1024.
        let mut b = vec![0, 0, 0, 0, 0, 0, 0, 2];
        b.extend_from_slice(&500u32.to_be_bytes());
        b.extend_from_slice(&(-1i32).to_be_bytes());
        b.extend_from_slice(&[0, 1, 0, 0]);
        b.extend_from_slice(&1000u32.to_be_bytes());
        b.extend_from_slice(&1024u32.to_be_bytes());
        b.extend_from_slice(&[0, 1, 0, 0]);
        assert_eq!(first_edit(&b), Some(Some((1000, 1024))));
        assert_eq!(first_edit(&b[..20]), None);
    }

    #[test]
    fn boxes_must_fit_their_parent() {
        let mut walk = Walk::default();
        let mut trak = 100u32.to_be_bytes().to_vec();
        trak.extend_from_slice(b"trak");
        assert!(matches!(
            walk.boxes(b"file", b"moov", &trak, 1),
            Err(Fault::Corrupt(_))
        ));
        let mut stsz = 28u32.to_be_bytes().to_vec();
        stsz.extend_from_slice(b"stsz");
        stsz.extend_from_slice(&[0; 4]);
        stsz.extend_from_slice(&0u32.to_be_bytes());
        stsz.extend_from_slice(&2u32.to_be_bytes());
        stsz.extend_from_slice(&100u32.to_be_bytes());
        stsz.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(
            matches!(walk.boxes(b"minf", b"stbl", &stsz, 1), Err(Fault::Corrupt(m)) if m.contains("packet"))
        );
    }
}
