//! Bad inputs, one by one: every case of issue 8 gives a typed error whose message names the file
//! and the cause, or a documented sensible result; none panics, and none allocates what a header
//! claims. Every input is made here (nothing binary is committed).
//!
//! Memory bound: `huge_claims_stay_within_a_small_address_space` re-runs this test binary in a
//! child process under `ulimit -v` (512 MiB of address space) and loads files whose headers claim
//! about 4 GiB there; a control allocation of 2 GiB in the same child must fail, which proves
//! the limit bites.
//!
//! Unreadable files: tests usually run as root here, and root reads a `chmod 000` file anyway.
//! `unreadable_file_is_an_io_error_naming_it` checks whether the file really is unreadable; if
//! it is, it asserts the `Io` error; if not (root), it asserts that the file simply loads, and
//! gets an operating-system read failure another way (a path through a regular file, which
//! fails with "Not a directory" for everyone).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{Array1, Array2};
use ser::audio::{AudioError, Container, LoadOptions, load, load_bytes, probe};
use ser::data::{DataError, FaultKind, ScanOptions, Scheme, scan};
use ser::features::{FeatureSpec, Mfcc, MfccParams};
use ser::models::{
    AnyModel, FORMAT_VERSION, FeatureConfig, Fit, Knn, LinearSvm, ModelError, ModelFile, Predict,
    StandardScaler, TrainSet,
};

// ---------------------------------------------------------------------------------------------
// Making inputs
// ---------------------------------------------------------------------------------------------

/// A fresh folder for one test, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(test: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("ser-bad-inputs-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

fn chunk(id: &[u8; 4], size: u32, body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let align = channels.wrapping_mul(bits / 8);
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&rate.wrapping_mul(u32::from(align)).to_le_bytes());
    b.extend_from_slice(&align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

/// A WAV file: format tag 1 (PCM) or 3 (float); `data_claim` is the size written in the `data`
/// chunk header (`None`: the real size).
fn wav(
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
    data_claim: Option<u32>,
) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", 16, &fmt_body(tag, channels, rate, bits)));
    body.extend(chunk(
        b"data",
        data_claim.unwrap_or(data.len() as u32),
        data,
    ));
    chunk(b"RIFF", body.len() as u32, &body)
}

fn pcm16(samples: &[f32]) -> Vec<u8> {
    samples
        .iter()
        .flat_map(|s| ((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
        .collect()
}

fn wav16(samples: &[f32], rate: u32, channels: u16) -> Vec<u8> {
    wav(1, channels, rate, 16, &pcm16(samples), None)
}

fn tone(freq: f32, rate: u32, seconds: f32, amplitude: f32) -> Vec<f32> {
    let n = (rate as f32 * seconds) as usize;
    (0..n)
        .map(|i| amplitude * (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("parent");
    }
    std::fs::write(&path, bytes).expect("write input");
    path
}

/// 80-bit extended float of a whole rate, as AIFF's `COMM` stores it.
fn extended(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    if rate == 0 {
        return out;
    }
    let shift = rate.leading_zeros();
    out[0..2].copy_from_slice(&((16383 + 31 - shift) as u16).to_be_bytes());
    out[2..10].copy_from_slice(&(u64::from(rate) << (32 + shift)).to_be_bytes());
    out
}

/// An AIFF file of big-endian 16-bit mono samples whose `COMM` claims `frames_claim` frames.
fn aiff16(samples: &[i16], rate: u32, frames_claim: u32) -> Vec<u8> {
    let be = |n: u32| n.to_be_bytes();
    let mut comm = Vec::new();
    comm.extend_from_slice(&1u16.to_be_bytes());
    comm.extend_from_slice(&be(frames_claim));
    comm.extend_from_slice(&16u16.to_be_bytes());
    comm.extend_from_slice(&extended(rate));
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_be_bytes()).collect();
    let mut body = b"AIFF".to_vec();
    body.extend_from_slice(b"COMM");
    body.extend_from_slice(&be(comm.len() as u32));
    body.extend_from_slice(&comm);
    body.extend_from_slice(b"SSND");
    body.extend_from_slice(&be(8 + data.len() as u32));
    body.extend_from_slice(&[0u8; 8]);
    body.extend_from_slice(&data);
    let mut out = b"FORM".to_vec();
    out.extend_from_slice(&be(body.len() as u32));
    out.extend_from_slice(&body);
    out
}

/// Seeded bytes (SplitMix64), so the "random" file is the same on every run.
fn random_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(n);
    out
}

// ---------------------------------------------------------------------------------------------
// Checking errors
// ---------------------------------------------------------------------------------------------

/// The error, after checking that it is about `path` and that its message names the file and
/// contains `cause`.
fn audio_err<T: std::fmt::Debug>(r: Result<T, AudioError>, path: &Path, cause: &str) -> AudioError {
    let e = match r {
        Err(e) => e,
        Ok(v) => panic!(
            "{}: expected an error about {cause:?}, got {v:?}",
            path.display()
        ),
    };
    let msg = e.to_string();
    assert_eq!(e.path(), path, "{msg}");
    assert!(
        msg.contains(&path.display().to_string()),
        "message lacks the file: {msg}"
    );
    assert!(msg.contains(cause), "message lacks {cause:?}: {msg}");
    e
}

fn model_err<T: std::fmt::Debug>(r: Result<T, ModelError>, path: &Path, cause: &str) -> ModelError {
    let e = match r {
        Err(e) => e,
        Ok(v) => panic!(
            "{}: expected an error about {cause:?}, got {v:?}",
            path.display()
        ),
    };
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "message lacks the file: {msg}"
    );
    assert!(msg.contains(cause), "message lacks {cause:?}: {msg}");
    e
}

fn study_mfcc() -> Mfcc {
    Mfcc::new(&MfccParams::study()).expect("study plan")
}

// ---------------------------------------------------------------------------------------------
// Audio: containers and headers
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_is_unknown_container_saying_empty() {
    let dir = temp_dir("empty");
    let path = write(&dir, "empty.wav", b"");
    let e = audio_err(load(&path, &LoadOptions::default()), &path, "empty file");
    assert!(matches!(e, AudioError::UnknownContainer { ref found, .. } if found == "empty file"));
    audio_err(probe(&path), &path, "empty file");
}

#[test]
fn header_only_files_say_what_is_missing() {
    let dir = temp_dir("header-only");
    // RIFF/WAVE and nothing else.
    let path = write(&dir, "riff-only.wav", b"RIFF\x04\x00\x00\x00WAVE");
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "no `fmt ` chunk",
    );
    assert!(matches!(e, AudioError::Corrupt { .. }), "{e:?}");
    // A complete `fmt ` chunk but no `data` chunk.
    let mut bytes = b"RIFF\x24\x00\x00\x00WAVE".to_vec();
    bytes.extend(chunk(b"fmt ", 16, &fmt_body(1, 1, 16_000, 16)));
    let path = write(&dir, "fmt-only.wav", &bytes);
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "no `data` chunk",
    );
    assert!(matches!(e, AudioError::Truncated { .. }), "{e:?}");
    // The `fmt ` chunk cut in the middle.
    let path = write(&dir, "fmt-cut.wav", &bytes[..28]);
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "`fmt ` chunk claims 16 bytes",
    );
    assert!(matches!(e, AudioError::Truncated { .. }), "{e:?}");
    // The whole header and an empty `data` chunk: a file with no frames.
    let path = write(&dir, "no-frames.wav", &wav(1, 1, 16_000, 16, &[], None));
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "no samples to load",
    );
    assert!(
        matches!(
            e,
            AudioError::NoSamples {
                total_frames: 0,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn data_chunk_cut_short_reads_the_frames_present() {
    let dir = temp_dir("cut-short");
    let samples = tone(440.0, 16_000, 0.25, 0.5);
    let mut bytes = wav16(&samples, 16_000, 1);
    // Claim one second (32000 bytes), hold 0.25 s; also end in the middle of a sample.
    bytes.splice(40..44, 32_000u32.to_le_bytes());
    bytes.push(0x12);
    let path = write(&dir, "cut.wav", &bytes);
    let info = probe(&path).expect("probe");
    assert!(info.truncated);
    assert_eq!(info.frames, 4000);
    let audio = load(&path, &LoadOptions::native()).expect("the frames present load");
    assert_eq!(audio.samples.len(), 4000);
    for (a, b) in audio.samples.iter().zip(&samples) {
        assert!((a - b).abs() <= 1.0 / 32768.0, "{a} vs {b}");
    }
}

#[test]
fn chunk_sizes_claiming_more_than_the_file_or_4_gib() {
    let dir = temp_dir("claims");
    let samples = tone(300.0, 16_000, 0.1, 0.5);
    // `data` claiming ~4 GiB: the 1600 frames present are read, the claim is only reported.
    let bytes = wav(1, 1, 16_000, 16, &pcm16(&samples), Some(0xFFFF_FFF0));
    let path = write(&dir, "data-4gib.wav", &bytes);
    let info = probe(&path).expect("probe");
    assert!(info.truncated && info.frames == 1600, "{info:?}");
    assert_eq!(
        load(&path, &LoadOptions::native())
            .expect("load")
            .samples
            .len(),
        1600
    );
    // RIFF size of 4 GiB: ignored, the chunks are walked to the end of the file.
    let mut riff = bytes.clone();
    riff.splice(4..8, u32::MAX.to_le_bytes());
    riff.splice(40..44, 3200u32.to_le_bytes());
    let path = write(&dir, "riff-4gib.wav", &riff);
    assert_eq!(
        load(&path, &LoadOptions::native())
            .expect("load")
            .samples
            .len(),
        1600
    );
    // `fmt ` claiming more than the file: nothing sensible to read.
    let mut fmt = bytes.clone();
    fmt.splice(16..20, 0xFFFF_FF00u32.to_le_bytes());
    let path = write(&dir, "fmt-4gib.wav", &fmt);
    let e = audio_err(
        load(&path, &LoadOptions::native()),
        &path,
        "`fmt ` chunk claims 4294967040 bytes",
    );
    assert!(matches!(e, AudioError::Truncated { .. }), "{e:?}");
    // AIFF whose COMM claims 2^32 − 1 frames over 1600 real ones.
    let i16s: Vec<i16> = samples.iter().map(|s| (s * 32767.0) as i16).collect();
    let path = write(
        &dir,
        "comm-4g-frames.aiff",
        &aiff16(&i16s, 16_000, u32::MAX),
    );
    let info = probe(&path).expect("probe");
    assert_eq!(
        (info.container, info.frames, info.truncated),
        (Container::Aiff, 1600, true)
    );
    assert_eq!(
        load(&path, &LoadOptions::native())
            .expect("load")
            .samples
            .len(),
        1600
    );
}

#[test]
fn zero_channels_is_corrupt() {
    let dir = temp_dir("zero-channels");
    let path = write(&dir, "zero.wav", &wav(1, 0, 16_000, 16, &[0; 64], None));
    let e = audio_err(load(&path, &LoadOptions::default()), &path, "0 channels");
    assert!(matches!(e, AudioError::Corrupt { .. }), "{e:?}");
}

#[test]
fn sample_rate_zero_or_absurd_is_invalid_rate() {
    let dir = temp_dir("rates");
    for rate in [0, 1_000_001, u32::MAX] {
        let path = write(
            &dir,
            &format!("rate-{rate}.wav"),
            &wav(1, 1, rate, 16, &[0; 64], None),
        );
        let e = audio_err(
            load(&path, &LoadOptions::default()),
            &path,
            "invalid sample rate",
        );
        assert!(
            matches!(e, AudioError::InvalidRate { rate: r, .. } if r == rate),
            "{e:?}"
        );
        audio_err(probe(&path), &path, &format!("{rate} Hz"));
    }
    // AIFF: a zero rate and an extended float far beyond any rate.
    let path = write(&dir, "rate-0.aiff", &aiff16(&[0; 32], 0, 32));
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "invalid sample rate 0 Hz",
    );
    assert!(
        matches!(e, AudioError::InvalidRate { rate: 0, .. }),
        "{e:?}"
    );
    let mut huge = aiff16(&[0; 32], 8000, 32);
    huge[28..30].copy_from_slice(&[0x7F, 0xFE]); // exponent 2^16383
    let path = write(&dir, "rate-huge.aiff", &huge);
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "invalid sample rate",
    );
    assert!(matches!(e, AudioError::InvalidRate { .. }), "{e:?}");
    // A rate the loader reads but cannot resample to 22050 Hz from (ratio beyond 1:256).
    let path = write(&dir, "rate-50.wav", &wav(1, 1, 50, 16, &[0; 64], None));
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "exceeds the supported",
    );
    assert!(matches!(e, AudioError::InvalidRate { .. }), "{e:?}");
    assert_eq!(
        load(&path, &LoadOptions::native())
            .expect("native")
            .samples
            .len(),
        32
    );
}

#[test]
fn one_sample() {
    let dir = temp_dir("one-sample");
    let path = write(&dir, "one.wav", &wav16(&[0.25], 16_000, 1));
    let native = load(&path, &LoadOptions::native()).expect("native");
    assert_eq!(native.samples, [0.25]);
    // ceil(1 · 22050 / 16000) = 2 samples after resampling.
    assert_eq!(
        load(&path, &LoadOptions::default())
            .expect("default")
            .samples
            .len(),
        2
    );
    // The study's window starts at 0.5 s: nothing to load.
    let e = audio_err(
        load(&path, &LoadOptions::study()),
        &path,
        "no samples to load",
    );
    assert!(
        matches!(
            e,
            AudioError::NoSamples {
                total_frames: 1,
                start_frame: 8000,
                ..
            }
        ),
        "{e:?}"
    );
    // One sample is one (zero-padded) frame of MFCCs, all finite.
    let m = study_mfcc().process(&native.samples).expect("mfcc");
    assert_eq!(m.dim(), (40, 1));
    assert!(m.iter().all(|v| v.is_finite()));
}

#[test]
fn nan_and_infinities_in_float_data_are_refused_with_their_index() {
    let dir = temp_dir("non-finite");
    for (i, bad) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY]
        .into_iter()
        .enumerate()
    {
        let samples = [0.1f32, -0.2, 0.3, bad, 0.4];
        let data32: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let path = write(
            &dir,
            &format!("f32-{i}.wav"),
            &wav(3, 1, 16_000, 32, &data32, None),
        );
        let e = audio_err(
            load(&path, &LoadOptions::native()),
            &path,
            "at sample index 3",
        );
        assert!(matches!(e, AudioError::NonFinite { index: 3, .. }), "{e:?}");
        let data64: Vec<u8> = samples
            .iter()
            .flat_map(|s| f64::from(*s).to_le_bytes())
            .collect();
        let path = write(
            &dir,
            &format!("f64-{i}.wav"),
            &wav(3, 1, 16_000, 64, &data64, None),
        );
        let e = audio_err(
            load(&path, &LoadOptions::native()),
            &path,
            "non-finite sample",
        );
        assert!(matches!(e, AudioError::NonFinite { index: 3, .. }), "{e:?}");
    }
    // In stereo the index counts interleaved samples: frame 2, right channel = 5.
    let samples = [0.0f32, 0.1, 0.2, 0.3, 0.4, f32::NAN];
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let path = write(&dir, "stereo.wav", &wav(3, 2, 16_000, 32, &data, None));
    let e = audio_err(
        load(&path, &LoadOptions::native()),
        &path,
        "at sample index 5",
    );
    assert!(matches!(e, AudioError::NonFinite { index: 5, .. }), "{e:?}");
}

#[test]
fn six_channels_mix_to_their_mean() {
    let dir = temp_dir("six-channels");
    let frames = 1600;
    let interleaved: Vec<f32> = (0..frames)
        .flat_map(|i| (0..6).map(move |c| ((c + 1) as f32 * 0.05) * ((i % 7) as f32 - 3.0) / 3.0))
        .collect();
    let path = write(&dir, "six.wav", &wav16(&interleaved, 16_000, 6));
    let kept = load(&path, &LoadOptions::native().mono(false)).expect("channels kept");
    assert_eq!((kept.channels, kept.frames()), (6, frames));
    let mono = load(&path, &LoadOptions::native()).expect("mono");
    assert_eq!((mono.channels, mono.samples.len()), (1, frames));
    for (i, m) in mono.samples.iter().enumerate() {
        let mean = kept.samples[6 * i..6 * i + 6].iter().sum::<f32>() / 6.0;
        assert!((m - mean).abs() < 1e-6, "frame {i}: {m} vs {mean}");
    }
}

/// Counts sign changes from negative to positive: about the tone's frequency per second.
fn upward_crossings(x: &[f32]) -> usize {
    x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count()
}

#[test]
fn eight_and_192_khz_resample_to_22050_keeping_the_tone() {
    let dir = temp_dir("rates-8k-192k");
    for rate in [8_000u32, 192_000] {
        let path = write(
            &dir,
            &format!("tone-{rate}.wav"),
            &wav16(&tone(1000.0, rate, 1.0, 0.5), rate, 1),
        );
        let audio = load(&path, &LoadOptions::default()).expect("load");
        assert_eq!((audio.sample_rate, audio.samples.len()), (22_050, 22_050));
        let inner = &audio.samples[1000..21_000]; // away from the edges' filter transients
        let peak = inner.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((peak - 0.5).abs() < 0.01, "{rate} Hz: peak {peak}");
        let crossings = upward_crossings(inner);
        // 20000 samples at 22050 Hz of a 1 kHz tone: 907 cycles.
        assert!(
            (crossings as i64 - 907).abs() <= 2,
            "{rate} Hz: {crossings} crossings"
        );
    }
}

#[test]
fn clip_shorter_than_the_study_offset_gives_no_samples() {
    let dir = temp_dir("short");
    let path = write(
        &dir,
        "short.wav",
        &wav16(&tone(200.0, 16_000, 0.3, 0.5), 16_000, 1),
    );
    let e = audio_err(
        load(&path, &LoadOptions::study()),
        &path,
        "no samples to load",
    );
    assert!(
        matches!(
            e,
            AudioError::NoSamples {
                total_frames: 4800,
                start_frame: 8000,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("the file holds 4800 frames"));
}

#[test]
fn all_zero_audio_gives_the_floor_mfccs() {
    // Documented result: silence has power 0 everywhere, power_to_db floors it at amin = 1e-10,
    // i.e. −100 dB in every mel band, and the orthonormal DCT of a constant −100 over 128 bands
    // is c0 = −100 · √128 = −1131.37 with every other coefficient 0.
    let dir = temp_dir("silence");
    let path = write(&dir, "silence.wav", &wav16(&vec![0.0; 22_050], 22_050, 1));
    let audio = load(&path, &LoadOptions::study()).expect("load");
    assert_eq!(audio.samples.len(), 11_025);
    let m = study_mfcc().process(&audio.samples).expect("mfcc");
    assert_eq!(m.dim(), (40, 1 + 11_025 / 512));
    let c0 = -100.0 * 128f32.sqrt();
    for frame in m.columns() {
        assert!((frame[0] - c0).abs() < 0.05, "c0 = {}", frame[0]);
        assert!(frame.iter().skip(1).all(|c| c.abs() < 0.05), "{frame}");
    }
    let mean = FeatureSpec::Mfcc40Mean
        .extract(&audio.samples, 22_050)
        .expect("mean");
    assert!((mean[0] - c0).abs() < 0.05 && mean[1..].iter().all(|c| c.abs() < 0.05));
}

#[test]
fn dc_only_and_full_scale_clipping_give_finite_features() {
    let dir = temp_dir("dc-clip");
    let mfcc = study_mfcc();
    let silence_c0 = -100.0 * 128f32.sqrt();
    // DC at half scale: 16384 / 32768 exactly.
    let path = write(&dir, "dc.wav", &wav16(&vec![0.5; 22_050], 22_050, 1));
    let dc = load(&path, &LoadOptions::study()).expect("dc");
    assert!(dc.samples.iter().all(|&s| s == 0.5));
    let m = mfcc.mean(&dc.samples).expect("dc mfcc");
    assert!(
        m.iter().all(|v| v.is_finite()) && m[0] > silence_c0 + 100.0,
        "{m}"
    );
    // A full-scale square wave (−32768 / +32767): the decoder's range is [−1, 1).
    let square: Vec<f32> = (0..22_050)
        .map(|i| if (i / 50) % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let path = write(&dir, "clipped.wav", &wav16(&square, 22_050, 1));
    let clipped = load(&path, &LoadOptions::study()).expect("clipped");
    let (lo, hi) = clipped
        .samples
        .iter()
        .fold((0f32, 0f32), |(l, h), &s| (l.min(s), h.max(s)));
    assert_eq!((lo, hi), (-1.0, 32_767.0 / 32_768.0));
    let m = mfcc.mean(&clipped.samples).expect("clipped mfcc");
    assert!(
        m.iter().all(|v| v.is_finite()) && m[0] > silence_c0 + 500.0,
        "{m}"
    );
}

#[test]
fn random_bytes_and_mp3_named_wav_say_what_they_are() {
    let dir = temp_dir("not-wav");
    let mut noise = random_bytes(4096, 8);
    noise[0] = 0x42; // make sure the noise does not start with a known magic number
    let path = write(&dir, "noise.wav", &noise);
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "not a known audio container; found bytes 42",
    );
    assert!(matches!(e, AudioError::UnknownContainer { .. }), "{e:?}");
    // An mp3: ID3v2.4 tag header, then an MPEG-1 layer III frame header (128 kb/s, 44.1 kHz),
    // then noise. Since the compressed containers (issue 19) it is sniffed as MP3 from its
    // bytes, whatever its name, and refused as a corrupt MP3 stream.
    let mut mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    mp3.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    mp3.extend(random_bytes(413, 9));
    let path = write(&dir, "song.wav", &mp3);
    let e = audio_err(load(&path, &LoadOptions::default()), &path, "MP3");
    assert!(matches!(e, AudioError::Corrupt { .. }), "{e:?}");
    // The same without the tag: the frame sync is recognised.
    let path = write(&dir, "bare.wav", &mp3[10..]);
    let e = audio_err(probe(&path), &path, "MP3");
    assert!(matches!(e, AudioError::Corrupt { .. }), "{e:?}");
}

#[test]
fn directory_named_wav_is_not_a_file() {
    let dir = temp_dir("dir-wav");
    let path = dir.join("x.wav");
    std::fs::create_dir_all(&path).expect("dir");
    let e = audio_err(
        load(&path, &LoadOptions::default()),
        &path,
        "not a regular file (directory)",
    );
    assert!(
        matches!(
            e,
            AudioError::NotAFile {
                kind: "directory",
                ..
            }
        ),
        "{e:?}"
    );
    audio_err(probe(&path), &path, "directory");
    let missing = dir.join("missing.wav");
    let e = audio_err(
        load(&missing, &LoadOptions::default()),
        &missing,
        "no such file",
    );
    assert!(matches!(e, AudioError::NotFound { .. }), "{e:?}");
}

#[test]
fn unreadable_file_is_an_io_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("unreadable");
    let path = write(
        &dir,
        "locked.wav",
        &wav16(&tone(440.0, 16_000, 0.1, 0.5), 16_000, 1),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let blocked = std::fs::File::open(&path).is_err();
    let r = load(&path, &LoadOptions::native());
    if blocked {
        let e = audio_err(r, &path, "ermission denied");
        assert!(matches!(e, AudioError::Io { .. }), "{e:?}");
    } else {
        // Root (or CAP_DAC_OVERRIDE): permissions do not block reading; the file loads.
        assert_eq!(r.expect("readable for root").samples.len(), 1600);
    }
    // An operating-system failure for every user: a path through a regular file.
    let through = path.join("inner.wav");
    let e = audio_err(
        load(&through, &LoadOptions::native()),
        &through,
        "ot a directory",
    );
    assert!(matches!(e, AudioError::Io { .. }), "{e:?}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
}

// ---------------------------------------------------------------------------------------------
// Memory bound: header claims of ~4 GiB in a child process with 512 MiB of address space
// ---------------------------------------------------------------------------------------------

const CHILD_ENV: &str = "SER_BAD_INPUTS_CHILD_DIR";
const CHILD_LIMIT_KIB: u64 = 512 * 1024;

#[test]
fn huge_claims_stay_within_a_small_address_space() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        return child_loads_huge_claims(Path::new(&dir));
    }
    let dir = temp_dir("huge-claims");
    let samples = tone(440.0, 16_000, 0.5, 0.5);
    write(
        &dir,
        "data-4gib.wav",
        &wav(1, 1, 16_000, 16, &pcm16(&samples), Some(u32::MAX)),
    );
    let i16s: Vec<i16> = samples.iter().map(|s| (s * 32767.0) as i16).collect();
    write(
        &dir,
        "comm-4g-frames.aiff",
        &aiff16(&i16s, 16_000, u32::MAX),
    );
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {CHILD_LIMIT_KIB} && exec \"$0\" --exact huge_claims_stay_within_a_small_address_space --nocapture --test-threads=1"
        ))
        .arg(&exe)
        .env(CHILD_ENV, dir.as_os_str())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    // The limit bites: the child could not reserve 2 GiB ...
    assert!(stdout.contains("control: 2 GiB refused"), "{stdout}");
    // ... and still read every file, by the frames present.
    for name in ["data-4gib.wav", "comm-4g-frames.aiff"] {
        assert!(
            stdout.contains(&format!("{name}: 8000 frames, 11025 at 22050 Hz")),
            "{stdout}"
        );
    }
}

fn child_loads_huge_claims(dir: &Path) {
    let control = Vec::<u8>::new().try_reserve_exact(2 << 30).is_err();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "control: 2 GiB {}",
        if control { "refused" } else { "granted" }
    )
    .expect("stdout");
    for name in ["data-4gib.wav", "comm-4g-frames.aiff"] {
        let path = dir.join(name);
        let info = probe(&path).expect("probe");
        let native = load(&path, &LoadOptions::native()).expect("native");
        let bytes = std::fs::read(&path).expect("read");
        let resampled = load_bytes(&bytes, &path, &LoadOptions::default()).expect("resampled");
        assert!(info.truncated && info.frames == native.samples.len() as u64);
        writeln!(
            out,
            "{name}: {} frames, {} at 22050 Hz",
            native.samples.len(),
            resampled.samples.len()
        )
        .expect("stdout");
    }
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// 30 rows of 40 features in 3 well separated classes.
fn train_rows() -> (Array2<f32>, Array1<usize>) {
    let x = Array2::from_shape_fn((30, 40), |(i, j)| {
        (i % 3) as f32 * 3.0 + ((i * 13 + j * 7) as f32 * 0.7).sin() * 0.5
    });
    (x, (0..30).map(|i| i % 3).collect())
}

fn model_file() -> ModelFile {
    let (x, y) = train_rows();
    let scaler = StandardScaler::fit(x.view()).expect("scaler");
    let xs = scaler.transform(x.view()).expect("scale");
    let train = TrainSet::new(xs.view(), y.view(), 3).expect("train set");
    let model: AnyModel = LinearSvm::params().fit(&train).expect("fit").into();
    let classes = ["angry", "happy", "sad"].map(String::from).to_vec();
    ModelFile::new(
        FeatureConfig::study(FeatureSpec::Mfcc40Mean),
        Some(scaler),
        classes,
        model,
    )
    .expect("model file")
}

#[test]
fn corrupt_truncated_and_newer_model_files() {
    let dir = temp_dir("model-files");
    let json = model_file().to_json().expect("json");
    let path = write(&dir, "garbage.json", b"\x00\x01 this is not a model");
    let e = model_err(ModelFile::load(&path), &path, "not valid JSON");
    assert!(matches!(e, ModelError::CorruptModelFile { .. }), "{e:?}");
    let path = write(&dir, "truncated.json", &json.as_bytes()[..json.len() / 2]);
    let e = model_err(ModelFile::load(&path), &path, "EOF while parsing");
    assert!(matches!(e, ModelError::CorruptModelFile { .. }), "{e:?}");
    let newer = json.replacen(
        &format!("\"version\": {FORMAT_VERSION}"),
        "\"version\": 2",
        1,
    );
    let path = write(&dir, "newer.json", newer.as_bytes());
    let e = model_err(
        ModelFile::load(&path),
        &path,
        "has format version 2; this build reads up to 1",
    );
    assert!(
        matches!(
            e,
            ModelError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let path = write(&dir, "binary.json", &random_bytes(300, 3));
    let e = model_err(ModelFile::load(&path), &path, "corrupt model file");
    assert!(matches!(e, ModelError::CorruptModelFile { .. }), "{e:?}");
    // A folder named like a model, and a missing file.
    let path = dir.join("folder.json");
    std::fs::create_dir_all(&path).expect("dir");
    let e = model_err(ModelFile::load(&path), &path, "not a regular file");
    assert!(matches!(e, ModelError::CorruptModelFile { .. }), "{e:?}");
    let path = dir.join("missing.json");
    assert!(matches!(
        model_err(ModelFile::load(&path), &path, "No such file"),
        ModelError::Io { .. }
    ));
    // The good one loads.
    let path = write(&dir, "good.json", json.as_bytes());
    assert_eq!(ModelFile::load(&path).expect("good file"), model_file());
}

#[test]
fn feature_width_differing_from_the_model_is_a_shape_mismatch() {
    let file = model_file();
    for width in [39, 41, 189] {
        let x = Array2::<f32>::zeros((2, width));
        let e = file.predict(x.view()).expect_err("wrong width");
        assert!(
            matches!(e, ModelError::ShapeMismatch { what: "features per row", expected: 40, got } if got == width),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!("shape mismatch in features per row: expected 40, got {width}")
        );
    }
    // Features computed with another spec than the file records: caught before predicting.
    let enriched_width = FeatureSpec::Enriched.dim();
    assert_ne!(enriched_width, file.n_features());
}

#[test]
fn knn_with_k_above_the_training_size() {
    let (x, y) = train_rows();
    let train = TrainSet::new(x.view(), y.view(), 3).expect("train set");
    let e = Knn::params().k(31).fit(&train).expect_err("k > n");
    assert!(
        matches!(
            e,
            ModelError::TooFewSamples {
                needed: 31,
                got: 30
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "too few samples: need at least 31, got 30");
    assert!(Knn::params().k(30).fit(&train).is_ok());
}

#[test]
fn one_class_training_sets() {
    let (x, _) = train_rows();
    let y = Array1::<usize>::zeros(30);
    // One class declared: a classifier needs two.
    let one = TrainSet::new(x.view(), y.view(), 1).expect("train set");
    let e = LinearSvm::params().fit(&one).expect_err("one class");
    assert!(
        matches!(
            e,
            ModelError::InvalidParam {
                name: "n_classes",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("at least 2 classes"), "{e}");
    // Three classes declared, only class 0 present: the SVM says which class is empty ...
    let three = TrainSet::new(x.view(), y.view(), 3).expect("train set");
    let e = LinearSvm::params().fit(&three).expect_err("empty classes");
    assert!(matches!(e, ModelError::EmptyClass { class: 1 }), "{e:?}");
    assert_eq!(e.to_string(), "class 1 has no training sample");
    // ... KNN (documented) fits and always predicts the one class, with score 1.
    let knn = Knn::params().k(3).fit(&three).expect("knn fits");
    let scores = knn.predict_scores(x.view()).expect("scores");
    assert!(
        scores
            .rows()
            .into_iter()
            .all(|r| r[0] == 1.0 && r[1] == 0.0 && r[2] == 0.0)
    );
}

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_corpus_folder() {
    let dir = temp_dir("empty-corpus");
    let e = scan(&dir, &ScanOptions::default()).expect_err("nothing to scan");
    assert!(
        matches!(e, DataError::EmptyCorpus { ref root, skipped: 0 } if *root == *dir),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}: no audio files in this folder or below it (0 other files skipped)",
            dir.display()
        )
    );
    // Only files that are not audio: still empty, and it says how many were skipped.
    write(&dir, "notes.txt", b"recorded on tuesday");
    let e = scan(&dir, &ScanOptions::default()).expect_err("no audio");
    assert!(
        matches!(e, DataError::EmptyCorpus { skipped: 1, .. }),
        "{e:?}"
    );
    // Audio whose names fit no scheme at all: the folder and an example name.
    let sub = dir.join("unnamed");
    write(
        &sub,
        "take1.wav",
        &wav16(&tone(220.0, 16_000, 1.0, 0.4), 16_000, 1),
    );
    let e = scan(&sub, &ScanOptions::default()).expect_err("no scheme");
    assert!(
        matches!(e, DataError::NoSchemeFitsIn { files: 1, .. }),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(&sub.display().to_string()) && msg.contains("\"take1.wav\""),
        "{msg}"
    );
    std::fs::remove_dir_all(&sub).expect("clean up");
    std::fs::remove_file(dir.join("notes.txt")).expect("clean up");
    // Forcing a scheme: an empty corpus, not an error.
    let opts = ScanOptions {
        scheme: ser::data::SchemeChoice::Force(Scheme::Tess),
        ..ScanOptions::default()
    };
    let corpus = scan(&dir, &opts).expect("forced scheme");
    assert_eq!(
        (corpus.files, corpus.items.len(), corpus.faulty.len()),
        (0, 0, 0)
    );
    // A folder that does not exist names itself.
    let missing = dir.join("missing");
    let e = scan(&missing, &ScanOptions::default()).expect_err("missing folder");
    assert!(matches!(e, DataError::Io { .. }), "{e:?}");
    assert!(
        e.to_string().contains(&missing.display().to_string()),
        "{e}"
    );
}

#[test]
fn corpus_goes_on_past_every_bad_file() {
    let dir = temp_dir("corpus");
    let good = wav16(&tone(220.0, 16_000, 1.0, 0.4), 16_000, 1);
    let good_names = [
        "OAF_back_angry.wav",
        "OAF_back_happy.wav",
        "YAF_dog_sad.wav",
    ];
    for name in good_names {
        write(&dir, name, &good);
    }
    let mut nan = Vec::new();
    for i in 0..16_000 {
        let v = if i == 100 { f32::NAN } else { 0.1 };
        nan.extend_from_slice(&v.to_le_bytes());
    }
    let bad: [(&str, Vec<u8>, FaultKind, &str); 7] = [
        (
            "OAF_bean_angry.wav",
            Vec::new(),
            FaultKind::Empty,
            "empty file",
        ),
        (
            "OAF_cab_angry.wav",
            random_bytes(2000, 5),
            FaultKind::Unreadable,
            "not a known audio container",
        ),
        (
            "OAF_dab_angry.wav",
            b"ID3\x04\0\0\0\0\0\0\xff\xfb\x90\x64".to_vec(),
            FaultKind::Unreadable,
            "MP3",
        ),
        (
            "OAF_fed_angry.wav",
            wav16(&tone(220.0, 16_000, 0.3, 0.4), 16_000, 1),
            FaultKind::TooShort,
            "not longer than the study's",
        ),
        (
            "OAF_gab_angry.wav",
            wav16(&vec![0.0; 16_000], 16_000, 1),
            FaultKind::Silent,
            "silent",
        ),
        (
            "OAF_hat_angry.wav",
            wav(3, 1, 16_000, 32, &nan, None),
            FaultKind::Unreadable,
            "non-finite sample",
        ),
        (
            "recording_final.wav",
            good.clone(),
            FaultKind::Unlabelled,
            "name does not fit the tess scheme",
        ),
    ];
    for (name, bytes, _, _) in &bad {
        write(&dir, name, bytes);
    }
    std::fs::create_dir_all(dir.join("OAF_x_angry.wav")).expect("folder named .wav");
    let corpus = scan(&dir, &ScanOptions::default()).expect("scan");
    assert_eq!(corpus.scheme, Scheme::Tess);
    let items: Vec<&str> = corpus
        .items
        .iter()
        .filter_map(|i| i.label.path.file_name().and_then(|n| n.to_str()))
        .collect();
    assert_eq!(items, good_names);
    for (name, _, kind, cause) in &bad {
        let report = corpus
            .faulty
            .iter()
            .find(|f| f.file == dir.join(name))
            .unwrap_or_else(|| panic!("{name} not reported: {:#?}", corpus.faulty));
        assert!(
            !report.kept && report.kinds == [*kind],
            "{name}: {report:?}"
        );
        assert!(report.reason.contains(cause), "{name}: {}", report.reason);
    }
    assert_eq!(corpus.files, good_names.len() + bad.len());
    // The study's loading of what was kept works file after file, as the examples do it.
    let mfcc = study_mfcc();
    for item in &corpus.items {
        let audio = load(&item.label.path, &LoadOptions::study()).expect("kept files load");
        assert!(
            mfcc.mean(&audio.samples)
                .expect("mfcc")
                .iter()
                .all(|v| v.is_finite())
        );
    }
}

#[test]
fn a_name_that_fits_no_scheme_says_why() {
    for scheme in Scheme::ALL {
        let e = scheme
            .parse(Path::new("corpus/recording.wav"))
            .expect_err("no fit");
        assert_eq!(e.file, Path::new("corpus/recording.wav"));
        assert_eq!(e.scheme, scheme);
        assert!(!e.reason.is_empty());
    }
    let e = Scheme::Tess
        .parse(Path::new("OAF_back_furious.wav"))
        .expect_err("no such emotion");
    assert!(
        e.reason.contains("\"furious\" is not a TESS emotion"),
        "{}",
        e.reason
    );
}

#[test]
fn huge_finite_features_give_finite_scores() {
    let (x, y) = train_rows();
    let train = TrainSet::new(x.view(), y.view(), 3).expect("train set");
    let knn = Knn::params().k(3).fit(&train).expect("knn");
    let svm = LinearSvm::params().fit(&train).expect("svm");
    let file = model_file();
    for v in [1e30f32, -1e30, f32::MAX, -f32::MAX] {
        let q = Array2::from_elem((2, 40), v);
        for (name, m) in [
            ("knn", &knn as &dyn Predict),
            ("svm", &svm),
            ("file", &file),
        ] {
            match m.predict_scores(q.view()) {
                Ok(s) => assert!(
                    s.iter().all(|p| p.is_finite()),
                    "{name} at {v}: non-finite scores {s}"
                ),
                Err(e) => panic!("{name} at {v}: {e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The examples at their edges (issue 14): standard output closed or full, names that are not
// UTF-8, paths on standard input, the same recording on both sides of an evaluation
// ---------------------------------------------------------------------------------------------

/// The folder of this build's example binaries, the six examples built (once per run) with
/// the profile that built this test: `cargo test --test bad_inputs` alone does not build them.
/// `SER_EXAMPLES_DIR` names another folder of binaries to try instead (nothing is built then).
fn examples_dir() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        if let Some(dir) = std::env::var_os("SER_EXAMPLES_DIR") {
            return PathBuf::from(dir);
        }
        let exe = std::env::current_exe().expect("test binary");
        // target/<profile>/deps/bad_inputs-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "--profile", &profile, "--manifest-path"]);
        cargo.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
        cargo.args(["-p", "ser"]);
        for name in ["eda", "train", "evaluate", "study", "mfcc", "predict"] {
            cargo.args(["--example", name]);
        }
        let out = cargo.output().expect("run cargo");
        assert!(
            out.status.success(),
            "building the examples failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir.join("examples")
    })
}

/// A command running example `name`.
fn example(name: &str) -> Command {
    Command::new(examples_dir().join(name))
}

/// A TESS-named synthetic corpus under `dir`: two speakers, angry / sad / neutral, `per_class`
/// clips of each speaker and emotion.
fn synth_corpus(dir: &Path, per_class: usize, seed: u64) {
    use ser::data::synth::{SynthParams, write_corpus};
    let params = SynthParams {
        seed,
        emotions: vec![
            ser::data::Emotion::Angry,
            ser::data::Emotion::Sad,
            ser::data::Emotion::Neutral,
        ],
        utterances_per_class: per_class,
        ..SynthParams::default()
    };
    write_corpus(dir, &params).expect("synthetic corpus");
}

/// A write end of a pipe whose read end is already closed: every write is a broken pipe, as
/// for `| head -1` once `head` has gone.
fn closed_pipe() -> std::process::Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer.into()
}

/// `/dev/full`: every write fails with "no space left on device".
fn dev_full() -> std::process::Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
        .into()
}

/// The six examples, each with arguments that make it print, over inputs made in `dir`.
fn example_runs(dir: &Path) -> Vec<(&'static str, Command)> {
    let corpus = dir.join("corpus");
    synth_corpus(&corpus, 3, 7);
    let clip = write(
        dir,
        "clip.wav",
        &wav16(&tone(220.0, 22_050, 1.5, 0.4), 22_050, 1),
    );
    let model = write(
        dir,
        "model.json",
        model_file().to_json().expect("json").as_bytes(),
    );
    let mut runs = Vec::new();
    let mut eda = example("eda");
    eda.arg(&corpus);
    runs.push(("eda", eda));
    let mut train = example("train");
    train
        .args(["--c", "1", "--data"])
        .arg(&corpus)
        .arg("--out")
        .arg(dir.join("trained.json"));
    runs.push(("train", train));
    let mut evaluate = example("evaluate");
    evaluate
        .args(["--c", "1", "--protocol", "split", "--no-cache", "--data"])
        .arg(&corpus);
    runs.push(("evaluate", evaluate));
    let mut study = example("study");
    study
        .args(["--lstm-epochs", "1", "--no-cache", "--data"])
        .arg(&corpus)
        .arg("--out")
        .arg(dir.join("study-out"));
    runs.push(("study", study));
    let mut mfcc = example("mfcc");
    mfcc.arg(&clip).arg(&clip);
    runs.push(("mfcc", mfcc));
    let mut predict = example("predict");
    predict.arg(&model).arg(&clip).arg(&clip);
    runs.push(("predict", predict));
    runs
}

fn assert_no_panic(name: &str, out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && out.status.code() != Some(101),
        "{name} panicked ({}): {stderr}",
        out.status
    );
}

#[test]
fn every_example_ends_quietly_when_its_reader_closes_stdout() {
    let dir = temp_dir("stdout-closed");
    for (name, mut cmd) in example_runs(&dir) {
        let out = cmd.stdout(closed_pipe()).output().expect("run");
        assert_no_panic(name, &out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The work was done all the same: the model file, the study's results.
    assert!(dir.join("trained.json").is_file());
    assert!(dir.join("study-out").join("results.json").is_file());
}

#[cfg(target_os = "linux")]
#[test]
fn every_example_reports_a_full_stdout_as_an_error() {
    let dir = temp_dir("stdout-full");
    for (name, mut cmd) in example_runs(&dir) {
        let out = cmd.stdout(dev_full()).output().expect("run");
        assert_no_panic(name, &out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}: cannot write"))
                && stderr.contains("standard output")
                && stderr.contains("No space left on device"),
            "{name}: {stderr}"
        );
    }
    // The study wrote its results before reporting the failed progress output.
    assert!(dir.join("study-out").join("results.json").is_file());
}

/// The path named by `bytes` under `dir` (any bytes on Unix).
#[cfg(unix)]
fn byte_path(dir: &Path, bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    dir.join(std::ffi::OsStr::from_bytes(bytes))
}

/// `"file_bytes"` of a JSON object as bytes (`None` when absent).
fn file_bytes(v: &serde_json::Value) -> Option<Vec<u8>> {
    v.get("file_bytes").map(|b| {
        b.as_array()
            .expect("an array")
            .iter()
            .map(|n| u8::try_from(n.as_u64().expect("a number")).expect("a byte"))
            .collect()
    })
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_written_as_text_plus_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir("not-utf8");
    let clip = wav16(&tone(220.0, 22_050, 1.5, 0.4), 22_050, 1);
    // predict and mfcc: a model and a recording whose names are not UTF-8.
    let name = b"caf\xe9 \xff.wav";
    let odd = byte_path(&dir, name);
    std::fs::write(&odd, &clip).expect("write");
    let plain = write(&dir, "plain.wav", &clip);
    let model = byte_path(&dir, b"model-\xfe.json");
    std::fs::write(&model, model_file().to_json().expect("json")).expect("model");
    for (name_, mut cmd) in [("predict", example("predict")), ("mfcc", example("mfcc"))] {
        if name_ == "predict" {
            cmd.arg(&model);
        }
        let out = cmd.arg(&odd).arg(&plain).output().expect("run");
        assert_no_panic(name_, &out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name_}: {stderr}");
        let lines: Vec<serde_json::Value> = out
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 2, "{name_}: {lines:?}");
        assert_eq!(lines[0]["file"], odd.to_string_lossy().as_ref(), "{name_}");
        assert_eq!(
            file_bytes(&lines[0]).as_deref(),
            Some(odd.as_os_str().as_bytes()),
            "{name_}"
        );
        assert!(lines[0].get("error").is_none(), "{name_}: {}", lines[0]);
        // A UTF-8 name gets no extra field.
        assert_eq!(lines[1]["file"], plain.to_str().expect("utf-8"), "{name_}");
        assert_eq!(file_bytes(&lines[1]), None, "{name_}");
    }

    // A corpus holding one such name: scanned, it is a fault named by its bytes; the eda
    // example prints everything, naming it; JSON gives the exact path back.
    let corpus = dir.join("corpus");
    synth_corpus(&corpus, 2, 7);
    let bad = byte_path(&corpus.join("SFA_angry"), b"SFA_b\xe4ck_angry.wav");
    std::fs::write(&bad, &clip).expect("write");
    let scanned = scan(&corpus, &ScanOptions::default()).expect("scan");
    let report = scanned
        .faulty
        .iter()
        .find(|f| f.file == bad)
        .unwrap_or_else(|| panic!("not reported: {:#?}", scanned.faulty));
    assert!(!report.kept && report.kinds == [FaultKind::Unlabelled]);
    assert!(
        report.reason.contains("not valid UTF-8"),
        "{}",
        report.reason
    );
    let json = serde_json::to_value(report).expect("serialises");
    assert_eq!(json["file"], bad.to_string_lossy().as_ref());
    assert_eq!(
        file_bytes(&json).as_deref(),
        Some(bad.as_os_str().as_bytes())
    );
    let back: ser::data::FileReport = serde_json::from_value(json).expect("reads back");
    assert_eq!(&back, report);
    let out = example("eda").arg(&corpus).output().expect("eda");
    assert_no_panic("eda", &out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eda: serde_json::Value = serde_json::from_slice(&out.stdout).expect("eda JSON");
    let faulty = eda["faulty"].as_array().expect("faulty");
    assert!(
        faulty
            .iter()
            .any(|f| f["file"] == bad.to_string_lossy().as_ref()
                && file_bytes(f).as_deref() == Some(bad.as_os_str().as_bytes())
                && f["kept"] == false),
        "{faulty:?}"
    );
    assert_eq!(eda["read"], 12);
    assert!(
        eda.get("root_bytes").is_none(),
        "a UTF-8 root gets no bytes"
    );

    // A corpus whose own folder name is not UTF-8: eda reads it and writes the root as text
    // plus its bytes (it used to fail to serialise, printing nothing).
    let odd_root = byte_path(&dir, b"corp\xfas");
    std::fs::rename(&corpus, &odd_root).expect("rename");
    let out = example("eda").arg(&odd_root).output().expect("eda");
    assert_no_panic("eda", &out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eda: serde_json::Value = serde_json::from_slice(&out.stdout).expect("eda JSON");
    assert_eq!(eda["root"], odd_root.to_string_lossy().as_ref());
    let root_bytes: Vec<u8> = eda["root_bytes"]
        .as_array()
        .expect("root_bytes")
        .iter()
        .map(|b| u8::try_from(b.as_u64().expect("a byte")).expect("0-255"))
        .collect();
    assert_eq!(root_bytes, odd_root.as_os_str().as_bytes());
    assert_eq!(eda["read"], 12);
    std::fs::rename(&odd_root, &corpus).expect("rename back");

    // The study over it: runs to the end, the file reported as left out in results.json.
    let out_dir = dir.join("study-out");
    let config = ser::study::StudyConfig {
        data: Some(corpus.clone()),
        out: out_dir.clone(),
        lstm_epochs: 1,
        cache: false,
        quiet: true,
        ..ser::study::StudyConfig::default()
    };
    let results = ser::study::run(&config).expect("the study runs");
    assert!(results.eda.faulty.iter().any(|f| f.file == bad));
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("results.json")).expect("results.json"),
    )
    .expect("JSON");
    assert!(
        written["eda"]["faulty"]
            .as_array()
            .expect("faulty")
            .iter()
            .any(|f| file_bytes(f).as_deref() == Some(bad.as_os_str().as_bytes())),
        "{}",
        written["eda"]["faulty"]
    );
    assert!(out_dir.join("report.html").is_file());
}

/// Waits for a thread writing a child's standard input: done, or stopped by the child closing
/// it (it need not read past the end of its list).
fn stdin_written(writer: std::thread::JoinHandle<std::io::Result<()>>) {
    match writer.join().expect("writer thread") {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing standard input: {e}"),
    }
}

#[cfg(unix)]
#[test]
fn predict_reads_stdin_paths_as_bytes_and_skips_overlong_lines() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir("stdin-paths");
    let clip = wav16(&tone(220.0, 22_050, 1.5, 0.4), 22_050, 1);
    let odd = byte_path(&dir, b"\xff\xfe.wav");
    std::fs::write(&odd, &clip).expect("write");
    let plain = write(&dir, "plain.wav", &clip);
    let model = write(
        &dir,
        "model.json",
        model_file().to_json().expect("json").as_bytes(),
    );
    // A path that is not UTF-8, a 100 KiB line, a quoted path, an empty line (the end), and a
    // path after it that is never read.
    let mut input = odd.as_os_str().as_bytes().to_vec();
    input.push(b'\n');
    input.extend(std::iter::repeat_n(b'x', 100 * 1024));
    input.push(b'\n');
    input.extend_from_slice(format!("\"{}\"\n\n", plain.display()).as_bytes());
    input.extend_from_slice(b"never.wav\n");
    let mut child = example("predict")
        .arg(&model)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("run");
    stdin_written(writer);
    assert_no_panic("predict", &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The long line is reported with its number and skipped: exit status 1.
    assert!(
        stderr.contains("line 2: longer than 65536 bytes (102400 bytes); skipped"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}\n{stderr}");
    assert_eq!(
        file_bytes(&lines[0]).as_deref(),
        Some(odd.as_os_str().as_bytes())
    );
    assert!(lines[0].get("emotion").is_some(), "{}", lines[0]);
    assert_eq!(lines[1]["file"], plain.to_str().expect("utf-8"));
    assert!(lines[1].get("emotion").is_some(), "{}", lines[1]);

    // A last line with no newline, longer than the limit: reported, nothing predicted.
    let mut child = example("predict")
        .arg(&model)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&vec![b'y'; 1 << 20]));
    let out = child.wait_with_output().expect("run");
    stdin_written(writer);
    assert_no_panic("predict", &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 1: longer than 65536 bytes (1048576 bytes); skipped"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn the_same_recording_on_both_sides_of_an_evaluation_is_leakage() {
    use ser::evaluate::{EvalOptions, duplicate_recordings, evaluate_dir, evaluate_multi};
    use ser::pipeline::PipelineError;
    let dir = temp_dir("leakage");
    let (a, b, other) = (dir.join("a"), dir.join("b"), dir.join("other"));
    synth_corpus(&a, 2, 7);
    synth_corpus(&other, 2, 8);
    // `b`: another corpus holding one recording of `a` under another speaker's name.
    synth_corpus(&b, 2, 8);
    let files = |root: &Path| -> Vec<PathBuf> { ser::data::walk(root).expect("walk").0 };
    let fa = files(&a);
    let original = fa[0].clone();
    let copy = b.join("SMB_angry").join("SMB_copy_angry.wav");
    std::fs::copy(&original, &copy).expect("copy");

    // Byte-identical files only, whatever their names.
    fn refs(v: &[PathBuf]) -> Vec<&Path> {
        v.iter().map(PathBuf::as_path).collect()
    }
    let (fb, fo) = (files(&b), files(&other));
    assert!(duplicate_recordings(&refs(&fo), &refs(&fa)).is_empty());
    assert_eq!(
        duplicate_recordings(&refs(&fb), &refs(&fa)),
        [(copy.clone(), original.clone())]
    );
    assert_eq!(duplicate_recordings(&refs(&fa), &refs(&fa)).len(), fa.len());

    let opts = |extra: Vec<PathBuf>| EvalOptions {
        extra_train: extra,
        progress: ser::data::Progress::Hidden,
        ..EvalOptions::default()
    };
    // --data a --extra-train b: one pair, named.
    let e = evaluate_dir(&a, &opts(vec![b.clone()])).expect_err("leakage");
    assert!(
        matches!(e, PipelineError::Leakage { ref train, ref test, duplicates: 1 }
            if *train == copy && *test == original),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains(&copy.display().to_string()) && msg.contains(&original.display().to_string()),
        "{msg}"
    );
    // --data a --extra-train a: every clip.
    let e = evaluate_dir(&a, &opts(vec![a.clone()])).expect_err("leakage");
    assert!(
        matches!(e, PipelineError::Leakage { duplicates: 12, .. }),
        "{e:?}"
    );
    // --train a --test a, and a test corpus whose copy is in an extra training corpus.
    let e = evaluate_multi(std::slice::from_ref(&a), &a, &opts(vec![])).expect_err("leakage");
    assert!(
        matches!(e, PipelineError::Leakage { duplicates: 12, .. }),
        "{e:?}"
    );
    let e = evaluate_multi(std::slice::from_ref(&other), &a, &opts(vec![b.clone()]))
        .expect_err("leakage");
    assert!(
        matches!(e, PipelineError::Leakage { ref test, duplicates: 1, .. } if *test == original),
        "{e:?}"
    );

    // The command: status 1 and the pair named; with --allow-leakage, a warning and the count
    // in the JSON.
    let out = example("evaluate")
        .args(["--no-cache", "--train"])
        .arg(&b)
        .arg("--test")
        .arg(&a)
        .output()
        .expect("evaluate");
    assert_no_panic("evaluate", &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("leakage")
            && stderr.contains(&copy.display().to_string())
            && stderr.contains(&original.display().to_string()),
        "{stderr}"
    );
    let out = example("evaluate")
        .args(["--no-cache", "--c", "1", "--allow-leakage", "--train"])
        .arg(&b)
        .arg("--test")
        .arg(&a)
        .output()
        .expect("evaluate");
    assert_no_panic("evaluate", &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("WARNING: LEAKAGE: 1 test recording"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["leakage"]["duplicates"], 1, "{report}");
    assert_eq!(report["leakage"]["test"], original.to_str().expect("utf-8"));
    assert_eq!(report["leakage"]["train"], copy.to_str().expect("utf-8"));
}
