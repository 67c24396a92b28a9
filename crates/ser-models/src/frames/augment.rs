//! SpecAugment-style masking (Park et al. 2019, without time warping) of training inputs.

use std::ops::Range;

use ndarray::{ArrayViewMut2, Axis, Slice};
use ser_data::SeededRng;
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Time and frequency masks drawn afresh for every training sample in every epoch; never
/// applied when predicting. Masked values are set to 0, which after standardisation is the
/// training mean of each feature (so a mask removes information without adding an outlier).
///
/// Each time mask covers `w` consecutive steps, `w` uniform in `0..=floor(max_time · steps)`,
/// at a uniform start; each frequency mask likewise covers `w` consecutive features (bands) of
/// every step, `w` uniform in `0..=floor(max_freq · step_dim)`. Masks may overlap.
///
/// Defaults ([`SpecAugment::default`]): 2 time masks of up to 10 % of the steps and 2
/// frequency masks of up to 10 % of the bands. Park et al.'s LibriSpeech policies mask up to
/// 27 of 80 bands and 100 frames of utterances many seconds long; emotion clips are short and
/// their cues (a pitch movement, a burst of energy) span few frames, so the masks here are
/// milder: on 48 steps × 40 log-mel bands at most 4 frames and 4 bands per mask.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpecAugment {
    /// Number of time masks per sample (default 2).
    pub time_masks: usize,
    /// Largest time mask as a fraction of the steps, in `[0, 1]` (default 0.1).
    pub max_time: f64,
    /// Number of frequency masks per sample (default 2).
    pub freq_masks: usize,
    /// Largest frequency mask as a fraction of the features per step, in `[0, 1]`
    /// (default 0.1).
    pub max_freq: f64,
}

impl Default for SpecAugment {
    fn default() -> Self {
        Self {
            time_masks: 2,
            max_time: 0.1,
            freq_masks: 2,
            max_freq: 0.1,
        }
    }
}

impl SpecAugment {
    /// No masking at all.
    pub const NONE: Self = Self {
        time_masks: 0,
        max_time: 0.0,
        freq_masks: 0,
        max_freq: 0.0,
    };

    /// Checks that both fractions are in `[0, 1]`.
    pub fn check(&self) -> Result<(), ModelError> {
        for (name, v) in [
            ("spec_augment.max_time", self.max_time),
            ("spec_augment.max_freq", self.max_freq),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(ModelError::InvalidParam {
                    name,
                    reason: format!("{v} is not a fraction in [0, 1]"),
                });
            }
        }
        Ok(())
    }

    /// Whether these settings can never mask anything.
    pub fn is_off(&self) -> bool {
        (self.time_masks == 0 || self.max_time == 0.0)
            && (self.freq_masks == 0 || self.max_freq == 0.0)
    }

    /// Draws the masks of one sample of `steps × step_dim`.
    pub(crate) fn draw(&self, steps: usize, step_dim: usize, rng: &mut SeededRng) -> Masks {
        let draw = |count: usize, frac: f64, len: usize, rng: &mut SeededRng| {
            let widest = ((frac * len as f64).floor() as usize).min(len);
            (0..count)
                .map(|_| {
                    let w = rng.index(widest + 1);
                    let start = rng.index(len - w + 1);
                    start..start + w
                })
                .collect()
        };
        Masks {
            time: draw(self.time_masks, self.max_time, steps, rng),
            freq: draw(self.freq_masks, self.max_freq, step_dim, rng),
        }
    }
}

/// The masks drawn for one sample: ranges of steps and of features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Masks {
    pub(crate) time: Vec<Range<usize>>,
    pub(crate) freq: Vec<Range<usize>>,
}

impl Masks {
    /// Zeroes the masked steps and features of `sample` (`steps × step_dim`).
    pub(crate) fn apply(&self, mut sample: ArrayViewMut2<'_, f32>) {
        for r in &self.time {
            sample
                .slice_axis_mut(Axis(0), Slice::from(r.clone()))
                .fill(0.0);
        }
        for r in &self.freq {
            sample
                .slice_axis_mut(Axis(1), Slice::from(r.clone()))
                .fill(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn counts_widths_and_bounds() {
        let aug = SpecAugment {
            time_masks: 3,
            max_time: 0.25,
            freq_masks: 2,
            max_freq: 0.1,
        };
        let mut rng = SeededRng::splitmix64(1);
        let mut widest = (0, 0);
        for _ in 0..2000 {
            let m = aug.draw(48, 40, &mut rng);
            assert_eq!((m.time.len(), m.freq.len()), (3, 2));
            for r in &m.time {
                assert!(r.len() <= 12 && r.end <= 48, "{r:?}");
                widest.0 = widest.0.max(r.len());
            }
            for r in &m.freq {
                assert!(r.len() <= 4 && r.end <= 40, "{r:?}");
                widest.1 = widest.1.max(r.len());
            }
        }
        // The bounds are reached (widths are uniform in 0..=max).
        assert_eq!(widest, (12, 4));
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let aug = SpecAugment::default();
        let a: Vec<Masks> = (0..20)
            .map(|i| aug.draw(48, 40, &mut SeededRng::splitmix64(5).fork(i)))
            .collect();
        let b: Vec<Masks> = (0..20)
            .map(|i| aug.draw(48, 40, &mut SeededRng::splitmix64(5).fork(i)))
            .collect();
        let c: Vec<Masks> = (0..20)
            .map(|i| aug.draw(48, 40, &mut SeededRng::splitmix64(6).fork(i)))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn apply_zeroes_exactly_the_masked_cells() {
        let m = Masks {
            time: [1..3, 2..2].to_vec(),
            freq: [4..5, 0..0].to_vec(),
        };
        let mut x = Array2::<f32>::ones((6, 6));
        m.apply(x.view_mut());
        for ((t, d), &v) in x.indexed_iter() {
            let masked = (1..3).contains(&t) || d == 4;
            assert_eq!(v, if masked { 0.0 } else { 1.0 }, "({t}, {d})");
        }
    }

    #[test]
    fn none_masks_nothing_and_bad_fractions_are_rejected() {
        assert!(SpecAugment::NONE.is_off());
        assert!(!SpecAugment::default().is_off());
        let m = SpecAugment::NONE.draw(10, 4, &mut SeededRng::splitmix64(0));
        assert!(m.time.is_empty() && m.freq.is_empty());
        for bad in [-0.1, 1.5, f64::NAN] {
            let a = SpecAugment {
                max_time: bad,
                ..SpecAugment::default()
            };
            assert!(matches!(
                a.check(),
                Err(ModelError::InvalidParam {
                    name: "spec_augment.max_time",
                    ..
                })
            ));
        }
    }
}
