//! Container detection from the first bytes of a file, never from its name.

use crate::error::Fault;
use crate::info::Container;

/// Bytes [`sniff`] needs to decide.
pub(crate) const SNIFF_LEN: usize = 12;

/// Detects the container from the first [`SNIFF_LEN`] bytes (fewer if the file is shorter).
///
/// WAV (`RIFF….WAVE`), AIFF (`FORM….AIFF`) and AIFF-C (`FORM….AIFC`) are
/// recognised; anything else is an error that says what the bytes look like.
pub(crate) fn sniff(head: &[u8]) -> Result<Container, Fault> {
    let tag = head.get(0..4);
    let form = head.get(8..12);
    match (tag, form) {
        (Some(b"RIFF"), Some(b"WAVE")) => Ok(Container::Wav),
        (Some(b"FORM"), Some(b"AIFF")) => Ok(Container::Aiff),
        (Some(b"FORM"), Some(b"AIFC")) => Ok(Container::AiffC),
        (Some(b"RIFX"), Some(b"WAVE")) => Err(Fault::Unsupported(
            "big-endian RIFX WAVE container".to_string(),
        )),
        (Some(b"RF64" | b"BW64"), _) => Err(Fault::Unsupported(
            "64-bit RF64/BW64 WAVE container".to_string(),
        )),
        _ => Err(Fault::UnknownContainer(describe(head))),
    }
}

/// Names what the first bytes of a non-WAV/AIFF file look like.
pub(crate) fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "empty file".to_string();
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    let known = if starts(b"ID3") {
        Some("ID3 tag (mp3)")
    } else if starts(b"fLaC") {
        Some("fLaC (FLAC)")
    } else if starts(b"OggS") {
        Some("OggS (Ogg Vorbis/Opus/FLAC)")
    } else if starts(b".snd") {
        Some(".snd (Sun/NeXT AU)")
    } else if starts(b"caff") {
        Some("caff (Apple CAF)")
    } else if starts(b"wvpk") {
        Some("wvpk (WavPack)")
    } else if starts(b"MAC ") {
        Some("MAC (Monkey's Audio)")
    } else if starts(b"#!AMR") {
        Some("#!AMR (AMR speech)")
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
    } else if head.get(4..8) == Some(b"ftyp") {
        Some("ftyp (MP4/M4A)")
    } else if starts(b"RIFF") || starts(b"FORM") {
        None // but not WAVE/AIFF: say which form below.
    } else if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xF6 == 0xF0 {
        Some("ADTS frame sync (AAC)")
    } else if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        Some("MPEG audio frame sync (mp3)")
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
    use super::*;

    fn found(head: &[u8]) -> String {
        match sniff(head) {
            Err(Fault::UnknownContainer(s)) => s,
            other => panic!("expected UnknownContainer, got {other:?}"),
        }
    }

    #[test]
    fn recognises_containers() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt ").ok(), Some(Container::Wav));
        assert_eq!(sniff(b"FORM\0\0\0\0AIFFCOMM").ok(), Some(Container::Aiff));
        assert_eq!(sniff(b"FORM\0\0\0\0AIFCFVER").ok(), Some(Container::AiffC));
    }

    #[test]
    fn names_what_it_found() {
        assert_eq!(found(b""), "empty file");
        assert_eq!(found(b"ID3\x04\0\0\0\0\0\0\0\0"), "ID3 tag (mp3)");
        assert_eq!(
            found(b"\xff\xfb\x90\x64\0\0\0\0\0\0\0\0"),
            "MPEG audio frame sync (mp3)"
        );
        assert_eq!(found(b"fLaC\0\0\0\x22\0\0\0\0"), "fLaC (FLAC)");
        assert_eq!(
            found(b"OggS\0\x02\0\0\0\0\0\0"),
            "OggS (Ogg Vorbis/Opus/FLAC)"
        );
        assert_eq!(
            found(b"RIFF\0\0\0\0AVI LIST"),
            "RIFF container of form AVI "
        );
        assert_eq!(found(b"hello world!"), "text \"hello world!\"");
        assert_eq!(found(b"\x01\x02"), "only 2 bytes: 01 02");
    }

    #[test]
    fn refuses_rifx_and_rf64() {
        assert!(matches!(
            sniff(b"RIFX\0\0\0\0WAVE"),
            Err(Fault::Unsupported(_))
        ));
        assert!(matches!(
            sniff(b"RF64\xff\xff\xff\xffWAVE"),
            Err(Fault::Unsupported(_))
        ));
    }
}
