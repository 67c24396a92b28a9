//! Band-limited resampling: a Kaiser-windowed sinc applied as a polyphase filter.
//!
//! Output sample `n` sits at input time `n · from / to` exactly (the linear-phase
//! filter is centred on it, so there is no delay), the signal is taken as zero
//! outside the clip, and the output has `ceil(len · to / from)` samples, as soxr
//! and `librosa.resample` give.
//!
//! The filter's cutoff, length and Kaiser β were fitted to the measured
//! frequency response of soxr's "HQ" recipe (librosa's default): 0 dB to
//! 0.92 × the lower Nyquist, −3 dB at 0.95, −60 dB at 0.99, stop band from
//! 1.0 attenuated by more than 130 dB.

use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{AudioError, Fault};

/// Highest sample rate accepted anywhere in the crate (Hz).
pub const MAX_SAMPLE_RATE: u32 = 1_000_000;

/// Largest ratio between two rates [`Resampler`] converts between (either direction).
pub const MAX_RATIO: u32 = 256;

/// Cutoff (−6 dB) in cycles per sample at the lower of the two rates: 0.9568 × Nyquist.
const CUTOFF: f64 = 0.478_420_13;
/// Half the kernel's length, in samples at the lower rate.
const HALF_WIDTH: f64 = 101.929_235_64;
/// Kaiser window shape.
const BETA: f64 = 13.656_512_95;
/// Largest exact polyphase table (coefficients); beyond it the table is interpolated.
const EXACT_TABLE_LIMIT: usize = 1 << 20;
/// Table rows per lower-rate sample when the kernel is interpolated linearly
/// (interpolation error below 1e-7 of the kernel's peak).
const INTERPOLATED_STEPS: f64 = 4096.0;
/// Taps are padded to a multiple of this (the dot product's lane count).
const LANES: usize = 8;

/// A resampling plan between two fixed rates: the filter table, built once.
///
/// Output sample `n` sits at input time `n · from / to` exactly (the
/// linear-phase filter is centred on it: no delay), the signal is taken as
/// zero outside the clip, and the output has `ceil(len · to / from)` samples,
/// as soxr and `librosa.resample` give. The Kaiser-windowed sinc's cutoff,
/// length and β were fitted to the measured response of soxr's "HQ" recipe
/// (librosa's default): flat (< 0.001 dB) to 0.92 × the lower Nyquist, −3 dB at
/// 0.95, −60 dB at 0.99, and more than 130 dB of attenuation from 1.0 on.
///
/// Building costs a few milliseconds (more in unoptimised builds); processing
/// is a short dot product per output sample. The plan is immutable, so
/// threads can share one (`Send + Sync`). [`resample`] keeps a small cache of plans.
#[derive(Debug, Clone)]
pub struct Resampler {
    from: u32,
    to: u32,
    /// Input samples advanced per output sample, as the reduced fraction `step_num / step_den`.
    step_num: u64,
    step_den: u64,
    /// Taps before (and including) the centre.
    lead: usize,
    /// Taps per row (a multiple of [`LANES`]).
    taps: usize,
    /// Phases in the table (rows, plus one more when interpolating). Exact
    /// tables hold row `n mod rows` for output `n`; interpolated ones are by phase.
    rows: usize,
    interpolate: bool,
    table: Vec<f32>,
}

impl Resampler {
    /// Plans a conversion from `from` Hz to `to` Hz.
    ///
    /// Both rates must lie in `1..=MAX_SAMPLE_RATE` and their ratio within
    /// [`MAX_RATIO`]; otherwise [`AudioError::InvalidRate`] (with an empty path).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        Self::plan(from, to).map_err(|f| f.at(std::path::Path::new("")))
    }

    pub(crate) fn plan(from: u32, to: u32) -> Result<Self, Fault> {
        check_rate(from)?;
        check_rate(to)?;
        let (hi, lo) = (from.max(to), from.min(to));
        if hi / lo > MAX_RATIO || (hi / lo == MAX_RATIO && hi % lo != 0) {
            return Err(Fault::InvalidRate(
                hi,
                format!("ratio {hi}/{lo} exceeds the supported 1:{MAX_RATIO}"),
            ));
        }
        let g = gcd(u64::from(from), u64::from(to));
        let step_num = u64::from(from) / g;
        let step_den = u64::from(to) / g;
        // Scale of the kernel: 1 when upsampling, to/from when downsampling.
        let scale = (f64::from(to) / f64::from(from)).min(1.0);
        let half = HALF_WIDTH / scale; // in input samples
        let lead = half.ceil() as usize + 1;
        let taps = (2 * lead).div_ceil(LANES) * LANES;
        let exact_rows = usize::try_from(step_den).unwrap_or(usize::MAX);
        let interpolate = exact_rows.saturating_mul(taps) > EXACT_TABLE_LIMIT;
        let rows = if interpolate {
            (INTERPOLATED_STEPS * scale).ceil().max(16.0) as usize
        } else {
            exact_rows
        };
        let stored_rows = rows + usize::from(interpolate);
        let kernel = Kernel::new(scale);
        let mut table = Vec::with_capacity(stored_rows * taps);
        for r in 0..stored_rows {
            // Exact tables are stored in the order outputs use them (output n
            // uses row n mod L, phase n·M mod L), so processing streams through
            // memory; interpolated tables are stored by phase.
            let p = if interpolate {
                r
            } else {
                ((r as u64 * step_num) % step_den) as usize
            };
            let phase = p as f64 / rows as f64;
            for j in 0..taps {
                let t = phase + (lead as f64 - 1.0) - j as f64;
                table.push(kernel.at(t) as f32);
            }
        }
        Ok(Self {
            from,
            to,
            step_num,
            step_den,
            lead,
            taps,
            rows,
            interpolate,
            table,
        })
    }

    /// Input rate (Hz).
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// Output rate (Hz).
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Filter taps applied per output sample.
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// Output length for `input_len` input samples: `ceil(input_len · to / from)`.
    pub fn output_len(&self, input_len: usize) -> usize {
        let n = input_len as u128 * u128::from(self.to);
        let d = u128::from(self.from);
        usize::try_from(n.div_ceil(d)).unwrap_or(usize::MAX)
    }

    /// Resamples one channel.
    pub fn process(&self, input: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        self.process_into(input, &mut out);
        out
    }

    /// Resamples one channel into `out` (cleared first), reusing its allocation.
    pub fn process_into(&self, input: &[f32], out: &mut Vec<f32>) {
        out.clear();
        if input.is_empty() {
            return;
        }
        if self.from == self.to {
            out.extend_from_slice(input);
            return;
        }
        let n_out = self.output_len(input.len());
        // Zeros before and after the clip, so every output reads a full window.
        let mut padded = vec![0.0f32; input.len() + self.taps + 1];
        padded[self.lead..self.lead + input.len()].copy_from_slice(input);
        out.reserve(n_out);
        for n in 0..n_out as u64 {
            let pos = n * self.step_num;
            let i = (pos / self.step_den) as usize;
            let rem = pos % self.step_den;
            let window = &padded[i + 1..i + 1 + self.taps];
            let y = if self.interpolate {
                let x = rem as f64 * self.rows as f64 / self.step_den as f64;
                let p = (x as usize).min(self.rows - 1);
                let frac = (x - p as f64) as f32;
                let (a, b) = dot2(self.row(p), self.row(p + 1), window);
                a + frac * (b - a)
            } else {
                dot(self.row((n % self.step_den) as usize), window)
            };
            out.push(y);
        }
    }

    fn row(&self, p: usize) -> &[f32] {
        &self.table[p * self.taps..(p + 1) * self.taps]
    }
}

/// Resamples one channel from `from` Hz to `to` Hz with a cached [`Resampler`].
///
/// Plans are cached per rate pair (a few at a time), so calling this for many
/// clips at the same rates builds the filter once. Equal rates copy the input.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    if from == to {
        check_rate(from).map_err(|f| f.at(std::path::Path::new("")))?;
        return Ok(samples.to_vec());
    }
    let plan = cached_plan(from, to).map_err(|f| f.at(std::path::Path::new("")))?;
    Ok(plan.process(samples))
}

/// Plans kept by [`cached_plan`].
const CACHE_SIZE: usize = 8;

/// A shared plan for this rate pair, built on first use.
pub(crate) fn cached_plan(from: u32, to: u32) -> Result<Arc<Resampler>, Fault> {
    static CACHE: OnceLock<Mutex<Vec<Arc<Resampler>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    {
        let plans = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = plans.iter().find(|p| p.from == from && p.to == to) {
            return Ok(Arc::clone(p));
        }
    }
    let plan = Arc::new(Resampler::plan(from, to)?);
    let mut plans = cache.lock().unwrap_or_else(|e| e.into_inner());
    if plans.len() >= CACHE_SIZE {
        plans.remove(0);
    }
    plans.push(Arc::clone(&plan));
    Ok(plan)
}

/// Refuses rates of 0 and above [`MAX_SAMPLE_RATE`].
pub(crate) fn check_rate(rate: u32) -> Result<(), Fault> {
    if rate == 0 {
        Err(Fault::InvalidRate(
            rate,
            "a rate must be positive".to_string(),
        ))
    } else if rate > MAX_SAMPLE_RATE {
        Err(Fault::InvalidRate(
            rate,
            format!("above the supported {MAX_SAMPLE_RATE} Hz"),
        ))
    } else {
        Ok(())
    }
}

/// The Kaiser-windowed sinc, evaluated quickly: the window
/// `I0(β·sqrt(1 − r²)) / I0(β)` is a power series in `z = 1 − r²`, summed by Horner's rule.
struct Kernel {
    /// Lower-rate samples per input sample (1 when upsampling).
    scale: f64,
    /// Series coefficients `(β²/4)^k / (k!)² / I0(β)`, k = 0…
    window: [f64; WINDOW_TERMS],
}

/// Terms of the window's series: the 30th is below 1e-14 of the sum for β ≈ 13.7.
const WINDOW_TERMS: usize = 32;

impl Kernel {
    fn new(scale: f64) -> Self {
        let q = BETA * BETA / 4.0;
        let mut window = [0.0; WINDOW_TERMS];
        let mut term = 1.0;
        for (k, c) in window.iter_mut().enumerate() {
            if k > 0 {
                term *= q / (k * k) as f64;
            }
            *c = term;
        }
        let i0_beta: f64 = window.iter().sum();
        window.iter_mut().for_each(|c| *c /= i0_beta);
        Self { scale, window }
    }

    /// The kernel at `t` input samples from the centre.
    fn at(&self, t: f64) -> f64 {
        let u = t * self.scale; // in lower-rate samples
        let r = u / HALF_WIDTH;
        if r.abs() >= 1.0 {
            return 0.0;
        }
        let z = 1.0 - r * r;
        let window = self.window.iter().rev().fold(0.0, |acc, c| acc * z + c);
        self.scale * 2.0 * CUTOFF * sinc(2.0 * CUTOFF * u) * window
    }
}

/// Normalised sinc: sin(πx)/(πx).
fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// Modified Bessel function of the first kind, order 0 (power series; tests only).
#[cfg(test)]
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Dot product in [`LANES`] independent lanes (vectorises); lengths are multiples of LANES.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let (a, _) = a.as_chunks::<LANES>();
    let (b, _) = b.as_chunks::<LANES>();
    for (x, y) in a.iter().zip(b) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum()
}

/// Two dot products against the same window in one pass.
fn dot2(a: &[f32], b: &[f32], w: &[f32]) -> (f32, f32) {
    let mut acc_a = [0.0f32; LANES];
    let mut acc_b = [0.0f32; LANES];
    let (a, _) = a.as_chunks::<LANES>();
    let (b, _) = b.as_chunks::<LANES>();
    let (w, _) = w.as_chunks::<LANES>();
    for ((x, y), z) in a.iter().zip(b).zip(w) {
        for l in 0..LANES {
            acc_a[l] += x[l] * z[l];
            acc_b[l] += y[l] * z[l];
        }
    }
    (acc_a.iter().sum(), acc_b.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_window_series_matches_bessel() {
        let k = Kernel::new(1.0);
        for t in [0.0, 0.3, 1.0, 7.5, 50.2, 90.0, 101.9] {
            let r: f64 = t / HALF_WIDTH;
            let window = bessel_i0(BETA * (1.0 - r * r).sqrt()) / bessel_i0(BETA);
            let direct = 2.0 * CUTOFF * sinc(2.0 * CUTOFF * t) * window;
            assert!((k.at(t) - direct).abs() < 1e-14, "t = {t}");
        }
        assert_eq!(k.at(HALF_WIDTH), 0.0);
    }

    #[test]
    fn bessel_i0_matches_known_values() {
        // Abramowitz & Stegun table 9.8 / scipy.special.i0.
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-14);
        assert!((bessel_i0(10.0) - 2_815.716_628_466_254).abs() < 1e-9);
    }

    #[test]
    fn output_length_is_ceil() {
        let r = Resampler::plan(24_414, 22_050).expect("plan");
        assert_eq!(r.output_len(0), 0);
        assert_eq!(r.output_len(1), 1);
        // 73242 · 22050 / 24414 = 66150 exactly
        assert_eq!(r.output_len(73_242), 66_150);
        assert_eq!(r.output_len(73_243), 66_151);
        assert_eq!(r.process(&vec![0.5; 1000]).len(), r.output_len(1000));
    }

    #[test]
    fn table_kind_depends_on_size() {
        assert!(!Resampler::plan(16_000, 22_050).expect("plan").interpolate);
        assert!(Resampler::plan(22_051, 48_000).expect("plan").interpolate);
    }

    #[test]
    fn upsampling_keeps_input_samples_at_integer_ratio() {
        // 2x upsampling: even outputs sit on input samples; a band-limited
        // (slow) sine must come back through them nearly unchanged.
        let x: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.05).sin()).collect();
        let y = Resampler::plan(8_000, 16_000).expect("plan").process(&x);
        for i in 500..3500 {
            assert!((y[2 * i] - x[i]).abs() < 1e-5, "at {i}");
        }
    }

    #[test]
    fn rejects_bad_rates() {
        assert!(matches!(
            Resampler::plan(0, 8000),
            Err(Fault::InvalidRate(0, _))
        ));
        assert!(matches!(
            Resampler::plan(8000, MAX_SAMPLE_RATE + 1),
            Err(Fault::InvalidRate(_, _))
        ));
        assert!(matches!(
            Resampler::plan(1000, 1000 * MAX_RATIO + 1),
            Err(Fault::InvalidRate(_, _))
        ));
        assert!(Resampler::plan(1000, 1000 * MAX_RATIO).is_ok());
    }
}
