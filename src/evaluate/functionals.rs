//! Functionals of frame features — a small eGeMAPS/ComParE-style clip vector built from the
//! `ser_features` building blocks: MFCC frames, the power spectrogram, and a pitch track.
//!
//! Frames are librosa's (2048-point FFT, hop 512, centred). Only *active* frames count: those
//! whose energy is within [`ACTIVE_RANGE_DB`] of the clip's loudest frame, so leading and
//! trailing silence does not dilute the statistics. The vector ([`names`] lists every value):
//!
//! * MFCC 0–39: mean and standard deviation over active frames; MFCC 1–19 deltas: standard
//!   deviation (spectral envelope and how fast it moves);
//! * frame energy (dB): mean, std, 10th/50th/90th percentile, slope over the clip, 10–90 range,
//!   mean absolute frame-to-frame change (a shimmer-like roughness);
//! * F0 (semitones re 100 Hz, voiced active frames, normalised autocorrelation on the clip
//!   decimated by two): the same seven, plus the voiced fraction and the mean absolute change
//!   between consecutive voiced frames (a jitter-like roughness);
//! * spectral balance per active frame, mean and std: log centroid, tilt (dB per octave,
//!   100–5000 Hz), alpha ratio (50–1000 Hz over 1–5 kHz, dB), Hammarberg index (peak 0–2 kHz
//!   over peak 2–5 kHz, dB), flatness (100–5000 Hz);
//! * timing: active duration (s), active fraction of the clip.

use ndarray::Array2;
use ser_features::stft::Stft;
use ser_features::{FeatureError, Mfcc, MfccParams};

/// Frames quieter than the loudest by more than this (dB) are silence.
pub const ACTIVE_RANGE_DB: f32 = 35.0;
/// Lowest and highest F0 searched, Hz.
const F0_RANGE_HZ: (f32, f32) = (70.0, 800.0);
/// Normalised autocorrelation a frame needs to count as voiced.
const VOICING_THRESHOLD: f32 = 0.55;
const N_MFCC: usize = 40;
const N_DELTA: usize = 19;
const N_FFT: usize = 2048;
const HOP: usize = 512;

const STAT_NAMES: [&str; 8] = [
    "mean", "std", "p10", "p50", "p90", "slope", "range", "absdiff",
];
const SPECTRAL: [&str; 5] = [
    "log_centroid",
    "tilt",
    "alpha_ratio",
    "hammarberg",
    "flatness",
];

/// Names of the values, in order.
pub fn names() -> Vec<String> {
    let mut n: Vec<String> = (0..N_MFCC).map(|i| format!("mfcc_{i}_mean")).collect();
    n.extend((0..N_MFCC).map(|i| format!("mfcc_{i}_std")));
    n.extend((1..=N_DELTA).map(|i| format!("mfcc_{i}_delta_std")));
    n.extend(STAT_NAMES.iter().map(|s| format!("energy_db_{s}")));
    n.extend(STAT_NAMES.iter().map(|s| format!("f0_st_{s}")));
    n.push("voiced_fraction".into());
    for s in SPECTRAL {
        n.push(format!("{s}_mean"));
        n.push(format!("{s}_std"));
    }
    n.push("active_seconds".into());
    n.push("active_fraction".into());
    n
}

/// Number of values.
pub fn dim() -> usize {
    names().len()
}

/// The plans for one sample rate.
#[derive(Debug, Clone)]
pub struct Functionals {
    sample_rate: u32,
    mfcc: Mfcc,
    stft: Stft,
}

impl Functionals {
    /// Builds the plans for clips at `sample_rate` Hz.
    ///
    /// # Errors
    /// A rate the MFCC plan rejects.
    pub fn new(sample_rate: u32) -> Result<Self, FeatureError> {
        Ok(Self {
            sample_rate,
            mfcc: Mfcc::new(&MfccParams::study().sample_rate(sample_rate))?,
            stft: Stft::new(N_FFT, HOP)?,
        })
    }

    /// The clip vector ([`dim`] values).
    ///
    /// # Errors
    /// An empty or non-finite signal.
    pub fn extract(&self, samples: &[f32]) -> Result<Vec<f32>, FeatureError> {
        let mfcc = self.mfcc.process(samples)?; // n_mfcc × T
        let power = self.stft.power_spectrogram(samples)?; // bins × T
        let t = power.ncols().min(mfcc.ncols());
        let energy_db: Vec<f32> = (0..t)
            .map(|j| 10.0 * (power.column(j).sum() + 1e-10).log10())
            .collect();
        let peak = energy_db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut active: Vec<usize> = (0..t)
            .filter(|&j| energy_db[j] >= peak - ACTIVE_RANGE_DB)
            .collect();
        if active.is_empty() {
            active = (0..t).collect();
        }
        let times: Vec<f32> = active.iter().map(|&j| j as f32 / t.max(1) as f32).collect();

        let mut out = Vec::with_capacity(dim());
        // MFCC means and stds over active frames.
        let mut stds = Vec::with_capacity(N_MFCC);
        for c in 0..N_MFCC {
            let v: Vec<f32> = active.iter().map(|&j| mfcc[[c, j]]).collect();
            let (m, s) = mean_std(&v);
            out.push(m);
            stds.push(s);
        }
        out.extend(stds);
        for c in 1..=N_DELTA {
            let d: Vec<f32> = active
                .iter()
                .map(|&j| {
                    let a = mfcc[[c, j.saturating_sub(1)]];
                    let b = mfcc[[c, (j + 1).min(t - 1)]];
                    (b - a) / 2.0
                })
                .collect();
            out.push(mean_std(&d).1);
        }
        let e: Vec<f32> = active.iter().map(|&j| energy_db[j]).collect();
        out.extend(contour_stats(&e, &times));

        let f0 = self.pitch_track(samples, t);
        let (mut voiced, mut vtimes) = (Vec::new(), Vec::new());
        for (&j, &tm) in active.iter().zip(&times) {
            if let Some(f) = f0[j] {
                voiced.push(12.0 * (f / 100.0).log2());
                vtimes.push(tm);
            }
        }
        if voiced.len() >= 2 {
            out.extend(contour_stats(&voiced, &vtimes));
        } else {
            out.extend([0.0; 8]);
        }
        out.push(voiced.len() as f32 / active.len() as f32);

        let spectral = self.spectral(&power, &active);
        for v in &spectral {
            let (m, s) = mean_std(v);
            out.push(m);
            out.push(s);
        }
        let hop_s = HOP as f32 / self.sample_rate as f32;
        out.push(active.len() as f32 * hop_s);
        out.push(active.len() as f32 / t.max(1) as f32);
        Ok(out)
    }

    /// Per active frame: log centroid, tilt, alpha ratio, Hammarberg index, flatness.
    fn spectral(&self, power: &Array2<f32>, active: &[usize]) -> [Vec<f32>; 5] {
        let bin_hz = self.sample_rate as f32 / N_FFT as f32;
        let bin = |hz: f32| ((hz / bin_hz).round() as usize).min(power.nrows() - 1);
        let (b50, b100, b1k, b2k, b5k) =
            (bin(50.0), bin(100.0), bin(1000.0), bin(2000.0), bin(5000.0));
        // Tilt regressor: log2 frequency of bins 100–5000 Hz.
        let xs: Vec<f32> = (b100..=b5k)
            .map(|k| (k.max(1) as f32 * bin_hz).log2())
            .collect();
        let (xm, _) = mean_std(&xs);
        let sxx: f32 = xs.iter().map(|x| (x - xm).powi(2)).sum();
        let mut out: [Vec<f32>; 5] = Default::default();
        for &j in active {
            let col = power.column(j);
            let total: f32 = col.sum() + 1e-12;
            let centroid: f32 = col
                .iter()
                .enumerate()
                .map(|(k, &p)| k as f32 * bin_hz * p)
                .sum::<f32>()
                / total;
            out[0].push((centroid + 1.0).log2());
            let db: Vec<f32> = (b100..=b5k)
                .map(|k| 10.0 * (col[k] + 1e-12).log10())
                .collect();
            let (dm, _) = mean_std(&db);
            let sxy: f32 = xs.iter().zip(&db).map(|(x, y)| (x - xm) * (y - dm)).sum();
            out[1].push(if sxx > 0.0 { sxy / sxx } else { 0.0 });
            let low: f32 = (b50..b1k).map(|k| col[k]).sum::<f32>() + 1e-12;
            let high: f32 = (b1k..=b5k).map(|k| col[k]).sum::<f32>() + 1e-12;
            out[2].push(10.0 * (low / high).log10());
            let max_low = (0..b2k).map(|k| col[k]).fold(0.0, f32::max) + 1e-12;
            let max_high = (b2k..=b5k).map(|k| col[k]).fold(0.0, f32::max) + 1e-12;
            out[3].push(10.0 * (max_low / max_high).log10());
            let band: Vec<f32> = (b100..=b5k).map(|k| col[k] + 1e-12).collect();
            let geo = (band.iter().map(|p| p.ln()).sum::<f32>() / band.len() as f32).exp();
            let ari = band.iter().sum::<f32>() / band.len() as f32;
            out[4].push(geo / ari);
        }
        out
    }

    /// F0 per frame (centred like the STFT frames), `None` when unvoiced: the clip is decimated
    /// by two (pairs averaged), and each 35 ms window's normalised autocorrelation is searched
    /// over the F0 range; the shortest lag within 90 % of the best peak wins (fewer octave
    /// drops), refined by a parabola.
    fn pitch_track(&self, samples: &[f32], frames: usize) -> Vec<Option<f32>> {
        let rate = self.sample_rate as f32 / 2.0;
        let x: Vec<f32> = samples
            .chunks(2)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect();
        let win = (0.035 * rate) as usize;
        let min_lag = (rate / F0_RANGE_HZ.1).floor().max(2.0) as usize;
        let max_lag = (rate / F0_RANGE_HZ.0).ceil() as usize;
        let hop = HOP / 2;
        let mut out = vec![None; frames];
        let mut r = vec![0f32; max_lag + 2];
        for (j, slot) in out.iter_mut().enumerate() {
            let centre = j * hop;
            let start = centre.saturating_sub(win / 2);
            if start + win + max_lag + 1 >= x.len() {
                continue;
            }
            let a = &x[start..start + win];
            let e0: f32 = a.iter().map(|v| v * v).sum();
            if e0 <= 1e-8 {
                continue;
            }
            for (lag, rv) in r.iter_mut().enumerate().take(max_lag + 2).skip(min_lag - 1) {
                let b = &x[start + lag..start + lag + win];
                let num: f32 = a.iter().zip(b).map(|(p, q)| p * q).sum();
                let eb: f32 = b.iter().map(|v| v * v).sum();
                *rv = num / (e0 * eb).sqrt().max(1e-12);
            }
            let best = (min_lag..=max_lag)
                .map(|l| r[l])
                .fold(f32::NEG_INFINITY, f32::max);
            if best < VOICING_THRESHOLD {
                continue;
            }
            let Some(lag) = (min_lag..=max_lag)
                .find(|&l| r[l] >= 0.9 * best && r[l] >= r[l - 1] && r[l] >= r[l + 1])
            else {
                continue;
            };
            let (y0, y1, y2) = (r[lag - 1], r[lag], r[lag + 1]);
            let denom = y0 - 2.0 * y1 + y2;
            let shift = if denom.abs() > 1e-12 {
                (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            *slot = Some(rate / (lag as f32 + shift));
        }
        out
    }
}

fn mean_std(v: &[f32]) -> (f32, f32) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n;
    (m as f32, var.sqrt() as f32)
}

fn percentile(sorted: &[f32], q: f32) -> f32 {
    let pos = q * (sorted.len() - 1) as f32;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let w = pos - lo as f32;
    sorted[lo] * (1.0 - w) + sorted[hi] * w
}

/// mean, std, p10, p50, p90, slope against `times`, p90 − p10, mean |Δ|.
fn contour_stats(v: &[f32], times: &[f32]) -> [f32; 8] {
    if v.is_empty() {
        return [0.0; 8];
    }
    let (m, s) = mean_std(v);
    let mut sorted = v.to_vec();
    sorted.sort_by(f32::total_cmp);
    let (p10, p50, p90) = (
        percentile(&sorted, 0.1),
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.9),
    );
    let (tm, _) = mean_std(times);
    let stt: f32 = times.iter().map(|t| (t - tm).powi(2)).sum();
    let sty: f32 = times.iter().zip(v).map(|(t, y)| (t - tm) * (y - m)).sum();
    let slope = if stt > 1e-12 { sty / stt } else { 0.0 };
    let absdiff = if v.len() > 1 {
        v.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f32>() / (v.len() - 1) as f32
    } else {
        0.0
    };
    [m, s, p10, p50, p90, slope, p90 - p10, absdiff]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f0: f32, secs: f32, rate: u32) -> Vec<f32> {
        (0..(secs * rate as f32) as usize)
            .map(|n| {
                let t = n as f32 / rate as f32;
                (1..6)
                    .map(|h| 0.2 / h as f32 * (std::f32::consts::TAU * f0 * h as f32 * t).sin())
                    .sum()
            })
            .collect()
    }

    #[test]
    fn pitch_of_a_harmonic_tone_is_found() {
        let f = Functionals::new(22_050).unwrap();
        for f0 in [110.0f32, 220.0, 330.0] {
            let x = tone(f0, 1.0, 22_050);
            let frames = f.stft.n_frames(x.len());
            let track = f.pitch_track(&x, frames);
            let voiced: Vec<f32> = track.iter().flatten().copied().collect();
            assert!(voiced.len() > frames / 2, "{f0}: {} voiced", voiced.len());
            for v in voiced {
                assert!((v / f0 - 1.0).abs() < 0.01, "{f0} Hz read as {v}");
            }
        }
    }

    #[test]
    fn vector_has_the_named_length_and_reads_pitch_and_length() {
        let f = Functionals::new(22_050).unwrap();
        let names = names();
        let mut x = vec![0.0f32; 5_512];
        x.extend(tone(200.0, 1.0, 22_050));
        x.extend(vec![0.0f32; 5_512]);
        let v = f.extract(&x).unwrap();
        assert_eq!(v.len(), names.len());
        let at = |name: &str| v[names.iter().position(|n| n == name).unwrap()];
        // 200 Hz is 12·log2(2) = 12 semitones above 100 Hz; a steady tone has no slope.
        assert!((at("f0_st_p50") - 12.0).abs() < 0.2, "{}", at("f0_st_p50"));
        assert!(at("f0_st_std") < 0.2);
        assert!(at("voiced_fraction") > 0.8);
        // About one second of the two is active (silence excluded; frames overlap the edges).
        assert!(
            (at("active_seconds") - 1.0).abs() < 0.15,
            "{}",
            at("active_seconds")
        );
        assert!(v.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn contour_stats_by_hand() {
        let s = contour_stats(&[1.0, 2.0, 3.0, 4.0, 5.0], &[0.0, 0.25, 0.5, 0.75, 1.0]);
        assert!((s[0] - 3.0).abs() < 1e-6);
        assert!((s[1] - 2f32.sqrt()).abs() < 1e-6);
        assert!((s[2] - 1.4).abs() < 1e-6 && (s[3] - 3.0).abs() < 1e-6);
        assert!((s[4] - 4.6).abs() < 1e-6);
        assert!((s[5] - 4.0).abs() < 1e-5);
        assert!((s[6] - 3.2).abs() < 1e-6 && (s[7] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn empty_signal_is_an_error() {
        assert!(Functionals::new(22_050).unwrap().extract(&[]).is_err());
    }
}
