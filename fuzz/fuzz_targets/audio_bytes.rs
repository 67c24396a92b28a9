//! Container sniffing, header parsing and decoding of arbitrary bytes: `probe_bytes`, then
//! `load_bytes` at the native rate (channels kept, and mixed to mono) and resampled to the
//! study's 22050 Hz (the first 3 s, and the study's 0.5 s + 3 s window).
//!
//! Beyond "no panic, no hang, no allocation by a header's claim" it checks that the answers
//! agree with each other: a load succeeds only where the probe does, with the probe's rate,
//! channels and frames; resampled lengths are `ceil(frames · 22050 / rate)`; mono output is
//! finite; every error names the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ser_audio::{AudioError, LoadOptions, load_bytes, probe_bytes};

const NAME: &str = "fuzz-input.wav";

fn check_error(e: &AudioError) {
    assert_eq!(e.path(), Path::new(NAME), "{e:?}");
    assert!(e.to_string().contains(NAME), "message lacks the file: {e}");
}

fuzz_target!(|data: &[u8]| {
    let name = Path::new(NAME);
    let probed = probe_bytes(data, name);
    let native = load_bytes(data, name, &LoadOptions::native().mono(false));
    match (&probed, &native) {
        (Ok(info), Ok(audio)) => {
            assert_eq!(audio.sample_rate, info.sample_rate);
            assert_eq!(audio.channels, info.channels);
            assert_eq!(audio.frames() as u64, info.frames);
            assert_eq!(audio.samples.len() % usize::from(audio.channels), 0);
        }
        (Err(e), Ok(_)) => panic!("probe failed ({e}) but load succeeded"),
        (_, Err(e)) => check_error(e),
    }
    if let Err(e) = &probed {
        check_error(e);
        return;
    }
    let Ok(native) = native else { return };
    let peak = native.samples.iter().fold(0f32, |m, s| m.max(s.abs()));

    match load_bytes(data, name, &LoadOptions::native()) {
        Ok(mono) => {
            assert_eq!(mono.channels, 1);
            assert_eq!(mono.frames(), native.frames());
            if let Some(i) = mono.samples.iter().position(|s| !s.is_finite()) {
                panic!("mono sample {i} is {} from finite input", mono.samples[i]);
            }
        }
        Err(e) => panic!("native channel-kept load worked, mono failed: {e}"),
    }

    // From the start, at most 3 s: the output (and the time spent) stays bounded whatever the
    // rate pair; a whole 16 KiB file of 8-bit samples at 87 Hz would be 4 M output samples.
    let three_s = LoadOptions::default().duration(Some(3.0));
    match load_bytes(data, name, &three_s) {
        Ok(resampled) => {
            let from = u128::from(native.sample_rate);
            let frames = (native.frames() as u128).min(3 * from);
            let want = (frames * 22_050).div_ceil(from);
            assert_eq!(resampled.frames() as u128, want, "resampled length");
            if peak < 1e30 {
                assert!(resampled.samples.iter().all(|s| s.is_finite()));
            }
        }
        Err(e) => check_error(&e),
    }
    if let Err(e) = load_bytes(data, name, &LoadOptions::study()) {
        check_error(&e);
    }
});
