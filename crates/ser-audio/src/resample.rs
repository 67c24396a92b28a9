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
    /// [`MAX_RATIO`]; otherwise [`AudioError::InvalidRate`] (with an empty path;
    /// a ratio too large names `from` and the range of rates `to` accepts).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        Self::plan(from, to).map_err(|f| f.at(std::path::Path::new("")))
    }

    pub(crate) fn plan(from: u32, to: u32) -> Result<Self, Fault> {
        check_rate(from)?;
        check_rate(to)?;
        check_ratio(from, to)?;
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
        usize::try_from(self.output_len_u64(input_len as u64)).unwrap_or(usize::MAX)
    }

    /// [`output_len`](Self::output_len) for any `u64` count (saturating).
    fn output_len_u64(&self, input_len: u64) -> u64 {
        u64::try_from(output_frames(input_len, self.from, self.to)).unwrap_or(u64::MAX)
    }

    /// Resamples one channel.
    ///
    /// Allocates the output (`output_len(input.len())` samples) and a bounded
    /// scratch buffer; see [`process_into`](Self::process_into).
    pub fn process(&self, input: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        self.process_into(input, &mut out);
        out
    }

    /// Resamples one channel into `out` (cleared first), reusing its allocation.
    ///
    /// The input is fed through a [`ResampleStream`] in blocks of 64 Ki
    /// samples, so besides the output the only memory used is a
    /// scratch buffer of about one block plus the filter's length, whatever the
    /// input's length. The result is the same, sample for sample, as filtering
    /// the whole clip padded with zeros.
    pub fn process_into(&self, input: &[f32], out: &mut Vec<f32>) {
        out.clear();
        if input.is_empty() {
            return;
        }
        out.reserve(self.output_len(input.len()));
        let mut stream = self.stream();
        for block in input.chunks(BLOCK) {
            stream.push(block, out);
        }
        stream.finish(out);
    }

    /// Starts resampling a signal that arrives in pieces (one channel).
    ///
    /// Feed the pieces with [`ResampleStream::push`] and end with
    /// [`ResampleStream::finish`]: the outputs, concatenated, equal
    /// [`process`](Self::process) of the whole signal.
    pub fn stream(&self) -> ResampleStream<'_> {
        ResampleStream::with_plan(PlanRef::Borrowed(self))
    }

    /// [`stream`](Self::stream) over a shared plan: the stream owns its
    /// reference, so it can live in a struct that outlasts any borrow (a
    /// reader, a live recognizer).
    pub fn shared_stream(plan: Arc<Resampler>) -> ResampleStream<'static> {
        ResampleStream::with_plan(PlanRef::Shared(plan))
    }

    /// Output sample for phase (`row`, `rem`) over `window` (`taps` samples).
    fn value(&self, row: usize, rem: u64, window: &[f32]) -> f32 {
        if self.interpolate {
            let x = rem as f64 * self.rows as f64 / self.step_den as f64;
            let p = (x as usize).min(self.rows - 1);
            let frac = (x - p as f64) as f32;
            let (a, b) = dot2(self.row(p), self.row(p + 1), window);
            a + frac * (b - a)
        } else {
            dot(self.row(row), window)
        }
    }

    fn row(&self, p: usize) -> &[f32] {
        &self.table[p * self.taps..(p + 1) * self.taps]
    }
}

/// Input samples [`Resampler::process_into`] feeds its stream at a time (64 Ki samples, 256 KiB).
pub(crate) const BLOCK: usize = 1 << 16;

/// A [`Resampler`] applied to one channel that arrives in pieces, with bounded memory.
///
/// Made by [`Resampler::stream`]. Each [`push`](Self::push) appends the output
/// samples whose filter window the input so far covers; [`finish`](Self::finish)
/// takes the signal as zero after its end and appends the rest, so the output
/// has `ceil(total · to / from)` samples and equals [`Resampler::process`] of
/// the concatenated input exactly (the same products, summed in the same
/// order). The stream keeps only the input a later output still needs: about
/// the filter's length plus the last piece pushed.
#[derive(Debug, Clone)]
pub struct ResampleStream<'a> {
    plan: PlanRef<'a>,
    /// The zero-padded signal from position `base` on (`lead` zeros precede sample 0).
    buf: Vec<f32>,
    base: u64,
    /// Input samples pushed so far.
    pushed: u64,
    /// Outputs produced so far (`n` of the next output).
    produced: u64,
    /// `floor(n · step_num / step_den)`: the next output's window starts at padded position `at + 1`.
    at: u64,
    /// `n · step_num mod step_den`: the next output's phase.
    rem: u64,
    /// `n mod step_den`: the next output's row in an exact table.
    row: usize,
}

/// The plan a [`ResampleStream`] reads: borrowed ([`Resampler::stream`]) or shared.
#[derive(Debug, Clone)]
enum PlanRef<'a> {
    Borrowed(&'a Resampler),
    Shared(Arc<Resampler>),
}

impl PlanRef<'_> {
    fn get(&self) -> &Resampler {
        match self {
            PlanRef::Borrowed(plan) => plan,
            PlanRef::Shared(plan) => plan,
        }
    }
}

impl<'a> ResampleStream<'a> {
    fn with_plan(plan: PlanRef<'a>) -> Self {
        let lead = plan.get().lead;
        Self {
            plan,
            // Padded positions `0..lead` are the zeros before the signal.
            buf: vec![0.0; lead],
            base: 0,
            pushed: 0,
            produced: 0,
            at: 0,
            rem: 0,
            row: 0,
        }
    }
    /// Appends the next piece of the signal; appends to `out` every output
    /// sample that can now be computed.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.pushed += input.len() as u64;
        let plan = self.plan.get();
        if plan.from == plan.to {
            self.produced += input.len() as u64;
            out.extend_from_slice(input);
            return;
        }
        self.buf.extend_from_slice(input);
        self.emit(u64::MAX, out);
    }

    /// Ends the signal: appends the remaining output samples to `out`.
    pub fn finish(mut self, out: &mut Vec<f32>) {
        let shared = self.plan.clone();
        let plan = shared.get();
        if plan.from == plan.to || self.pushed == 0 {
            return;
        }
        let total = plan.output_len_u64(self.pushed);
        // Zeros after the signal: the last output's window ends before padded
        // position `pushed + taps + 1`.
        let end = self.pushed + plan.taps as u64 + 1;
        let have = self.base + self.buf.len() as u64;
        let zeros = usize::try_from(end.saturating_sub(have)).unwrap_or(0);
        self.buf.resize(self.buf.len() + zeros, 0.0);
        self.emit(total, out);
    }

    /// Input samples pushed so far.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Output samples produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// Produces outputs up to (not including) index `until` while their
    /// windows lie in the buffer, then drops the input no later output reads.
    fn emit(&mut self, until: u64, out: &mut Vec<f32>) {
        let shared = self.plan.clone();
        let plan = shared.get();
        let taps = plan.taps;
        let have = self.base + self.buf.len() as u64;
        while self.produced < until {
            let start = self.at + 1;
            if start + taps as u64 > have {
                break;
            }
            // `start ≥ base`: only positions before the current window are dropped.
            let lo = (start - self.base) as usize;
            let y = plan.value(self.row, self.rem, &self.buf[lo..lo + taps]);
            out.push(y);
            self.produced += 1;
            self.rem += plan.step_num;
            self.at += self.rem / plan.step_den;
            self.rem %= plan.step_den;
            self.row += 1;
            if self.row as u64 == plan.step_den {
                self.row = 0;
            }
        }
        // Positions before the next window's start are never read again. Drop
        // them once they are at least half the buffer (amortised O(1) per sample).
        let unused = (self.at + 1 - self.base).min(self.buf.len() as u64) as usize;
        if unused > 0 && unused * 2 >= self.buf.len() {
            self.buf.drain(..unused);
            self.base += unused as u64;
        }
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

/// Refuses a rate pair further apart than [`MAX_RATIO`] (either direction).
///
/// The error names `from`, the signal's own rate (a file's), and the range of
/// rates that can be resampled to `to`, e.g. "invalid sample rate 1 Hz: cannot
/// be resampled to 22050 Hz: …; resampling to 22050 Hz needs a source rate from
/// 87 to 1000000 Hz".
pub(crate) fn check_ratio(from: u32, to: u32) -> Result<(), Fault> {
    let (hi, lo) = (u64::from(from.max(to)), u64::from(from.min(to)));
    let ratio = u64::from(MAX_RATIO);
    if hi <= lo * ratio {
        return Ok(());
    }
    let min = u64::from(to).div_ceil(ratio).max(1);
    let max = (u64::from(to) * ratio).min(u64::from(MAX_SAMPLE_RATE));
    Err(Fault::InvalidRate(
        from,
        format!(
            "cannot be resampled to {to} Hz: the ratio {hi}/{lo} exceeds the supported \
             1:{MAX_RATIO}; resampling to {to} Hz needs a source rate from {min} to {max} Hz"
        ),
    ))
}

/// `ceil(frames · to / from)`: the output length of resampling `frames` samples.
pub(crate) fn output_frames(frames: u64, from: u32, to: u32) -> u128 {
    (u128::from(frames) * u128::from(to)).div_ceil(u128::from(from.max(1)))
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

    /// The whole-clip filter as it was before streaming: one zero-padded copy
    /// of the input, every output's window sliced from it.
    fn reference(plan: &Resampler, input: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        if input.is_empty() {
            return out;
        }
        if plan.from == plan.to {
            return input.to_vec();
        }
        let n_out = plan.output_len(input.len());
        let mut padded = vec![0.0f32; input.len() + plan.taps + 1];
        padded[plan.lead..plan.lead + input.len()].copy_from_slice(input);
        for n in 0..n_out as u64 {
            let pos = n * plan.step_num;
            let i = (pos / plan.step_den) as usize;
            let rem = pos % plan.step_den;
            let window = &padded[i + 1..i + 1 + plan.taps];
            let y = if plan.interpolate {
                let x = rem as f64 * plan.rows as f64 / plan.step_den as f64;
                let p = (x as usize).min(plan.rows - 1);
                let frac = (x - p as f64) as f32;
                let (a, b) = dot2(plan.row(p), plan.row(p + 1), window);
                a + frac * (b - a)
            } else {
                dot(plan.row((n % plan.step_den) as usize), window)
            };
            out.push(y);
        }
        out
    }

    /// A deterministic test signal: two tones and a little hash noise.
    fn signal(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let t = i as f32;
                let noise = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f32
                    / (1u64 << 24) as f32;
                0.5 * (t * 0.031).sin() + 0.3 * (t * 0.45).cos() + 0.1 * (noise - 0.5)
            })
            .collect()
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    /// Blocked processing and streams in pieces of any size give what the
    /// whole-clip filter gave (within 1e-6; in fact bit for bit: the same
    /// products summed in the same order), over ratios both ways, exact and
    /// interpolated tables, and lengths around the block size.
    #[test]
    fn blocks_and_streams_match_the_whole_clip_filter() {
        let cases: &[(u32, u32, &[usize])] = &[
            (24_414, 22_050, &[1, 2, 5, 99, 1_000, 7_919]),
            (
                44_100,
                22_050,
                &[1, 3, 417, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 333],
            ),
            (87, 22_050, &[1, 2, 87, 301, 1_000]),
            (16_000, 22_050, &[1, 10, 4_001]),
            (22_050, 8_000, &[1, 64, BLOCK + 7]),
            (22_051, 48_000, &[1, 5, 3_000]),
            (48_000, 22_051, &[2, 5_000]),
            (1_000, 256_000, &[1, 3, 40]),
            (22_050, 22_050, &[1, 1_000]),
        ];
        for &(from, to, lengths) in cases {
            let plan = Resampler::plan(from, to).expect("plan");
            for &len in lengths {
                let x = signal(len);
                let want = reference(&plan, &x);
                let got = plan.process(&x);
                assert_eq!(got.len(), plan.output_len(len), "{from}->{to}, {len}");
                assert_eq!(got.len(), want.len(), "{from}->{to}, {len}");
                let d = max_diff(&got, &want);
                assert!(d <= 1e-6, "{from}->{to}, {len}: blocked differs by {d}");
                assert!(got == want, "{from}->{to}, {len}: not bit-identical");
                // Pieces of awkward, varying sizes (including empty ones).
                let mut stream = plan.stream();
                let mut streamed = Vec::new();
                let mut rest = &x[..];
                for size in [0usize, 1, 2, 3, 17, 0, 250, 1_024, 5_000].iter().cycle() {
                    if rest.is_empty() {
                        break;
                    }
                    let (piece, tail) = rest.split_at((*size).min(rest.len()));
                    stream.push(piece, &mut streamed);
                    rest = tail;
                }
                assert_eq!(stream.pushed(), len as u64);
                assert!(stream.produced() <= want.len() as u64);
                stream.finish(&mut streamed);
                assert!(streamed == want, "{from}->{to}, {len}: stream differs");
            }
        }
    }

    /// The stream's buffer stays within a small multiple of the filter's length
    /// plus one piece (the vector's growth included), however long the signal.
    #[test]
    fn stream_memory_is_bounded() {
        // (from, to, piece length): the 87 Hz pieces are short, each input
        // sample giving 253 outputs (this crate's tests run unoptimised).
        for (from, to, piece) in [
            (87, 22_050, 16),
            (44_100, 22_050, 500),
            (22_050, 16_000, 300),
        ] {
            let plan = Resampler::plan(from, to).expect("plan");
            let mut stream = plan.stream();
            let piece = signal(piece);
            let mut out = Vec::new();
            let mut largest = 0;
            for _ in 0..100 {
                stream.push(&piece, &mut out);
                largest = largest.max(stream.buf.capacity());
                out.clear();
            }
            assert!(
                largest <= 4 * (plan.taps + piece.len()),
                "{from}->{to}: buffer grew to {largest}"
            );
        }
    }

    #[test]
    fn empty_stream_gives_nothing() {
        let plan = Resampler::plan(8_000, 22_050).expect("plan");
        let mut out = Vec::new();
        let mut stream = plan.stream();
        stream.push(&[], &mut out);
        stream.finish(&mut out);
        assert!(out.is_empty());
        assert!(plan.process(&[]).is_empty());
    }

    #[test]
    fn ratio_error_names_the_source_rate_and_the_range() {
        match Resampler::plan(1, 22_050) {
            Err(Fault::InvalidRate(1, reason)) => {
                assert!(
                    reason.contains("cannot be resampled to 22050 Hz"),
                    "{reason}"
                );
                assert!(reason.contains("from 87 to 1000000 Hz"), "{reason}");
                assert!(reason.contains("exceeds the supported 1:256"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(Resampler::plan(87, 22_050).is_ok());
        assert!(Resampler::plan(86, 22_050).is_err());
        match Resampler::plan(300_000, 1_000) {
            Err(Fault::InvalidRate(300_000, reason)) => {
                assert!(reason.contains("from 4 to 256000 Hz"), "{reason}");
            }
            other => panic!("{other:?}"),
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
