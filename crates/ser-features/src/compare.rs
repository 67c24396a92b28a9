//! A ComParE-scale functional set of a whole clip ([`DIM`] values, named by [`names`]), in the
//! spirit of openSMILE's ComParE 2016 set (6373 values): [`N_LLD`] low-level descriptors (LLDs)
//! per frame and their deltas, each summarised by the same [`N_FUNCTIONALS`] statistics
//! ([`contour_functionals`]). [`FeatureSpec::Compare`](crate::FeatureSpec::Compare) is this
//! vector with the default [`FunctionalsParams`].
//!
//! The frames are the clip [`functionals`](crate::functionals)' and
//! [`egemaps`](crate::egemaps)': one power spectrogram (librosa's frames: 2048-point FFT, hop
//! 512, centred) and one [`AutocorrPitch`](crate::pitch::AutocorrPitch) track, computed once by
//! the [`Egemaps`] plan inside, which also gives the loudness, flux, jitter, shimmer and HNR of
//! each frame. Only *active* frames count (within [`FunctionalsParams::active_range_db`] of the
//! loudest, as for the functionals).
//!
//! LLDs per frame, in order ([`lld_names`]):
//!
//! * `loudness` (Σ over the 128 mel bands of power^0.33, as [`egemaps`](crate::egemaps)),
//!   `rms_energy` (librosa's `rms`), `zcr` (librosa's `zero_crossing_rate`);
//! * `audspec_mel_0` … `audspec_mel_25`: 26 Slaney mel bands of the power spectrum, dB
//!   (`10·log10(max(p, 1e-10))`), the auditory spectrum;
//! * `energy_250_650`, `energy_1000_4000`: band power, dB (`10·log10(Σ p + 1e-10)`);
//! * `rolloff_25`, `rolloff_50`, `rolloff_75`, `rolloff_90`: the lowest bin frequency (Hz) where
//!   the cumulative power reaches that share of the frame's power;
//! * of the power spectrum taken as a distribution over frequency: `spectral_centroid` (Hz), `spectral_entropy` (Shannon entropy over the number of
//!   bins' logarithm, 0 for a single bin and 1 for a flat spectrum), `spectral_variance` (Hz²),
//!   `spectral_skewness`, `spectral_kurtosis`; `spectral_slope` (least-squares slope of the dB
//!   spectrum against frequency, dB/kHz); `spectral_sharpness` (Zwicker's sharpness, acum, from
//!   the 26 bands' specific loudness power^0.33 at their centres' Bark); `spectral_harmonicity`
//!   (power of the spectrum's local maxima over that of its local minima, dB);
//! * `mfcc_1` … `mfcc_14`: the clip's MFCCs as [`Functionals`] computes them (128 mel bands,
//!   floored 80 dB below the clip's largest log-mel value), so their statistics equal the
//!   functionals' where they share a definition;
//! * `spectral_flux`: the eGeMAPS flux (RMS over bins of the change of the magnitude spectrum);
//! * `voicing_prob`: the pitch tracker's best normalised autocorrelation in its lag range,
//!   within [0, 1];
//! * voiced frames only: `f0_st` (semitones above 100 Hz, the functionals' reference),
//!   `jitter_local`, `jitter_ddp` (three times the RAP, Praat's definition), `shimmer_local`
//!   and `log_hnr` (dB), from [`voice`](crate::voice) as [`Egemaps`] measures them.
//!
//! Each LLD's delta (`"{lld}_delta"`) is `librosa.feature.delta` (width 9, [`delta`]) of its
//! contour over all frames (voiced-only LLDs: over their voiced values in order); with fewer than
//! nine frames (values) the deltas are zero.
//!
//! Functionals of each contour, in order ([`FUNCTIONAL_NAMES`], see [`contour_functionals`]):
//! mean, std, skewness, kurtosis, quartiles 1–3, inter-quartile ranges 1–2, 2–3, 1–3,
//! percentiles 1 and 99 and their range, relative position of the maximum and the minimum,
//! range, linear regression slope, offset and quadratic error, quadratic regression
//! coefficients a, b, c and quadratic error, up-level times 25/50/75/90 %, rise time, mean and
//! std of the distance between peaks (s), peaks per second, mean of the peaks, mean absolute
//! delta. A voiced-only LLD with fewer than two values has zeros for all of them (and its
//! delta's). Every value is finite.
//!
//! ```
//! use ser_features::compare::{Compare, DIM, names};
//! use ser_features::functionals::FunctionalsParams;
//!
//! let sr = 22_050;
//! let tone: Vec<f32> = (0..sr)
//!     .map(|i| 0.3 * (std::f32::consts::TAU * 220.0 * i as f32 / sr as f32).sin())
//!     .collect();
//! let plan = Compare::new(&FunctionalsParams::default().sample_rate(sr as u32))?;
//! let v = plan.extract(&tone)?;
//! assert_eq!(v.len(), DIM);
//! let at = |name: &str| v[names().iter().position(|n| n == name).unwrap()];
//! // 220 Hz is 12·log2(2.2) ≈ 13.65 semitones above 100 Hz.
//! assert!((at("f0_st_quartile_2") - 13.65).abs() < 0.2);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use ndarray::{Array2, ArrayView2};

use crate::db::{clamp_top_db, max_of};
use crate::delta::{DELTA_WIDTH, delta};
use crate::egemaps::{Egemaps, EgemapsScratch};
use crate::error::{FeatureError, Result};
use crate::functionals::{Functionals, FunctionalsParams};
use crate::mel::{MelFilterbank, MelParams, mel_frequencies};
use crate::temporal::{rms, zero_crossing_rate};

/// Auditory (mel) bands.
const N_AUDSPEC: usize = 26;
/// MFCCs 1 ..= N_MFCC.
const N_MFCC: usize = 14;
/// LLDs from the power spectrum alone, per frame: the bands, two band energies, four
/// roll-offs, centroid, entropy, variance, skewness, kurtosis, slope, sharpness, harmonicity.
const N_SPECTRAL: usize = N_AUDSPEC + 2 + 4 + 8;
/// LLDs defined on every frame: loudness, RMS, ZCR, the spectral ones, the MFCCs, flux,
/// voicing probability.
const N_FRAME_LLD: usize = 3 + N_SPECTRAL + N_MFCC + 2;
/// LLDs defined on voiced frames only.
const VOICED: [&str; 5] = [
    "f0_st",
    "jitter_local",
    "jitter_ddp",
    "shimmer_local",
    "log_hnr",
];
/// Number of LLDs (each also has a delta).
pub const N_LLD: usize = N_FRAME_LLD + VOICED.len();

/// Names of the functionals of a contour, in [`contour_functionals`]'s order.
pub const FUNCTIONAL_NAMES: [&str; 33] = [
    "mean",
    "std",
    "skewness",
    "kurtosis",
    "quartile_1",
    "quartile_2",
    "quartile_3",
    "iqr_1_2",
    "iqr_2_3",
    "iqr_1_3",
    "percentile_1",
    "percentile_99",
    "pctlrange_1_99",
    "max_pos",
    "min_pos",
    "range",
    "lin_slope",
    "lin_offset",
    "lin_qerror",
    "quad_a",
    "quad_b",
    "quad_c",
    "quad_qerror",
    "uplevel_25",
    "uplevel_50",
    "uplevel_75",
    "uplevel_90",
    "rise_time",
    "peak_dist_mean",
    "peak_dist_std",
    "peaks_per_sec",
    "peak_mean",
    "mean_abs_delta",
];

/// Number of functionals per contour.
pub const N_FUNCTIONALS: usize = FUNCTIONAL_NAMES.len();

/// Number of values: [`N_LLD`] LLDs and their deltas, [`N_FUNCTIONALS`] functionals each
/// (64 · 2 · 33 = 4224).
pub const DIM: usize = 2 * N_LLD * N_FUNCTIONALS;

/// Spectral roll-off points, shares of the frame's power.
const ROLLOFF: [f64; 4] = [0.25, 0.5, 0.75, 0.9];

/// Names of the LLDs, in order ([`N_LLD`] of them), e.g. `"audspec_mel_3"`, `"mfcc_1"`,
/// `"f0_st"`.
pub fn lld_names() -> Vec<String> {
    let mut n: Vec<String> = ["loudness", "rms_energy", "zcr"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    n.extend((0..N_AUDSPEC).map(|i| format!("audspec_mel_{i}")));
    n.extend(
        [
            "energy_250_650",
            "energy_1000_4000",
            "rolloff_25",
            "rolloff_50",
            "rolloff_75",
            "rolloff_90",
            "spectral_centroid",
            "spectral_entropy",
            "spectral_variance",
            "spectral_skewness",
            "spectral_kurtosis",
            "spectral_slope",
            "spectral_sharpness",
            "spectral_harmonicity",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    n.extend((1..=N_MFCC).map(|i| format!("mfcc_{i}")));
    n.push("spectral_flux".into());
    n.push("voicing_prob".into());
    n.extend(VOICED.iter().map(|s| s.to_string()));
    n
}

/// Names of the values, in order ([`DIM`] of them): for each LLD its functionals, then its
/// delta's, `"{lld}_{functional}"` and `"{lld}_delta_{functional}"`, e.g.
/// `"mfcc_3_delta_percentile_99"`.
pub fn names() -> Vec<String> {
    let mut out = Vec::with_capacity(DIM);
    for lld in lld_names() {
        for suffix in ["", "_delta"] {
            out.extend(
                FUNCTIONAL_NAMES
                    .iter()
                    .map(|f| format!("{lld}{suffix}_{f}")),
            );
        }
    }
    out
}

/// The [`N_FUNCTIONALS`] functionals of one contour `values` (frames `frame_seconds` apart), in
/// the order of [`FUNCTIONAL_NAMES`]; computed in `f64`, zeros for no values, every value
/// finite (a non-finite result is 0). With `n` values and `x = 0, 1, …, n − 1` the frame index:
///
/// * `mean`, `std` (population), `skewness` (m₃/σ³), `kurtosis` (m₄/σ⁴, 3 for a Gaussian;
///   both 0 for a contour whose std is below 1e-7 of its mean's magnitude);
/// * `quartile_1..3` and `percentile_1`, `percentile_99`: `np.percentile`'s linear
///   interpolation; the inter-quartile ranges `q2 − q1`, `q3 − q2`, `q3 − q1`; `p99 − p1`;
/// * `max_pos`, `min_pos`: index of the first maximum (minimum) over `n − 1` (0 for one value);
///   `range`: maximum − minimum;
/// * `lin_slope`, `lin_offset` (per frame, at `x = 0`), `lin_qerror` (mean squared residual) of
///   the least-squares line; `quad_a`, `quad_b`, `quad_c`, `quad_qerror` of the least-squares
///   parabola `a·x² + b·x + c` (with fewer than three values, the line with `a = 0`);
/// * `uplevel_25..90`: the share of values above `min + level · range` (0 for a flat contour);
///   `rise_time`: the share of the `n − 1` steps that rise;
/// * peaks: values greater than the one before and than the next different one after (a
///   plateau's first value; not the ends): `peak_dist_mean`, `peak_dist_std` (seconds between
///   consecutive peaks, 0 with fewer than two), `peaks_per_sec` (peaks over `n · frame_seconds`),
///   `peak_mean` (mean peak value, 0 without peaks);
/// * `mean_abs_delta`: mean of `|xᵢ − xᵢ₋₁|` (0 for one value).
pub fn contour_functionals(values: &[f32], frame_seconds: f32) -> [f32; N_FUNCTIONALS] {
    functionals_with(values, frame_seconds, &mut Vec::new())
}

/// [`contour_functionals`] with a reusable buffer for the sorted values.
fn functionals_with(
    values: &[f32],
    frame_seconds: f32,
    sorted: &mut Vec<f64>,
) -> [f32; N_FUNCTIONALS] {
    let n = values.len();
    if n == 0 {
        return [0.0; N_FUNCTIONALS];
    }
    let nf = n as f64;
    let y = |i: usize| f64::from(values[i]);
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / nf;
    let (mut m2, mut m3, mut m4) = (0f64, 0f64, 0f64);
    for &v in values {
        let d = f64::from(v) - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / nf, m3 / nf, m4 / nf);
    let std = m2.sqrt();
    let (skewness, kurtosis) = if m2 > 1e-30 && std > 1e-7 * mean.abs() {
        (m3 / (m2 * std), m4 / (m2 * m2))
    } else {
        (0.0, 0.0)
    };

    sorted.clear();
    sorted.extend(values.iter().map(|&v| f64::from(v)));
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        let pos = p / 100.0 * (nf - 1.0);
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
    };
    let (q1, q2, q3, p1, p99) = (pct(25.0), pct(50.0), pct(75.0), pct(1.0), pct(99.0));
    let (min, max) = (sorted[0], sorted[n - 1]);
    let range = max - min;
    let last = (n - 1).max(1) as f64;
    let max_pos = values
        .iter()
        .position(|&v| f64::from(v) == max)
        .unwrap_or(0) as f64
        / last;
    let min_pos = values
        .iter()
        .position(|&v| f64::from(v) == min)
        .unwrap_or(0) as f64
        / last;

    // Least-squares line against x = 0..n.
    let xm = (nf - 1.0) / 2.0;
    let (mut sxy, mut sxx) = (0f64, 0f64);
    for i in 0..n {
        let dx = i as f64 - xm;
        sxy += dx * (y(i) - mean);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let offset = mean - slope * xm;
    let lin_err = (0..n)
        .map(|i| (y(i) - offset - slope * i as f64).powi(2))
        .sum::<f64>()
        / nf;
    let (qa, qb, qc) = parabola(values).unwrap_or((0.0, slope, offset));
    let quad_err = (0..n)
        .map(|i| {
            let x = i as f64;
            (y(i) - (qa * x * x + qb * x + qc)).powi(2)
        })
        .sum::<f64>()
        / nf;

    let uplevel = |level: f64| -> f64 {
        if range <= 0.0 {
            return 0.0;
        }
        let threshold = min + level * range;
        values.iter().filter(|&&v| f64::from(v) > threshold).count() as f64 / nf
    };
    let steps = (n - 1) as f64;
    let (rise, abs_delta) = if n > 1 {
        let rises = values.windows(2).filter(|w| w[1] > w[0]).count() as f64;
        let abs: f64 = values
            .windows(2)
            .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
            .sum();
        (rises / steps, abs / steps)
    } else {
        (0.0, 0.0)
    };

    // Peaks: greater than the value before and than the next different value after.
    let (mut n_peaks, mut peak_sum) = (0usize, 0f64);
    let (mut prev_peak, mut dist_sum, mut dist_sq) = (None::<usize>, 0f64, 0f64);
    let mut i = 1;
    while i + 1 < n {
        if values[i] > values[i - 1] {
            let mut k = i + 1;
            while k < n && values[k] == values[i] {
                k += 1;
            }
            if k < n && values[k] < values[i] {
                n_peaks += 1;
                peak_sum += y(i);
                if let Some(p) = prev_peak {
                    let d = (i - p) as f64 * f64::from(frame_seconds);
                    dist_sum += d;
                    dist_sq += d * d;
                }
                prev_peak = Some(i);
            }
            i = k;
        } else {
            i += 1;
        }
    }
    let n_dist = n_peaks.saturating_sub(1) as f64;
    let (dist_mean, dist_std) = if n_dist > 0.0 {
        let m = dist_sum / n_dist;
        (m, (dist_sq / n_dist - m * m).max(0.0).sqrt())
    } else {
        (0.0, 0.0)
    };
    let duration = nf * f64::from(frame_seconds);
    let peaks_per_sec = if duration > 0.0 {
        n_peaks as f64 / duration
    } else {
        0.0
    };
    let peak_mean = if n_peaks > 0 {
        peak_sum / n_peaks as f64
    } else {
        0.0
    };

    let all = [
        mean,
        std,
        skewness,
        kurtosis,
        q1,
        q2,
        q3,
        q2 - q1,
        q3 - q2,
        q3 - q1,
        p1,
        p99,
        p99 - p1,
        max_pos,
        min_pos,
        range,
        slope,
        offset,
        lin_err,
        qa,
        qb,
        qc,
        quad_err,
        uplevel(0.25),
        uplevel(0.5),
        uplevel(0.75),
        uplevel(0.9),
        rise,
        dist_mean,
        dist_std,
        peaks_per_sec,
        peak_mean,
        abs_delta,
    ];
    all.map(|v| {
        let v = v as f32;
        if v.is_finite() { v } else { 0.0 }
    })
}

/// The least-squares parabola `a·x² + b·x + c` through `(i, values[i])`, as `(a, b, c)`;
/// `None` with fewer than three values or a singular system. Solved against `u = x / (n − 1)`
/// (in [0, 1], well conditioned) by Gaussian elimination with partial pivoting, in `f64`.
fn parabola(values: &[f32]) -> Option<(f64, f64, f64)> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let s = (n - 1) as f64;
    // Normal equations of [u², u, 1].
    let mut p = [0f64; 5]; // Σ u^k, k = 0..=4
    let mut q = [0f64; 3]; // Σ u^k·y, k = 0..=2
    for (i, &v) in values.iter().enumerate() {
        let u = i as f64 / s;
        let y = f64::from(v);
        let mut uk = 1.0;
        for (k, pk) in p.iter_mut().enumerate() {
            *pk += uk;
            if k < 3 {
                q[k] += uk * y;
            }
            uk *= u;
        }
    }
    // Unknowns (A, B, C) of A·u² + B·u + C.
    let mut m = [
        [p[4], p[3], p[2], q[2]],
        [p[3], p[2], p[1], q[1]],
        [p[2], p[1], p[0], q[0]],
    ];
    for col in 0..3 {
        let pivot = (col..3).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        m.swap(col, pivot);
        let d = m[col][col];
        if d.abs() < 1e-12 * p[0] {
            return None;
        }
        let pivot_row = m[col];
        for row in m.iter_mut().skip(col + 1) {
            let f = row[col] / d;
            for (v, &p) in row.iter_mut().zip(&pivot_row).skip(col) {
                *v -= f * p;
            }
        }
    }
    let c = m[2][3] / m[2][2];
    let b = (m[1][3] - m[1][2] * c) / m[1][1];
    let a = (m[0][3] - m[0][2] * c - m[0][1] * b) / m[0][0];
    let out = (a / (s * s), b / s, c);
    (out.0.is_finite() && out.1.is_finite() && out.2.is_finite()).then_some(out)
}

/// The frequency grid and fixed weights of the per-frame spectral LLDs.
#[derive(Debug, Clone)]
struct SpectralPlan {
    /// The 26 auditory bands.
    mel: MelFilterbank,
    /// Bark rate `z` times Zwicker's weight `g(z)` at each band's centre.
    sharpness_weights: [f32; N_AUDSPEC],
    /// Frequency of each bin, Hz.
    freqs: Vec<f64>,
    /// Frequency of each bin, kHz, centred on the mean (the slope's regressor), and Σ of its
    /// squares.
    slope_x: Vec<f64>,
    slope_sxx: f64,
    /// Bin ranges (inclusive start, exclusive end) of 250–650 Hz and 1–4 kHz.
    band_250_650: (usize, usize),
    band_1k_4k: (usize, usize),
}

impl SpectralPlan {
    fn new(sample_rate: u32, n_fft: usize) -> Result<Self> {
        let mel = MelFilterbank::new(&MelParams {
            sample_rate,
            n_fft,
            n_mels: N_AUDSPEC,
            ..MelParams::default()
        })?;
        let nyquist = f64::from(sample_rate) / 2.0;
        let edges = mel_frequencies(N_AUDSPEC + 2, 0.0, nyquist, false);
        let mut sharpness_weights = [0f32; N_AUDSPEC];
        for (w, &f) in sharpness_weights.iter_mut().zip(&edges[1..]) {
            // Traunmüller's Bark rate; Zwicker's weight rises above 15.8 Bark.
            let z = (26.81 * f / (1960.0 + f) - 0.53).max(0.0);
            let g = if z < 15.8 {
                1.0
            } else {
                0.066 * (0.171 * z).exp()
            };
            *w = (z * g) as f32;
        }
        let n_bins = n_fft / 2 + 1;
        let bin_hz = f64::from(sample_rate) / n_fft as f64;
        let freqs: Vec<f64> = (0..n_bins).map(|k| k as f64 * bin_hz).collect();
        let xm = freqs.iter().sum::<f64>() / n_bins as f64 / 1000.0;
        let slope_x: Vec<f64> = freqs.iter().map(|f| f / 1000.0 - xm).collect();
        let slope_sxx = slope_x.iter().map(|x| x * x).sum();
        let band = |lo: f64, hi: f64| -> (usize, usize) {
            let a = ((lo / bin_hz).ceil() as usize).min(n_bins);
            let b = ((hi / bin_hz).floor() as usize + 1).min(n_bins).max(a);
            (a, b)
        };
        Ok(Self {
            mel,
            sharpness_weights,
            band_250_650: band(250.0, 650.0),
            band_1k_4k: band(1000.0, 4000.0),
            freqs,
            slope_x,
            slope_sxx,
        })
    }

    /// The [`N_SPECTRAL`] LLDs of one power frame, in [`lld_names`]' order (from
    /// `audspec_mel_0` to `spectral_harmonicity`); `bands` is a buffer of 26 values.
    fn of(&self, power: &[f32], bands: &mut [f32; N_AUDSPEC]) -> [f32; N_SPECTRAL] {
        let mut out = [0f32; N_SPECTRAL];
        self.mel.apply_unchecked_len(power, bands);
        // Sharpness from the bands' specific loudness, before they become dB.
        let (mut num, mut den) = (0f64, 0f64);
        for (&b, &w) in bands.iter().zip(&self.sharpness_weights) {
            let loud = f64::from(b.max(0.0)).powf(0.33);
            num += loud * f64::from(w);
            den += loud;
        }
        let sharpness = if den > 1e-12 { 0.11 * num / den } else { 0.0 };
        for (o, &b) in out.iter_mut().zip(bands.iter()) {
            *o = 10.0 * b.max(1e-10).log10();
        }
        let band_db = |(a, b): (usize, usize)| -> f32 {
            let s: f64 = power
                .get(a..b)
                .unwrap_or(&[])
                .iter()
                .map(|&p| f64::from(p))
                .sum();
            (10.0 * (s + 1e-10).log10()) as f32
        };
        let rest = &mut out[N_AUDSPEC..];
        rest[0] = band_db(self.band_250_650);
        rest[1] = band_db(self.band_1k_4k);

        // One pass: total, first moment, Σ p·ln p, the slope's Σ x·dB, peaks and valleys.
        let db_per_ln = 10.0 / std::f64::consts::LN_10;
        let ln_floor = 1e-10f64.ln();
        let (mut total, mut first, mut plnp, mut sxdb) = (0f64, 0f64, 0f64, 0f64);
        let (mut peaks, mut valleys) = (0f64, 0f64);
        let n = power.len().min(self.freqs.len());
        for k in 0..n {
            let p = f64::from(power[k]);
            let ln = if p > 0.0 { p.ln() } else { ln_floor };
            total += p;
            first += p * self.freqs[k];
            plnp += p * ln;
            sxdb += self.slope_x[k] * db_per_ln * ln.max(ln_floor);
            if k > 0 && k + 1 < n {
                let (l, r) = (power[k - 1], power[k + 1]);
                if power[k] > l && power[k] >= r {
                    peaks += p;
                } else if power[k] < l && power[k] <= r {
                    valleys += p;
                }
            }
        }
        let slope = if self.slope_sxx > 0.0 {
            sxdb / self.slope_sxx
        } else {
            0.0
        };
        let harmonicity = 10.0 * ((peaks + 1e-10) / (valleys + 1e-10)).log10();
        let mut shape = [0f64; 9]; // 4 roll-offs, centroid, entropy, variance, skew, kurtosis
        if total > 1e-20 && n > 1 {
            let mut cumulative = 0f64;
            let mut next = 0;
            for (&p, &freq) in power.iter().zip(&self.freqs) {
                cumulative += f64::from(p);
                while next < ROLLOFF.len() && cumulative >= ROLLOFF[next] * total {
                    shape[next] = freq;
                    next += 1;
                }
                if next == ROLLOFF.len() {
                    break;
                }
            }
            let centroid = first / total;
            let entropy = ((total.ln() - plnp / total) / (n as f64).ln()).clamp(0.0, 1.0);
            let (mut c2, mut c3, mut c4) = (0f64, 0f64, 0f64);
            for (&p, &freq) in power.iter().zip(&self.freqs) {
                let p = f64::from(p);
                let d = freq - centroid;
                let pd2 = p * d * d;
                c2 += pd2;
                c3 += pd2 * d;
                c4 += pd2 * d * d;
            }
            let (c2, c3, c4) = (c2 / total, c3 / total, c4 / total);
            let (skew, kurt) = if c2 > 1e-12 {
                (c3 / c2.powf(1.5), c4 / (c2 * c2))
            } else {
                (0.0, 0.0)
            };
            shape[4..].copy_from_slice(&[centroid, entropy, c2, skew, kurt]);
        }
        for (o, v) in rest[2..11].iter_mut().zip(shape) {
            *o = v as f32;
        }
        rest[11] = slope as f32;
        rest[12] = sharpness as f32;
        rest[13] = harmonicity as f32;
        out
    }
}

/// The ComParE-scale plans for one sample rate: the [`Egemaps`] plan (with the clip
/// [`Functionals`]' STFT, MFCC and pitch plans) whose frames and rows these share, the 26
/// auditory bands and the spectral weights. Built once, `Send + Sync`, all work through `&self`.
#[derive(Debug, Clone)]
pub struct Compare {
    egemaps: Egemaps,
    spectral: SpectralPlan,
    frame_seconds: f32,
}

/// Buffers for [`Compare::extract_with_scratch`]; reuse one per thread.
#[derive(Debug, Clone, Default)]
pub struct CompareScratch {
    egemaps: EgemapsScratch,
    spectral: Vec<[f32; N_SPECTRAL]>,
    sorted: Vec<f64>,
    contour: Vec<f32>,
}

impl Compare {
    /// Validates `params` (those of the clip [`Functionals`]) and builds the plans. Errors: as
    /// [`Egemaps::new`].
    pub fn new(params: &FunctionalsParams) -> Result<Self> {
        let egemaps = Egemaps::new(params)?;
        let mfcc = egemaps.functionals().mfcc_plan().params();
        let spectral = SpectralPlan::new(params.sample_rate, mfcc.n_fft)?;
        Ok(Self {
            frame_seconds: mfcc.hop_length as f32 / params.sample_rate as f32,
            egemaps,
            spectral,
        })
    }

    /// The eGeMAPS plan inside (whose spectrogram, pitch track and rows these share).
    pub fn egemaps(&self) -> &Egemaps {
        &self.egemaps
    }

    /// The clip functionals inside.
    pub fn functionals(&self) -> &Functionals {
        self.egemaps.functionals()
    }

    /// The sample rate the plans were built for, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.egemaps.sample_rate()
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> CompareScratch {
        CompareScratch {
            egemaps: self.egemaps.make_scratch(),
            ..CompareScratch::default()
        }
    }

    /// The vector ([`DIM`] values, named by [`names`]) of the whole clip `samples` (mono, at
    /// [`Compare::sample_rate`]). Errors: an empty signal, a non-finite sample, or one beyond
    /// ±1e12 (as [`Functionals::extract`]).
    pub fn extract(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.extract_with_scratch(samples, &mut self.make_scratch())
    }

    /// [`Compare::extract`] reusing `scratch`.
    pub fn extract_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut CompareScratch,
    ) -> Result<Vec<f32>> {
        let CompareScratch {
            egemaps: rows_scratch,
            spectral: spectral_rows,
            sorted,
            contour,
        } = scratch;
        spectral_rows.clear();
        let mut bands = [0f32; N_AUDSPEC];
        self.egemaps
            .rows_with(samples, rows_scratch, false, &mut |_, power| {
                spectral_rows.push(self.spectral.of(power, &mut bands));
            })?;
        let (llds, voice, strength) = rows_scratch.rows();
        let t = llds.len();
        if t == 0 || spectral_rows.len() != t || voice.len() != t {
            return Err(FeatureError::EmptyInput);
        }
        let functionals = self.egemaps.functionals();
        let mfcc_plan = functionals.mfcc_plan();
        let (n_fft, hop) = (mfcc_plan.params().n_fft, mfcc_plan.params().hop_length);

        // The clip's MFCCs as Functionals::from_llds makes them.
        let n_mels = llds[0].log_mel.len();
        let mut log_mel = Vec::with_capacity(t * n_mels);
        let mut max = f32::NEG_INFINITY;
        for row in llds {
            log_mel.extend_from_slice(&row.log_mel);
            max = max.max(max_of(&row.log_mel));
        }
        clamp_top_db(&mut log_mel, max, mfcc_plan.params().top_db);
        let log_mel = ArrayView2::from_shape((t, n_mels), &log_mel[..]).map_err(|_| {
            FeatureError::ShapeMismatch {
                expected: vec![t, n_mels],
                actual: vec![log_mel.len()],
            }
        })?;
        let mfcc = mfcc_plan.dct_of_frames(log_mel); // n_mfcc × T
        let rms = rms(samples, n_fft, hop)?;
        let zcr = zero_crossing_rate(samples, n_fft, hop)?;

        // Frame-level LLDs, one row each (lld_names' order).
        let mut frames = Array2::<f32>::zeros((N_FRAME_LLD, t));
        for j in 0..t {
            let mut col = frames.column_mut(j);
            col[0] = voice[j].loudness;
            col[1] = rms.get((0, j)).copied().unwrap_or(0.0);
            col[2] = zcr.get((0, j)).copied().unwrap_or(0.0);
            for (i, &v) in spectral_rows[j].iter().enumerate() {
                col[3 + i] = v;
            }
            for c in 0..N_MFCC {
                col[3 + N_SPECTRAL + c] = mfcc.get((c + 1, j)).copied().unwrap_or(0.0);
            }
            col[3 + N_SPECTRAL + N_MFCC] = voice[j].flux;
            col[3 + N_SPECTRAL + N_MFCC + 1] =
                strength.get(j).copied().unwrap_or(0.0).clamp(0.0, 1.0);
        }
        let deltas = if t >= DELTA_WIDTH {
            delta(frames.view())?
        } else {
            Array2::zeros((N_FRAME_LLD, t))
        };

        // Active frames, as the functionals select them.
        let peak = llds
            .iter()
            .map(|r| r.energy_db)
            .fold(f32::NEG_INFINITY, f32::max);
        let range_db = functionals.params().active_range_db;
        let mut active: Vec<usize> = (0..t)
            .filter(|&j| llds[j].energy_db >= peak - range_db)
            .collect();
        if active.is_empty() {
            active = (0..t).collect();
        }

        let mut out = Vec::with_capacity(DIM);
        let fs = self.frame_seconds;
        for (row, drow) in frames.rows().into_iter().zip(deltas.rows()) {
            contour.clear();
            contour.extend(active.iter().map(|&j| row[j]));
            out.extend(functionals_with(contour, fs, sorted));
            contour.clear();
            contour.extend(active.iter().map(|&j| drow[j]));
            out.extend(functionals_with(contour, fs, sorted));
        }

        // Voiced-only LLDs over the active voiced frames where each is measured.
        let voiced: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&j| llds[j].f0_hz.is_some())
            .collect();
        let getters: [&dyn Fn(usize) -> Option<f32>; 5] = [
            &|j| llds[j].f0_hz.map(|f| 12.0 * (f / 100.0).log2()),
            &|j| voice[j].perturbation.map(|p| p.jitter_local),
            &|j| voice[j].perturbation.map(|p| 3.0 * p.jitter_rap),
            &|j| voice[j].perturbation.map(|p| p.shimmer_local),
            &|j| voice[j].hnr_db,
        ];
        for get in getters {
            contour.clear();
            contour.extend(voiced.iter().filter_map(|&j| get(j)));
            if contour.len() < 2 {
                out.extend([0.0; 2 * N_FUNCTIONALS]);
                continue;
            }
            out.extend(functionals_with(contour, fs, sorted));
            if contour.len() >= DELTA_WIDTH {
                let view =
                    ArrayView2::from_shape((1, contour.len()), &contour[..]).map_err(|_| {
                        FeatureError::ShapeMismatch {
                            expected: vec![1, contour.len()],
                            actual: vec![contour.len()],
                        }
                    })?;
                let d = delta(view)?;
                let d = d.as_slice().unwrap_or(&[]);
                out.extend(functionals_with(d, fs, sorted));
            } else {
                out.extend([0.0; N_FUNCTIONALS]);
            }
        }
        debug_assert_eq!(out.len(), DIM);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_are_unique_and_dim_long() {
        let n = names();
        assert_eq!(n.len(), DIM);
        assert_eq!(lld_names().len(), N_LLD);
        let mut unique = n.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), DIM);
        assert!(n.iter().any(|s| s == "mfcc_3_delta_percentile_99"));
    }

    #[test]
    fn parabola_of_a_known_quadratic() {
        let v: Vec<f32> = (0..50)
            .map(|i| {
                let x = i as f32;
                0.5 * x * x - 3.0 * x + 7.0
            })
            .collect();
        let (a, b, c) = parabola(&v).unwrap();
        assert!((a - 0.5).abs() < 1e-6 && (b + 3.0).abs() < 1e-4 && (c - 7.0).abs() < 1e-3);
        assert!(parabola(&[1.0, 2.0]).is_none());
    }
}
