//! eGeMAPS-style functionals of a whole clip ([`DIM`] values, named by [`names`]), modelled on
//! openSMILE's eGeMAPSv02 set (Eyben et al. 2016) and computed from the same frames as the clip
//! [`functionals`]: one power spectrogram (librosa's frames: 2048-point FFT,
//! hop 512, centred) and one [`AutocorrPitch`](crate::pitch::AutocorrPitch) track serve both.
//! [`FeatureSpec::Egemaps`](crate::FeatureSpec::Egemaps) is this vector;
//! [`FeatureSpec::Paralinguistic`](crate::FeatureSpec::Paralinguistic) is the 128 functionals
//! followed by it ([`Egemaps::extract_paralinguistic`]).
//!
//! Low-level descriptors per frame ([`VoiceLld`] next to the functionals' [`Lld`]):
//!
//! * F0 in semitones above 27.5 Hz (voiced frames);
//! * loudness: the 128 mel-band powers compressed by `p^0.33` and summed (openSMILE's
//!   approximation of Zwicker loudness, on this crate's mel bands);
//! * spectral flux: root mean square over bins of the change of the magnitude spectrum from the
//!   previous frame (openSMILE's definition; magnitudes scaled so a sine of amplitude A peaks at
//!   A); spectral slopes 0–500 Hz and 500–1500 Hz (least-squares slope of the dB power spectrum
//!   against frequency, dB/Hz); alpha ratio (openSMILE's sign: energy 1–5 kHz over 50 Hz–1 kHz,
//!   dB, the negative of the functionals' `alpha_ratio`) and Hammarberg index (the functionals'
//!   spectral balance); MFCC 1–4;
//! * voice quality, voiced frames only: jitter (local, RAP) and shimmer (local, local dB) of the
//!   glottal pulses ([`voice::glottal_pulses`]) within the frame's 2048-sample window; HNR from
//!   the normalised autocorrelation at the F0 period ([`voice::periodicity`], [`voice::hnr_db`]);
//!   H1–H2 and H1–A3 (harmonic peaks of the power spectrum, A3 the strongest near F3, dB);
//!   F1–F3 frequency, bandwidth and amplitude relative to H1 ([`voice::FormantTracker`]).
//!
//! Functionals. Only *active* frames count (within
//! [`FunctionalsParams::active_range_db`] of the loudest, as for the functionals), so leading
//! and trailing silence does not matter:
//!
//! * F0 and loudness: mean, coefficient of variation (std / mean, within ±100), 20th, 50th and
//!   80th percentiles, 20–80 range, mean and std of rising and of falling slopes (between the
//!   turning points of the contour smoothed by a 3-frame moving average, per second; falling
//!   ones as magnitudes);
//! * mean and coefficient of variation of flux, MFCC 1–4 (active frames), of jitter local and
//!   RAP, shimmer local dB and local, HNR, H1–H2, H1–A3, F1–F3 frequency, bandwidth and relative
//!   amplitude (voiced frames), of alpha ratio, Hammarberg index, both slopes, flux and MFCC 1–4
//!   over voiced frames; the means of alpha ratio, Hammarberg index, slopes and flux over
//!   unvoiced active frames;
//! * loudness peaks per second, voiced segments per second, mean and std of voiced and unvoiced
//!   segment lengths (s) between the first and last active frame, and the equivalent sound level
//!   (dB re full scale: mean square of the active frames).
//!
//! A statistic of no values (a clip without voiced frames, say) is 0, so every vector is
//! finite. The values follow openSMILE's definitions but not its exact frames or filters, so
//! they correlate with openSMILE's rather than equal them.
//!
//! ```
//! use ser_features::egemaps::{DIM, Egemaps};
//! use ser_features::functionals::FunctionalsParams;
//!
//! let sr = 16_000;
//! let tone: Vec<f32> = (0..sr)
//!     .map(|i| 0.3 * (std::f32::consts::TAU * 150.0 * i as f32 / sr as f32).sin())
//!     .collect();
//! let plan = Egemaps::new(&FunctionalsParams::default().sample_rate(sr as u32))?;
//! assert_eq!(plan.extract(&tone)?.len(), DIM);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use crate::error::{FeatureError, Result};
use crate::functionals::{self, Functionals, FunctionalsParams, Lld};
use crate::pitch::AutocorrPitchScratch;
use crate::spectrogram::Spectrogram;
use crate::voice::{self, FormantScratch, FormantTracker, PerturbationSums, Pulse};

/// Names of the contour statistics of F0 and loudness, in order.
const CONTOUR: [&str; 10] = [
    "amean",
    "stddevNorm",
    "percentile20.0",
    "percentile50.0",
    "percentile80.0",
    "pctlrange0-2",
    "meanRisingSlope",
    "stddevRisingSlope",
    "meanFallingSlope",
    "stddevFallingSlope",
];

/// Voiced-frame descriptors with mean and coefficient of variation, in order (after F0,
/// loudness, flux and MFCC 1–4 of all active frames).
const VOICED: [&str; 16] = [
    "jitterLocal",
    "jitterRAP",
    "shimmerLocaldB",
    "shimmerLocal",
    "HNRdBACF",
    "logRelF0-H1-H2",
    "logRelF0-H1-A3",
    "F1frequency",
    "F1bandwidth",
    "F1amplitudeLogRelF0",
    "F2frequency",
    "F2bandwidth",
    "F2amplitudeLogRelF0",
    "F3frequency",
    "F3bandwidth",
    "F3amplitudeLogRelF0",
];

/// Spectral descriptors summarised over voiced (mean, CoV) and unvoiced (mean) frames.
const BALANCE: [&str; 5] = [
    "alphaRatio",
    "hammarbergIndex",
    "slope0-500",
    "slope500-1500",
    "spectralFlux",
];

/// Segment and level statistics at the end of the vector.
const TIMING: [&str; 7] = [
    "loudnessPeaksPerSec",
    "VoicedSegmentsPerSec",
    "MeanVoicedSegmentLengthSec",
    "StddevVoicedSegmentLengthSec",
    "MeanUnvoicedSegmentLength",
    "StddevUnvoicedSegmentLength",
    "equivalentSoundLevel_dBp",
];

/// Number of values: 10 F0 and 10 loudness statistics, flux and MFCC 1–4 (mean, CoV), 16
/// voiced descriptors (mean, CoV), the 5 spectral descriptors and MFCC 1–4 over voiced frames
/// (mean, CoV), the 5 over unvoiced frames (mean), 7 segment and level statistics: 92.
pub const DIM: usize = 2 * CONTOUR.len() + 2 * 5 + 2 * VOICED.len() + 2 * 9 + 5 + TIMING.len();

/// Largest coefficient of variation reported (std / mean explodes for means near zero).
const MAX_COV: f32 = 100.0;

/// Names of the values, in order ([`DIM`] of them), openSMILE's eGeMAPSv02 names without the
/// smoothing suffixes, e.g. `"F0semitoneFrom27.5Hz_percentile20.0"`, `"mfcc2V_stddevNorm"`.
pub fn names() -> Vec<String> {
    let mut n = Vec::with_capacity(DIM);
    for lld in ["F0semitoneFrom27.5Hz", "loudness"] {
        n.extend(CONTOUR.iter().map(|s| format!("{lld}_{s}")));
    }
    let mean_cov = |n: &mut Vec<String>, lld: &str| {
        n.push(format!("{lld}_amean"));
        n.push(format!("{lld}_stddevNorm"));
    };
    mean_cov(&mut n, "spectralFlux");
    for i in 1..=4 {
        mean_cov(&mut n, &format!("mfcc{i}"));
    }
    for lld in VOICED {
        mean_cov(&mut n, lld);
    }
    for lld in BALANCE {
        mean_cov(&mut n, &format!("{lld}V"));
    }
    for i in 1..=4 {
        mean_cov(&mut n, &format!("mfcc{i}V"));
    }
    n.extend(BALANCE.iter().map(|lld| format!("{lld}UV_amean")));
    n.extend(TIMING.iter().map(|s| s.to_string()));
    n
}

/// A formant of one frame as the eGeMAPS descriptors read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FormantLld {
    /// Centre frequency, Hz.
    pub frequency: f32,
    /// Bandwidth, Hz.
    pub bandwidth: f32,
    /// Strongest harmonic within half an F0 of the formant, dB relative to H1.
    pub amplitude_rel_h1: f32,
}

/// The eGeMAPS low-level descriptors of one frame beyond those of its [`Lld`] (which holds the
/// F0, MFCCs, energy, alpha ratio and Hammarberg index). Voice-quality values are `None` in
/// unvoiced frames and where they cannot be measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VoiceLld {
    /// Loudness: Σ over the 128 mel bands of power^0.33.
    pub loudness: f32,
    /// Spectral flux against the previous frame (0 for the first): RMS over bins of the change
    /// of the magnitude spectrum.
    pub flux: f32,
    /// Slope of the dB power spectrum over 0–500 Hz, dB/Hz.
    pub slope_0_500: f32,
    /// Slope of the dB power spectrum over 500–1500 Hz, dB/Hz.
    pub slope_500_1500: f32,
    /// Jitter and shimmer of the glottal pulses in the frame's window.
    pub perturbation: Option<voice::Perturbation>,
    /// Harmonics-to-noise ratio, dB.
    pub hnr_db: Option<f32>,
    /// H1 − H2, dB.
    pub h1_h2: Option<f32>,
    /// H1 − A3, dB.
    pub h1_a3: Option<f32>,
    /// F1, F2, F3.
    pub formants: [Option<FormantLld>; 3],
}

/// The spectral-slope regressors: a band of bins with centred frequencies.
#[derive(Debug, Clone, PartialEq)]
struct SlopeBand {
    lo: usize,
    xs: Vec<f32>,
    sxx: f32,
}

impl SlopeBand {
    fn new(bin_hz: f32, n_bins: usize, lo_hz: f32, hi_hz: f32) -> Self {
        let lo = ((lo_hz / bin_hz).ceil() as usize).min(n_bins - 1);
        let hi = ((hi_hz / bin_hz).floor() as usize).min(n_bins - 1).max(lo);
        let freqs: Vec<f32> = (lo..=hi).map(|k| k as f32 * bin_hz).collect();
        let m = freqs.iter().sum::<f32>() / freqs.len() as f32;
        let xs: Vec<f32> = freqs.iter().map(|f| f - m).collect();
        let sxx = xs.iter().map(|x| x * x).sum();
        Self { lo, xs, sxx }
    }

    /// Least-squares slope of `10·log10(p)` against frequency, dB/Hz.
    fn slope(&self, power: &[f32]) -> f32 {
        if self.sxx <= 0.0 {
            return 0.0;
        }
        let sxy: f32 = self
            .xs
            .iter()
            .zip(&power[self.lo..])
            .map(|(x, &p)| x * 10.0 * (p + 1e-10).log10())
            .sum();
        sxy / self.sxx
    }
}

/// The eGeMAPS plans for one sample rate: the clip [`Functionals`] (STFT, MFCC, pitch tracker),
/// a [`FormantTracker`] and the slope bands. `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Egemaps {
    functionals: Functionals,
    formants: FormantTracker,
    slopes: [SlopeBand; 2],
    bin_hz: f32,
    /// Window of the HNR's autocorrelation, samples (the pitch tracker's window, full rate).
    hnr_window: usize,
    /// `2 / Σ window`: STFT magnitude to sine amplitude.
    magnitude_scale: f32,
}

/// Buffers for [`Egemaps::extract_with_scratch`]; reuse one per thread.
#[derive(Debug, Clone, Default)]
pub struct EgemapsScratch {
    pitch: AutocorrPitchScratch,
    formants: FormantScratch,
    power: Vec<f32>,
    magnitude: Vec<f32>,
    previous: Vec<f32>,
    llds: Vec<Lld>,
    voice: Vec<VoiceLld>,
    /// The pitch tracker's voicing strength per frame.
    strength: Vec<f32>,
}

impl EgemapsScratch {
    /// The frame rows, voice rows and voicing strengths last computed into this scratch.
    pub(crate) fn rows(&self) -> (&[Lld], &[VoiceLld], &[f32]) {
        (&self.llds, &self.voice, &self.strength)
    }
}

impl Egemaps {
    /// Validates `params` (those of the clip [`Functionals`]) and builds the plans. Errors: as
    /// [`Functionals::new`], and a sample rate below 4 kHz.
    pub fn new(params: &FunctionalsParams) -> Result<Self> {
        let functionals = Functionals::new(params)?;
        let formants = FormantTracker::new(params.sample_rate)?;
        let n_fft = params.mfcc_params().n_fft;
        let n_bins = n_fft / 2 + 1;
        let bin_hz = params.sample_rate as f32 / n_fft as f32;
        Ok(Self {
            functionals,
            formants,
            slopes: [
                SlopeBand::new(bin_hz, n_bins, 0.0, 500.0),
                SlopeBand::new(bin_hz, n_bins, 500.0, 1500.0),
            ],
            bin_hz,
            hnr_window: ((params.pitch_params().window_seconds * params.sample_rate as f32)
                as usize)
                .max(16),
            magnitude_scale: 4.0 / n_fft as f32,
        })
    }

    /// The clip functionals inside (whose frames and pitch track these share).
    pub fn functionals(&self) -> &Functionals {
        &self.functionals
    }

    /// The sample rate the plans were built for, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.functionals.sample_rate()
    }

    /// Allocates reusable buffers.
    pub fn make_scratch(&self) -> EgemapsScratch {
        EgemapsScratch {
            pitch: self.functionals.pitch_plan().make_scratch(),
            formants: self.formants.make_scratch(),
            ..EgemapsScratch::default()
        }
    }

    /// The eGeMAPS vector ([`DIM`] values, named by [`names`]) of the whole clip `samples`.
    /// Errors: an empty signal, a non-finite sample, or one beyond ±1e12.
    pub fn extract(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.extract_with_scratch(samples, &mut self.make_scratch())
    }

    /// [`Egemaps::extract`] reusing `scratch`.
    pub fn extract_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut EgemapsScratch,
    ) -> Result<Vec<f32>> {
        self.with_rows(samples, scratch, |plan, llds, voice| {
            plan.from_llds(llds, voice)
        })
    }

    /// The 128 clip functionals ([`Functionals::extract`], bit for bit) followed by the eGeMAPS
    /// vector, from one spectrogram and one pitch track: `functionals::DIM + DIM` values.
    pub fn extract_paralinguistic(&self, samples: &[f32]) -> Result<Vec<f32>> {
        self.extract_paralinguistic_with_scratch(samples, &mut self.make_scratch())
    }

    /// [`Egemaps::extract_paralinguistic`] reusing `scratch`.
    pub fn extract_paralinguistic_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut EgemapsScratch,
    ) -> Result<Vec<f32>> {
        self.with_rows(samples, scratch, |plan, llds, voice| {
            let mut out = plan.functionals.from_llds(llds)?;
            out.extend(plan.from_llds(llds, voice)?);
            Ok(out)
        })
    }

    /// The paralinguistic vector ([`Egemaps::extract_paralinguistic`], bit for bit) followed
    /// by the clip's frame sequence ([`crate::frames::pool`] of the same frame rows):
    /// [`FeatureSpec::ParalinguisticFrames`](crate::FeatureSpec::ParalinguisticFrames).
    pub fn extract_paralinguistic_frames_with_scratch(
        &self,
        samples: &[f32],
        scratch: &mut EgemapsScratch,
    ) -> Result<Vec<f32>> {
        self.with_rows(samples, scratch, |plan, llds, voice| {
            let mut out = plan.functionals.from_llds(llds)?;
            out.extend(plan.from_llds(llds, voice)?);
            out.extend(crate::frames::pool(
                llds,
                plan.functionals.params().active_range_db,
            )?);
            Ok(out)
        })
    }

    /// The frame rows of the whole clip: the functionals' [`Lld`]s ([`Functionals::llds`], bit
    /// for bit) and the [`VoiceLld`]s of the same frames.
    pub fn llds(&self, samples: &[f32]) -> Result<(Vec<Lld>, Vec<VoiceLld>)> {
        let mut scratch = self.make_scratch();
        self.rows_into(samples, &mut scratch)?;
        Ok((scratch.llds, scratch.voice))
    }

    /// Computes the rows into `scratch`, then `then` of them.
    fn with_rows<T>(
        &self,
        samples: &[f32],
        scratch: &mut EgemapsScratch,
        then: impl FnOnce(&Self, &[Lld], &[VoiceLld]) -> Result<T>,
    ) -> Result<T> {
        self.rows_into(samples, scratch)?;
        then(self, &scratch.llds, &scratch.voice)
    }

    /// Fills `scratch.llds` and `scratch.voice`.
    fn rows_into(&self, samples: &[f32], scratch: &mut EgemapsScratch) -> Result<()> {
        self.rows_with(samples, scratch, true, &mut |_, _| {})
    }

    /// The rows of the whole clip, as [`Egemaps::llds`] gives them, in `scratch` (read them
    /// with [`EgemapsScratch::rows`]); the formants only when `formants` is set (without, the
    /// [`VoiceLld::formants`] and [`VoiceLld::h1_a3`] are `None`). `per_frame` is called with
    /// each frame's index and power spectrum, so other descriptors can share the spectrogram.
    pub(crate) fn rows_with(
        &self,
        samples: &[f32],
        scratch: &mut EgemapsScratch,
        formants: bool,
        per_frame: &mut dyn FnMut(usize, &[f32]),
    ) -> Result<()> {
        let f = &self.functionals;
        // The same steps as Functionals::llds, so the Lld rows are its rows bit for bit.
        let spec = Spectrogram::compute(f.mfcc_plan().stft(), samples, f.sample_rate())?;
        let f0 = f.pitch_plan().process_with_strength(
            samples,
            &mut scratch.pitch,
            &mut scratch.strength,
        )?;
        let hop = f.mfcc_plan().params().hop_length;
        let n_fft = f.mfcc_plan().params().n_fft;
        let pulses = voice::glottal_pulses(samples, f.sample_rate(), &f0, hop)?;
        let want_formants = formants;
        if want_formants {
            self.formants.prepare(samples, &mut scratch.formants);
        }
        let EgemapsScratch {
            power: power_buf,
            magnitude,
            previous,
            llds,
            voice: rows,
            formants,
            ..
        } = scratch;
        llds.clear();
        rows.clear();
        llds.reserve(spec.n_frames());
        rows.reserve(spec.n_frames());
        previous.clear();
        let mut running_max = f32::NEG_INFINITY;
        let mut row = Lld::default();
        for (j, power) in spec.frames().rows().into_iter().enumerate() {
            let power = match power.to_slice() {
                Some(p) => p,
                None => {
                    power_buf.clear();
                    power_buf.extend(power.iter());
                    &power_buf[..]
                }
            };
            per_frame(j, power);
            f.lld_of(power, &mut running_max, &mut row);
            row.f0_hz = f0.get(j).copied().flatten();
            llds.push(row);

            let mut v = VoiceLld {
                loudness: loudness(&row.log_mel),
                slope_0_500: self.slopes[0].slope(power),
                slope_500_1500: self.slopes[1].slope(power),
                ..VoiceLld::default()
            };
            // Flux: RMS over bins of the change of the magnitude spectrum (openSMILE's, no
            // normalisation), magnitudes scaled so that a sine of amplitude A peaks at A.
            magnitude.clear();
            magnitude.extend(power.iter().map(|p| p.sqrt() * self.magnitude_scale));
            if previous.len() == magnitude.len() {
                let sq: f32 = magnitude
                    .iter()
                    .zip(previous.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                v.flux = (sq / magnitude.len() as f32).sqrt();
            }
            std::mem::swap(magnitude, previous);

            if let Some(f0_hz) = row.f0_hz {
                let centre = j * hop;
                v.perturbation = frame_perturbation(&pulses, centre, n_fft);
                let period = f64::from(f.sample_rate()) / f64::from(f0_hz);
                let start = centre.saturating_sub(self.hnr_window / 2);
                v.hnr_db =
                    voice::periodicity(samples, start, self.hnr_window, period).map(voice::hnr_db);
                let b = self.bin_hz;
                let h1 = voice::peak_db(power, b, 0.75 * f0_hz, 1.25 * f0_hz);
                let h2 = voice::peak_db(power, b, 1.75 * f0_hz, 2.25 * f0_hz);
                v.h1_h2 = Some(h1 - h2);
                if !want_formants {
                    rows.push(v);
                    continue;
                }
                let found = self.formants.formants_at(centre, formants);
                for (slot, fm) in v.formants.iter_mut().zip(&found) {
                    let a = voice::peak_db(
                        power,
                        b,
                        fm.frequency - 0.5 * f0_hz,
                        fm.frequency + 0.5 * f0_hz,
                    );
                    *slot = Some(FormantLld {
                        frequency: fm.frequency,
                        bandwidth: fm.bandwidth,
                        amplitude_rel_h1: a - h1,
                    });
                }
                v.h1_a3 = v.formants[2].map(|f3| -f3.amplitude_rel_h1);
            }
            rows.push(v);
        }
        Ok(())
    }

    /// The eGeMAPS vector ([`DIM`] values) from a clip's frame rows (as [`Egemaps::llds`] gives
    /// them; the two slices are frame by frame). Errors: no rows
    /// ([`FeatureError::EmptyInput`]), slices of different lengths
    /// ([`FeatureError::ShapeMismatch`]).
    pub fn from_llds(&self, llds: &[Lld], voice: &[VoiceLld]) -> Result<Vec<f32>> {
        let t = llds.len();
        if t == 0 {
            return Err(FeatureError::EmptyInput);
        }
        if voice.len() != t {
            return Err(FeatureError::ShapeMismatch {
                expected: vec![t],
                actual: vec![voice.len()],
            });
        }
        let params = self.functionals.params();
        let hop_s = self.functionals.mfcc_plan().params().hop_length as f32
            / self.functionals.sample_rate() as f32;
        let peak = llds
            .iter()
            .map(|r| r.energy_db)
            .fold(f32::NEG_INFINITY, f32::max);
        let mut active: Vec<bool> = llds
            .iter()
            .map(|r| r.energy_db >= peak - params.active_range_db)
            .collect();
        if !active.iter().any(|&a| a) {
            active.iter_mut().for_each(|a| *a = true);
        }
        let voiced: Vec<bool> = llds
            .iter()
            .zip(&active)
            .map(|(r, &a)| a && r.f0_hz.is_some())
            .collect();
        let act: Vec<usize> = (0..t).filter(|&j| active[j]).collect();
        let vo: Vec<usize> = (0..t).filter(|&j| voiced[j]).collect();
        let uv: Vec<usize> = (0..t).filter(|&j| active[j] && !voiced[j]).collect();

        let mut out = Vec::with_capacity(DIM);
        // F0 (semitones above 27.5 Hz) over voiced frames, runs broken at unvoiced frames.
        let f0: Vec<Option<f32>> = llds
            .iter()
            .zip(&voiced)
            .map(|(r, &v)| {
                r.f0_hz
                    .filter(|_| v)
                    .map(|f| 12.0 * (f.max(1.0) / 27.5).log2())
            })
            .collect();
        out.extend(contour_stats(&f0, hop_s));
        let loud: Vec<Option<f32>> = voice
            .iter()
            .zip(&active)
            .map(|(v, &a)| a.then_some(v.loudness))
            .collect();
        out.extend(contour_stats(&loud, hop_s));

        let over = |idx: &[usize], get: &dyn Fn(usize) -> Option<f32>| -> Vec<f32> {
            idx.iter().filter_map(|&j| get(j)).collect()
        };
        let flux = |j: usize| Some(voice[j].flux);
        let mfcc = |c: usize| move |j: usize| Some(llds[j].mfcc[c]);
        out.extend(mean_cov(&over(&act, &flux)));
        for c in 1..=4 {
            out.extend(mean_cov(&over(&act, &mfcc(c))));
        }
        let pert = |j: usize| voice[j].perturbation;
        let fm = |j: usize, i: usize| voice[j].formants[i];
        let voiced_llds: [&dyn Fn(usize) -> Option<f32>; 16] = [
            &|j| pert(j).map(|p| p.jitter_local),
            &|j| pert(j).map(|p| p.jitter_rap),
            &|j| pert(j).map(|p| p.shimmer_db),
            &|j| pert(j).map(|p| p.shimmer_local),
            &|j| voice[j].hnr_db,
            &|j| voice[j].h1_h2,
            &|j| voice[j].h1_a3,
            &|j| fm(j, 0).map(|f| f.frequency),
            &|j| fm(j, 0).map(|f| f.bandwidth),
            &|j| fm(j, 0).map(|f| f.amplitude_rel_h1),
            &|j| fm(j, 1).map(|f| f.frequency),
            &|j| fm(j, 1).map(|f| f.bandwidth),
            &|j| fm(j, 1).map(|f| f.amplitude_rel_h1),
            &|j| fm(j, 2).map(|f| f.frequency),
            &|j| fm(j, 2).map(|f| f.bandwidth),
            &|j| fm(j, 2).map(|f| f.amplitude_rel_h1),
        ];
        for get in voiced_llds {
            out.extend(mean_cov(&over(&vo, get)));
        }
        let balance: [&dyn Fn(usize) -> Option<f32>; 5] = [
            // openSMILE's sign: high band over low band.
            &|j| Some(-llds[j].spectral[2]),
            &|j| Some(llds[j].spectral[3]),
            &|j| Some(voice[j].slope_0_500),
            &|j| Some(voice[j].slope_500_1500),
            &flux,
        ];
        for get in balance {
            out.extend(mean_cov(&over(&vo, get)));
        }
        for c in 1..=4 {
            out.extend(mean_cov(&over(&vo, &mfcc(c))));
        }
        for get in balance {
            out.push(mean_cov(&over(&uv, get))[0]);
        }

        // Timing over the active span.
        let (first, last) = (act[0], act[act.len() - 1]);
        let span_s = (last - first + 1) as f32 * hop_s;
        let smooth: Vec<f32> = (first..=last)
            .map(|j| {
                let lo = j.saturating_sub(1).max(first);
                let hi = (j + 1).min(last);
                (lo..=hi).map(|k| voice[k].loudness).sum::<f32>() / (hi - lo + 1) as f32
            })
            .collect();
        let peaks = (1..smooth.len().saturating_sub(1))
            .filter(|&i| smooth[i] > smooth[i - 1] && smooth[i] >= smooth[i + 1])
            .count();
        out.push(peaks as f32 / span_s);
        let (mut voiced_runs, mut unvoiced_runs) = (Vec::new(), Vec::new());
        let mut j = first;
        while j <= last {
            let v = voiced[j];
            let start = j;
            while j <= last && voiced[j] == v {
                j += 1;
            }
            let len = (j - start) as f32 * hop_s;
            if v {
                voiced_runs.push(len);
            } else if start > first && j <= last {
                // Unvoiced stretches between voiced ones (not the span's ends).
                unvoiced_runs.push(len);
            }
        }
        out.push(voiced_runs.len() as f32 / span_s);
        out.extend(mean_std(&voiced_runs));
        out.extend(mean_std(&unvoiced_runs));
        // Mean square from the one-sided power spectrum of a periodic-Hann frame:
        // Σ|X|² ≈ (N/2) · Σ(w·x)² and Σw² = 3N/8.
        let n = self.functionals.mfcc_plan().params().n_fft as f64;
        let mean_power = act
            .iter()
            .map(|&j| 10f64.powf(f64::from(llds[j].energy_db) / 10.0))
            .sum::<f64>()
            / act.len() as f64;
        out.push((10.0 * (mean_power * 16.0 / (3.0 * n * n) + 1e-12).log10()) as f32);
        debug_assert_eq!(out.len(), DIM);
        Ok(out.into_iter().map(finite).collect())
    }
}

/// `v`, or 0 if it is not finite.
fn finite(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

/// Loudness of a frame from its log-mel spectrum (dB of power): Σ power^0.33.
fn loudness(log_mel: &[f32]) -> f32 {
    const K: f32 = 0.33 * std::f32::consts::LN_10 / 10.0;
    log_mel.iter().map(|&db| (K * db).exp()).sum()
}

/// Jitter and shimmer of the pulses within `width` samples centred on `centre`, pooled over the
/// stretches the window meets.
fn frame_perturbation(
    stretches: &[Vec<Pulse>],
    centre: usize,
    width: usize,
) -> Option<voice::Perturbation> {
    let lo = centre as f64 - width as f64 / 2.0;
    let hi = centre as f64 + width as f64 / 2.0;
    let mut sums = PerturbationSums::default();
    for pulses in stretches {
        let (Some(a), Some(b)) = (pulses.first(), pulses.last()) else {
            continue;
        };
        if b.position < lo || a.position > hi {
            continue;
        }
        let i0 = pulses.partition_point(|p| p.position < lo);
        let i1 = pulses.partition_point(|p| p.position <= hi);
        sums.add(&pulses[i0..i1]);
    }
    sums.finish()
}

/// Mean and standard deviation (population); zeros for no values.
fn mean_std(v: &[f32]) -> [f32; 2] {
    if v.is_empty() {
        return [0.0, 0.0];
    }
    let n = v.len() as f64;
    let m = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = v.iter().map(|&x| (f64::from(x) - m).powi(2)).sum::<f64>() / n;
    [m as f32, var.sqrt() as f32]
}

/// Mean and coefficient of variation (std / mean, signed as the mean like openSMILE's
/// `stddevNorm`, within ±[`MAX_COV`]); zeros for no values.
fn mean_cov(v: &[f32]) -> [f32; 2] {
    let [m, s] = mean_std(v);
    let cov = if m != 0.0 {
        (s / m).clamp(-MAX_COV, MAX_COV)
    } else {
        0.0
    };
    [m, cov]
}

/// `np.percentile`'s linear interpolation on sorted values.
fn percentile(sorted: &[f32], p: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = p / 100.0 * (sorted.len() - 1) as f32;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f32)
}

/// The ten contour statistics ([`CONTOUR`]) of a contour with gaps (`None`): mean, CoV, 20th,
/// 50th and 80th percentiles, 20–80 range over the present values; slopes (per second, `hop_s`
/// per frame) between consecutive turning points within each gap-free run, rising ones and the
/// magnitudes of falling ones, mean and std.
fn contour_stats(contour: &[Option<f32>], hop_s: f32) -> [f32; 10] {
    let values: Vec<f32> = contour.iter().flatten().copied().collect();
    let [m, cov] = mean_cov(&values);
    let mut sorted = values;
    sorted.sort_by(f32::total_cmp);
    let (p20, p50, p80) = (
        percentile(&sorted, 20.0),
        percentile(&sorted, 50.0),
        percentile(&sorted, 80.0),
    );
    let (mut rising, mut falling) = (Vec::new(), Vec::new());
    for run in crate::voice::some_runs(contour) {
        let raw: Vec<f32> = contour[run].iter().flatten().copied().collect();
        // A 3-frame moving average (openSMILE's sma3), shorter at the ends of the run.
        let run: Vec<f32> = (0..raw.len())
            .map(|i| {
                let (lo, hi) = (i.saturating_sub(1), (i + 1).min(raw.len() - 1));
                raw[lo..=hi].iter().sum::<f32>() / (hi - lo + 1) as f32
            })
            .collect();
        // Turning points: the ends and every change of direction (plateaus continue).
        let mut turns = vec![0usize];
        let mut dir = 0i8;
        for i in 1..run.len() {
            let d = (run[i] - run[i - 1])
                .partial_cmp(&0.0)
                .map_or(0, |o| o as i8);
            if d != 0 {
                if dir != 0 && d != dir {
                    turns.push(i - 1);
                }
                dir = d;
            }
        }
        if run.len() > 1 {
            turns.push(run.len() - 1);
        }
        for w in turns.windows(2) {
            let dv = run[w[1]] - run[w[0]];
            let dt = (w[1] - w[0]) as f32 * hop_s;
            if dt > 0.0 && dv > 0.0 {
                rising.push(dv / dt);
            } else if dt > 0.0 && dv < 0.0 {
                falling.push(-dv / dt);
            }
        }
    }
    let [rm, rs] = mean_std(&rising);
    let [fm, fs] = mean_std(&falling);
    [m, cov, p20, p50, p80, p80 - p20, rm, rs, fm, fs]
}

/// Names of the paralinguistic vector: [`functionals::names`] then [`names`].
pub fn paralinguistic_names() -> Vec<String> {
    let mut n = functionals::names();
    n.extend(names());
    n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_are_unique_and_dim_long() {
        let n = names();
        assert_eq!(n.len(), DIM);
        let mut all = paralinguistic_names();
        assert_eq!(all.len(), functionals::DIM + DIM);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), functionals::DIM + DIM);
    }

    #[test]
    fn contour_statistics_by_hand() {
        // Rises 1 → 3 over two frames, falls to 0 over one, gap, then 5 → 6.
        let c = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(0.0),
            None,
            Some(5.0),
            Some(6.0),
        ];
        let s = contour_stats(&c, 0.5);
        assert!((s[0] - 17.0 / 6.0).abs() < 1e-6);
        // Smoothed (3-frame moving average): [1.5, 2, 5/3, 1.5] and [5.5, 5.5]. Rising 0.5 over
        // one frame (0.5 s): 1/s; falling 0.5 over two frames: 0.5/s; the second run is flat.
        assert!((s[6] - 1.0).abs() < 1e-6 && s[7].abs() < 1e-6, "{s:?}");
        assert!((s[8] - 0.5).abs() < 1e-6 && s[9].abs() < 1e-6, "{s:?}");
        assert_eq!(contour_stats(&[None, None], 0.1), [0.0; 10]);
        assert_eq!(mean_cov(&[]), [0.0, 0.0]);
        assert!((mean_cov(&[1.0, 3.0])[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn slope_band_of_a_known_spectrum() {
        let bin_hz = 22050.0 / 2048.0;
        let band = SlopeBand::new(bin_hz, 1025, 500.0, 1500.0);
        // p = 10^(−0.001·f) is a line of −0.01 dB/Hz.
        let power: Vec<f32> = (0..1025)
            .map(|k| 10f32.powf(-0.001 * k as f32 * bin_hz))
            .collect();
        assert!(
            (band.slope(&power) + 0.01).abs() < 1e-4,
            "{}",
            band.slope(&power)
        );
    }
}
