//! Every supported encoding and container quirk, against a 16-bit WAV of the same samples.

mod common;

use std::path::Path;

use common::wavgen::{aiff, fmt, fmt_extensible, riff, signal, to_i16, wav_i16};
use ser_audio::{Audio, Container, Endian, LoadOptions, SampleFormat, load_bytes, probe_bytes};

const RATE: u32 = 24_414;

fn native(bytes: &[u8]) -> Audio {
    load_bytes(
        bytes,
        Path::new("test.wav"),
        &LoadOptions::native().mono(false),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The reference: a plain 16-bit WAV, `channels` interleaved, and its samples as i16.
fn reference(channels: u16) -> (Vec<i16>, Audio) {
    let ints = to_i16(&signal(1_001, usize::from(channels)));
    let audio = native(&wav_i16(&ints, channels, RATE));
    (ints, audio)
}

fn be16(ints: &[i16]) -> Vec<u8> {
    ints.iter().flat_map(|v| v.to_be_bytes()).collect()
}

#[test]
fn wav_16_bit_scales_by_32768() {
    let (ints, audio) = reference(2);
    assert_eq!(audio.channels, 2);
    assert_eq!(audio.sample_rate, RATE);
    assert_eq!(audio.frames(), 1_001);
    for (a, i) in audio.samples.iter().zip(&ints) {
        assert_eq!(*a, f32::from(*i) / 32_768.0);
    }
}

#[test]
fn aiff_and_aiff_c_pcm_equal_the_wav() {
    for channels in [1u16, 2] {
        let (ints, wav) = reference(channels);
        let frames = (ints.len() / usize::from(channels)) as u32;
        let le: Vec<u8> = ints.iter().flat_map(|v| v.to_le_bytes()).collect();
        let be24: Vec<u8> = ints
            .iter()
            .flat_map(|v| (i32::from(*v) << 8).to_be_bytes()[1..].to_vec())
            .collect();
        let be32: Vec<u8> = ints
            .iter()
            .flat_map(|v| (i32::from(*v) << 16).to_be_bytes())
            .collect();
        let f32s: Vec<u8> = ints
            .iter()
            .flat_map(|v| (f32::from(*v) / 32_768.0).to_be_bytes())
            .collect();
        let f64s: Vec<u8> = ints
            .iter()
            .flat_map(|v| (f64::from(*v) / 32_768.0).to_be_bytes())
            .collect();
        let cases: Vec<(&str, Vec<u8>, SampleFormat, Endian)> = vec![
            (
                "AIFF 16",
                aiff(None, channels, frames, 16, RATE, &be16(&ints)),
                SampleFormat::I16,
                Endian::Big,
            ),
            (
                "AIFF 24",
                aiff(None, channels, frames, 24, RATE, &be24),
                SampleFormat::I24,
                Endian::Big,
            ),
            (
                "AIFF 32",
                aiff(None, channels, frames, 32, RATE, &be32),
                SampleFormat::I32,
                Endian::Big,
            ),
            (
                "AIFC NONE",
                aiff(Some(b"NONE"), channels, frames, 16, RATE, &be16(&ints)),
                SampleFormat::I16,
                Endian::Big,
            ),
            (
                "AIFC twos",
                aiff(Some(b"twos"), channels, frames, 16, RATE, &be16(&ints)),
                SampleFormat::I16,
                Endian::Big,
            ),
            (
                "AIFC sowt",
                aiff(Some(b"sowt"), channels, frames, 16, RATE, &le),
                SampleFormat::I16,
                Endian::Little,
            ),
            (
                "AIFC in24",
                aiff(Some(b"in24"), channels, frames, 24, RATE, &be24),
                SampleFormat::I24,
                Endian::Big,
            ),
            (
                "AIFC fl32",
                aiff(Some(b"fl32"), channels, frames, 32, RATE, &f32s),
                SampleFormat::F32,
                Endian::Big,
            ),
            (
                "AIFC FL32",
                aiff(Some(b"FL32"), channels, frames, 32, RATE, &f32s),
                SampleFormat::F32,
                Endian::Big,
            ),
            (
                "AIFC fl64",
                aiff(Some(b"fl64"), channels, frames, 64, RATE, &f64s),
                SampleFormat::F64,
                Endian::Big,
            ),
        ];
        for (what, bytes, format, endian) in cases {
            let info =
                probe_bytes(&bytes, Path::new("x.aiff")).unwrap_or_else(|e| panic!("{what}: {e}"));
            let container = if what.starts_with("AIFC") {
                Container::AiffC
            } else {
                Container::Aiff
            };
            assert_eq!(info.container, container, "{what}");
            assert_eq!((info.format, info.endian), (format, endian), "{what}");
            assert_eq!(
                (info.channels, info.sample_rate, info.frames),
                (channels, RATE, u64::from(frames)),
                "{what}"
            );
            assert!(!info.truncated && !info.extension_mismatch, "{what}");
            assert_eq!(native(&bytes), wav, "{what}, {channels} channels");
        }
    }
}

#[test]
fn eight_bit_aiff_is_signed_and_wav_unsigned() {
    let bytes: Vec<i8> = vec![-128, -1, 0, 1, 127];
    let aiff_data: Vec<u8> = bytes.iter().map(|b| *b as u8).collect();
    let wav_data: Vec<u8> = bytes.iter().map(|b| (i16::from(*b) + 128) as u8).collect();
    let from_aiff = native(&aiff(None, 1, 5, 8, RATE, &aiff_data));
    let from_wav = native(&riff(&[
        (b"fmt ", fmt(1, 1, RATE, 8)),
        (b"data", wav_data.clone()),
    ]));
    let expected: Vec<f32> = bytes.iter().map(|b| f32::from(*b) / 128.0).collect();
    assert_eq!(from_aiff.samples, expected);
    // The 5-byte data chunk is odd: its pad byte must not become a sample.
    assert_eq!(from_wav.samples, expected);
    let raw = native(&aiff(Some(b"raw "), 1, 5, 8, RATE, &wav_data));
    assert_eq!(raw.samples, expected);
}

#[test]
fn wav_integer_and_float_widths() {
    let (ints, wav16) = reference(1);
    let pcm = |bits: u16, bytes: Vec<u8>| {
        native(&riff(&[(b"fmt ", fmt(1, 1, RATE, bits)), (b"data", bytes)]))
    };
    let i24: Vec<u8> = ints
        .iter()
        .flat_map(|v| (i32::from(*v) << 8).to_le_bytes()[..3].to_vec())
        .collect();
    let i32s: Vec<u8> = ints
        .iter()
        .flat_map(|v| (i32::from(*v) << 16).to_le_bytes())
        .collect();
    assert_eq!(pcm(24, i24.clone()), wav16);
    assert_eq!(pcm(32, i32s.clone()), wav16);
    let f32s: Vec<u8> = ints
        .iter()
        .flat_map(|v| (f32::from(*v) / 32_768.0).to_le_bytes())
        .collect();
    let f64s: Vec<u8> = ints
        .iter()
        .flat_map(|v| (f64::from(*v) / 32_768.0).to_le_bytes())
        .collect();
    assert_eq!(
        native(&riff(&[
            (b"fmt ", fmt(3, 1, RATE, 32)),
            (b"data", f32s.clone())
        ])),
        wav16
    );
    assert_eq!(
        native(&riff(&[(b"fmt ", fmt(3, 1, RATE, 64)), (b"data", f64s)])),
        wav16
    );
    // WAVE_FORMAT_EXTENSIBLE: PCM 24-in-24, 24 valid bits in 32-bit containers, float.
    assert_eq!(
        native(&riff(&[
            (b"fmt ", fmt_extensible(1, 1, RATE, 24, 24)),
            (b"data", i24)
        ])),
        wav16
    );
    assert_eq!(
        native(&riff(&[
            (b"fmt ", fmt_extensible(1, 1, RATE, 32, 24)),
            (b"data", i32s.clone())
        ])),
        wav16
    );
    assert_eq!(
        native(&riff(&[
            (b"fmt ", fmt_extensible(3, 1, RATE, 32, 32)),
            (b"data", f32s)
        ])),
        wav16
    );
    // Plain PCM claiming 24 bits with a 4-byte block: read as 32-bit containers (libsndfile).
    let mut f = fmt(1, 1, RATE, 24);
    f[12..14].copy_from_slice(&4u16.to_le_bytes());
    assert_eq!(native(&riff(&[(b"fmt ", f), (b"data", i32s)])), wav16);
}

#[test]
fn wav_g711() {
    let mulaw = native(&riff(&[
        (b"fmt ", fmt(7, 1, 8_000, 8)),
        (b"data", vec![0x00, 0x80, 0xFF, 0xF0]),
    ]));
    assert_eq!(
        mulaw.samples,
        [
            -32_124.0 / 32_768.0,
            32_124.0 / 32_768.0,
            0.0,
            120.0 / 32_768.0
        ]
    );
    let alaw = native(&riff(&[
        (b"fmt ", fmt(6, 1, 8_000, 8)),
        (b"data", vec![0x55, 0xD5, 0xAA, 0x2A]),
    ]));
    assert_eq!(
        alaw.samples,
        [
            -8.0 / 32_768.0,
            8.0 / 32_768.0,
            32_256.0 / 32_768.0,
            -32_256.0 / 32_768.0
        ]
    );
}

fn data(ints: &[i16]) -> Vec<u8> {
    ints.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn wav_chunk_quirks_of_real_recorders() {
    let (ints, wav16) = reference(1);
    let f = fmt(1, 1, RATE, 16);
    // Odd-length LIST (padded), a 12-byte fact chunk, unknown chunks: all skipped.
    let padded = riff(&[
        (b"fmt ", f.clone()),
        (b"LIST", b"INFOabc".to_vec()),
        (b"fact", vec![7; 12]),
        (b"data", data(&ints)),
    ]);
    assert_eq!(native(&padded), wav16);
    // data before fmt.
    assert_eq!(
        native(&riff(&[(b"data", data(&ints)), (b"fmt ", f.clone())])),
        wav16
    );
    // Odd-length chunk whose writer forgot the pad byte.
    let mut unpadded = riff(&[(b"fmt ", f.clone())]);
    unpadded.extend_from_slice(b"LIST\x03\0\0\0abc");
    unpadded.extend_from_slice(b"data");
    unpadded.extend_from_slice(&((ints.len() * 2) as u32).to_le_bytes());
    unpadded.extend_from_slice(&data(&ints));
    assert_eq!(native(&unpadded), wav16);
    // Wrong RIFF sizes are ignored: chunks are walked to the end of the file.
    for riff_size in [0u32, 4, u32::MAX] {
        let mut bytes = wav_i16(&ints, 1, RATE);
        bytes[4..8].copy_from_slice(&riff_size.to_le_bytes());
        assert_eq!(native(&bytes), wav16, "RIFF size {riff_size}");
    }
}

#[test]
fn data_chunk_longer_than_the_file_reads_what_is_there() {
    let (ints, wav16) = reference(2);
    let mut bytes = wav_i16(&ints, 2, RATE);
    // Claim 2 GB of data; cut the file mid-frame (3 bytes into the last frame).
    bytes[40..44].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    bytes.truncate(bytes.len() - 1);
    let info = probe_bytes(&bytes, Path::new("cut.wav")).expect("probe");
    assert!(info.truncated);
    assert_eq!(info.frames, 1_000);
    let audio = native(&bytes);
    assert_eq!(audio.samples, wav16.samples[..2_000]);
    // AIFF whose COMM claims more frames than SSND holds: the frames present.
    let mut cut = aiff(None, 2, 1_001, 16, RATE, &be16(&ints));
    cut.truncate(cut.len() - 5);
    let info = probe_bytes(&cut, Path::new("cut.aiff")).expect("probe");
    assert!(info.truncated);
    assert_eq!(info.frames, 999);
    assert_eq!(native(&cut).samples, wav16.samples[..1_998]);
}

#[test]
fn probe_reports_the_container_not_the_name() {
    let (ints, _) = reference(1);
    let aiff_bytes = aiff(None, 1, 1_001, 16, RATE, &be16(&ints));
    let info = probe_bytes(&aiff_bytes, Path::new("YAF_germ_angry.wav")).expect("probe");
    assert_eq!(info.container, Container::Aiff);
    assert!(info.extension_mismatch);
    assert_eq!(
        info.to_string(),
        "AIFF, 16-bit PCM, 24414 Hz, 1 channel, 1001 frames (0.041 s); AIFF data in a file named .wav"
    );
    let wav = wav_i16(&ints, 1, RATE);
    assert!(
        !probe_bytes(&wav, Path::new("a.WAV"))
            .expect("probe")
            .extension_mismatch
    );
    assert!(
        !probe_bytes(&wav, Path::new("no_extension"))
            .expect("probe")
            .extension_mismatch
    );
    assert!(
        probe_bytes(&wav, Path::new("a.mp3"))
            .expect("probe")
            .extension_mismatch
    );
    let info = probe_bytes(&wav, Path::new("a.wav")).expect("probe");
    assert!((info.duration_seconds() - 1_001.0 / f64::from(RATE)).abs() < 1e-12);
}

/// `load` reads only the frames it needs from disk; it must agree with `load_bytes`.
#[test]
fn load_from_disk_equals_load_bytes() {
    let (ints, _) = reference(2);
    let mut cut = wav_i16(&ints, 2, RATE);
    cut[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    cut.truncate(cut.len() - 3);
    let aiff_bytes = aiff(
        Some(b"sowt"),
        2,
        1_001,
        16,
        RATE,
        &ints
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<_>>(),
    );
    let dir = std::env::temp_dir().join(format!("ser-audio-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, bytes) in [("cut.wav", cut), ("sowt.wav", aiff_bytes)] {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).expect("write");
        for opts in [
            LoadOptions::native().mono(false),
            LoadOptions::default(),
            LoadOptions::native().offset(0.01).duration(Some(0.02)),
        ] {
            let from_disk = ser_audio::load(&path, &opts).expect("load");
            assert_eq!(
                from_disk,
                load_bytes(&bytes, &path, &opts).expect("load_bytes"),
                "{name} {opts:?}"
            );
        }
        assert_eq!(
            ser_audio::probe(&path).expect("probe"),
            probe_bytes(&bytes, &path).expect("probe_bytes")
        );
        let past = ser_audio::load(&path, &LoadOptions::native().offset(1.0));
        assert!(
            matches!(past, Err(ser_audio::AudioError::NoSamples { .. })),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
