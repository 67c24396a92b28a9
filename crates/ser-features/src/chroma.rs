//! Chroma from a power spectrogram, as `librosa.feature.chroma_stft(y=y)`: tuning estimated from
//! the spectrogram (`librosa.estimate_tuning` via `piptrack`), the chroma filterbank
//! (`librosa.filters.chroma`), then each frame scaled to a maximum of 1.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ndarray::{Array2, ArrayView2};

use crate::error::{FeatureError, Result};
use crate::spectrogram::Spectrogram;

/// Number of chroma bins (librosa's default).
pub const N_CHROMA: usize = 12;

/// `librosa.hz_to_octs`: octaves above C0 (A440 / 16 with the given tuning).
fn hz_to_octs(hz: f64, tuning: f64, bins_per_octave: usize) -> f64 {
    let a440 = 440.0 * 2f64.powf(tuning / bins_per_octave as f64);
    (hz / (a440 / 16.0)).log2()
}

/// The chroma filterbank, `n_chroma × (1 + n_fft/2)`, as `librosa.filters.chroma(sr=…, n_fft=…,
/// tuning=…)` with its defaults (centre octave 5, octave width 2, L2-normalised, starting at C).
pub fn chroma_filterbank(sample_rate: u32, n_fft: usize, tuning: f64) -> Result<Array2<f32>> {
    if sample_rate == 0 || n_fft < 2 || !tuning.is_finite() {
        return Err(FeatureError::InvalidParameter {
            name: "chroma",
            reason: format!(
                "needs sample_rate > 0, n_fft ≥ 2 and a finite tuning (got {sample_rate}, {n_fft}, {tuning})"
            ),
        });
    }
    let n_chroma = N_CHROMA;
    let nc = n_chroma as f64;
    let sr = sample_rate as f64;
    // frequencies = linspace(0, sr, n_fft, endpoint=False)[1:]
    let step = sr / n_fft as f64;
    let mut frqbins: Vec<f64> = Vec::with_capacity(n_fft);
    frqbins.push(0.0);
    for i in 1..n_fft {
        frqbins.push(nc * hz_to_octs(i as f64 * step, tuning, n_chroma));
    }
    frqbins[0] = frqbins[1] - 1.5 * nc;
    let binwidth: Vec<f64> = (0..n_fft)
        .map(|j| {
            if j + 1 < n_fft {
                (frqbins[j + 1] - frqbins[j]).max(1.0)
            } else {
                1.0
            }
        })
        .collect();
    let half = (nc / 2.0).round();
    let mut wts = Array2::<f64>::zeros((n_chroma, n_fft));
    for ((c, j), w) in wts.indexed_iter_mut() {
        let d = (frqbins[j] - c as f64 + half + 10.0 * nc).rem_euclid(nc) - half;
        *w = (-0.5 * (2.0 * d / binwidth[j]).powi(2)).exp();
    }
    // L2-normalise each column (librosa.util.normalize, norm=2, axis=0).
    for mut col in wts.columns_mut() {
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        let norm = if norm < f64::MIN_POSITIVE { 1.0 } else { norm };
        col.mapv_inplace(|v| v / norm);
    }
    let n_bins = 1 + n_fft / 2;
    let mut out = Array2::<f32>::zeros((n_chroma, n_bins));
    for c in 0..n_chroma {
        // Start at C: row c is librosa's unrolled row c + 3.
        let src = (c + 3 * (n_chroma / 12)) % n_chroma;
        for j in 0..n_bins {
            let octave = (-0.5 * ((frqbins[j] / nc - 5.0) / 2.0).powi(2)).exp();
            out[[c, j]] = (wts[[src, j]] * octave) as f32;
        }
    }
    Ok(out)
}

/// `librosa.estimate_tuning(S=power, sr=…, bins_per_octave=12)`: pitches of spectral peaks
/// (`piptrack`: 150–4000 Hz, peaks above 0.1 × the frame's maximum, parabolic interpolation),
/// keep those at least as strong as the median, histogram their deviation from the equal-tempered
/// grid in 0.01-semitone bins, return the most common (in fractions of a bin, −0.5 … 0.5).
pub fn estimate_tuning(power: ArrayView2<'_, f32>, sample_rate: u32, n_fft: usize) -> f64 {
    let n_bins = power.nrows();
    let sr = sample_rate as f64;
    let fmax = 4000f64.min(sr / 2.0);
    let in_band = |i: usize| {
        let f = i as f64 * sr / n_fft as f64;
        (150.0..fmax).contains(&f)
    };
    let mut pitches: Vec<f32> = Vec::new();
    let mut mags: Vec<f32> = Vec::new();
    let mut z = vec![0f32; n_bins];
    for frame in power.columns() {
        let s = |i: usize| frame[i];
        let max = frame.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let reference = 0.1 * max;
        for (i, zi) in z.iter_mut().enumerate() {
            *zi = if s(i) > reference { s(i) } else { 0.0 };
        }
        for i in 1..n_bins {
            let local_max = if i + 1 < n_bins {
                z[i] > z[i - 1] && z[i] >= z[i + 1]
            } else {
                z[i] > z[i - 1]
            };
            if !(local_max && in_band(i)) {
                continue;
            }
            // Parabolic shift (0 at the edges), computed as numba does (f64 from f32 inputs).
            let shift = if i + 1 < n_bins {
                let a = s(i + 1) as f64 + s(i - 1) as f64 - 2.0 * s(i) as f64;
                let b = (s(i + 1) - s(i - 1)) as f64 / 2.0;
                if b.abs() >= a.abs() {
                    0.0
                } else {
                    (-b / a) as f32
                }
            } else {
                0.0
            };
            // np.gradient along frequency (f32).
            let avg = if i + 1 < n_bins {
                (s(i + 1) - s(i - 1)) / 2.0
            } else {
                s(i) - s(i - 1)
            };
            let dskew = 0.5 * avg * shift;
            let pitch = ((i as f64 + shift as f64) * sr / n_fft as f64) as f32;
            if pitch > 0.0 {
                pitches.push(pitch);
                mags.push(s(i) + dskew);
            }
        }
    }
    if pitches.is_empty() {
        return 0.0;
    }
    let threshold = median_f32(&mags);
    let selected = pitches
        .iter()
        .zip(&mags)
        .filter(|&(_, &m)| m >= threshold)
        .map(|(&p, _)| p);
    pitch_tuning(selected)
}

/// `np.median` of `f32` values (mean of the two middle values for an even count).
fn median_f32(values: &[f32]) -> f32 {
    let mut v = values.to_vec();
    v.sort_unstable_by(f32::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `librosa.pitch_tuning(freqs, resolution=0.01, bins_per_octave=12)`.
fn pitch_tuning(frequencies: impl Iterator<Item = f32>) -> f64 {
    const N_EDGES: usize = 101;
    let edges = crate::mel::linspace(-0.5, 0.5, N_EDGES);
    let mut counts = [0usize; N_EDGES - 1];
    let mut any = false;
    for f in frequencies.filter(|&f| f > 0.0) {
        any = true;
        // f32 arithmetic, as numpy does on the float32 pitch array.
        let octs = (f / 27.5f32).log2();
        let mut residual = (12.0f32 * octs).rem_euclid(1.0);
        if residual >= 0.5 {
            residual -= 1.0;
        }
        let r = residual as f64;
        if !(edges[0]..=edges[N_EDGES - 1]).contains(&r) {
            continue;
        }
        // Bin k holds edges[k] <= r < edges[k+1]; the last bin also holds its right edge.
        let mut k = ((r - edges[0]) * (N_EDGES - 1) as f64 / (edges[N_EDGES - 1] - edges[0]))
            .floor() as usize;
        k = k.min(N_EDGES - 2);
        if r < edges[k] {
            k = k.saturating_sub(1);
        } else if k + 1 < N_EDGES - 1 && r >= edges[k + 1] {
            k += 1;
        }
        counts[k] += 1;
    }
    if !any {
        return 0.0;
    }
    let best = counts
        .iter()
        .enumerate()
        .fold(
            (0, 0),
            |(bk, bc), (k, &c)| if c > bc { (k, c) } else { (bk, bc) },
        )
        .0;
    edges[best]
}

/// Filterbanks by (rate, n_fft, tuning): tuning takes one of 101 values, so clips share them.
fn cached_filterbank(sample_rate: u32, n_fft: usize, tuning: f64) -> Result<Arc<Array2<f32>>> {
    type Key = (u32, usize, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Array2<f32>>>>> = OnceLock::new();
    let key = (sample_rate, n_fft, tuning.to_bits());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(bank) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(bank));
    }
    let bank = Arc::new(chroma_filterbank(sample_rate, n_fft, tuning)?);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 4096 {
        map.clear(); // bounded: many rates and sizes at once are not expected
    }
    map.insert(key, Arc::clone(&bank));
    Ok(bank)
}

/// Chroma, `12 × frames`, from a clip's power spectrogram, as `librosa.feature.chroma_stft(y=y,
/// sr=…)`: tuning estimated with [`estimate_tuning`], the [`chroma_filterbank`] applied, each
/// frame divided by its largest value (frames of all zeros stay zero).
pub fn chroma_stft(spec: &Spectrogram) -> Result<Array2<f32>> {
    let tuning = estimate_tuning(spec.power(), spec.sample_rate(), spec.n_fft());
    let bank = cached_filterbank(spec.sample_rate(), spec.n_fft(), tuning)?;
    let mut chroma = bank.dot(&spec.power());
    for mut col in chroma.columns_mut() {
        let max = col.iter().fold(0f32, |m, &v| m.max(v.abs()));
        let norm = if max < f32::MIN_POSITIVE { 1.0 } else { max };
        col.mapv_inplace(|v| v / norm);
    }
    Ok(chroma)
}
