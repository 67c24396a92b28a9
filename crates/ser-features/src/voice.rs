//! Voice-quality low-level descriptors (the eGeMAPS ones beyond the spectral envelope): glottal
//! pulses and their perturbation (jitter, shimmer), harmonics-to-noise ratio, harmonic
//! amplitudes, and formants by linear prediction. The building blocks of
//! [`egemaps`](crate::egemaps); each is usable on its own.
//!
//! * [`glottal_pulses`]: period-synchronous analysis of the voiced stretches of an F0 track: one
//!   pulse per period at the waveform's extremum near where the F0 predicts it, refined to a
//!   fraction of a sample by a parabola; [`Perturbation::of`] turns the pulses of a stretch into
//!   jitter (local, RAP) and shimmer (local, local dB) as Praat defines them.
//! * [`periodicity`] and [`hnr_db`]: the normalised autocorrelation peak `r` near a known period
//!   (full rate, parabolic peak) and `10 · log10(r / (1 − r))`, the harmonics-to-noise ratio of
//!   Praat's and openSMILE's autocorrelation method.
//! * [`peak_db`]: the strongest bin of a power spectrum in a frequency range, dB (H1, H2, A3).
//! * [`FormantTracker`]: the signal decimated to about 11 kHz, pre-emphasised, Hamming windowed
//!   (30 ms), an order `rate/1000` autocorrelation LPC ([`lpc`], Levinson–Durbin in `f64`), the
//!   roots of its polynomial ([`polynomial_roots`], Aberth–Ehrlich) and their frequencies and
//!   bandwidths ([`Formant`]).

use rustfft::num_complex::Complex;

use crate::error::{FeatureError, Result};

/// One glottal pulse: where a period starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pulse {
    /// Position in samples of the input (fractional: refined by a parabola).
    pub position: f64,
    /// The waveform's value at the pulse (the extremum's height, by the same parabola; positive:
    /// the sign of the stretch's dominant polarity is taken out).
    pub amplitude: f32,
}

/// The index ranges of the runs of consecutive `Some` values of `values`, in order.
pub(crate) fn some_runs<T>(
    values: &[Option<T>],
) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut j = 0;
    std::iter::from_fn(move || {
        while j < values.len() && values[j].is_none() {
            j += 1;
        }
        let start = j;
        while j < values.len() && values[j].is_some() {
            j += 1;
        }
        (start < j).then_some(start..j)
    })
}

/// The glottal pulses of every voiced stretch of `signal` (at `sample_rate` Hz), one `Vec` per
/// stretch, in order.
///
/// `f0_hz` is a pitch track whose frame `j` is centred on sample `j · hop` (as
/// [`AutocorrPitch`](crate::pitch::AutocorrPitch)'s); a stretch is a run of consecutive voiced
/// frames, spanning from half a hop before its first frame to half a hop after its last. In a
/// stretch the polarity is that of its largest extremum; the first pulse is the extremum of the
/// first period, and each next one the extremum within ±20 % of one period (the F0
/// interpolated linearly between frame centres) after the previous, refined by a parabola
/// through the extremum and its neighbours. Stretches with fewer than two pulses are dropped.
/// Errors: `hop` or `sample_rate` zero.
pub fn glottal_pulses(
    signal: &[f32],
    sample_rate: u32,
    f0_hz: &[Option<f32>],
    hop: usize,
) -> Result<Vec<Vec<Pulse>>> {
    if hop == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "hop_length",
            reason: "must be at least 1".into(),
        });
    }
    if sample_rate == 0 {
        return Err(FeatureError::InvalidParameter {
            name: "sample_rate",
            reason: "must be positive".into(),
        });
    }
    let sr = f64::from(sample_rate);
    let mut out = Vec::new();
    for run in some_runs(f0_hz) {
        let (first, last) = (run.start, run.end - 1);
        let start = (first * hop).saturating_sub(hop / 2);
        let end = (last * hop + hop / 2 + 1).min(signal.len());
        if end <= start + 2 {
            continue;
        }
        // Period (samples) at sample n: F0 interpolated between frame centres of the stretch.
        let period_at = |n: f64| -> f64 {
            let pos = (n / hop as f64).clamp(first as f64, last as f64);
            let k = (pos.floor() as usize).min(last);
            let k1 = (k + 1).min(last);
            let w = pos - k as f64;
            let a = f64::from(f0_hz[k].unwrap_or(100.0));
            let b = f64::from(f0_hz[k1].unwrap_or(100.0));
            sr / ((1.0 - w) * a + w * b).max(1.0)
        };
        let seg = &signal[start..end];
        let max = seg.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let min = seg.iter().copied().fold(f32::INFINITY, f32::min);
        let sign = if max >= -min { 1.0f32 } else { -1.0 };
        let value = |i: usize| sign * signal[i];
        let extremum = |lo: usize, hi: usize| -> Option<usize> {
            (lo..hi.min(end)).fold(None, |best: Option<usize>, i| match best {
                Some(b) if value(b) >= value(i) => Some(b),
                _ => Some(i),
            })
        };
        let refine = |i: usize| -> Pulse {
            if i == 0 || i + 1 >= signal.len() {
                return Pulse {
                    position: i as f64,
                    amplitude: value(i),
                };
            }
            let (y0, y1, y2) = (
                f64::from(value(i - 1)),
                f64::from(value(i)),
                f64::from(value(i + 1)),
            );
            let denom = y0 - 2.0 * y1 + y2;
            let (shift, height) = if denom < -1e-20 {
                let s = (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5);
                (s, y1 - 0.25 * (y0 - y2) * s)
            } else {
                (0.0, y1)
            };
            Pulse {
                position: i as f64 + shift,
                amplitude: height as f32,
            }
        };
        let mut pulses: Vec<Pulse> = Vec::new();
        let first_period = period_at(start as f64).ceil() as usize;
        let Some(mut at) = extremum(start, start + first_period.max(1)) else {
            continue;
        };
        pulses.push(refine(at));
        loop {
            let t = period_at(at as f64);
            let lo = (at as f64 + 0.8 * t).ceil() as usize;
            let hi = (at as f64 + 1.2 * t).floor() as usize + 1;
            if hi > end || lo >= hi {
                break;
            }
            let Some(next) = extremum(lo, hi) else { break };
            pulses.push(refine(next));
            at = next;
        }
        if pulses.len() >= 2 {
            out.push(pulses);
        }
    }
    Ok(out)
}

/// Period and amplitude perturbation of a run of pulses, Praat's definitions (ratios, not
/// percent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Perturbation {
    /// Jitter (local): mean |Tᵢ − Tᵢ₋₁| over the mean period `T`.
    pub jitter_local: f32,
    /// Jitter (RAP): mean |Tᵢ − (Tᵢ₋₁ + Tᵢ + Tᵢ₊₁)/3| over the mean period; 0 with fewer than
    /// three periods.
    pub jitter_rap: f32,
    /// Shimmer (local): mean |Aᵢ − Aᵢ₋₁| over the mean amplitude.
    pub shimmer_local: f32,
    /// Shimmer (local, dB): mean |20 · log10(Aᵢ / Aᵢ₋₁)|.
    pub shimmer_db: f32,
}

impl Perturbation {
    /// The perturbation of consecutive `pulses` (one voiced stretch); `None` with fewer than
    /// three pulses (two periods) or a non-positive period or amplitude.
    pub fn of(pulses: &[Pulse]) -> Option<Self> {
        let mut acc = PerturbationSums::default();
        acc.add(pulses);
        acc.finish()
    }

    /// The perturbation pooled over several voiced stretches (as [`glottal_pulses`] gives
    /// them): the periods and amplitudes of each stretch, never across a gap.
    pub fn of_stretches(stretches: &[Vec<Pulse>]) -> Option<Self> {
        let mut acc = PerturbationSums::default();
        stretches.iter().for_each(|s| acc.add(s));
        acc.finish()
    }
}

/// Running sums behind [`Perturbation`], so that several stretches (or the part of a stretch in
/// one frame) can be pooled.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct PerturbationSums {
    periods: f64,
    n_periods: usize,
    abs_dp: f64,
    n_dp: usize,
    rap: f64,
    n_rap: usize,
    amps: f64,
    n_amps: usize,
    abs_da: f64,
    abs_db: f64,
    n_da: usize,
}

impl PerturbationSums {
    /// Adds the periods and amplitudes of consecutive pulses.
    pub(crate) fn add(&mut self, pulses: &[Pulse]) {
        let amp = |p: &Pulse| f64::from(p.amplitude);
        for p in pulses {
            self.amps += amp(p);
            self.n_amps += 1;
        }
        for w in pulses.windows(2) {
            let (a0, a1) = (amp(&w[0]), amp(&w[1]));
            self.abs_da += (a1 - a0).abs();
            if a0 > 0.0 && a1 > 0.0 {
                self.abs_db += (20.0 * (a1 / a0).log10()).abs();
            }
            self.n_da += 1;
            self.periods += w[1].position - w[0].position;
            self.n_periods += 1;
        }
        for w in pulses.windows(3) {
            let t0 = w[1].position - w[0].position;
            let t1 = w[2].position - w[1].position;
            self.abs_dp += (t1 - t0).abs();
            self.n_dp += 1;
        }
        for w in pulses.windows(4) {
            let t0 = w[1].position - w[0].position;
            let t1 = w[2].position - w[1].position;
            let t2 = w[3].position - w[2].position;
            self.rap += (t1 - (t0 + t1 + t2) / 3.0).abs();
            self.n_rap += 1;
        }
    }

    /// The pooled perturbation; `None` without two periods in one stretch.
    pub(crate) fn finish(&self) -> Option<Perturbation> {
        if self.n_dp == 0 || self.n_periods == 0 || self.n_amps == 0 {
            return None;
        }
        let t = self.periods / self.n_periods as f64;
        let a = self.amps / self.n_amps as f64;
        if t <= 0.0 || a <= 0.0 {
            return None;
        }
        Some(Perturbation {
            jitter_local: (self.abs_dp / self.n_dp as f64 / t) as f32,
            jitter_rap: if self.n_rap > 0 {
                (self.rap / self.n_rap as f64 / t) as f32
            } else {
                0.0
            },
            shimmer_local: (self.abs_da / self.n_da as f64 / a) as f32,
            shimmer_db: (self.abs_db / self.n_da as f64) as f32,
        })
    }
}

/// The normalised autocorrelation `Σ a·b / √(Σa² Σb²)` of the `len` samples from `start` with
/// the same stretch shifted by each lag within one sample of `period` (samples), the best lag
/// refined by a parabola; `None` when the stretch plus the lag does not fit in `signal`, or is
/// silent. For a periodic signal plus uncorrelated noise this is the harmonic share of the
/// power, `H / (H + N)`.
pub fn periodicity(signal: &[f32], start: usize, len: usize, period: f64) -> Option<f32> {
    if !(period.is_finite() && period >= 2.0) || len == 0 {
        return None;
    }
    let base = period.round() as usize;
    if start + len + base + 2 > signal.len() {
        return None;
    }
    let a = &signal[start..start + len];
    let ea = f64::from(crate::mel::dot(a, a));
    if ea <= 1e-12 {
        return None;
    }
    let mut r = [0f64; 3];
    for (slot, lag) in r.iter_mut().zip(base - 1..=base + 1) {
        let b = &signal[start + lag..start + lag + len];
        let eb = f64::from(crate::mel::dot(b, b));
        let num = f64::from(crate::mel::dot(a, b));
        *slot = num / (ea * eb).sqrt().max(1e-30);
    }
    let [y0, y1, y2] = r;
    let denom = y0 - 2.0 * y1 + y2;
    let peak = if y1 >= y0 && y1 >= y2 && denom < -1e-15 {
        let s = (0.5 * (y0 - y2) / denom).clamp(-1.0, 1.0);
        y1 - 0.25 * (y0 - y2) * s
    } else {
        y0.max(y1).max(y2)
    };
    Some(peak.clamp(0.0, 1.0) as f32)
}

/// Harmonics-to-noise ratio in dB from a normalised autocorrelation peak `r`:
/// `10 · log10(r / (1 − r))`, with `r` kept within `[1e-4, 1 − 1e-4]` (so within ±40 dB).
pub fn hnr_db(r: f32) -> f32 {
    let r = if r.is_nan() { 0.0 } else { f64::from(r) }.clamp(1e-4, 1.0 - 1e-4);
    (10.0 * (r / (1.0 - r)).log10()) as f32
}

/// The strongest bin of the power spectrum `power` (bin `k` at `k · bin_hz` Hz) between `lo_hz`
/// and `hi_hz`, in dB (`10 · log10(p + 1e-12)`); the nearest bin when the range holds none.
pub fn peak_db(power: &[f32], bin_hz: f32, lo_hz: f32, hi_hz: f32) -> f32 {
    if power.is_empty() || bin_hz.is_nan() || bin_hz <= 0.0 {
        return -120.0;
    }
    let last = power.len() - 1;
    let lo = ((lo_hz / bin_hz).ceil().max(0.0) as usize).min(last);
    let hi = ((hi_hz / bin_hz).floor().max(0.0) as usize)
        .min(last)
        .max(lo);
    let p = power[lo..=hi].iter().copied().fold(0.0f32, f32::max);
    10.0 * (p + 1e-12).log10()
}

/// Linear-prediction coefficients `[1, a₁, …, a_order]` of `frame` by the autocorrelation
/// method (Levinson–Durbin in `f64`): the prediction error filter `A(z) = 1 + Σ aᵢ z⁻ⁱ`.
/// `None` when the frame is silent or the recursion becomes unstable.
pub fn lpc(frame: &[f64], order: usize) -> Option<Vec<f64>> {
    if order == 0 || frame.len() <= order {
        return None;
    }
    let r: Vec<f64> = (0..=order)
        .map(|k| frame[k..].iter().zip(frame).map(|(a, b)| a * b).sum())
        .collect();
    if r[0].is_nan() || r[0] <= 1e-20 {
        return None;
    }
    let mut a = vec![0f64; order + 1];
    a[0] = 1.0;
    let mut err = r[0] * (1.0 + 1e-9); // a whisker of white-noise correction
    let mut prev = a.clone();
    for i in 1..=order {
        let acc: f64 = (1..i).map(|j| a[j] * r[i - j]).sum::<f64>() + r[i];
        let k = -acc / err;
        if !k.is_finite() || k.abs() >= 1.0 {
            return None;
        }
        prev[..i].copy_from_slice(&a[..i]);
        for j in 1..i {
            a[j] = prev[j] + k * prev[i - j];
        }
        a[i] = k;
        err *= 1.0 - k * k;
    }
    Some(a)
}

/// The complex roots of the polynomial `c[0]·zⁿ + c[1]·zⁿ⁻¹ + … + c[n]` (`c[0] ≠ 0`) by the
/// Aberth–Ehrlich iteration in `f64`, started from `guess` when it holds `n` values (e.g. the
/// previous frame's roots) and from a circle of radius 0.9 otherwise; at most 80 sweeps.
/// Empty for a constant polynomial or a zero or non-finite leading coefficient.
pub fn polynomial_roots(c: &[f64], guess: Option<&[Complex<f64>]>) -> Vec<Complex<f64>> {
    let n = c.len().saturating_sub(1);
    if n == 0 || c[0] == 0.0 || !c.iter().all(|v| v.is_finite()) {
        return Vec::new();
    }
    let lead = c[0];
    let c: Vec<f64> = c.iter().map(|v| v / lead).collect();
    let mut z: Vec<Complex<f64>> = match guess {
        Some(g) if g.len() == n && g.iter().all(|v| v.re.is_finite() && v.im.is_finite()) => {
            // Nudge so no two guesses coincide.
            g.iter()
                .enumerate()
                .map(|(i, v)| v + Complex::new(1e-7 * i as f64, 1e-7))
                .collect()
        }
        _ => (0..n)
            .map(|k| Complex::from_polar(0.9, std::f64::consts::TAU * k as f64 / n as f64 + 0.4))
            .collect(),
    };
    for _ in 0..80 {
        let mut moved = 0f64;
        for k in 0..n {
            let zk = z[k];
            // p(zk) and p'(zk) by Horner.
            let (mut p, mut dp) = (Complex::new(c[0], 0.0), Complex::new(0.0, 0.0));
            for &ci in &c[1..] {
                dp = dp * zk + p;
                p = p * zk + ci;
            }
            if p.norm_sqr() == 0.0 {
                continue;
            }
            let ratio = p / dp;
            let mut sum = Complex::new(0.0, 0.0);
            for (j, &zj) in z.iter().enumerate() {
                if j != k {
                    let d = zk - zj;
                    if d.norm_sqr() > 0.0 {
                        sum += d.inv();
                    }
                }
            }
            let w = ratio / (Complex::new(1.0, 0.0) - ratio * sum);
            if w.re.is_finite() && w.im.is_finite() {
                z[k] = zk - w;
                moved = moved.max(w.norm_sqr());
            }
        }
        if moved < 1e-24 {
            break;
        }
    }
    z
}

/// A formant: a resonance of the LPC model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Formant {
    /// Centre frequency, Hz.
    pub frequency: f32,
    /// 3 dB bandwidth, Hz.
    pub bandwidth: f32,
}

/// The formants of the roots `roots` of an LPC polynomial at `sample_rate` Hz: each root in the
/// upper half plane `z = ρ·e^{iθ}` is a resonance at `θ·sr/2π` Hz with bandwidth `−ln ρ · sr/π`
/// Hz. Kept: frequencies between 90 Hz and `sr/2 − 90` Hz with bandwidths below 700 Hz, in
/// increasing frequency.
pub fn formants_of_roots(roots: &[Complex<f64>], sample_rate: f64) -> Vec<Formant> {
    let mut out: Vec<Formant> = roots
        .iter()
        .filter(|z| z.im > 0.0 && z.norm() > 0.0)
        .map(|z| Formant {
            frequency: (z.arg() * sample_rate / std::f64::consts::TAU) as f32,
            bandwidth: (-z.norm().ln() * sample_rate / std::f64::consts::PI) as f32,
        })
        .filter(|f| {
            f.frequency > 90.0
                && f64::from(f.frequency) < sample_rate / 2.0 - 90.0
                && f.bandwidth > 0.0
                && f.bandwidth < 700.0
        })
        .collect();
    out.sort_by(|a, b| a.frequency.total_cmp(&b.frequency));
    out
}

/// Formants by LPC, a plan for one sample rate: decimation by `d = max(1, sr / 10000)` (a
/// windowed-sinc low-pass first when `d > 1`: 22050 Hz → 11025 Hz, 16 kHz stays), LPC order
/// `round(rate / 1000)` of the decimated rate (11 at 11025 Hz, about one pole pair per kHz of
/// band: `2 + rate/1000` fits spurious wide resonances between the formants of a 120 Hz voice),
/// pre-emphasis from 50 Hz, a 30 ms Hamming window. `Send + Sync`.
#[derive(Debug, Clone)]
pub struct FormantTracker {
    sample_rate: u32,
    decimation: usize,
    taps: Vec<f32>,
    order: usize,
    window: Vec<f64>,
    pre_emphasis: f64,
}

/// Buffers for [`FormantTracker`]: the decimated signal, a frame, the previous roots.
#[derive(Debug, Clone, Default)]
pub struct FormantScratch {
    decimated: Vec<f32>,
    frame: Vec<f64>,
    roots: Vec<Complex<f64>>,
}

impl FormantTracker {
    /// The plan for signals at `sample_rate` Hz. Errors: a rate below 4 kHz.
    pub fn new(sample_rate: u32) -> Result<Self> {
        Self::with_order(sample_rate, None)
    }

    /// [`FormantTracker::new`] with the LPC order `order` (`None`: the default). Errors: a rate
    /// below 4 kHz, an order below 2 or above 40.
    pub fn with_order(sample_rate: u32, order: Option<usize>) -> Result<Self> {
        if let Some(o) = order
            && !(2..=40).contains(&o)
        {
            return Err(FeatureError::InvalidParameter {
                name: "order",
                reason: format!("must lie in 2..=40, got {o}"),
            });
        }
        if sample_rate < 4000 {
            return Err(FeatureError::InvalidParameter {
                name: "sample_rate",
                reason: format!("formants need at least 4000 Hz, got {sample_rate}"),
            });
        }
        let decimation = (sample_rate / 10_000).max(1) as usize;
        let rate = f64::from(sample_rate) / decimation as f64;
        let taps = if decimation > 1 {
            let half = 8 * decimation;
            let cutoff = 0.45 / decimation as f64; // cycles per input sample
            let raw: Vec<f64> = (0..=2 * half)
                .map(|i| {
                    let m = i as f64 - half as f64;
                    let sinc = if m == 0.0 {
                        2.0 * cutoff
                    } else {
                        (std::f64::consts::TAU * cutoff * m).sin() / (std::f64::consts::PI * m)
                    };
                    let w = 0.54 + 0.46 * (std::f64::consts::PI * m / (half as f64 + 1.0)).cos();
                    sinc * w
                })
                .collect();
            let sum: f64 = raw.iter().sum();
            raw.iter().map(|v| (v / sum) as f32).collect()
        } else {
            vec![1.0]
        };
        let order = order.unwrap_or((rate / 1000.0).round() as usize);
        let len = ((0.030 * rate).round() as usize).max(order + 2);
        let window = (0..len)
            .map(|i| {
                0.54 - 0.46 * (std::f64::consts::TAU * i as f64 / (len - 1).max(1) as f64).cos()
            })
            .collect();
        Ok(Self {
            sample_rate,
            decimation,
            taps,
            order,
            window,
            pre_emphasis: (-std::f64::consts::TAU * 50.0 / rate).exp(),
        })
    }

    /// The rate the LPC runs at, Hz.
    pub fn analysis_rate(&self) -> f64 {
        f64::from(self.sample_rate) / self.decimation as f64
    }

    /// The LPC order.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> FormantScratch {
        FormantScratch::default()
    }

    /// Prepares `scratch` for the frames of `signal` (decimates it once).
    pub fn prepare(&self, signal: &[f32], scratch: &mut FormantScratch) {
        let d = self.decimation;
        let x = &mut scratch.decimated;
        x.clear();
        if d == 1 {
            x.extend_from_slice(signal);
        } else {
            let half = (self.taps.len() / 2) as isize;
            let n = signal.len().div_ceil(d);
            x.extend((0..n).map(|m| {
                let c = (m * d) as isize;
                let lo = c - half;
                if lo >= 0 && (c + half) < signal.len() as isize {
                    crate::mel::dot(&self.taps, &signal[lo as usize..(c + half + 1) as usize])
                } else {
                    self.taps
                        .iter()
                        .enumerate()
                        .map(|(i, &h)| {
                            let k = lo + i as isize;
                            if k >= 0 && (k as usize) < signal.len() {
                                h * signal[k as usize]
                            } else {
                                0.0
                            }
                        })
                        .sum()
                }
            }));
        }
        scratch.roots.clear();
    }

    /// The formants (increasing frequency, see [`formants_of_roots`]) of the window centred on
    /// input sample `centre` of the signal last given to [`FormantTracker::prepare`]; empty
    /// when the window is silent or leaves the signal.
    pub fn formants_at(&self, centre: usize, scratch: &mut FormantScratch) -> Vec<Formant> {
        let len = self.window.len();
        let c = centre / self.decimation;
        let x = &scratch.decimated;
        if c < len / 2 + 1 || c + len - len / 2 > x.len() {
            return Vec::new();
        }
        let start = c - len / 2;
        let frame = &mut scratch.frame;
        frame.clear();
        frame.extend((0..len).map(|i| {
            let v = f64::from(x[start + i]) - self.pre_emphasis * f64::from(x[start + i - 1]);
            v * self.window[i]
        }));
        let Some(a) = lpc(frame, self.order) else {
            return Vec::new();
        };
        let guess = (scratch.roots.len() == self.order).then_some(&scratch.roots[..]);
        let roots = polynomial_roots(&a, guess);
        let formants = formants_of_roots(&roots, self.analysis_rate());
        scratch.roots = roots;
        formants
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn some_runs_are_the_stretches_of_values() {
        let v = [
            None,
            Some(1),
            Some(2),
            None,
            None,
            Some(3),
            None,
            Some(4),
            Some(5),
        ];
        assert_eq!(some_runs(&v).collect::<Vec<_>>(), vec![1..3, 5..6, 7..9]);
        assert_eq!(some_runs::<u8>(&[None, None]).count(), 0);
        assert_eq!(some_runs::<u8>(&[]).count(), 0);
    }

    #[test]
    fn roots_of_a_known_polynomial() {
        // (z − 0.5)(z + 0.25)(z² − 2·0.9·cos(0.6)·z + 0.81) expanded.
        let quad = [1.0, -2.0 * 0.9 * 0.6f64.cos(), 0.81];
        let lin = [1.0, -0.25, -0.125]; // (z − 0.5)(z + 0.25)
        let mut c = [0f64; 5];
        for (i, a) in lin.iter().enumerate() {
            for (j, b) in quad.iter().enumerate() {
                c[i + j] += a * b;
            }
        }
        let roots = polynomial_roots(&c, None);
        assert_eq!(roots.len(), 4);
        for want in [
            Complex::new(0.5, 0.0),
            Complex::new(-0.25, 0.0),
            Complex::from_polar(0.9, 0.6),
            Complex::from_polar(0.9, -0.6),
        ] {
            assert!(
                roots.iter().any(|z| (z - want).norm() < 1e-9),
                "{want} not in {roots:?}"
            );
        }
        assert!(polynomial_roots(&[3.0], None).is_empty());
        assert!(polynomial_roots(&[0.0, 1.0], None).is_empty());
    }

    #[test]
    fn lpc_of_an_ar2_process_recovers_its_coefficients() {
        let (a1, a2) = (-1.6f64, 0.8f64);
        let mut state = 7u64;
        let mut x = vec![0f64; 20_000];
        for n in 2..x.len() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let e = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            x[n] = e - a1 * x[n - 1] - a2 * x[n - 2];
        }
        let a = lpc(&x, 2).unwrap();
        assert!(
            (a[1] - a1).abs() < 0.02 && (a[2] - a2).abs() < 0.02,
            "{a:?}"
        );
        assert!(lpc(&[0.0; 100], 4).is_none());
        assert!(lpc(&[1.0; 3], 4).is_none());
    }

    #[test]
    fn hnr_of_known_correlations() {
        assert!((hnr_db(0.5) - 0.0).abs() < 1e-6);
        assert!((hnr_db(10.0 / 11.0) - 10.0).abs() < 1e-4);
        assert!(hnr_db(1.0).is_finite() && hnr_db(0.0).is_finite() && hnr_db(f32::NAN) <= 40.0);
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        assert!(matches!(
            glottal_pulses(&[0.0; 10], 16_000, &[None], 0),
            Err(FeatureError::InvalidParameter { .. })
        ));
        assert!(matches!(
            FormantTracker::new(1000),
            Err(FeatureError::InvalidParameter { .. })
        ));
        assert!(periodicity(&[0.1; 10], 0, 5, 200.0).is_none());
        assert_eq!(peak_db(&[], 10.0, 0.0, 100.0), -120.0);
    }
}
