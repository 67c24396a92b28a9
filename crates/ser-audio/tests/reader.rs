//! [`AudioReader`]: the blocks, concatenated, equal [`load`] of the same file with the same
//! options (every container, rates, channels, cuts); errors name the file and end the reader.

mod common;

use std::path::{Path, PathBuf};

use common::wavgen::{aiff, fmt, riff, signal, to_i16, wav_i16};
use ser_audio::{AudioError, AudioReader, LoadOptions, load};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ser-audio-reader-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Every block of `path` read with `opts`, concatenated; also the largest block.
fn streamed(path: &Path, opts: &LoadOptions) -> (Vec<f32>, usize, u32, u16) {
    let mut reader = AudioReader::open(path, opts).unwrap_or_else(|e| panic!("{e}"));
    let (mut all, mut block, mut largest) = (Vec::new(), Vec::new(), 0);
    while reader.read(&mut block).unwrap_or_else(|e| panic!("{e}")) {
        largest = largest.max(block.len());
        all.append(&mut block);
    }
    assert!(!reader.read(&mut block).expect("after the end"));
    (all, largest, reader.sample_rate(), reader.channels())
}

fn options() -> Vec<LoadOptions> {
    vec![
        LoadOptions::default(),
        LoadOptions::native(),
        LoadOptions::study(),
        LoadOptions::default().mono(false),
        LoadOptions::default().sample_rate(Some(16_000)).offset(0.3),
        LoadOptions::native().offset(1.1).duration(Some(0.77)),
    ]
}

fn check_equal(path: &Path) {
    for opts in options() {
        let whole = match load(path, &opts) {
            Ok(a) => a,
            Err(AudioError::NoSamples { .. }) => {
                // Found when opening (WAV, AIFF) or at the end of the stream (compressed).
                let e = match AudioReader::open(path, &opts) {
                    Err(e) => e,
                    Ok(mut reader) => {
                        let mut out = Vec::new();
                        loop {
                            match reader.read(&mut out) {
                                Ok(true) => assert!(out.is_empty()),
                                Ok(false) => panic!("{}: {opts:?}: no error", path.display()),
                                Err(e) => break e,
                            }
                        }
                    }
                };
                assert!(matches!(e, AudioError::NoSamples { .. }), "{e:?}");
                assert_eq!(e.path(), path);
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        let (samples, _, rate, channels) = streamed(path, &opts);
        assert_eq!(rate, whole.sample_rate, "{}: {opts:?}", path.display());
        assert_eq!(channels, whole.channels, "{}: {opts:?}", path.display());
        assert_eq!(
            samples.len(),
            whole.samples.len(),
            "{}: {opts:?}",
            path.display()
        );
        assert!(
            samples == whole.samples,
            "{}: {opts:?}: samples differ",
            path.display()
        );
    }
}

#[test]
fn blocks_equal_a_whole_load_for_wav_and_aiff() {
    let dir = temp_dir("pcm");
    let stereo = to_i16(&signal(3 * 24_414, 2));
    let wav = dir.join("stereo.wav");
    std::fs::write(&wav, wav_i16(&stereo, 2, 24_414)).expect("write");
    check_equal(&wav);
    let mono = to_i16(&signal(5 * 8_000 + 17, 1));
    let data: Vec<u8> = mono.iter().flat_map(|s| s.to_be_bytes()).collect();
    let aif = dir.join("mono.aiff");
    std::fs::write(&aif, aiff(None, 1, mono.len() as u32, 16, 8_000, &data)).expect("write");
    check_equal(&aif);
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(feature = "symphonia")]
#[test]
fn blocks_equal_a_whole_load_for_every_compressed_container() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "source.flac",
        "mp3_22k.mp3",
        "mp3_44k.mp3",
        "vorbis.ogg",
        "aac.m4a",
        "aac.aac",
        "alac.m4a",
        "alac.caf",
        "pcm.caf",
        "flac.oga",
    ] {
        check_equal(&fixtures.join(name));
    }
}

#[test]
fn a_long_file_streams_in_small_blocks_without_the_load_limit() {
    // 31 minutes of 8-bit silence at 22050 Hz: longer than a whole load may return.
    let dir = temp_dir("long");
    let frames = 31 * 60 * 22_050;
    let path = dir.join("long.wav");
    std::fs::write(
        &path,
        riff(&[
            (b"fmt ", fmt(1, 1, 22_050, 8)),
            (b"data", vec![128u8; frames]),
        ]),
    )
    .expect("write");
    let e = load(&path, &LoadOptions::default()).expect_err("too long whole");
    assert!(matches!(e, AudioError::TooLong { .. }), "{e:?}");
    let mut reader = AudioReader::open(&path, &LoadOptions::default()).expect("open");
    let (mut block, mut total, mut largest) = (Vec::new(), 0usize, 0usize);
    while reader.read(&mut block).expect("read") {
        assert!(block.iter().all(|&s| s == 0.0));
        total += block.len();
        largest = largest.max(block.len());
        block.clear();
    }
    assert_eq!(total, frames);
    assert!(largest <= 1 << 16, "largest block {largest}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn errors_name_the_file_and_end_the_reader() {
    let dir = temp_dir("errors");
    let missing = dir.join("missing.wav");
    let e = AudioReader::open(&missing, &LoadOptions::default()).expect_err("missing");
    assert!(matches!(e, AudioError::NotFound { .. }), "{e:?}");
    assert_eq!(e.path(), missing);

    let e = AudioReader::open(&dir, &LoadOptions::default()).expect_err("folder");
    assert!(matches!(e, AudioError::NotAFile { .. }), "{e:?}");

    let bad = LoadOptions::default().offset(f64::NAN);
    let e = AudioReader::open(&missing, &bad).expect_err("options");
    assert!(matches!(e, AudioError::InvalidOptions { .. }), "{e:?}");

    // A WAV whose data chunk is cut after its header was read: the reader fails mid-way.
    let samples = to_i16(&signal(200_000, 1));
    let mut bytes = riff(&[
        (b"fmt ", fmt(1, 1, 22_050, 16)),
        (
            b"data",
            samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
        ),
    ]);
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes).expect("write");
    let mut reader = AudioReader::open(&cut, &LoadOptions::native()).expect("open");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&cut, &bytes).expect("cut");
    let mut out = Vec::new();
    let e = loop {
        match reader.read(&mut out) {
            Ok(true) => {}
            Ok(false) => panic!("no error for the cut file"),
            Err(e) => break e,
        }
    };
    assert!(matches!(e, AudioError::Truncated { .. }), "{e:?}");
    assert_eq!(e.path(), cut);
    assert!(e.to_string().contains("cut.wav"), "{e}");
    assert!(!reader.read(&mut out).expect("ended"));

    // Not audio at all.
    let text = dir.join("notes.wav");
    std::fs::write(&text, b"just some text, not audio").expect("write");
    let e = AudioReader::open(&text, &LoadOptions::default()).expect_err("text");
    assert!(matches!(e, AudioError::UnknownContainer { .. }), "{e:?}");
    assert_eq!(e.path(), text);
    let _ = std::fs::remove_dir_all(dir);
}
