//! Time-domain frame features: zero-crossing rate and RMS, framed like librosa
//! (`frame_length` 2048, `hop_length` 512, centred).

use ndarray::Array2;

use crate::error::{FeatureError, Result};
use crate::signal::check_signal;

fn check_framing(frame_length: usize, hop_length: usize) -> Result<()> {
    if frame_length == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "frame_length",
            reason: "must be at least 1".into(),
        });
    }
    if hop_length == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "hop_length",
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// Number of centred frames: `1 + len / hop` for an even `frame_length`.
fn n_frames(len: usize, frame_length: usize, hop_length: usize) -> usize {
    crate::stft::frame_count(len, frame_length, hop_length)
}

/// Sample `i` of the signal padded by `frame_length / 2` on each side with its edge values
/// (`np.pad(mode="edge")`) or zeros.
#[inline]
fn padded(signal: &[f32], i: isize, edge: bool) -> f32 {
    let n = signal.len() as isize;
    if (0..n).contains(&i) {
        signal[i as usize]
    } else if !edge {
        0.0
    } else if i < 0 {
        signal[0]
    } else {
        signal[signal.len() - 1]
    }
}

/// Zero-crossing rate per frame, `1 × frames`, as `librosa.feature.zero_crossing_rate(y)`:
/// edge-padded centred frames; a crossing is a sign change between neighbours, values within
/// ±1e-10 counting as zero (positive); the rate is crossings / `frame_length`.
pub fn zero_crossing_rate(
    signal: &[f32],
    frame_length: usize,
    hop_length: usize,
) -> Result<Array2<f32>> {
    check_signal(signal)?;
    check_framing(frame_length, hop_length)?;
    let frames = n_frames(signal.len(), frame_length, hop_length);
    let pad = (frame_length / 2) as isize;
    let threshold = 1e-10f32;
    // negative[i]: sign bit of the thresholded padded sample i (zero counts as positive).
    let total = signal.len() + 2 * pad as usize;
    let negative: Vec<bool> = (0..total as isize)
        .map(|i| {
            let x = padded(signal, i - pad, true);
            x < -threshold
        })
        .collect();
    let mut out = Array2::zeros((1, frames));
    for (t, o) in out.iter_mut().enumerate() {
        let start = t * hop_length;
        let window = &negative[start..start + frame_length];
        let crossings = window.windows(2).filter(|w| w[0] != w[1]).count();
        *o = crossings as f32 / frame_length as f32;
    }
    Ok(out)
}

/// Root-mean-square energy per frame, `1 × frames`, as `librosa.feature.rms(y=y)`: centred
/// frames with zero padding, `sqrt(mean(x²))`.
pub fn rms(signal: &[f32], frame_length: usize, hop_length: usize) -> Result<Array2<f32>> {
    check_signal(signal)?;
    check_framing(frame_length, hop_length)?;
    let frames = n_frames(signal.len(), frame_length, hop_length);
    let pad = (frame_length / 2) as isize;
    let mut out = Array2::zeros((1, frames));
    for (t, o) in out.iter_mut().enumerate() {
        let start = (t * hop_length) as isize - pad;
        let sum: f64 = (start..start + frame_length as isize)
            .map(|i| {
                let x = padded(signal, i, false) as f64;
                x * x
            })
            .sum();
        *o = (sum / frame_length as f64).sqrt() as f32;
    }
    Ok(out)
}
