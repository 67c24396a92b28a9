//! The measured response of a [`Resampler`]: pass-band ripple and stop-band attenuation, from
//! sine tones fitted by least squares — the measurement that compares this crate's filters
//! with soxr's (the same procedure, in Python, gives soxr's figures in docs/PERFORMANCE.md).

use crate::resample::Resampler;

/// Tones measured in the pass band.
const PASS_TONES: u32 = 90;
/// Tones measured in the stop band when downsampling (their aliases).
const ALIAS_TONES: u32 = 119;
/// Tones measured when upsampling (their images); the image level of a tone grid this fine
/// no longer moves with the grid.
const IMAGE_TONES: u32 = 240;

/// The measured quality of a resampling plan ([`Resampler::measure_response`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    /// Largest |gain| in dB of 90 tones from 0.01 to 0.9 × the lower Nyquist.
    pub ripple_db: f64,
    /// Weakest rejection in dB: of the aliases of 119 tones from the output's Nyquist to twice
    /// it (or the input's Nyquist) when downsampling; of the images of 240 tones from 0.02 to
    /// 0.999 × the input's Nyquist when upsampling.
    pub stop_band_db: f64,
}

impl Resampler {
    /// Measures this plan's pass-band ripple and stop-band attenuation with 1 s tones at the
    /// input rate, each output tone's amplitude fitted by least squares over all but the
    /// first and last 1/20 s (an image is fitted jointly with its tone, which is in the output
    /// too). About 200 one-second resamplings: a diagnostic, not for a hot path.
    pub fn measure_response(&self) -> Response {
        let (from, to) = (self.from_rate(), self.to_rate());
        let (fr, tr) = (f64::from(from), f64::from(to));
        let low = fr.min(tr) / 2.0;
        let len = from as usize;
        let margin = to as usize / 20;
        let mut ripple_db = 0f64;
        for i in 0..PASS_TONES {
            let f = (0.01 + 0.89 * f64::from(i) / f64::from(PASS_TONES - 1)) * low;
            let y = self.process(&tone(f, from, len));
            ripple_db = ripple_db.max(20.0 * amplitude(&y, f, &[], to, margin).log10().abs());
        }
        let mut stop_band_db = f64::INFINITY;
        let tones = if to > from { IMAGE_TONES } else { ALIAS_TONES };
        for i in 0..tones {
            let (f, alias) = if to < from {
                // From the output's Nyquist to twice it (or the input's Nyquist), the top
                // excluded.
                let top = (fr / 2.0).min(tr) / (tr / 2.0);
                let f = (1.0 + (top - 1.0) * f64::from(i) / f64::from(ALIAS_TONES)) * tr / 2.0;
                (f, (f - tr * (f / tr).round()).abs())
            } else {
                let f = (0.02 + 0.979 * f64::from(i) / f64::from(IMAGE_TONES - 1)) * low;
                (f, fr - f)
            };
            if alias >= tr / 2.0 || f >= fr / 2.0 {
                continue;
            }
            let y = self.process(&tone(f, from, len));
            let others = if to > from { vec![f] } else { Vec::new() };
            let level = amplitude(&y, alias, &others, to, margin).max(1e-15);
            stop_band_db = stop_band_db.min(-20.0 * level.log10());
        }
        Response {
            ripple_db,
            stop_band_db,
        }
    }
}

/// `len` samples of a unit sine at `freq` Hz sampled at `rate`.
fn tone(freq: f64, rate: u32, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin() as f32)
        .collect()
}

/// Amplitude of the sinusoid at `freq` Hz in `y` (sampled at `rate`), fitted by least
/// squares over all but `margin` samples at each end together with sinusoids at the `other`
/// frequencies (so that a strong tone near `freq` does not leak into it).
fn amplitude(y: &[f32], freq: f64, other: &[f64], rate: u32, margin: usize) -> f64 {
    let freqs: Vec<f64> = std::iter::once(freq).chain(other.iter().copied()).collect();
    let k = 2 * freqs.len();
    let mut a = vec![vec![0.0f64; k + 1]; k];
    let mut basis = vec![0.0f64; k];
    for (n, &v) in y
        .iter()
        .enumerate()
        .take(y.len().saturating_sub(margin))
        .skip(margin)
    {
        for (j, f) in freqs.iter().enumerate() {
            let (s, c) = (2.0 * std::f64::consts::PI * f / f64::from(rate) * n as f64).sin_cos();
            basis[2 * j] = s;
            basis[2 * j + 1] = c;
        }
        for r in 0..k {
            for c in 0..k {
                a[r][c] += basis[r] * basis[c];
            }
            a[r][k] += basis[r] * f64::from(v);
        }
    }
    // Gauss-Jordan elimination with partial pivoting.
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let factor = row[col] / pivot_row[col];
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= factor * p;
                }
            }
        }
    }
    (a[0][k] / a[0][0]).hypot(a[1][k] / a[1][1])
}
