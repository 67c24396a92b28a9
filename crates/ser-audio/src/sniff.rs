//! Container detection from the first bytes of a file, never from its name.

use std::io::{Read, Seek};

use crate::chunk::Source;
use crate::error::Fault;
use crate::info::Container;

/// Bytes [`sniff`] needs to decide.
pub(crate) const SNIFF_LEN: usize = 12;

/// ID3v2 tags skipped before giving up (real files carry one, rarely two).
const MAX_ID3_TAGS: usize = 4;

/// Detects the container from the first [`SNIFF_LEN`] bytes (fewer if the file is shorter).
///
/// WAV (`RIFF….WAVE`), AIFF (`FORM….AIFF`), AIFF-C (`FORM….AIFC`), FLAC
/// (`fLaC`), Ogg (`OggS`), MP4 (`….ftyp`), CAF (`caff`), ADTS AAC and MPEG
/// Layer III frame syncs are recognised; anything else is an error that says
/// what the bytes look like. An ID3v2 tag is not decided here (see [`locate`]).
pub(crate) fn sniff(head: &[u8]) -> Result<Container, Fault> {
    let tag = head.get(0..4);
    let form = head.get(8..12);
    match (tag, form) {
        (Some(b"RIFF"), Some(b"WAVE")) => return Ok(Container::Wav),
        (Some(b"FORM"), Some(b"AIFF")) => return Ok(Container::Aiff),
        (Some(b"FORM"), Some(b"AIFC")) => return Ok(Container::AiffC),
        (Some(b"RIFX"), Some(b"WAVE")) => {
            return Err(Fault::Unsupported(
                "big-endian RIFX WAVE container".to_string(),
            ));
        }
        (Some(b"RF64" | b"BW64"), _) => {
            return Err(Fault::Unsupported(
                "64-bit RF64/BW64 WAVE container".to_string(),
            ));
        }
        _ => {}
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"fLaC") {
        Ok(Container::Flac)
    } else if starts(b"OggS") {
        Ok(Container::Ogg)
    } else if starts(b"caff") {
        Ok(Container::Caf)
    } else if head.get(4..8) == Some(b"ftyp") {
        Ok(Container::Mp4)
    } else if starts(b"#!AMR") {
        Err(Fault::Unsupported(
            "codec AMR (adaptive multi-rate speech, a raw #!AMR file): not decoded by this crate"
                .to_string(),
        ))
    } else if is_adts(head) {
        Ok(Container::Adts)
    } else if let Some(layer) = mpeg_audio_layer(head) {
        if layer == 3 {
            Ok(Container::Mp3)
        } else {
            Err(Fault::Unsupported(format!(
                "codec MPEG audio Layer {} (mp{layer}): only Layer III (mp3) is decoded",
                if layer == 1 { "I" } else { "II" }
            )))
        }
    } else {
        Err(Fault::UnknownContainer(describe(head)))
    }
}

/// Finds the container and where its bytes start: after any ID3v2 tags (which
/// MP3, ADTS and some FLAC files carry in front), else at 0.
///
/// A tag whose size runs past the end of the file is [`Fault::Truncated`].
pub(crate) fn locate<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<(Container, u64), Fault> {
    let mut at = 0u64;
    for _ in 0..=MAX_ID3_TAGS {
        let head = src.read_upto(at, SNIFF_LEN)?;
        if head.starts_with(b"ID3") && head.len() < 10 {
            return Err(Fault::Truncated(format!(
                "the file ends inside an ID3v2 tag header at byte {at}"
            )));
        }
        if head.is_empty() && at > 0 {
            return Err(Fault::Truncated(
                "the file ends after its ID3v2 tag, before any audio".to_string(),
            ));
        }
        let Some(tag_len) = id3v2_len(&head) else {
            return match sniff(&head) {
                Ok(c) => Ok((c, at)),
                Err(Fault::UnknownContainer(found)) if at > 0 => Err(Fault::UnknownContainer(
                    format!("an ID3v2 tag followed by {found}"),
                )),
                Err(f) => Err(f),
            };
        };
        let end = at.saturating_add(tag_len);
        if end > src.len() {
            return Err(Fault::Truncated(format!(
                "an ID3v2 tag of {tag_len} bytes at byte {at} runs past the end of the file ({} bytes)",
                src.len()
            )));
        }
        at = end;
    }
    Err(Fault::Corrupt(format!(
        "more than {MAX_ID3_TAGS} ID3v2 tags before the audio"
    )))
}

/// Length of the ID3v2 tag at the start of `head` (header, body and footer), if there is one.
fn id3v2_len(head: &[u8]) -> Option<u64> {
    if !head.starts_with(b"ID3") || head.len() < 10 {
        return None;
    }
    let size = &head[6..10];
    if size.iter().any(|b| b & 0x80 != 0) {
        return None; // not a sync-safe size: not a tag
    }
    let body = size
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7F));
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// An ADTS frame header: 12-bit sync, MPEG version bit, layer `00`, and a
/// valid sampling-frequency index.
fn is_adts(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] == 0xFF && head[1] & 0xF6 == 0xF0 && (head[2] >> 2) & 0x0F < 13
}

/// The layer (1, 2 or 3) of an MPEG audio frame header at the start of
/// `head`, if those four bytes are a valid one.
fn mpeg_audio_layer(head: &[u8]) -> Option<u8> {
    let h = head.get(0..4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 1 is reserved
    let layer = (h[1] >> 1) & 3; // 0 is reserved
    let bitrate = h[2] >> 4; // 15 is invalid
    let rate = (h[2] >> 2) & 3; // 3 is reserved
    if version == 1 || layer == 0 || bitrate == 15 || rate == 3 {
        return None;
    }
    Some(4 - layer)
}

/// Names what the first bytes of a file in no known container look like.
pub(crate) fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "empty file".to_string();
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    let known = if starts(b"ID3") {
        Some("ID3 tag (mp3)")
    } else if starts(b".snd") {
        Some(".snd (Sun/NeXT AU)")
    } else if starts(b"wvpk") {
        Some("wvpk (WavPack)")
    } else if starts(b"MAC ") {
        Some("MAC (Monkey's Audio)")
    } else if starts(b"MThd") {
        Some("MThd (MIDI)")
    } else if starts(b"PK\x03\x04") {
        Some("PK (zip archive)")
    } else if starts(b"\x1f\x8b") {
        Some("gzip data")
    } else if starts(b"%PDF") {
        Some("%PDF (PDF document)")
    } else if starts(b"\x1a\x45\xdf\xa3") {
        Some("EBML (Matroska/WebM)")
    } else if starts(b"RIFF") || starts(b"FORM") {
        None // but not WAVE/AIFF: say which form below.
    } else if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        Some("an invalid MPEG audio frame header")
    } else {
        None
    };
    if let Some(name) = known {
        return name.to_string();
    }
    if (starts(b"RIFF") || starts(b"FORM")) && head.len() >= 12 {
        return format!(
            "{} container of form {}",
            printable(&head[0..4]),
            printable(&head[8..12])
        );
    }
    if head.len() < SNIFF_LEN {
        return format!("only {} bytes: {}", head.len(), hex(head));
    }
    let text = head
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if text {
        format!("text \"{}\"", printable(head))
    } else {
        format!("bytes {}", hex(head))
    }
}

fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn found(head: &[u8]) -> String {
        match sniff(head) {
            Err(Fault::UnknownContainer(s)) => s,
            other => panic!("expected UnknownContainer, got {other:?}"),
        }
    }

    fn located(bytes: &[u8]) -> Result<(Container, u64), Fault> {
        let mut cursor = Cursor::new(bytes);
        locate(&mut Source::new(&mut cursor, bytes.len() as u64))
    }

    #[test]
    fn recognises_containers() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt ").ok(), Some(Container::Wav));
        assert_eq!(sniff(b"FORM\0\0\0\0AIFFCOMM").ok(), Some(Container::Aiff));
        assert_eq!(sniff(b"FORM\0\0\0\0AIFCFVER").ok(), Some(Container::AiffC));
        assert_eq!(sniff(b"fLaC\0\0\0\x22\0\0\0\0").ok(), Some(Container::Flac));
        assert_eq!(sniff(b"OggS\0\x02\0\0\0\0\0\0").ok(), Some(Container::Ogg));
        assert_eq!(sniff(b"\0\0\0\x1cftypM4A ").ok(), Some(Container::Mp4));
        assert_eq!(sniff(b"caff\0\x01\0\0desc").ok(), Some(Container::Caf));
        // MPEG-1 Layer III, 128 kb/s, 44.1 kHz; MPEG-2 Layer III, 64 kb/s, 22.05 kHz.
        assert_eq!(
            sniff(b"\xff\xfb\x90\x64\0\0\0\0").ok(),
            Some(Container::Mp3)
        );
        assert_eq!(
            sniff(b"\xff\xf3\x80\xc4\0\0\0\0").ok(),
            Some(Container::Mp3)
        );
        // ADTS, MPEG-4, no CRC, AAC-LC, 22.05 kHz.
        assert_eq!(
            sniff(b"\xff\xf1\x58\x40\0\0\0\0").ok(),
            Some(Container::Adts)
        );
    }

    #[test]
    fn id3_tags_are_skipped() {
        let mut mp3 = b"ID3\x04\0\0\0\0\0\x05hello".to_vec();
        mp3.extend_from_slice(b"\xff\xfb\x90\x64\0\0\0\0\0\0\0\0");
        assert_eq!(located(&mp3).ok(), Some((Container::Mp3, 15)));
        // A tag claiming more bytes than the file holds; a tag and nothing else.
        let cut = b"ID3\x04\0\0\0\0\x7f\x7fhello";
        assert!(matches!(located(cut), Err(Fault::Truncated(_))));
        assert!(matches!(
            located(b"ID3\x04\0\0\0\0\0\x02hi"),
            Err(Fault::Truncated(_))
        ));
        // A tag followed by nothing known.
        let mut junk = b"ID3\x04\0\0\0\0\0\0".to_vec();
        junk.extend_from_slice(b"hello world!");
        match located(&junk) {
            Err(Fault::UnknownContainer(s)) => {
                assert_eq!(s, "an ID3v2 tag followed by text \"hello world!\"")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_what_it_found() {
        assert_eq!(found(b""), "empty file");
        assert_eq!(found(b"ID3\x04\0\0\0\0\0\0\0\0"), "ID3 tag (mp3)");
        assert_eq!(
            found(b"RIFF\0\0\0\0AVI LIST"),
            "RIFF container of form AVI "
        );
        assert_eq!(found(b"hello world!"), "text \"hello world!\"");
        assert_eq!(found(b"\x01\x02"), "only 2 bytes: 01 02");
        assert_eq!(
            found(b"\xff\xff\xff\xff\0\0\0\0\0\0\0\0"),
            "an invalid MPEG audio frame header"
        );
    }

    #[test]
    fn refuses_rifx_rf64_amr_and_mp2() {
        for head in [
            &b"RIFX\0\0\0\0WAVE"[..],
            b"RF64\xff\xff\xff\xffWAVE",
            b"#!AMR\n\x3c\0\0\0\0\0",
            b"\xff\xfd\x90\x64\0\0\0\0",
        ] {
            assert!(
                matches!(sniff(head), Err(Fault::Unsupported(_))),
                "{head:?}"
            );
        }
    }
}
