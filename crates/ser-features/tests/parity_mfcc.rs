//! Parity with librosa 0.11's golden arrays (tests/fixtures), computed from each clip's
//! `load_study` signal at 22050 Hz. Prints the measured differences (`cargo test -- --nocapture`).

mod common;

use common::{CLIPS, load, max_abs, max_abs_diff};
use ndarray::Array2;
use ser_features::db::{DbParams, power_to_db};
use ser_features::mel::{MelFilterbank, MelParams};
use ser_features::stft::Stft;
use ser_features::{Mfcc, MfccParams};

fn flat(a: &Array2<f32>) -> Vec<f32> {
    a.iter().copied().collect()
}

#[test]
fn mel_filterbank_matches_librosa_to_1e6() {
    let ours = MelFilterbank::new(&MelParams::default())
        .unwrap()
        .to_dense();
    for clip in CLIPS {
        let want = load(clip, "mel_filterbank");
        assert_eq!(ours.shape(), want.shape.as_slice());
        let d = max_abs_diff(&flat(&ours), &want.data);
        println!("{clip}: mel_filterbank max abs diff {d:.3e}");
        assert!(d <= 1e-6, "{clip}: {d}");
    }
}

#[test]
fn power_spectrogram_matches_librosa_to_1e4_relative() {
    let stft = Stft::new(2048, 512).unwrap();
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "power_spectrogram");
        let ours = stft.power_spectrogram(&y).unwrap();
        assert_eq!(ours.shape(), want.shape.as_slice());
        let ours = flat(&ours);
        let d = max_abs_diff(&ours, &want.data);
        let rel = d / max_abs(&want.data);
        // Element-wise relative error over bins holding at least 1e-6 of the maximum power.
        let floor = 1e-6 * max_abs(&want.data);
        let elem = ours
            .iter()
            .zip(&want.data)
            .filter(|(_, w)| **w >= floor)
            .map(|(o, w)| ((o - w) / w).abs())
            .fold(0.0f32, f32::max);
        println!(
            "{clip}: power_spectrogram max abs diff {d:.3e} (relative to max {rel:.3e}; \
             element-wise relative above 1e-6·max {elem:.3e})"
        );
        assert!(rel <= 1e-4, "{clip}: {rel}");
    }
}

#[test]
fn mel_spectrogram_and_db_match_librosa() {
    let stft = Stft::new(2048, 512).unwrap();
    let bank = MelFilterbank::new(&MelParams::default()).unwrap();
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let power = stft.power_spectrogram(&y).unwrap();
        let mel = bank.mel_spectrogram(power.view()).unwrap();
        let want = load(clip, "mel_spectrogram");
        assert_eq!(mel.shape(), want.shape.as_slice());
        let d = max_abs_diff(&flat(&mel), &want.data);
        let rel = d / max_abs(&want.data);
        println!("{clip}: mel_spectrogram max abs diff {d:.3e} (relative to max {rel:.3e})");
        assert!(d <= 1e-2, "{clip}: {d}");

        let db = power_to_db(mel.view(), &DbParams::default()).unwrap();
        let want = load(clip, "mel_db");
        let d = max_abs_diff(&flat(&db), &want.data);
        println!("{clip}: mel_db max abs diff {d:.3e} dB");
        assert!(d <= 1e-2, "{clip}: {d}");

        // The MFCC plan's fused log-mel path gives the same.
        let fused = Mfcc::new(&MfccParams::study())
            .unwrap()
            .log_mel(&y)
            .unwrap();
        let d = max_abs_diff(&flat(&fused), &want.data);
        println!("{clip}: fused log-mel max abs diff {d:.3e} dB");
        assert!(d <= 1e-2, "{clip}: {d}");
    }
}

#[test]
fn every_mfcc_frame_matches_librosa_to_1e2() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "mfcc").array2();
        let ours = mfcc.process(&y).unwrap();
        assert_eq!(ours.shape(), want.shape());
        let mut worst = (0.0f32, 0usize);
        for (t, (o, w)) in ours.columns().into_iter().zip(want.columns()).enumerate() {
            let d = o
                .iter()
                .zip(w)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            if d > worst.0 {
                worst = (d, t);
            }
        }
        println!(
            "{clip}: mfcc max abs diff {:.3e} (frame {} of {})",
            worst.0,
            worst.1,
            ours.ncols()
        );
        assert!(worst.0 <= 1e-2, "{clip}: {worst:?}");
    }
}

#[test]
fn mfcc_mean_matches_librosa() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    for clip in CLIPS {
        let y = load(clip, "load_study").data;
        let want = load(clip, "mfcc_mean").data;
        let ours = mfcc.mean(&y).unwrap();
        let d = max_abs_diff(ours.as_slice().unwrap(), &want);
        // The mean of `process` agrees with the fused mean too.
        let via_frames = mfcc
            .process(&y)
            .unwrap()
            .mean_axis(ndarray::Axis(1))
            .unwrap();
        let d2 = max_abs_diff(ours.as_slice().unwrap(), via_frames.as_slice().unwrap());
        println!("{clip}: mfcc_mean max abs diff {d:.3e} (fused vs framewise {d2:.3e})");
        assert!(d <= 1e-2, "{clip}: {d}");
        assert!(d2 <= 1e-3, "{clip}: {d2}");
    }
}
