//! Onset strength and tempo, as `librosa.onset.onset_strength(y=y, sr=…)` and
//! `librosa.feature.tempo(y=y, sr=…)`.

use ndarray::{Array1, ArrayView2};

use crate::error::{FeatureError, Result};

/// Onset strength per frame from a log-mel spectrogram (`n_mels × frames`, `power_to_db` of the
/// mel power as librosa's default): the mean over bands of the positive first difference along
/// time, shifted so it lines up with centred frames (the first `1 + n_fft / (2·hop)` values are 0).
pub fn onset_strength(
    log_mel: ArrayView2<'_, f32>,
    n_fft: usize,
    hop_length: usize,
) -> Result<Array1<f32>> {
    if hop_length == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "hop_length",
            reason: "must be at least 1".into(),
        });
    }
    let frames = log_mel.ncols();
    let bands = log_mel.nrows().max(1) as f64;
    let shift = 1 + n_fft / (2 * hop_length);
    let mut out = Array1::zeros(frames);
    for t in shift..frames {
        // Difference i = t − shift compares frames i + 1 and i.
        let i = t - shift;
        if i + 1 >= frames {
            break;
        }
        let sum: f64 = log_mel
            .column(i + 1)
            .iter()
            .zip(log_mel.column(i))
            .map(|(&b, &a)| ((b - a) as f64).max(0.0))
            .sum();
        out[t] = (sum / bands) as f32;
    }
    Ok(out)
}

/// Global tempo (BPM) from an onset envelope, as `librosa.feature.tempo(onset_envelope=…)`:
/// windowed (8 s, Hann) autocorrelation tempogram averaged over time, weighted by a log-normal
/// prior around 120 BPM (one octave deviation), tempi at or above 320 BPM excluded.
pub fn tempo(onset: &[f32], sample_rate: u32, hop_length: usize) -> Result<f32> {
    if onset.is_empty() {
        return Err(FeatureError::EmptyInput);
    }
    if sample_rate == 0 || hop_length == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "sample_rate",
            reason: "sample rate and hop length must be positive".into(),
        });
    }
    let sr = sample_rate as f64;
    let win = (8.0 * sr / hop_length as f64).floor() as usize;
    if win < 2 {
        return Err(FeatureError::InvalidParameter {
            name: "hop_length",
            reason: format!("an 8 s tempogram window is {win} frames"),
        });
    }
    let n = onset.len();
    let half = win / 2;
    // Pad with linear ramps down to 0 (np.pad mode="linear_ramp").
    let mut padded = vec![0f64; n + 2 * half];
    let first = onset[0] as f64;
    let last = onset[n - 1] as f64;
    for i in 0..half {
        padded[i] = first * i as f64 / half as f64;
        padded[n + 2 * half - 1 - i] = last * i as f64 / half as f64;
    }
    for (p, &o) in padded[half..half + n].iter_mut().zip(onset) {
        *p = o as f64;
    }
    let window: Vec<f64> = (0..win)
        .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / win as f64).cos())
        .collect();
    let mut mean = vec![0f64; win];
    let mut frame = vec![0f64; win];
    let mut ac = vec![0f64; win];
    for t in 0..n {
        for ((f, &p), &w) in frame.iter_mut().zip(&padded[t..t + win]).zip(&window) {
            *f = p * w;
        }
        for (lag, a) in ac.iter_mut().enumerate() {
            *a = frame[..win - lag]
                .iter()
                .zip(&frame[lag..])
                .map(|(x, y)| x * y)
                .sum();
        }
        let max = ac.iter().fold(0f64, |m, v| m.max(v.abs()));
        let norm = if max < f32::MIN_POSITIVE as f64 {
            1.0
        } else {
            max
        };
        mean.iter_mut().zip(&ac).for_each(|(m, a)| *m += a / norm);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut best = (f64::NEG_INFINITY, 0f64);
    for (k, &tg) in mean.iter().enumerate().skip(1) {
        let bpm = 60.0 * sr / (hop_length as f64 * k as f64);
        if bpm >= 320.0 {
            continue;
        }
        let prior = -0.5 * (bpm.log2() - 120f64.log2()).powi(2);
        let score = (1e6 * tg).ln_1p() + prior;
        if score > best.0 {
            best = (score, bpm);
        }
    }
    Ok(best.1 as f32)
}
