//! A fixed-length frame sequence of a whole clip, for frame-level models: the clip's active span
//! (first to last active frame, as [`Functionals`](crate::Functionals) finds them) divided into
//! [`STEPS`] equal parts, each part the mean of its frames' log-mel spectrum in [`MEL_GROUPS`]
//! bands, their F0 (semitones re 100 Hz, over voiced frames, 0 without one) and their voiced
//! fraction. The row is step-major: step 0's [`STEP_DIM`] values, then step 1's, … ([`DIM`] in
//! all, named by [`names`]).
//!
//! A fixed number of steps stretches every clip's active span to the same length, as image
//! models resize a spectrogram: a frame-level model then sees where in the utterance a pattern
//! sits (its start, its end) rather than absolute time, and the clip's duration stays in the
//! functionals beside it. A span shorter than [`STEPS`] frames repeats its frames.
//!
//! ```
//! use ser_features::frames::{self, DIM};
//! use ser_features::{Functionals, FunctionalsParams};
//!
//! let sr = 22050;
//! let tone: Vec<f32> = (0..sr)
//!     .map(|i| 0.3 * (std::f32::consts::TAU * 200.0 * i as f32 / sr as f32).sin())
//!     .collect();
//! let plan = Functionals::new(&FunctionalsParams::default())?;
//! let row = frames::pool(&plan.llds(&tone)?, FunctionalsParams::default().active_range_db)?;
//! assert_eq!(row.len(), DIM);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use crate::error::{FeatureError, Result};
use crate::functionals::Lld;

/// Steps of the sequence.
pub const STEPS: usize = 48;
/// Log-mel bands per step: the 128 mel bands of [`Lld::log_mel`] averaged in 40 adjacent groups.
pub const MEL_GROUPS: usize = 40;
/// Values per step: the mel groups, F0 (semitones re 100 Hz) and the voiced fraction.
pub const STEP_DIM: usize = MEL_GROUPS + 2;
/// Values of the whole row.
pub const DIM: usize = STEPS * STEP_DIM;
/// Log-mel values lower than the clip's largest by more than this (dB) are raised to it, as
/// librosa's `power_to_db(top_db=80)` does.
const TOP_DB: f32 = 80.0;

/// Names of the values, in order: `"frame_{t}_mel_{b}"`, `"frame_{t}_f0_st"`,
/// `"frame_{t}_voiced"` for each step `t`.
pub fn names() -> Vec<String> {
    let mut n = Vec::with_capacity(DIM);
    for t in 0..STEPS {
        n.extend((0..MEL_GROUPS).map(|b| format!("frame_{t}_mel_{b}")));
        n.push(format!("frame_{t}_f0_st"));
        n.push(format!("frame_{t}_voiced"));
    }
    n
}

/// The first of the 128 mel bands in group `g` (group `g` spans `band_start(g)..band_start(g+1)`).
fn band_start(g: usize) -> usize {
    g * Lld::N_MELS / MEL_GROUPS
}

/// The sequence row ([`DIM`] values) of a clip's frame rows ([`Functionals::llds`](
/// crate::Functionals::llds)): active frames are those within `active_range_db` of the loudest
/// frame's energy. Every value is finite. Errors: no rows ([`FeatureError::EmptyInput`]).
pub fn pool(llds: &[Lld], active_range_db: f32) -> Result<Vec<f32>> {
    if llds.is_empty() {
        return Err(FeatureError::EmptyInput);
    }
    let peak = llds
        .iter()
        .map(|r| r.energy_db)
        .fold(f32::NEG_INFINITY, f32::max);
    let is_active = |r: &Lld| r.energy_db >= peak - active_range_db;
    let first = llds.iter().position(is_active).unwrap_or(0);
    let last = llds.iter().rposition(is_active).unwrap_or(llds.len() - 1);
    let span = &llds[first..=last];
    let top = span
        .iter()
        .flat_map(|r| r.log_mel.iter().copied())
        .fold(f32::NEG_INFINITY, f32::max);
    let floor = top - TOP_DB;
    let n = span.len();
    let mut out = Vec::with_capacity(DIM);
    for t in 0..STEPS {
        // Frames [a, b) of the span: an equal share, at least the nearest frame.
        let mut a = t * n / STEPS;
        let mut b = (t + 1) * n / STEPS;
        if b <= a {
            a = ((2 * t + 1) * n / (2 * STEPS)).min(n - 1);
            b = a + 1;
        }
        let part = &span[a..b];
        let inv = 1.0 / part.len() as f32;
        for g in 0..MEL_GROUPS {
            let (lo, hi) = (band_start(g), band_start(g + 1));
            let total: f32 = part
                .iter()
                .map(|r| {
                    r.log_mel[lo..hi].iter().map(|&v| v.max(floor)).sum::<f32>() / (hi - lo) as f32
                })
                .sum();
            out.push(total * inv);
        }
        let voiced: Vec<f32> = part
            .iter()
            .filter_map(|r| r.f0_hz)
            .map(|f| 12.0 * (f / 100.0).log2())
            .collect();
        out.push(if voiced.is_empty() {
            0.0
        } else {
            voiced.iter().sum::<f32>() / voiced.len() as f32
        });
        out.push(voiced.len() as f32 * inv);
    }
    if out.iter().any(|v| !v.is_finite()) {
        // Only a clip whose every log-mel value is -inf could get here; its frames say nothing.
        out.iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = 0.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(energy_db: f32, mel: f32, f0: Option<f32>) -> Lld {
        Lld {
            log_mel: [mel; Lld::N_MELS],
            energy_db,
            f0_hz: f0,
            ..Lld::default()
        }
    }

    #[test]
    fn groups_cover_every_band_once() {
        assert_eq!(band_start(0), 0);
        assert_eq!(band_start(MEL_GROUPS), Lld::N_MELS);
        assert!((0..MEL_GROUPS).all(|g| band_start(g + 1) > band_start(g)));
        assert_eq!(names().len(), DIM);
    }

    #[test]
    fn silence_is_trimmed_and_the_span_is_stretched_to_the_steps() {
        // 10 silent frames, 96 active ones (the first half at -20 dB mel and 200 Hz, the second
        // at -10 dB, unvoiced), 10 silent frames.
        let mut rows = vec![row(-90.0, -100.0, None); 10];
        rows.extend((0..48).map(|_| row(-10.0, -20.0, Some(200.0))));
        rows.extend((0..48).map(|_| row(-12.0, -10.0, None)));
        rows.extend(vec![row(-90.0, -100.0, None); 10]);
        let v = pool(&rows, 35.0).unwrap();
        assert_eq!(v.len(), DIM);
        let step = |t: usize| &v[t * STEP_DIM..(t + 1) * STEP_DIM];
        // Two frames per step: the first 24 steps are the first half.
        assert!(step(0)[..MEL_GROUPS].iter().all(|&m| m == -20.0));
        assert!(
            (step(0)[MEL_GROUPS] - 12.0).abs() < 1e-5,
            "{}",
            step(0)[MEL_GROUPS]
        );
        assert_eq!(step(0)[MEL_GROUPS + 1], 1.0);
        assert!(step(47)[..MEL_GROUPS].iter().all(|&m| m == -10.0));
        assert_eq!(step(47)[MEL_GROUPS], 0.0);
        assert_eq!(step(47)[MEL_GROUPS + 1], 0.0);
    }

    #[test]
    fn a_short_span_repeats_frames_and_values_are_floored() {
        let rows: Vec<Lld> = (0..3)
            .map(|i| row(-10.0, if i == 1 { -500.0 } else { -5.0 }, None))
            .collect();
        let v = pool(&rows, 35.0).unwrap();
        // Step t takes frame ⌊(2t+1)·3/96⌋: steps 0–15 frame 0, 16–31 frame 1, 32–47 frame 2.
        assert_eq!(v[0], -5.0);
        assert_eq!(v[16 * STEP_DIM], -85.0, "floored at 80 dB below the top");
        assert_eq!(v[47 * STEP_DIM], -5.0);
        assert!(matches!(pool(&[], 35.0), Err(FeatureError::EmptyInput)));
    }
}
