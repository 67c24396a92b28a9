//! Seeded audio augmentation for training folds: gain, additive noise at a signal-to-noise
//! ratio, tempo change (WSOLA, pitch kept), pitch shift (tempo change + band-limited
//! resampling, duration kept; formants move with the pitch, like a smaller or larger voice),
//! vocal-tract-length-style spectral warping (STFT magnitude warped along frequency, as VTLP),
//! and room-ish reverberation (convolution with exponentially decaying noise).
//!
//! Every function is pure: it reads `&[f32]` at a sample rate and returns a new signal; the
//! random ones take an explicit seed (same seed, same output). Bad parameters (NaN, out of
//! range), empty input and a silent signal asked for an SNR are typed errors, never panics.
//!
//! A *plan* ([`parse_plan`]) lists augmented copies, e.g. `pitch:-2,2;noise:20;warp:0.9+gain:-6`:
//! `;` separates items, `kind:a,b` makes one copy per value, `x+y` chains transforms in one copy.

use std::fmt;
use std::str::FromStr;

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use ser_features::stft::hann_periodic;

use crate::error::{DataError, Result};
use crate::rng::SeededRng;

/// Lowest sample rate accepted (Hz).
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// Highest sample rate accepted (Hz).
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// Upper edge of the spectral warp's linear part (Hz), after Jaitly & Hinton (2013).
const WARP_EDGE_HZ: f32 = 4_800.0;
/// ln(1000): amplitude falls by 60 dB over one RT60.
const LN_1000: f32 = 6.907_755;

fn bad(name: &'static str, value: impl fmt::Display, reason: &str) -> DataError {
    DataError::InvalidParameter {
        name,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn check_signal(samples: &[f32], sample_rate: u32) -> Result<()> {
    if samples.is_empty() {
        return Err(DataError::EmptyInput { what: "signal" });
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(bad(
            "sample_rate",
            sample_rate,
            "expected 1000 to 384000 Hz",
        ));
    }
    if samples.iter().any(|v| !v.is_finite()) {
        return Err(bad("samples", "non-finite", "every sample must be finite"));
    }
    Ok(())
}

fn check_range(name: &'static str, v: f32, lo: f32, hi: f32) -> Result<()> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(bad(
            name,
            v,
            &format!("expected a number from {lo} to {hi}"),
        ))
    }
}

/// Mean square of a signal (f64 accumulation).
pub fn power(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / samples.len() as f64
}

/// The signal scaled by `db` decibels (`10^(db/20)`), `db` in −60..=60. Samples may leave
/// ±1; nothing is clipped.
///
/// # Errors
/// [`DataError::InvalidParameter`] for a NaN or out-of-range gain or non-finite samples;
/// [`DataError::EmptyInput`] for no samples.
pub fn gain(samples: &[f32], db: f32) -> Result<Vec<f32>> {
    check_range("gain_db", db, -60.0, 60.0)?;
    check_signal(samples, MIN_SAMPLE_RATE)?;
    let g = 10f64.powf(f64::from(db) / 20.0) as f32;
    Ok(samples.iter().map(|&v| v * g).collect())
}

/// White Gaussian noise added at `snr_db` (−10..=100) below the signal's mean square; the
/// noise is rescaled so that the realised ratio is exactly the one asked (to rounding).
///
/// # Errors
/// [`DataError::InvalidParameter`] for a bad SNR, [`DataError::SilentSignal`] when the signal
/// has no power, [`DataError::EmptyInput`] for no samples.
pub fn add_noise(samples: &[f32], snr_db: f32, seed: u64) -> Result<Vec<f32>> {
    check_range("snr_db", snr_db, -10.0, 100.0)?;
    check_signal(samples, MIN_SAMPLE_RATE)?;
    let ps = power(samples);
    if ps <= 0.0 {
        return Err(DataError::SilentSignal {
            what: "noise at a signal-to-noise ratio",
        });
    }
    let mut rng = SeededRng::derive(seed, 0x006e_6f69_7365);
    let noise: Vec<f64> = (0..samples.len()).map(|_| rng.normal()).collect();
    let pn = noise.iter().map(|v| v * v).sum::<f64>() / noise.len() as f64;
    let target = ps / 10f64.powf(f64::from(snr_db) / 10.0);
    let scale = if pn > 0.0 { (target / pn).sqrt() } else { 0.0 };
    Ok(samples
        .iter()
        .zip(&noise)
        .map(|(&s, &n)| (f64::from(s) + scale * n) as f32)
        .collect())
}

/// Tempo change by WSOLA (waveform-similarity overlap-add), pitch and spectrum kept: `rate`
/// 1.25 plays 25 % faster, so the output has `round(len / rate)` samples. `rate` in
/// 0.25..=4. Frames of 40 ms at a 20 ms hop; each frame's start is moved by up to ±10 ms to
/// the offset whose first half best continues the previous frame (cross-correlation).
///
/// # Errors
/// [`DataError::InvalidParameter`] for a bad rate or sample rate or non-finite samples;
/// [`DataError::EmptyInput`] for no samples.
pub fn time_stretch(samples: &[f32], sample_rate: u32, rate: f32) -> Result<Vec<f32>> {
    check_range("tempo_rate", rate, 0.25, 4.0)?;
    check_signal(samples, sample_rate)?;
    let out_len = ((samples.len() as f64 / f64::from(rate)).round() as usize).max(1);
    if rate == 1.0 {
        return Ok(samples.to_vec());
    }
    let n = ((0.04 * f64::from(sample_rate)) as usize / 2 * 2).max(16);
    let hs = n / 2;
    let tol = (n / 4) as isize;
    let w = hann_periodic(n);
    let len = samples.len() as isize;
    let at = |i: isize| -> f32 {
        if (0..len).contains(&i) {
            samples[i as usize]
        } else {
            0.0
        }
    };
    let mut out = vec![0f32; out_len + n];
    let mut prev: Option<isize> = None;
    // Output frame m starts at m·hs − hs (the first one half outside, so the start is covered
    // by two frames like every other sample).
    let frames = out_len / hs + 3;
    for m in 0..frames {
        let o = m as isize * hs as isize - hs as isize;
        let centre = (o as f64 + hs as f64) * f64::from(rate);
        let nominal = (centre - hs as f64).round() as isize;
        let pos = match prev {
            None => nominal,
            Some(p) => {
                let target = p + hs as isize;
                let mut best = (nominal, f32::NEG_INFINITY);
                for d in -tol..=tol {
                    let c = nominal + d;
                    let mut s = 0f32;
                    for i in 0..hs as isize {
                        s += at(c + i) * at(target + i);
                    }
                    if s > best.1 {
                        best = (c, s);
                    }
                }
                best.0
            }
        };
        for (i, &wi) in w.iter().enumerate() {
            let t = o + i as isize;
            if t >= 0 && (t as usize) < out.len() {
                out[t as usize] += wi * at(pos + i as isize);
            }
        }
        prev = Some(pos);
    }
    out.truncate(out_len);
    Ok(out)
}

/// Pitch shift by `semitones` (−12..=12) with the duration kept: a WSOLA tempo change by the
/// frequency ratio, then band-limited resampling ([`ser_audio::resample`]) back to the
/// original length. The whole spectrum moves by `2^(semitones/12)` — F0 and formants, as a
/// smaller or larger voice.
///
/// # Errors
/// [`DataError::InvalidParameter`] for a bad shift or sample rate or non-finite samples;
/// [`DataError::EmptyInput`] for no samples.
pub fn pitch_shift(samples: &[f32], sample_rate: u32, semitones: f32) -> Result<Vec<f32>> {
    check_range("semitones", semitones, -12.0, 12.0)?;
    check_signal(samples, sample_rate)?;
    if semitones == 0.0 {
        return Ok(samples.to_vec());
    }
    let q = 2f64.powf(f64::from(semitones) / 12.0);
    let to = (f64::from(sample_rate) / q).round() as u32;
    let realised = f64::from(sample_rate) / f64::from(to);
    let stretched = time_stretch(samples, sample_rate, (1.0 / realised) as f32)?;
    let mut out = ser_audio::resample(&stretched, sample_rate, to)
        .map_err(|e| bad("sample_rate", sample_rate, &e.to_string()))?;
    out.resize(samples.len(), 0.0);
    Ok(out)
}

/// Where the spectral warp with factor `alpha` sends frequency `f` (Hz): `alpha · f` up to
/// `4800 · min(alpha, 1) / alpha`, then a straight line to the Nyquist frequency, which stays
/// put (Jaitly & Hinton's VTLP).
pub fn warp_frequency(f: f32, alpha: f32, nyquist: f32) -> f32 {
    let edge = (WARP_EDGE_HZ * alpha.min(1.0) / alpha).min(0.9 * nyquist);
    if f <= edge {
        alpha * f
    } else {
        let a = alpha * edge;
        a + (f - edge) * (nyquist - a) / (nyquist - edge)
    }
}

/// The inverse of [`warp_frequency`] (the source frequency of output frequency `g`).
fn unwarp_frequency(g: f32, alpha: f32, nyquist: f32) -> f32 {
    let edge = (WARP_EDGE_HZ * alpha.min(1.0) / alpha).min(0.9 * nyquist);
    let a = alpha * edge;
    if g <= a {
        g / alpha
    } else {
        edge + (g - a) * (nyquist - edge) / (nyquist - a)
    }
}

fn fft_error(e: impl fmt::Display) -> DataError {
    DataError::Augment {
        reason: format!("FFT: {e}"),
    }
}

/// Vocal-tract-length-style warping: each STFT frame's magnitude spectrum is resampled along
/// frequency by [`warp_frequency`] (factor `alpha` in 0.8..=1.2; above 1 the formants move
/// up, as a shorter tract), the frame's own phases are kept, and the frames are overlap-added
/// back (Hann, 46 ms, quarter hop). The output has the input's length.
///
/// # Errors
/// [`DataError::InvalidParameter`] for a bad factor or sample rate or non-finite samples;
/// [`DataError::EmptyInput`] for no samples.
pub fn spectral_warp(samples: &[f32], sample_rate: u32, alpha: f32) -> Result<Vec<f32>> {
    check_range("warp_alpha", alpha, 0.8, 1.2)?;
    check_signal(samples, sample_rate)?;
    if alpha == 1.0 {
        return Ok(samples.to_vec());
    }
    let n = ((0.046 * f64::from(sample_rate)) as usize).next_power_of_two();
    let hop = n / 4;
    let w = hann_periodic(n);
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let mut frame = fwd.make_input_vec();
    let mut spec = fwd.make_output_vec();
    let mut warped = fwd.make_output_vec();
    let bins = spec.len();
    let nyquist = sample_rate as f32 / 2.0;
    let bin_hz = sample_rate as f32 / n as f32;
    // Source position (in bins) of each output bin.
    let source: Vec<f32> = (0..bins)
        .map(|k| unwarp_frequency(k as f32 * bin_hz, alpha, nyquist) / bin_hz)
        .collect();
    let len = samples.len();
    let mut out = vec![0f32; len + 2 * n];
    let mut norm = vec![0f32; len + 2 * n];
    // Frames start at −n + hop so every sample is covered by four frames.
    let mut start = -(n as isize) + hop as isize;
    let mut mags = vec![0f32; bins];
    while start < len as isize {
        for (i, f) in frame.iter_mut().enumerate() {
            let t = start + i as isize;
            *f = if t >= 0 && (t as usize) < len {
                samples[t as usize] * w[i]
            } else {
                0.0
            };
        }
        fwd.process(&mut frame, &mut spec).map_err(fft_error)?;
        for (m, c) in mags.iter_mut().zip(&spec) {
            *m = c.norm();
        }
        for (k, out_bin) in warped.iter_mut().enumerate() {
            let s = source[k];
            let i0 = (s.floor() as usize).min(bins - 1);
            let i1 = (i0 + 1).min(bins - 1);
            let fr = s - i0 as f32;
            let mag = mags[i0] * (1.0 - fr) + mags[i1] * fr;
            let c = spec[k];
            let r = c.norm();
            *out_bin = if r > 0.0 {
                c * (mag / r)
            } else {
                Complex::new(mag, 0.0)
            };
        }
        // DC and Nyquist bins must be real for the inverse transform.
        warped[0].im = 0.0;
        warped[bins - 1].im = 0.0;
        inv.process(&mut warped, &mut frame).map_err(fft_error)?;
        for (i, &v) in frame.iter().enumerate() {
            let t = start + i as isize + n as isize;
            if t >= 0 {
                let t = t as usize;
                out[t] += v / n as f32 * w[i];
                norm[t] += w[i] * w[i];
            }
        }
        start += hop as isize;
    }
    Ok((0..len)
        .map(|t| {
            let d = norm[t + n];
            if d > 1e-6 { out[t + n] / d } else { 0.0 }
        })
        .collect())
}

/// A synthetic room impulse response: a unit direct path, then Gaussian noise decaying by
/// 60 dB over `rt60_s` (0.05..=3 s) whose total energy is `drr_db` (−20..=40) below the
/// direct path's. Length `round(rt60_s · sample_rate)` samples (at least 2).
///
/// # Errors
/// [`DataError::InvalidParameter`] for a bad decay time, ratio or sample rate.
pub fn impulse_response(sample_rate: u32, rt60_s: f32, drr_db: f32, seed: u64) -> Result<Vec<f32>> {
    check_range("rt60_s", rt60_s, 0.05, 3.0)?;
    check_range("drr_db", drr_db, -20.0, 40.0)?;
    check_signal(&[0.0], sample_rate)?;
    let len = ((rt60_s * sample_rate as f32).round() as usize).max(2);
    let mut rng = SeededRng::derive(seed, 0x7265_7665_7262);
    let decay = LN_1000 / (rt60_s * sample_rate as f32);
    let mut h: Vec<f32> = (0..len)
        .map(|i| (rng.normal() as f32) * (-decay * i as f32).exp())
        .collect();
    h[0] = 0.0;
    let tail = power(&h) * len as f64;
    let want = 10f64.powf(-f64::from(drr_db) / 10.0);
    let scale = if tail > 0.0 {
        (want / tail).sqrt() as f32
    } else {
        0.0
    };
    for v in &mut h {
        *v *= scale;
    }
    h[0] = 1.0;
    Ok(h)
}

/// Full linear convolution of `x` and `h` by FFT (length `x.len() + h.len() − 1`).
///
/// # Errors
/// [`DataError::EmptyInput`] when either is empty.
pub fn convolve(x: &[f32], h: &[f32]) -> Result<Vec<f32>> {
    if x.is_empty() || h.is_empty() {
        return Err(DataError::EmptyInput {
            what: "convolution input",
        });
    }
    let full = x.len() + h.len() - 1;
    let m = full.next_power_of_two().max(2);
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(m);
    let inv = planner.plan_fft_inverse(m);
    let spectrum = |v: &[f32]| -> Result<Vec<Complex<f32>>> {
        let mut buf = fwd.make_input_vec();
        buf[..v.len()].copy_from_slice(v);
        let mut s = fwd.make_output_vec();
        fwd.process(&mut buf, &mut s).map_err(fft_error)?;
        Ok(s)
    };
    let (a, b) = (spectrum(x)?, spectrum(h)?);
    let mut prod: Vec<Complex<f32>> = a.iter().zip(&b).map(|(p, q)| p * q).collect();
    let mut y = inv.make_output_vec();
    inv.process(&mut prod, &mut y).map_err(fft_error)?;
    y.truncate(full);
    for v in &mut y {
        *v /= m as f32;
    }
    Ok(y)
}

/// Room-ish reverberation: the signal convolved with [`impulse_response`] and cut to its own
/// length (the direct path keeps gain 1).
///
/// # Errors
/// As [`impulse_response`]; [`DataError::EmptyInput`] for no samples.
pub fn reverb(
    samples: &[f32],
    sample_rate: u32,
    rt60_s: f32,
    drr_db: f32,
    seed: u64,
) -> Result<Vec<f32>> {
    check_signal(samples, sample_rate)?;
    let h = impulse_response(sample_rate, rt60_s, drr_db, seed)?;
    let mut y = convolve(samples, &h)?;
    y.truncate(samples.len());
    Ok(y)
}

/// Direct-to-reverberant ratio of [`Augmentation::Reverb`] when the plan gives none (dB).
pub const DEFAULT_DRR_DB: f32 = 3.0;

/// One transform with its parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Augmentation {
    /// [`gain`] in dB (`gain:-6`).
    Gain {
        /// Decibels.
        db: f32,
    },
    /// [`add_noise`] at an SNR in dB (`noise:20`).
    Noise {
        /// Signal-to-noise ratio, dB.
        snr_db: f32,
    },
    /// [`pitch_shift`] in semitones (`pitch:-2`).
    Pitch {
        /// Semitones.
        semitones: f32,
    },
    /// [`time_stretch`] by a tempo factor (`tempo:1.1`).
    Tempo {
        /// Speed factor (> 1 faster).
        rate: f32,
    },
    /// [`spectral_warp`] by a factor (`warp:0.9`).
    Warp {
        /// Warp factor.
        alpha: f32,
    },
    /// [`reverb`] with an RT60 in seconds and a direct-to-reverberant ratio in dB
    /// (`reverb:0.4` or `reverb:0.4/6`).
    Reverb {
        /// Decay time to −60 dB, seconds.
        rt60_s: f32,
        /// Direct-to-reverberant energy ratio, dB.
        drr_db: f32,
    },
}

impl Augmentation {
    /// Applies the transform; `seed` drives the random ones (noise, reverb).
    ///
    /// # Errors
    /// As the transform's function.
    pub fn apply(&self, samples: &[f32], sample_rate: u32, seed: u64) -> Result<Vec<f32>> {
        match *self {
            Augmentation::Gain { db } => {
                check_signal(samples, sample_rate)?;
                gain(samples, db)
            }
            Augmentation::Noise { snr_db } => {
                check_signal(samples, sample_rate)?;
                add_noise(samples, snr_db, seed)
            }
            Augmentation::Pitch { semitones } => pitch_shift(samples, sample_rate, semitones),
            Augmentation::Tempo { rate } => time_stretch(samples, sample_rate, rate),
            Augmentation::Warp { alpha } => spectral_warp(samples, sample_rate, alpha),
            Augmentation::Reverb { rt60_s, drr_db } => {
                reverb(samples, sample_rate, rt60_s, drr_db, seed)
            }
        }
    }

    fn parse_one(kind: &str, value: &str) -> Result<Self> {
        let num = |name: &'static str, t: &str| -> Result<f32> {
            t.trim()
                .parse::<f32>()
                .map_err(|_| bad(name, t, "expected a number"))
        };
        let a = match kind.trim().to_ascii_lowercase().as_str() {
            "gain" => Augmentation::Gain {
                db: num("gain_db", value)?,
            },
            "noise" => Augmentation::Noise {
                snr_db: num("snr_db", value)?,
            },
            "pitch" => Augmentation::Pitch {
                semitones: num("semitones", value)?,
            },
            "tempo" => Augmentation::Tempo {
                rate: num("tempo_rate", value)?,
            },
            "warp" | "vtlp" => Augmentation::Warp {
                alpha: num("warp_alpha", value)?,
            },
            "reverb" => {
                let (rt, drr) = match value.split_once('/') {
                    Some((r, d)) => (num("rt60_s", r)?, num("drr_db", d)?),
                    None => (num("rt60_s", value)?, DEFAULT_DRR_DB),
                };
                Augmentation::Reverb {
                    rt60_s: rt,
                    drr_db: drr,
                }
            }
            other => {
                return Err(bad(
                    "augmentation",
                    other,
                    "expected gain, noise, pitch, tempo, warp or reverb",
                ));
            }
        };
        a.check()?;
        Ok(a)
    }

    /// Checks the parameter's range without a signal.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] when out of range or NaN.
    pub fn check(&self) -> Result<()> {
        match *self {
            Augmentation::Gain { db } => check_range("gain_db", db, -60.0, 60.0),
            Augmentation::Noise { snr_db } => check_range("snr_db", snr_db, -10.0, 100.0),
            Augmentation::Pitch { semitones } => check_range("semitones", semitones, -12.0, 12.0),
            Augmentation::Tempo { rate } => check_range("tempo_rate", rate, 0.25, 4.0),
            Augmentation::Warp { alpha } => check_range("warp_alpha", alpha, 0.8, 1.2),
            Augmentation::Reverb { rt60_s, drr_db } => {
                check_range("rt60_s", rt60_s, 0.05, 3.0)?;
                check_range("drr_db", drr_db, -20.0, 40.0)
            }
        }
    }
}

impl fmt::Display for Augmentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Augmentation::Gain { db } => write!(f, "gain:{db}"),
            Augmentation::Noise { snr_db } => write!(f, "noise:{snr_db}"),
            Augmentation::Pitch { semitones } => write!(f, "pitch:{semitones}"),
            Augmentation::Tempo { rate } => write!(f, "tempo:{rate}"),
            Augmentation::Warp { alpha } => write!(f, "warp:{alpha}"),
            Augmentation::Reverb { rt60_s, drr_db } => write!(f, "reverb:{rt60_s}/{drr_db}"),
        }
    }
}

impl FromStr for Augmentation {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        let (kind, value) = s
            .split_once(':')
            .ok_or_else(|| bad("augmentation", s, "expected kind:value, e.g. pitch:-2"))?;
        Augmentation::parse_one(kind, value)
    }
}

/// One augmented copy: transforms applied in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AugmentChain(pub Vec<Augmentation>);

impl AugmentChain {
    /// Applies every transform in order; transform `i` gets a seed derived from `seed` and `i`.
    ///
    /// # Errors
    /// As the transforms; [`DataError::EmptyInput`] for no samples.
    pub fn apply(&self, samples: &[f32], sample_rate: u32, seed: u64) -> Result<Vec<f32>> {
        check_signal(samples, sample_rate)?;
        let mut x = samples.to_vec();
        for (i, a) in self.0.iter().enumerate() {
            x = a.apply(
                &x,
                sample_rate,
                SeededRng::derive(seed, i as u64).next_u64(),
            )?;
        }
        Ok(x)
    }
}

impl fmt::Display for AugmentChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("+"))
    }
}

/// Parses a plan: `;`-separated items, each `kind:v1,v2,...` (one copy per value) or a chain
/// `kind:v+kind:v` (one copy). `pitch:-2,2;noise:20;warp:0.9+reverb:0.3` gives four copies.
/// Kinds: `gain` (dB), `noise` (SNR dB), `pitch` (semitones), `tempo` (factor), `warp`
/// (factor, alias `vtlp`), `reverb` (RT60 s, optionally `/DRR dB`).
///
/// # Errors
/// [`DataError::InvalidParameter`] for an unknown kind, a missing or bad number, or an empty
/// plan.
pub fn parse_plan(text: &str) -> Result<Vec<AugmentChain>> {
    let mut plan = Vec::new();
    for item in text.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        if item.contains('+') {
            let chain = item
                .split('+')
                .map(str::parse::<Augmentation>)
                .collect::<Result<Vec<_>>>()?;
            plan.push(AugmentChain(chain));
        } else {
            let (kind, values) = item
                .split_once(':')
                .ok_or_else(|| bad("augmentation", item, "expected kind:value, e.g. pitch:-2"))?;
            for v in values.split(',') {
                plan.push(AugmentChain(vec![Augmentation::parse_one(kind, v)?]));
            }
        }
    }
    if plan.is_empty() {
        return Err(bad("augmentation plan", text, "no augmentation given"));
    }
    Ok(plan)
}
