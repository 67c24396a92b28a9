//! Mel scale and mel filterbank as librosa computes them (`librosa.filters.mel`,
//! `librosa.feature.melspectrogram`).
//!
//! [`MelFilterbank`] stores each triangular filter by its nonzero range only, so projecting a
//! 1025-bin power spectrum onto 128 bands costs about two multiply-adds per bin instead of 128.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Slice};

use crate::error::{FeatureError, Result};
use crate::stft::fft_frequencies;

/// Hz → mel. Slaney's scale (linear below 1 kHz, logarithmic above) unless `htk`, then
/// `2595 log10(1 + f / 700)`. As `librosa.hz_to_mel`.
pub fn hz_to_mel(hz: f64, htk: bool) -> f64 {
    if htk {
        return 2595.0 * (1.0 + hz / 700.0).log10();
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

/// Mel → Hz, the inverse of [`hz_to_mel`] (`librosa.mel_to_hz`).
pub fn mel_to_hz(mel: f64, htk: bool) -> f64 {
    if htk {
        return 700.0 * (10f64.powf(mel / 2595.0) - 1.0);
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// `n` frequencies (Hz) evenly spaced on the mel scale from `fmin` to `fmax`
/// (`librosa.mel_frequencies`; the spacing follows `numpy.linspace`).
pub fn mel_frequencies(n: usize, fmin: f64, fmax: f64, htk: bool) -> Vec<f64> {
    let lo = hz_to_mel(fmin, htk);
    let hi = hz_to_mel(fmax, htk);
    linspace(lo, hi, n)
        .into_iter()
        .map(|m| mel_to_hz(m, htk))
        .collect()
}

/// `numpy.linspace(start, stop, n)` (endpoint included), step computed the same way.
pub(crate) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
            v[n - 1] = stop;
            v
        }
    }
}

/// How each mel filter is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum MelNorm {
    /// Slaney's: each triangle divided by its width in Hz (`2 / (f_hi − f_lo)`), so filters have
    /// roughly constant energy. librosa's default (`norm="slaney"`).
    #[default]
    Slaney,
    /// Peak 1 triangles (`norm=None`).
    None,
}

/// Mel filterbank parameters. Defaults are librosa's for 22050 Hz.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MelParams {
    /// Sample rate in Hz (librosa: 22050).
    pub sample_rate: u32,
    /// FFT length (librosa: 2048).
    pub n_fft: usize,
    /// Number of bands (librosa: 128).
    pub n_mels: usize,
    /// Lowest edge in Hz (librosa: 0).
    pub fmin: f64,
    /// Highest edge in Hz; `None` = Nyquist, `sample_rate / 2` (librosa's default).
    pub fmax: Option<f64>,
    /// HTK's mel formula instead of Slaney's (librosa: false).
    pub htk: bool,
    /// Filter normalisation (librosa: Slaney).
    pub norm: MelNorm,
}

impl Default for MelParams {
    fn default() -> Self {
        Self {
            sample_rate: 22050,
            n_fft: 2048,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            htk: false,
            norm: MelNorm::Slaney,
        }
    }
}

impl MelParams {
    /// The upper edge in Hz (Nyquist when unset).
    pub fn fmax_hz(&self) -> f64 {
        self.fmax.unwrap_or(self.sample_rate as f64 / 2.0)
    }

    /// Checks every field.
    pub fn check(&self) -> Result<()> {
        if self.sample_rate == 0 {
            return Err(invalid("sample_rate", "must be positive".into()));
        }
        if self.n_fft < 2 {
            return Err(invalid(
                "n_fft",
                format!("must be at least 2, got {}", self.n_fft),
            ));
        }
        if self.n_mels == 0 {
            return Err(invalid("n_mels", "must be at least 1".into()));
        }
        let nyquist = self.sample_rate as f64 / 2.0;
        let fmax = self.fmax_hz();
        if !(self.fmin.is_finite() && self.fmin >= 0.0) {
            return Err(invalid(
                "fmin",
                format!("must be finite and ≥ 0, got {}", self.fmin),
            ));
        }
        if !(fmax.is_finite() && fmax > self.fmin && fmax <= nyquist) {
            return Err(invalid(
                "fmax",
                format!(
                    "must lie in (fmin = {}, Nyquist = {nyquist}], got {fmax}",
                    self.fmin
                ),
            ));
        }
        Ok(())
    }
}

fn invalid(name: &'static str, reason: String) -> FeatureError {
    FeatureError::InvalidParameter { name, reason }
}

/// One filter: its weights over bins `start .. start + weights.len()`, zero elsewhere.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    start: usize,
    weights: Vec<f32>,
}

/// A mel filterbank stored sparsely (each filter's nonzero range only).
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    n_bins: usize,
    bands: Vec<Band>,
    /// The same weights cut into dense blocks of [`GROUP`] adjacent bands over the bins they
    /// cover, for projecting many frames at once with a matrix product.
    groups: Vec<Group>,
}

/// Bands per dense block.
const GROUP: usize = 8;

#[derive(Debug, Clone, PartialEq)]
struct Group {
    bins: (usize, usize),
    bands: (usize, usize),
    /// `(bins.1 − bins.0) × (bands.1 − bands.0)`.
    weights: Array2<f32>,
}

fn make_groups(bands: &[Band], n_bins: usize) -> Vec<Group> {
    let mut groups = Vec::new();
    for first in (0..bands.len()).step_by(GROUP) {
        let last = (first + GROUP).min(bands.len());
        let members = &bands[first..last];
        let lo = members
            .iter()
            .filter(|b| !b.weights.is_empty())
            .map(|b| b.start)
            .min()
            .unwrap_or(0);
        let hi = members
            .iter()
            .filter(|b| !b.weights.is_empty())
            .map(|b| b.start + b.weights.len())
            .max()
            .unwrap_or(0)
            .min(n_bins);
        let hi = hi.max(lo);
        let mut weights = Array2::zeros((hi - lo, last - first));
        for (j, band) in members.iter().enumerate() {
            for (i, &w) in band.weights.iter().enumerate() {
                weights[[band.start + i - lo, j]] = w;
            }
        }
        groups.push(Group {
            bins: (lo, hi),
            bands: (first, last),
            weights,
        });
    }
    groups
}

impl MelFilterbank {
    /// Builds the filterbank exactly as `librosa.filters.mel` does (weights rounded to `f32`
    /// before and after the Slaney scaling, as its `float32` array is).
    pub fn new(params: &MelParams) -> Result<Self> {
        params.check()?;
        let n_bins = 1 + params.n_fft / 2;
        let fftfreqs = fft_frequencies(params.sample_rate as f64, params.n_fft);
        let mel_f = mel_frequencies(params.n_mels + 2, params.fmin, params.fmax_hz(), params.htk);
        let mut bands = Vec::with_capacity(params.n_mels);
        let mut row = vec![0f32; n_bins];
        for i in 0..params.n_mels {
            let (f0, f1, f2) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
            let (d0, d1) = (f1 - f0, f2 - f1);
            let enorm = match params.norm {
                MelNorm::Slaney => Some(2.0 / (f2 - f0)),
                MelNorm::None => None,
            };
            for (w, &f) in row.iter_mut().zip(&fftfreqs) {
                let lower = -(f0 - f) / d0;
                let upper = (f2 - f) / d1;
                let tri = 0f64.max(lower.min(upper)) as f32;
                *w = match enorm {
                    Some(e) => (tri as f64 * e) as f32,
                    None => tri,
                };
            }
            let first = row.iter().position(|&w| w != 0.0);
            let band = match first {
                None => Band {
                    start: 0,
                    weights: Vec::new(),
                },
                Some(lo) => {
                    let hi = row.iter().rposition(|&w| w != 0.0).map_or(lo, |h| h) + 1;
                    Band {
                        start: lo,
                        weights: row[lo..hi].to_vec(),
                    }
                }
            };
            bands.push(band);
        }
        let groups = make_groups(&bands, n_bins);
        Ok(Self {
            n_bins,
            bands,
            groups,
        })
    }

    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// Number of FFT bins each filter spans (`1 + n_fft / 2`).
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Bands with no nonzero weight (librosa warns about them: too many bands for `n_fft`).
    pub fn empty_bands(&self) -> Vec<usize> {
        (0..self.bands.len())
            .filter(|&i| self.bands[i].weights.is_empty())
            .collect()
    }

    /// Total number of stored (nonzero-range) weights.
    pub fn nonzero_len(&self) -> usize {
        self.bands.iter().map(|b| b.weights.len()).sum()
    }

    /// The dense `n_mels × (1 + n_fft/2)` matrix, as `librosa.filters.mel` returns it.
    pub fn to_dense(&self) -> Array2<f32> {
        let mut m = Array2::zeros((self.n_mels(), self.n_bins));
        for (mut row, band) in m.rows_mut().into_iter().zip(&self.bands) {
            for (j, &w) in band.weights.iter().enumerate() {
                row[band.start + j] = w;
            }
        }
        m
    }

    /// Projects one power spectrum (`n_bins` values) onto the bands, writing `n_mels` values.
    pub fn apply(&self, power: &[f32], out: &mut [f32]) -> Result<()> {
        if power.len() != self.n_bins {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.n_bins],
                actual: vec![power.len()],
            });
        }
        if out.len() != self.bands.len() {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.bands.len()],
                actual: vec![out.len()],
            });
        }
        self.apply_unchecked_len(power, out);
        Ok(())
    }

    /// [`MelFilterbank::apply`] for buffers the caller sized from this filterbank.
    pub(crate) fn apply_unchecked_len(&self, power: &[f32], out: &mut [f32]) {
        for (o, band) in out.iter_mut().zip(&self.bands) {
            let end = (band.start + band.weights.len()).min(power.len());
            let start = band.start.min(end);
            *o = dot(&band.weights, &power[start..end]);
        }
    }

    /// Projects many power frames at once: `power` is `frames × n_bins`, `out` is
    /// `frames × n_mels` (one matrix product per block of adjacent bands).
    pub fn apply_frames(
        &self,
        power: ArrayView2<'_, f32>,
        mut out: ArrayViewMut2<'_, f32>,
    ) -> Result<()> {
        if power.ncols() != self.n_bins || out.dim() != (power.nrows(), self.n_mels()) {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![power.nrows(), self.n_mels()],
                actual: out.shape().to_vec(),
            });
        }
        for g in &self.groups {
            let p = power.slice_axis(Axis(1), Slice::from(g.bins.0..g.bins.1));
            let mut o = out.slice_axis_mut(Axis(1), Slice::from(g.bands.0..g.bands.1));
            general_mat_mul(1.0, &p, &g.weights, 0.0, &mut o);
        }
        Ok(())
    }

    /// Mel spectrogram of a power spectrogram `(1 + n_fft/2) × frames` → `n_mels × frames`
    /// (`librosa.feature.melspectrogram(S=power)`).
    pub fn mel_spectrogram(&self, power: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        if power.nrows() != self.n_bins {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![self.n_bins, power.ncols()],
                actual: power.shape().to_vec(),
            });
        }
        let mut out = Array2::zeros((self.n_mels(), power.ncols()));
        let mut column = vec![0f32; self.n_bins];
        let mut mel = vec![0f32; self.n_mels()];
        for (t, p) in power.columns().into_iter().enumerate() {
            column.iter_mut().zip(p).for_each(|(c, &x)| *c = x);
            self.apply_unchecked_len(&column, &mut mel);
            out.column_mut(t)
                .iter_mut()
                .zip(&mel)
                .for_each(|(o, &m)| *o = m);
        }
        Ok(out)
    }
}

/// Dot product with eight independent accumulators, so the compiler can vectorise it.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// One-shot dense filterbank, as `librosa.filters.mel(sr=…, n_fft=…, n_mels=…)`.
pub fn mel_filterbank(params: &MelParams) -> Result<Array2<f32>> {
    Ok(MelFilterbank::new(params)?.to_dense())
}

/// One-shot mel spectrogram of a signal: power STFT (centred, Hann, `hop_length`) then the
/// filterbank, as `librosa.feature.melspectrogram(y=…, sr=…)`.
pub fn mel_spectrogram(
    signal: &[f32],
    params: &MelParams,
    hop_length: usize,
) -> Result<Array2<f32>> {
    let bank = MelFilterbank::new(params)?;
    let power = crate::stft::Stft::new(params.n_fft, hop_length)?.power_spectrogram(signal)?;
    bank.mel_spectrogram(power.view())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_sparse_and_dense_projections_agree() {
        for params in [
            MelParams::default(),
            MelParams {
                sample_rate: 16000,
                n_fft: 512,
                n_mels: 40,
                fmin: 100.0,
                fmax: Some(7000.0),
                htk: true,
                norm: MelNorm::None,
            },
        ] {
            let bank = MelFilterbank::new(&params).unwrap();
            let n_bins = bank.n_bins();
            let frames = 7;
            let power = Array2::from_shape_fn((frames, n_bins), |(t, k)| {
                ((t * 31 + k * 17) % 23) as f32 / 23.0
            });
            let dense = power.dot(&bank.to_dense().t());
            let mut blocked = Array2::zeros((frames, bank.n_mels()));
            bank.apply_frames(power.view(), blocked.view_mut()).unwrap();
            let mut one = vec![0f32; bank.n_mels()];
            for t in 0..frames {
                bank.apply(power.row(t).as_slice().unwrap(), &mut one)
                    .unwrap();
                for m in 0..bank.n_mels() {
                    let want = dense[[t, m]];
                    assert!((blocked[[t, m]] - want).abs() <= 1e-5 * (1.0 + want.abs()));
                    assert!((one[m] - want).abs() <= 1e-5 * (1.0 + want.abs()));
                }
            }
            let mut wrong = Array2::zeros((frames, 3));
            assert!(bank.apply_frames(power.view(), wrong.view_mut()).is_err());
        }
    }
}
