//! Spectral shape features from a clip's spectrogram, each `rows × frames` as librosa returns
//! them: centroid, bandwidth, roll-off, flatness and contrast.

use ndarray::Array2;

use crate::db::DbParams;
use crate::error::Result;
use crate::spectrogram::Spectrogram;
use crate::stft::fft_frequencies;

/// Each magnitude frame divided by its sum (`librosa.util.normalize(S, norm=1, axis=-2)`;
/// all-zero frames stay zero), in `f64`.
fn normalized_magnitude(spec: &Spectrogram) -> Vec<Vec<f64>> {
    spec.frames()
        .rows()
        .into_iter()
        .map(|power| {
            let mag: Vec<f64> = power.iter().map(|&p| p.sqrt() as f64).collect();
            let sum: f64 = mag.iter().sum();
            let norm = if sum < f32::MIN_POSITIVE as f64 {
                1.0
            } else {
                sum
            };
            mag.into_iter().map(|m| m / norm).collect()
        })
        .collect()
}

/// Spectral centroid per frame (Hz), `1 × frames`, as `librosa.feature.spectral_centroid`.
pub fn spectral_centroid(spec: &Spectrogram) -> Result<Array2<f32>> {
    let freq = fft_frequencies(spec.sample_rate() as f64, spec.n_fft());
    let norm = normalized_magnitude(spec);
    Ok(Array2::from_shape_fn((1, spec.n_frames()), |(_, t)| {
        norm[t].iter().zip(&freq).map(|(m, f)| m * f).sum::<f64>() as f32
    }))
}

/// Spectral bandwidth (order 2, Hz) per frame, `1 × frames`, as
/// `librosa.feature.spectral_bandwidth`.
pub fn spectral_bandwidth(spec: &Spectrogram) -> Result<Array2<f32>> {
    let freq = fft_frequencies(spec.sample_rate() as f64, spec.n_fft());
    let norm = normalized_magnitude(spec);
    Ok(Array2::from_shape_fn((1, spec.n_frames()), |(_, t)| {
        let centroid: f64 = norm[t].iter().zip(&freq).map(|(m, f)| m * f).sum();
        norm[t]
            .iter()
            .zip(&freq)
            .map(|(m, f)| m * (f - centroid).powi(2))
            .sum::<f64>()
            .sqrt() as f32
    }))
}

/// Roll-off frequency per frame (the lowest bin frequency where the cumulative magnitude reaches
/// 85 % of the frame's total), `1 × frames`, as `librosa.feature.spectral_rolloff`.
pub fn spectral_rolloff(spec: &Spectrogram) -> Result<Array2<f32>> {
    let freq = fft_frequencies(spec.sample_rate() as f64, spec.n_fft());
    let mut out = Array2::zeros((1, spec.n_frames()));
    for (o, power) in out.iter_mut().zip(spec.frames().rows()) {
        // f32 cumulative sum, as numpy does on the float32 magnitude.
        let total: f32 = power.iter().map(|p| p.sqrt()).sum();
        let threshold = 0.85 * total;
        let mut cumulative = 0f32;
        let mut found = 0.0;
        for (&p, &f) in power.iter().zip(&freq) {
            cumulative += p.sqrt();
            if cumulative >= threshold {
                found = f;
                break;
            }
        }
        *o = found as f32;
    }
    Ok(out)
}

/// Spectral flatness per frame (geometric over arithmetic mean of the power, floored at 1e-10),
/// `1 × frames`, as `librosa.feature.spectral_flatness`.
pub fn spectral_flatness(spec: &Spectrogram) -> Result<Array2<f32>> {
    let amin = 1e-10f64;
    let mut out = Array2::zeros((1, spec.n_frames()));
    for (o, power) in out.iter_mut().zip(spec.frames().rows()) {
        let n = power.len() as f64;
        let (log_sum, sum) = power.iter().fold((0f64, 0f64), |(l, s), &p| {
            let x = (p as f64).max(amin);
            (l + x.ln(), s + x)
        });
        *o = ((log_sum / n).exp() / (sum / n)) as f32;
    }
    Ok(out)
}

/// Spectral contrast, `7 × frames` (six octave bands from 200 Hz plus the rest), as
/// `librosa.feature.spectral_contrast(S=|stft|, sr=…)`: per band the mean of the top and bottom
/// 2 % of magnitudes, contrast = `power_to_db(peak) − power_to_db(valley)` (each with its own
/// 80 dB floor over the whole clip).
pub fn spectral_contrast(spec: &Spectrogram) -> Result<Array2<f32>> {
    const N_BANDS: usize = 6;
    const FMIN: f64 = 200.0;
    const QUANTILE: f64 = 0.02;
    let freq = fft_frequencies(spec.sample_rate() as f64, spec.n_fft());
    let n_bins = freq.len();
    let mut octa = [0f64; N_BANDS + 2];
    for (k, o) in octa.iter_mut().enumerate().skip(1) {
        *o = FMIN * 2f64.powi(k as i32 - 1);
    }
    if octa[..N_BANDS + 1]
        .iter()
        .any(|&f| f >= 0.5 * spec.sample_rate() as f64)
    {
        return Err(crate::FeatureError::InvalidParameter {
            name: "sample_rate",
            reason: format!(
                "spectral contrast's bands reach {} Hz, beyond Nyquist at {} Hz",
                octa[N_BANDS],
                spec.sample_rate() as f64 / 2.0
            ),
        });
    }
    // Each band's bin range and how many values its peak and valley average.
    let mut bands = Vec::with_capacity(N_BANDS + 1);
    for k in 0..=N_BANDS {
        let (lo, hi) = (octa[k], octa[k + 1]);
        let inside: Vec<usize> = (0..n_bins)
            .filter(|&i| freq[i] >= lo && freq[i] <= hi)
            .collect();
        let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else {
            return Err(crate::FeatureError::InvalidParameter {
                name: "n_fft",
                reason: format!("too small: no frequency bin between {lo} and {hi} Hz"),
            });
        };
        let start = if k > 0 {
            first.saturating_sub(1)
        } else {
            first
        };
        let end = if k == N_BANDS { n_bins } else { last + 1 }; // exclusive, before trimming
        let count = end - start; // np.sum(current_band)
        let used_end = if k < N_BANDS { end - 1 } else { end };
        let take = ((QUANTILE * count as f64).round_ties_even() as usize).max(1);
        bands.push((start, used_end, take));
    }
    let frames = spec.n_frames();
    let mut peak = Array2::<f64>::zeros((N_BANDS + 1, frames));
    let mut valley = Array2::<f64>::zeros((N_BANDS + 1, frames));
    let mut sorted = Vec::with_capacity(n_bins);
    for (t, power) in spec.frames().rows().into_iter().enumerate() {
        for (k, &(start, end, take)) in bands.iter().enumerate() {
            sorted.clear();
            sorted.extend(power.iter().skip(start).take(end - start).map(|p| p.sqrt()));
            let len = sorted.len();
            let take = take.min(len);
            // Only the `take` smallest and largest matter: partition instead of sorting.
            sorted.select_nth_unstable_by(take - 1, f32::total_cmp);
            let low: f32 = sorted[..take].iter().sum::<f32>() / take as f32;
            // The largest now sit above the first `take`: partition only that part.
            let upper = &mut sorted[take..];
            let high: f32 = if upper.len() >= take {
                let n = upper.len();
                upper.select_nth_unstable_by(n - take, f32::total_cmp);
                upper[n - take..].iter().sum::<f32>() / take as f32
            } else {
                sorted.select_nth_unstable_by(len - take, f32::total_cmp);
                sorted[len - take..].iter().sum::<f32>() / take as f32
            };
            valley[[k, t]] = low as f64;
            peak[[k, t]] = high as f64;
        }
    }
    let to_db = |a: &Array2<f64>| -> Vec<f64> {
        let amin = 1e-10f64;
        let mut db: Vec<f64> = a.iter().map(|&v| 10.0 * v.max(amin).log10()).collect();
        let max = db.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        if let Some(top) = DbParams::default().top_db {
            let floor = max - top as f64;
            db.iter_mut().for_each(|v| *v = v.max(floor));
        }
        db
    };
    let (p, v) = (to_db(&peak), to_db(&valley));
    Ok(Array2::from_shape_fn((N_BANDS + 1, frames), |(k, t)| {
        let i = k * frames + t;
        (p[i] - v[i]) as f32
    }))
}
