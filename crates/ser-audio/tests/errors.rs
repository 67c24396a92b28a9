//! Every bad input gets a typed error naming the file; nothing panics.

mod common;

use std::path::{Path, PathBuf};

use common::wavgen::{aiff, fmt, riff, wav_i16};
use proptest::prelude::*;
use ser_audio::{AudioError, LoadOptions, load, load_bytes, probe, probe_bytes, resample};

fn name() -> &'static Path {
    Path::new("case.wav")
}

fn err(bytes: &[u8]) -> AudioError {
    let e = load_bytes(bytes, name(), &LoadOptions::native()).expect_err("should fail");
    assert_eq!(e.path(), name(), "{e}");
    assert!(e.to_string().contains("case.wav"), "{e}");
    e
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ser-audio-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn missing_file_and_directory() {
    let dir = temp_dir("errors");
    let missing = dir.join("missing.wav");
    assert!(
        matches!(load(&missing, &LoadOptions::default()), Err(AudioError::NotFound { path }) if path == missing)
    );
    assert!(matches!(probe(&missing), Err(AudioError::NotFound { .. })));
    let folder = dir.join("folder.wav");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let e = load(&folder, &LoadOptions::default()).expect_err("directory");
    assert!(
        matches!(
            &e,
            AudioError::NotAFile {
                kind: "directory",
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(probe(&folder), Err(AudioError::NotAFile { .. })));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn unknown_containers_say_what_they_are() {
    let cases: [(&[u8], &str); 6] = [
        (b"", "empty file"),
        (b"RIFF\x24\0\0\0AVI LIST", "AVI"),
        (b"MThd\0\0\0\x06\0\x01\0\x02", "MIDI"),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81",
            "Matroska",
        ),
        (
            b"ID3\x04\0\0\0\0\0\0hello world!",
            "an ID3v2 tag followed by text",
        ),
        (
            b"\xff\xff\xff\xff\0\0\0\0\0\0\0\0",
            "invalid MPEG audio frame header",
        ),
    ];
    for (bytes, expected) in cases {
        match err(bytes) {
            AudioError::UnknownContainer { found, .. } => {
                assert!(found.contains(expected), "{found}")
            }
            other => panic!("{other}"),
        }
    }
}

/// The first bytes of MP3, FLAC and Ogg files with nothing after them: the container is
/// known from the bytes, and the error says what is missing.
#[test]
fn compressed_headers_without_audio_are_typed_errors() {
    let cases: [&[u8]; 4] = [
        b"ID3\x03\0\0\0\0\x0f\x76TIT2",
        b"\xff\xfb\x90\x44\0\0\0\0\0\0\0\0",
        b"fLaC\0\0\0\x22\x10\0\x10\0",
        b"OggS\0\x02\0\0\0\0\0\0\0\0",
    ];
    for bytes in cases {
        let e = err(bytes);
        assert!(
            matches!(
                e,
                AudioError::Truncated { .. }
                    | AudioError::Corrupt { .. }
                    | AudioError::Unsupported { .. }
            ),
            "{e:?}"
        );
        // Built without the decoder, a compressed container is refused naming it.
        if !cfg!(feature = "symphonia") && bytes.starts_with(b"fLaC") {
            assert!(
                e.to_string().contains("FLAC container") && e.to_string().contains("symphonia"),
                "{e}"
            );
        }
    }
}

/// Built without the `symphonia` feature, a real FLAC file is refused naming the container
/// and the file (with it, tests/codecs.rs decodes it).
#[cfg(not(feature = "symphonia"))]
#[test]
fn without_the_decoder_compressed_files_are_refused_naming_the_container() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source.flac");
    for e in [
        load(&path, &LoadOptions::default()).expect_err("no decoder"),
        probe(&path).expect_err("no decoder"),
    ] {
        match &e {
            AudioError::Unsupported { path: p, what } => {
                assert_eq!(p, &path);
                assert!(what.starts_with("FLAC container"), "{what}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn unsupported_encodings() {
    let adpcm = riff(&[(b"fmt ", fmt(2, 1, 8_000, 4)), (b"data", vec![0; 64])]);
    assert!(matches!(err(&adpcm), AudioError::Unsupported { what, .. } if what.contains("ADPCM")));
    let ima4 = aiff(Some(b"ima4"), 1, 64, 16, 8_000, &[0; 34]);
    assert!(matches!(err(&ima4), AudioError::Unsupported { what, .. } if what.contains("ima4")));
    let float16 = riff(&[(b"fmt ", fmt(3, 1, 8_000, 16)), (b"data", vec![0; 4])]);
    assert!(matches!(err(&float16), AudioError::Unsupported { .. }));
    assert!(matches!(
        err(b"RIFX\0\0\0\x24WAVEfmt "),
        AudioError::Unsupported { .. }
    ));
}

#[test]
fn corrupt_and_truncated_headers() {
    let zero_channels = riff(&[(b"fmt ", fmt(1, 0, 8_000, 16)), (b"data", vec![0; 4])]);
    assert!(matches!(err(&zero_channels), AudioError::Corrupt { .. }));
    let short_fmt = riff(&[(b"fmt ", vec![1, 0, 1, 0]), (b"data", vec![0; 4])]);
    assert!(matches!(err(&short_fmt), AudioError::Corrupt { .. }));
    let no_data = riff(&[(b"fmt ", fmt(1, 1, 8_000, 16))]);
    assert!(matches!(err(&no_data), AudioError::Truncated { .. }));
    let no_fmt = riff(&[(b"data", vec![0; 4])]);
    assert!(matches!(err(&no_fmt), AudioError::Corrupt { .. }));
    let mut cut_fmt = riff(&[(b"fmt ", fmt(1, 1, 8_000, 16))]);
    cut_fmt.truncate(30);
    assert!(matches!(err(&cut_fmt), AudioError::Truncated { .. }));
    // A chunk claiming 4 GB before `fmt `: refused without reading or allocating it.
    let mut huge = b"RIFF\0\0\0\0WAVELIST\xff\xff\xff\xff".to_vec();
    huge.extend_from_slice(&[0; 32]);
    assert!(matches!(err(&huge), AudioError::Corrupt { .. }));
    let no_comm = b"FORM\0\0\0\x0cAIFFSSND\0\0\0\0".to_vec();
    assert!(matches!(err(&no_comm), AudioError::Corrupt { .. }));
}

#[test]
fn header_claiming_gigabytes_reads_the_few_bytes_present() {
    let mut bytes = wav_i16(&[1, 2, 3], 1, 8_000);
    bytes[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    let audio = load_bytes(&bytes, name(), &LoadOptions::native()).expect("load");
    assert_eq!(audio.samples.len(), 3);
    assert!(probe_bytes(&bytes, name()).expect("probe").truncated);
}

#[test]
fn sample_rates_out_of_range() {
    for rate in [0, 2_000_000] {
        let bytes = riff(&[(b"fmt ", fmt(1, 1, rate, 16)), (b"data", vec![0; 4])]);
        assert!(matches!(err(&bytes), AudioError::InvalidRate { rate: r, .. } if r == rate));
    }
    let aiff_zero = aiff(None, 1, 2, 16, 8_000, &[0; 4]);
    let mut bytes = aiff_zero.clone();
    // COMM rate field starts 8 bytes into the COMM body (offset 12 + 8 + 8).
    bytes[28..38].fill(0);
    assert!(matches!(err(&bytes), AudioError::InvalidRate { .. }));
    assert!(matches!(
        resample(&[0.0; 8], 8_000, 0),
        Err(AudioError::InvalidRate { .. })
    ));
    assert!(matches!(
        resample(&[0.0; 8], 1_000, 300_000),
        Err(AudioError::InvalidRate { .. })
    ));
    let wav = wav_i16(&[0; 8], 1, 8_000);
    let opts = LoadOptions::default().sample_rate(Some(0));
    assert!(matches!(
        load_bytes(&wav, name(), &opts),
        Err(AudioError::InvalidRate { .. })
    ));
}

#[test]
fn non_finite_float_samples() {
    let data: Vec<u8> = [0.0f32, 0.5, 0.25, f32::INFINITY, f32::NAN]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let bytes = riff(&[(b"fmt ", fmt(3, 1, 8_000, 32)), (b"data", data)]);
    assert!(matches!(
        err(&bytes),
        AudioError::NonFinite { index: 3, .. }
    ));
    // The bad sample lies outside the requested window: no error.
    let opts = LoadOptions::native().duration(Some(3.0 / 8_000.0));
    assert_eq!(
        load_bytes(&bytes, name(), &opts).expect("load").samples,
        [0.0, 0.5, 0.25]
    );
}

#[test]
fn offsets_past_the_end_and_empty_files_have_no_samples() {
    let wav = wav_i16(&[1, 2, 3, 4], 1, 4);
    let at = |offset: f64| load_bytes(&wav, name(), &LoadOptions::native().offset(offset));
    assert_eq!(at(0.75).expect("last frame").samples, [4.0 / 32_768.0]);
    assert!(matches!(
        at(1.0),
        Err(AudioError::NoSamples {
            total_frames: 4,
            start_frame: 4,
            ..
        })
    ));
    assert!(matches!(
        at(60.0),
        Err(AudioError::NoSamples {
            start_frame: 240,
            ..
        })
    ));
    let empty = wav_i16(&[], 1, 8_000);
    assert!(matches!(
        err(&empty),
        AudioError::NoSamples {
            total_frames: 0,
            ..
        }
    ));
    // A duration shorter than one frame reads nothing.
    let tiny = LoadOptions::native().duration(Some(0.1));
    assert!(matches!(
        load_bytes(&wav, name(), &tiny),
        Err(AudioError::NoSamples { .. })
    ));
}

#[test]
fn invalid_options() {
    let wav = wav_i16(&[1, 2, 3, 4], 1, 4);
    for opts in [
        LoadOptions::native().offset(-0.5),
        LoadOptions::native().offset(f64::NAN),
        LoadOptions::native().duration(Some(0.0)),
        LoadOptions::native().duration(Some(-1.0)),
        LoadOptions::native().duration(Some(f64::INFINITY)),
    ] {
        assert!(
            matches!(
                load_bytes(&wav, name(), &opts),
                Err(AudioError::InvalidOptions { .. })
            ),
            "{opts:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes behind a WAV or AIFF magic never panic.
    #[test]
    fn arbitrary_bytes_never_panic(aiff_magic in any::<bool>(), tail in proptest::collection::vec(any::<u8>(), 0..160)) {
        let mut bytes = if aiff_magic { b"FORM\0\0\0\0AIFC".to_vec() } else { b"RIFF\0\0\0\0WAVE".to_vec() };
        bytes.extend_from_slice(&tail);
        let _ = load_bytes(&bytes, name(), &LoadOptions::default());
        let _ = probe_bytes(&bytes, name());
    }

    /// Valid files with a few bytes overwritten or cut never panic.
    #[test]
    fn mutated_files_never_panic(
        use_aiff in any::<bool>(),
        edits in proptest::collection::vec((0usize..120, any::<u8>()), 1..6),
        cut in 0usize..140,
    ) {
        let ints: Vec<i16> = (0..40).map(|i| (i * 700) as i16).collect();
        let be: Vec<u8> = ints.iter().flat_map(|v| v.to_be_bytes()).collect();
        let mut bytes = if use_aiff { aiff(Some(b"sowt"), 2, 20, 16, 16_000, &be) } else { wav_i16(&ints, 2, 16_000) };
        for (at, value) in edits {
            if at < bytes.len() {
                bytes[at] = value;
            }
        }
        bytes.truncate(cut.max(12));
        let _ = load_bytes(&bytes, name(), &LoadOptions::default());
        let _ = probe_bytes(&bytes, name());
    }
}
