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
    // crossings_before[i]: sign changes between padded samples j−1 and j for all 1 ≤ j < i.
    let mut crossings_before = vec![0u32; total + 1];
    // Edge padding repeats the end samples, so the pads themselves hold no crossing.
    let negative = |x: f32| x < -threshold;
    let offset = pad as usize;
    let mut previous = negative(signal[0]);
    for (j, &x) in signal.iter().enumerate().skip(1) {
        let now = negative(x);
        let i = offset + j;
        crossings_before[i + 1] = crossings_before[i] + u32::from(now != previous);
        previous = now;
    }
    // Before the signal: no crossings; after it: the count stays.
    let last = crossings_before[offset + signal.len()];
    for c in crossings_before[offset + signal.len()..].iter_mut() {
        *c = last;
    }
    let mut out = Array2::zeros((1, frames));
    for (t, o) in out.iter_mut().enumerate() {
        // Crossings inside the frame [start, start + frame_length): between j−1 and j for
        // start < j < start + frame_length.
        let start = t * hop_length;
        let crossings = crossings_before[start + frame_length] - crossings_before[start + 1];
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
        let end = start + frame_length as isize;
        // The part of the frame inside the signal; zero padding adds nothing.
        let lo = start.clamp(0, signal.len() as isize) as usize;
        let hi = end.clamp(0, signal.len() as isize) as usize;
        let sum = sum_of_squares(&signal[lo..hi.max(lo)]);
        *o = (sum / frame_length as f64).sqrt() as f32;
    }
    Ok(out)
}

/// Σ x² in `f64` over four independent lanes (so it vectorises).
fn sum_of_squares(x: &[f32]) -> f64 {
    let mut lanes = [0f64; 4];
    let chunks = x.chunks_exact(4);
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&v| (v as f64) * (v as f64))
        .sum();
    for c in chunks {
        for i in 0..4 {
            lanes[i] += (c[i] as f64) * (c[i] as f64);
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zcr_counts_sign_changes_and_rms_of_a_constant_is_its_level() {
        // Alternating signs: every neighbour pair inside the signal crosses.
        let x: Vec<f32> = (0..4096)
            .map(|i| if i % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        let z = zero_crossing_rate(&x, 2048, 512).unwrap();
        assert_eq!(z.ncols(), 9);
        // Frame 4 lies fully inside: 2047 crossings of 2048 samples.
        assert_eq!(z[[0, 4]], 2047.0 / 2048.0);
        // Frame 0 holds 1024 edge-padded copies of x[0] (no crossing) then 1024 samples.
        assert_eq!(z[[0, 0]], 1023.0 / 2048.0);
        // Tiny values count as zero (positive): no crossings.
        let tiny: Vec<f32> = x.iter().map(|v| v * 1e-12).collect();
        assert!(
            zero_crossing_rate(&tiny, 2048, 512)
                .unwrap()
                .iter()
                .all(|&v| v == 0.0)
        );
        let r = rms(&[0.25; 8192], 2048, 512).unwrap();
        assert!((r[[0, 8]] - 0.25).abs() < 1e-7);
        // Frame 0 is half zero padding.
        assert!((r[[0, 0]] - 0.25 / 2f32.sqrt()).abs() < 1e-7);
        assert!(rms(&[0.1; 10], 0, 512).is_err());
        assert!(zero_crossing_rate(&[], 2048, 512).is_err());
    }
}
