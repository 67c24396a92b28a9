//! `librosa.load` semantics: offset/duration cuts, mono mixing, defaults.

mod common;

use common::npy::{fixtures, read_npy};
use ser_audio::{Audio, AudioError, LoadOptions, Resampler, load};

#[test]
fn defaults_are_librosas() {
    let d = LoadOptions::default();
    assert_eq!(
        (d.sample_rate, d.mono, d.offset, d.duration),
        (Some(22_050), true, 0.0, None)
    );
    let s = LoadOptions::study();
    assert_eq!(
        (s.sample_rate, s.mono, s.offset, s.duration),
        (Some(22_050), true, 0.5, Some(3.0))
    );
    let n = LoadOptions::native();
    assert_eq!(
        (n.sample_rate, n.mono, n.offset, n.duration),
        (None, true, 0.0, None)
    );
    let built = LoadOptions::native()
        .sample_rate(Some(16_000))
        .mono(false)
        .offset(1.0)
        .duration(Some(2.0));
    assert_eq!(
        (built.sample_rate, built.mono, built.offset, built.duration),
        (Some(16_000), false, 1.0, Some(2.0))
    );
}

/// Frames are cut at `floor(offset · sr)` and `floor(duration · sr)`, like librosa.
#[test]
fn offset_and_duration_cut_at_native_rate() {
    let golden = read_npy(&fixtures().join("speech_22050/load_native.npy")).data;
    let path = fixtures().join("speech_22050.wav");
    let audio = load(
        &path,
        &LoadOptions::native().offset(1.25).duration(Some(0.5)),
    )
    .expect("load");
    let start = (1.25f64 * 22_050.0).floor() as usize;
    assert_eq!(audio.samples, golden[start..start + 11_025]);
    // A window running past the end gives what there is.
    let short = read_npy(&fixtures().join("short_22050/load_native.npy")).data;
    let path = fixtures().join("short_22050.wav");
    let tail = load(
        &path,
        &LoadOptions::native().offset(1.0).duration(Some(3.0)),
    )
    .expect("load");
    assert_eq!(tail.samples, short[22_050..]);
    assert_eq!(tail.frames(), 30_652 - 22_050);
    assert!((tail.duration_seconds() - 8_602.0 / 22_050.0).abs() < 1e-12);
    let e = load(&path, &LoadOptions::native().offset(1.5)).expect_err("past the end");
    assert!(matches!(
        e,
        AudioError::NoSamples {
            total_frames: 30_652,
            start_frame: 33_075,
            ..
        }
    ));
}

#[test]
fn stereo_kept_or_averaged() {
    let path = fixtures().join("speech_24414_stereo.wav");
    let stereo = load(&path, &LoadOptions::native().mono(false)).expect("load");
    assert_eq!((stereo.channels, stereo.frames()), (2, 112_248));
    let mono: Vec<f32> = stereo
        .samples
        .chunks_exact(2)
        .map(|f| (f[0] + f[1]) / 2.0)
        .collect();
    assert_eq!(
        mono,
        read_npy(&fixtures().join("speech_24414_stereo/load_native.npy")).data
    );
    // Resampled without mixing: each channel resampled on its own, still interleaved.
    let opts = LoadOptions::study().mono(false);
    let both = load(&path, &opts).expect("load");
    assert_eq!(
        (both.channels, both.frames(), both.sample_rate),
        (2, 66_150, 22_050)
    );
    let left: Vec<f32> = stereo.samples.iter().step_by(2).copied().collect();
    let start = (0.5f64 * 24_414.0).floor() as usize;
    let plan = Resampler::new(24_414, 22_050).expect("plan");
    let expected = plan.process(&left[start..start + 73_242]);
    let got: Vec<f32> = both.samples.iter().step_by(2).copied().collect();
    assert_eq!(got, expected);
    // Resampling is linear, so averaging after equals averaging before (to rounding).
    let mixed = load(&path, &LoadOptions::study()).expect("load");
    for (m, f) in mixed.samples.iter().zip(both.samples.chunks_exact(2)) {
        assert!((m - (f[0] + f[1]) / 2.0).abs() < 1e-6);
    }
}

#[test]
fn types_are_shareable_across_threads() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Audio>();
    is_send_sync::<AudioError>();
    is_send_sync::<Resampler>();
    is_send_sync::<LoadOptions>();
}
