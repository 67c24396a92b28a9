//! Resampling judged through the features, as issue 2 asks: for each golden clip at a rate other
//! than 22050 Hz, the study's 40 mean MFCCs of our `load(.., study())` against those of librosa's
//! soxr-HQ `load_study` (golden `mfcc_mean` where librosa computed it, else our librosa-exact MFCC
//! of the golden signal). Bound 0.05, the goal (its limit is 0.3; librosa's FFT resampler differs from soxr HQ by 0.29); the
//! measured figures are printed.

#[path = "../crates/ser-audio/tests/common/npy.rs"]
#[allow(dead_code)]
mod npy;

use std::path::{Path, PathBuf};

use ser::audio::{LoadOptions, load};
use ser::features::{Mfcc, MfccParams};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn study_mfcc_means_of_resampled_clips_match_librosa_soxr_hq() {
    let mfcc = Mfcc::new(&MfccParams::study()).unwrap();
    let clips = [
        "speech_16000",
        "speech_24414",
        "speech_24414_pcm8",
        "speech_24414_pcm24",
        "speech_24414_pcm32",
        "speech_24414_f32",
        "speech_24414_stereo",
        "speech_44100",
        "speech_48000",
        "speech_22050",
        "short_22050",
    ];
    let mut worst = 0f32;
    for clip in clips {
        let dir = fixtures().join(clip);
        let ours = load(
            fixtures().join(format!("{clip}.wav")),
            &LoadOptions::study(),
        )
        .unwrap();
        let golden_signal = npy::read_npy(&dir.join("load_study.npy")).data;
        assert_eq!(ours.sample_rate, 22_050, "{clip}");
        assert_eq!(ours.samples.len(), golden_signal.len(), "{clip}: length");
        let ours_mean = mfcc.mean(&ours.samples).unwrap().to_vec();
        let reference = if dir.join("mfcc_mean.npy").exists() {
            npy::read_npy(&dir.join("mfcc_mean.npy")).data
        } else {
            mfcc.mean(&golden_signal).unwrap().to_vec()
        };
        let diff = max_abs_diff(&ours_mean, &reference);
        println!("{clip}: max |Δ mfcc_mean| = {diff:.4}");
        assert!(diff <= 0.05, "{clip}: max abs diff {diff} > 0.05 (goal)");
        worst = worst.max(diff);
    }
    println!("worst over clips: {worst:.4} (goal ≤ 0.05)");
}
