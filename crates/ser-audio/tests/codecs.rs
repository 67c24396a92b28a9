//! Compressed containers decoded through symphonia (cargo feature `symphonia`, on by default),
//! against the committed fixtures (`tests/fixtures/README` says how each was made): lossless
//! codecs equal the WAV source bit for bit, lossy ones match ffmpeg's decode at ≥ 40 dB SNR with
//! the encoder delay trimmed by the loader; containers found from the bytes; typed errors naming
//! the file for truncated, corrupt and unsupported input; the memory limits.
#![cfg(feature = "symphonia")]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use ser_audio::{
    Audio, AudioError, Codec, Container, LoadOptions, SampleFormat, load, load_bytes, probe,
    probe_bytes, resample,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn loaded(path: &Path, opts: &LoadOptions) -> Audio {
    load(path, opts).unwrap_or_else(|e| panic!("{e}"))
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ser-audio-codecs-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Signal-to-noise ratio of `test` against `reference` (same length), in dB.
fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
    assert_eq!(reference.len(), test.len());
    let (mut signal, mut noise) = (0f64, 0f64);
    for (r, t) in reference.iter().zip(test) {
        signal += f64::from(*r).powi(2);
        noise += (f64::from(*r) - f64::from(*t)).powi(2);
    }
    10.0 * (signal / noise.max(1e-30)).log10()
}

/// The error of loading `bytes` named `name`; checks it names the file.
fn load_err(bytes: &[u8], name: &str) -> AudioError {
    let e = load_bytes(bytes, Path::new(name), &LoadOptions::native()).expect_err("should fail");
    assert_eq!(e.path(), Path::new(name), "{e}");
    assert!(e.to_string().contains(name), "{e}");
    e
}

/// The first index of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"))
}

const LOSSLESS: [(&str, Container, Codec); 3] = [
    ("source.flac", Container::Flac, Codec::Flac),
    ("alac.m4a", Container::Mp4, Codec::Alac),
    ("alac.caf", Container::Caf, Codec::Alac),
];

#[test]
fn lossless_codecs_equal_the_wav_source_bit_for_bit() {
    let wav = fixture("source.wav");
    for (name, container, codec) in LOSSLESS {
        let path = fixture(name);
        for opts in [
            LoadOptions::native().mono(false),
            LoadOptions::native(),
            LoadOptions::default(),
            LoadOptions::study(),
            LoadOptions::native().offset(0.25).duration(Some(0.5)),
            LoadOptions::default().sample_rate(Some(16_000)).mono(false),
        ] {
            assert_eq!(loaded(&path, &opts), loaded(&wav, &opts), "{name} {opts:?}");
        }
        let info = probe(&path).expect("probe");
        assert_eq!((info.container, info.codec), (container, codec), "{name}");
        assert_eq!(info.format, SampleFormat::I16, "{name}");
        assert_eq!(
            (info.sample_rate, info.channels, info.frames),
            (22_050, 2, 22_050),
            "{name}"
        );
        assert!(
            !info.truncated && !info.extension_mismatch,
            "{name}: {info}"
        );
    }
    assert_eq!(
        probe(fixture("alac.m4a")).expect("probe").to_string(),
        "MP4 (ALAC), 16-bit PCM, 22050 Hz, 2 channels, 22050 frames (1.000 s)"
    );
    assert_eq!(
        probe(fixture("source.flac")).expect("probe").to_string(),
        "FLAC, 16-bit PCM, 22050 Hz, 2 channels, 22050 frames (1.000 s)"
    );
}

/// Ogg FLAC and 24-bit PCM in CAF give the WAV source's first frames bit for bit; MP3
/// packets remuxed into MP4 decode exactly as in the MP3 file, their LAME delay trimmed by
/// the MP4 edit list instead of the Xing header.
#[test]
fn other_codecs_in_other_containers() {
    let wav = loaded(&fixture("source.wav"), &LoadOptions::native().mono(false));
    for (name, container, codec, format, frames) in [
        (
            "flac.oga",
            Container::Ogg,
            Codec::Flac,
            SampleFormat::I16,
            4_410,
        ),
        (
            "pcm.caf",
            Container::Caf,
            Codec::Pcm,
            SampleFormat::I24,
            2_205,
        ),
    ] {
        let audio = loaded(&fixture(name), &LoadOptions::native().mono(false));
        assert_eq!(audio.samples, wav.samples[..2 * frames], "{name}");
        let info = probe(fixture(name)).expect("probe");
        assert_eq!(
            (info.container, info.codec, info.format, info.frames),
            (container, codec, format, frames as u64),
            "{name}"
        );
    }
    let in_mp4 = loaded(&fixture("mp3.mp4"), &LoadOptions::native());
    let mp3 = loaded(&fixture("mp3_44k.mp3"), &LoadOptions::native());
    // The edit list's duration is in milliseconds and includes LAME's padding; ffmpeg 5.1
    // decodes these 23 087 frames too.
    assert_eq!(in_mp4.frames(), 23_087);
    assert_eq!(in_mp4.samples[..22_050], mp3.samples[..]);
    let info = probe(fixture("mp3.mp4")).expect("probe");
    assert_eq!((info.container, info.codec), (Container::Mp4, Codec::Mp3));
}

/// (file, container, codec, rate, frames of the source that was encoded).
const LOSSY: [(&str, Container, Codec, u32, usize); 4] = [
    ("mp3_22k.mp3", Container::Mp3, Codec::Mp3, 22_050, 13_230),
    ("mp3_44k.mp3", Container::Mp3, Codec::Mp3, 44_100, 22_050),
    ("vorbis.ogg", Container::Ogg, Codec::Vorbis, 22_050, 13_230),
    ("aac.m4a", Container::Mp4, Codec::AacLc, 22_050, 22_050),
];

/// The loader trims the encoder delay and padding (LAME's gapless header for MP3, the Ogg
/// granule positions for Vorbis, the MP4 edit list for AAC): the result has exactly the
/// frames that were encoded, aligned with ffmpeg's decode sample for sample.
#[test]
fn lossy_codecs_match_ffmpeg_at_40_db_with_the_delay_trimmed_by_the_loader() {
    for (name, container, codec, rate, frames) in LOSSY {
        let ours = loaded(&fixture(name), &LoadOptions::native());
        let reference = loaded(&fixture(&format!("{name}.ref.wav")), &LoadOptions::native());
        assert_eq!((ours.sample_rate, ours.channels), (rate, 1), "{name}");
        assert_eq!(ours.frames(), frames, "{name}: the encoded length");
        // ffmpeg 5.1 keeps the padding of AAC and Vorbis (its decode is longer), not of MP3.
        assert!(reference.frames() >= frames, "{name}");
        let snr = snr_db(&reference.samples[..frames], &ours.samples);
        println!("{name}: SNR against ffmpeg {snr:.1} dB over {frames} frames");
        assert!(snr >= 40.0, "{name}: {snr:.1} dB");
        let info = probe(fixture(name)).expect("probe");
        assert_eq!((info.container, info.codec), (container, codec), "{name}");
        assert_eq!(info.format, SampleFormat::F32, "{name}");
        assert_eq!(info.frames, frames as u64, "{name}");
        assert!(!info.truncated, "{name}");
    }
    assert_eq!(
        probe(fixture("aac.m4a")).expect("probe").to_string(),
        "MP4 (AAC-LC), 32-bit float, 22050 Hz, 1 channel, 22050 frames (1.000 s)"
    );
}

/// Raw ADTS carries no priming count, so its 1024 priming frames stay (ffmpeg keeps them
/// too); the same packets in MP4 are trimmed by the edit list. Misaligned by the priming,
/// the comparison fails: the 40 dB above is sensitive to the delay.
#[test]
fn adts_keeps_the_priming_that_only_the_mp4_edit_list_declares() {
    let adts = loaded(&fixture("aac.aac"), &LoadOptions::native());
    let reference = loaded(&fixture("aac.m4a.ref.wav"), &LoadOptions::native());
    assert_eq!(adts.frames(), 23 * 1024);
    let n = 22_050;
    let aligned = snr_db(&reference.samples[..n], &adts.samples[1024..1024 + n]);
    assert!(aligned >= 40.0, "{aligned:.1} dB");
    let misaligned = snr_db(&reference.samples[..n], &adts.samples[..n]);
    assert!(misaligned < 10.0, "{misaligned:.1} dB");
    let info = probe(fixture("aac.aac")).expect("probe");
    assert_eq!(
        (info.container, info.codec),
        (Container::Adts, Codec::AacLc)
    );
    assert_eq!(info.frames, 23 * 1024);
}

/// `load(offset=0.5)` of an M4A equals ffmpeg's decode from 0.5 s; windows and resampling
/// go through the same block-wise output stage as WAV.
#[test]
fn m4a_from_half_a_second_matches_the_reference_from_there() {
    let path = fixture("aac.m4a");
    let reference = loaded(&fixture("aac.m4a.ref.wav"), &LoadOptions::native());
    let from_half = loaded(&path, &LoadOptions::native().offset(0.5));
    assert_eq!(from_half.frames(), 11_025);
    let snr = snr_db(&reference.samples[11_025..22_050], &from_half.samples);
    println!("aac.m4a from 0.5 s: SNR {snr:.1} dB");
    assert!(snr >= 40.0, "{snr:.1} dB");
    let window = loaded(
        &path,
        &LoadOptions::native().offset(0.5).duration(Some(0.25)),
    );
    assert_eq!(window.samples, from_half.samples[..5_512]);
    // Resampled to 16 kHz block by block: equal to resampling the native window whole.
    let at_16k = loaded(
        &path,
        &LoadOptions::default().sample_rate(Some(16_000)).offset(0.5),
    );
    let whole = resample(&from_half.samples, 22_050, 16_000).expect("resample");
    assert_eq!(at_16k.samples, whole);
    // From disk and from memory alike.
    let in_memory = load_bytes(&bytes("aac.m4a"), &path, &LoadOptions::native().offset(0.5))
        .expect("load_bytes");
    assert_eq!(in_memory, from_half);
    assert_eq!(
        probe_bytes(&bytes("aac.m4a"), &path).expect("probe_bytes"),
        probe(&path).expect("probe")
    );
    // Past the end: no samples, with the real frame count.
    let past = load(&path, &LoadOptions::native().offset(1.5)).expect_err("past the end");
    assert!(
        matches!(
            past,
            AudioError::NoSamples {
                total_frames: 22_050,
                start_frame: 33_075,
                ..
            }
        ),
        "{past:?}"
    );
    let tiny = load(&path, &LoadOptions::native().duration(Some(1e-6))).expect_err("no frame");
    assert!(
        matches!(
            tiny,
            AudioError::NoSamples {
                total_frames: 22_050,
                ..
            }
        ),
        "{tiny:?}"
    );
}

#[test]
fn containers_are_found_from_the_bytes_not_the_name() {
    let dir = temp_dir("names");
    for (source, renamed, container) in [
        ("source.flac", "clip.wav", Container::Flac),
        ("mp3_44k.mp3", "speech.wav", Container::Mp3),
        ("aac.m4a", "memo.mp3", Container::Mp4),
        ("vorbis.ogg", "take.flac", Container::Ogg),
        ("alac.caf", "noext", Container::Caf),
    ] {
        let path = dir.join(renamed);
        std::fs::write(&path, bytes(source)).expect("write");
        let info = probe(&path).expect("probe");
        assert_eq!(info.container, container, "{renamed}");
        let named_right = !renamed.contains('.');
        assert_eq!(info.extension_mismatch, !named_right, "{renamed}");
        if !named_right {
            let ext = renamed.rsplit('.').next().unwrap_or_default();
            let said = format!("{container} data in a file named .{ext}");
            assert!(info.to_string().contains(&said), "{info}");
        }
        let opts = LoadOptions::default();
        assert_eq!(
            loaded(&path, &opts),
            loaded(&fixture(source), &opts),
            "{renamed}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn codecs_this_crate_does_not_decode_are_named_with_the_file() {
    let unsupported = |bytes: &[u8], name: &str, codec: &str| match load_err(bytes, name) {
        AudioError::Unsupported { what, .. } => assert!(what.contains(codec), "{name}: {what}"),
        other => panic!("{name}: {other:?}"),
    };
    // Opus in Ogg (libopus via ffmpeg).
    unsupported(&bytes("opus.ogg"), "voice.ogg", "Opus");
    let e = probe(fixture("opus.ogg")).expect_err("probe refuses it too");
    assert!(matches!(e, AudioError::Unsupported { .. }), "{e}");
    // HE-AAC: the AAC-LC fixture's AudioSpecificConfig with SBR signalled, explicitly
    // (object type 5) or through the backward-compatible extension ffmpeg writes.
    let m4a = bytes("aac.m4a");
    let asc = find(&m4a, &[0x13, 0x88, 0x56, 0xE5, 0x00]);
    let mut explicit = m4a.clone();
    explicit[asc..asc + 2].copy_from_slice(&[0x2B, 0x88]);
    unsupported(&explicit, "he.m4a", "HE-AAC");
    let mut implicit = m4a.clone();
    implicit[asc + 4] = 0x80;
    unsupported(&implicit, "he2.m4a", "HE-AAC");
    // AMR speech: a raw `#!AMR` file, and AMR-NB in a 3GP/MP4 sample entry.
    unsupported(
        b"#!AMR\n\x3c\x48\xf5\x1f\x96\x66\x79\xe1",
        "memo.amr",
        "AMR",
    );
    let entry = find(&m4a, b"mp4a");
    let mut amr = m4a.clone();
    amr[entry..entry + 4].copy_from_slice(b"samr");
    unsupported(&amr, "memo.3gp", "AMR-NB");
    let mut opus_mp4 = m4a.clone();
    opus_mp4[entry..entry + 4].copy_from_slice(b"Opus");
    unsupported(&opus_mp4, "voice.mp4", "Opus");
    // MPEG audio Layer II.
    let mut mp2 = vec![0xFF, 0xFD, 0x90, 0x64];
    mp2.extend_from_slice(&[0; 64]);
    unsupported(&mp2, "radio.mp2", "Layer II");
}

/// A file cut inside its audio loads the packets present (as a cut WAV loads the frames
/// present) and `probe` says it is truncated; cut inside its headers it is a typed error.
#[test]
fn truncated_files_load_what_is_there_or_say_what_is_missing() {
    for name in ["source.flac", "mp3_22k.mp3", "mp3_44k.mp3", "aac.aac"] {
        let all = bytes(name);
        let full = load_bytes(&all, Path::new(name), &LoadOptions::native()).expect("full");
        let cut = &all[..all.len() * 3 / 5];
        let info = probe_bytes(cut, Path::new(name)).expect("probe");
        assert!(info.truncated, "{name}");
        let part = load_bytes(cut, Path::new(name), &LoadOptions::native()).expect("load");
        assert_eq!(part.frames() as u64, info.frames, "{name}");
        assert!(
            part.frames() > full.frames() / 4 && part.frames() < full.frames(),
            "{name}"
        );
        assert!(full.samples.starts_with(&part.samples), "{name}");
    }
    // Cut in the headers, or (Ogg, CAF, MP4 with its index at the end) anywhere: typed errors.
    for name in [
        "source.flac",
        "alac.m4a",
        "alac.caf",
        "aac.m4a",
        "aac.aac",
        "mp3_22k.mp3",
        "vorbis.ogg",
    ] {
        let all = bytes(name);
        let mut cuts = vec![5, 9, 30, 100];
        if matches!(name, "alac.m4a" | "alac.caf" | "aac.m4a" | "vorbis.ogg") {
            cuts.extend([all.len() / 2, all.len() - 1]);
        }
        for cut in cuts {
            let e = load_err(&all[..cut], name);
            // Under 12 bytes an MP4 cannot be told from other bytes.
            let unknown = cut < 12 && matches!(e, AudioError::UnknownContainer { .. });
            assert!(
                unknown || matches!(e, AudioError::Truncated { .. } | AudioError::Corrupt { .. }),
                "{name} cut at {cut}: {e:?}"
            );
            let p = probe_bytes(&all[..cut], Path::new(name)).expect_err("probe");
            assert_eq!(p.path(), Path::new(name));
        }
    }
}

#[test]
fn corrupt_files_are_typed_errors_naming_the_file() {
    let corrupt = |bytes: &[u8], name: &str, says: &str| {
        let e = load_err(bytes, name);
        assert!(
            matches!(
                e,
                AudioError::Corrupt { .. } | AudioError::Unsupported { .. }
            ),
            "{name}: {e:?}"
        );
        assert!(e.to_string().contains(says), "{name}: {e}");
    };
    let garble = |name: &str, at: usize| {
        let mut b = bytes(name);
        let at = b.len() * at / 100;
        for x in &mut b[at..at + 64] {
            *x ^= 0x5A;
        }
        b
    };
    // FLAC frames carry checksums: symphonia drops a damaged frame, the loader notices the gap.
    corrupt(&garble("source.flac", 50), "a.flac", "missing or damaged");
    // The AAC and ALAC bitstreams fail to decode.
    corrupt(&garble("aac.m4a", 50), "a.m4a", "AAC-LC packet");
    corrupt(&garble("aac.aac", 50), "a.aac", "AAC-LC packet");
    corrupt(&garble("alac.m4a", 50), "b.m4a", "ALAC packet");
    // Ogg pages carry checksums.
    corrupt(&garble("vorbis.ogg", 50), "a.ogg", "crc");
    // An MP3 whose first frame header is damaged (MP3 audio data has no checksum: damage
    // inside a frame decodes as noise, in every decoder).
    let mut mp3 = bytes("mp3_44k.mp3");
    let first = find(&mp3, &[0xFF, 0xFB]);
    mp3[first + 2] = 0xFC; // bit-rate index 15: invalid
    let e = load_err(&mp3, "a.mp3");
    assert!(matches!(e, AudioError::UnknownContainer { .. }), "{e:?}");
    assert!(e.to_string().contains("ID3v2 tag followed by"), "{e}");
}

/// Sizes a header claims are checked before symphonia allocates them.
#[test]
fn header_claims_are_checked_before_the_decoder_allocates() {
    // An MP4 sample table claiming a 4 GB packet (symphonia would allocate it to read it).
    let mut m4a = bytes("aac.m4a");
    let stsz = find(&m4a, b"stsz");
    m4a[stsz + 16..stsz + 20].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
    let e = load_err(&m4a, "big.m4a");
    assert!(
        matches!(&e, AudioError::Corrupt { reason, .. } if reason.contains("packet of")),
        "{e}"
    );
    // An MP4 index box larger than the file.
    let mut m4a = bytes("aac.m4a");
    let moov = find(&m4a, b"moov") - 4;
    m4a[moov..moov + 4].copy_from_slice(&0x7FFF_0000u32.to_be_bytes());
    assert!(matches!(
        load_err(&m4a, "cut.m4a"),
        AudioError::Truncated { .. }
    ));
    // A CAF description claiming 4 GB packets, and a packet-table entry of 6 MB.
    let mut caf = bytes("alac.caf");
    let desc = find(&caf, b"desc");
    caf[desc + 12 + 16..desc + 12 + 20].copy_from_slice(&u32::MAX.to_be_bytes());
    let e = load_err(&caf, "big.caf");
    assert!(
        matches!(&e, AudioError::Corrupt { reason, .. } if reason.contains("packets of")),
        "{e}"
    );
    let mut caf = bytes("alac.caf");
    let pakt = find(&caf, b"pakt");
    caf[pakt + 12 + 24..pakt + 12 + 28].copy_from_slice(&[0x83, 0x80, 0x80, 0x00]);
    let e = load_err(&caf, "pakt.caf");
    assert!(
        matches!(&e, AudioError::Corrupt { reason, .. } if reason.contains("packet table")),
        "{e}"
    );
    // A FLAC metadata block claiming 16 MB in a 30 KB file.
    let mut flac = bytes("source.flac");
    flac[8 + 34 + 1..8 + 34 + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    assert!(matches!(
        load_err(&flac, "big.flac"),
        AudioError::Truncated { .. }
    ));
    // An ID3v2 tag claiming 256 MB.
    let mut mp3 = bytes("mp3_44k.mp3");
    mp3[6..10].copy_from_slice(&[0x7F; 4]);
    assert!(matches!(
        load_err(&mp3, "tag.mp3"),
        AudioError::Truncated { .. }
    ));
}

/// 5000 s of silence at 8 kHz (40 M frames, an 8.5 KB FLAC): more than
/// `LoadOptions::MAX_SAMPLES` at its own rate. Refused from the header's count before
/// decoding; with the count erased, refused while decoding, as soon as the result would
/// pass the limit; a window of it loads.
#[test]
fn too_long_is_refused_from_the_header_and_again_while_decoding() {
    let path = fixture("long_silence.flac");
    let info = probe(&path).expect("probe");
    assert_eq!((info.sample_rate, info.frames), (8_000, 40_000_000));
    let limit = LoadOptions::MAX_SAMPLES as u64;
    match load(&path, &LoadOptions::native()) {
        Err(AudioError::TooLong {
            path: p, samples, ..
        }) => {
            assert_eq!(p, path);
            assert_eq!(samples, 40_000_000);
        }
        other => panic!("{other:?}"),
    }
    let window = loaded(
        &path,
        &LoadOptions::native().offset(4_000.0).duration(Some(3.0)),
    );
    assert_eq!(window.frames(), 24_000);
    assert!(window.samples.iter().all(|&s| s == 0.0));
    // STREAMINFO's total sample count set to 0 ("unknown").
    let mut unknown = bytes("long_silence.flac");
    unknown[8 + 13] &= 0xF0;
    unknown[8 + 14..8 + 18].fill(0);
    assert_eq!(
        probe_bytes(&unknown, Path::new("unknown.flac"))
            .expect("probe")
            .frames,
        40_000_000
    );
    match load_bytes(&unknown, Path::new("unknown.flac"), &LoadOptions::native()) {
        Err(AudioError::TooLong { samples, .. }) => assert!(samples > limit, "{samples}"),
        other => panic!("{other:?}"),
    }
}

/// MP3 without a Xing/LAME header: no delay is known, so nothing is trimmed (ffmpeg agrees);
/// the frame count is an estimate, so it never cuts the end off.
#[test]
fn mp3_without_a_gapless_header_is_not_trimmed() {
    let mut mp3 = bytes("mp3_44k.mp3");
    // The Xing/Info frame is the first frame: drop it (and the ID3 tag before it).
    let first = find(&mp3, &[0xFF, 0xFB]);
    let h = &mp3[first..first + 4];
    let kbps = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ][usize::from(h[2] >> 4)];
    let rate = [44_100, 48_000, 32_000][usize::from((h[2] >> 2) & 3)];
    let frame_len = 144 * kbps * 1000 / rate + usize::from((h[2] >> 1) & 1);
    mp3.drain(..first + frame_len);
    assert_eq!(&mp3[..2], &[0xFF, 0xFB]);
    let audio = load_bytes(&mp3, Path::new("plain.mp3"), &LoadOptions::native()).expect("load");
    let info = probe_bytes(&mp3, Path::new("plain.mp3")).expect("probe");
    assert_eq!(audio.frames() as u64, info.frames);
    assert_eq!(audio.frames() % 1152, 0);
    assert!(audio.frames() >= 22_050 + 1105, "{}", audio.frames());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Compressed files with bytes overwritten and cut short: never a panic, always a typed
    /// error naming the file or a result; where probe and load both succeed they agree
    /// (the fuzz targets' invariant).
    #[test]
    fn mutated_compressed_files_never_panic(
        which in 0usize..11,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        keep in 0.05f64..1.0,
    ) {
        let names = [
            "source.flac", "alac.m4a", "alac.caf", "aac.m4a", "aac.aac",
            "mp3_22k.mp3", "vorbis.ogg", "opus.ogg", "flac.oga", "pcm.caf", "mp3.mp4",
        ];
        let name = names[which];
        let mut b = bytes(name);
        for (at, value) in edits {
            let i = at.index(b.len());
            b[i] = value;
        }
        b.truncate(((b.len() as f64) * keep) as usize + 1);
        let path = Path::new("mutated.bin");
        let probed = probe_bytes(&b, path);
        let native = load_bytes(&b, path, &LoadOptions::native().mono(false));
        for e in [probed.as_ref().err(), native.as_ref().err()].into_iter().flatten() {
            prop_assert_eq!(e.path(), path);
        }
        if let (Ok(info), Ok(audio)) = (&probed, &native) {
            prop_assert_eq!(audio.frames() as u64, info.frames, "{}", name);
            prop_assert_eq!(audio.channels, info.channels);
            prop_assert_eq!(audio.sample_rate, info.sample_rate);
        }
        if let Err(e) = load_bytes(&b, path, &LoadOptions::study()) {
            prop_assert_eq!(e.path(), path);
        }
    }
}
