//! Per-emotion prosody and voice-quality rules of the synthetic corpus.
//!
//! The directions follow the summary table of Murray & Arnott (1993), "Toward the simulation of
//! emotion in synthetic speech: a review of the literature on human vocal emotion", JASA 93(2),
//! and agree with the later reviews of Scherer (2003, Speech Communication 40) and Juslin &
//! Laukka (2003, Psychological Bulletin 129(5)); voice-quality settings (open quotient, closing
//! speed, aspiration) follow the formant-synthesis study of Burkhardt & Sendlmeier (2000, ISCA
//! Workshop on Speech and Emotion). The magnitudes are this crate's choices, set so that the
//! classes are separable but overlap once per-utterance variation is added.
//!
//! | emotion | F0 level | F0 range | contour | rate | loudness | voice quality |
//! |---|---|---|---|---|---|---|
//! | neutral | 0 st | 3 st | gentle declination, small final fall | 1.00 | 0 dB | modal |
//! | angry | +5 st ("very much higher") | 6 st ("much wider") | abrupt, narrow accents on stressed syllables, final fall | 1.08 ("slightly faster") | +6 dB | tense (short open phase, fast closure: flat spectral tilt), some breathiness, jitter ×2 |
//! | happy | +4 st ("much higher") | 7 st ("much wider") | smooth, wide accents, upward inflections | 1.05 | +3 dB | slightly tense, breathy ("blaring") |
//! | sad | −1.5 st ("slightly lower") | 2 st ("slightly narrower") | downward inflections | 0.85 ("slightly slower"), longer pauses | −4 dB | lax (long open phase, steep tilt), breathy, slurred articulation (formants undershoot) |
//! | fear | +6 st ("very much higher") | 6 st ("much wider") | irregular: 6 Hz F0 wander | 1.25 ("much faster") | 0 dB | irregular voicing: jitter ×4, shimmer ×2, breathy; precise articulation |
//! | disgust | −3 st ("very much lower") | 4 st ("slightly wider") | wide downward terminal inflection | 0.75 ("very much slower") | −3 dB | "grumbled chest tone": lax-ish, steeper tilt |
//! | surprise | +5 st | 8 st | strong final rise | 1.05 | +2 dB | modal, slightly tense (not in Murray & Arnott; the usual description) |
//! | calm | −1 st | 2 st | smooth declination | 0.90 | −3 dB | lax, slightly breathy |
//! | boredom | −2 st | 1.5 st | flat, slow declination | 0.80 | −4 dB | lax, slurred |

use crate::emotion::Emotion;

/// Prosody and voice-quality parameters of one emotion (or a blend).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prosody {
    /// F0 level relative to the speaker's base, semitones.
    pub f0_shift_st: f32,
    /// Height of a full pitch accent, semitones.
    pub f0_range_st: f32,
    /// Width (standard deviation) of a pitch accent, seconds: small = abrupt.
    pub accent_width_s: f32,
    /// Declination over the utterance, semitones (positive = falling).
    pub declination_st: f32,
    /// Terminal movement over the last word, semitones (positive = rise).
    pub final_st: f32,
    /// Amplitude of slow irregular F0 wander, semitones.
    pub wander_st: f32,
    /// Speaking rate (1 = neutral; 1.25 = 25 % shorter segments).
    pub rate: f32,
    /// Pause length factor.
    pub pause_scale: f32,
    /// Loudness, dB relative to neutral.
    pub gain_db: f32,
    /// Glottal open quotient (fraction of a period the glottis is open).
    pub open_quotient: f32,
    /// Fraction of the open phase spent closing (small = abrupt closure, flatter spectrum).
    pub closing_fraction: f32,
    /// Extra one-pole low-pass on the source, 0 (none) to <1 (steep spectral tilt).
    pub tilt: f32,
    /// Aspiration noise relative to voicing.
    pub breathiness: f32,
    /// Cycle-to-cycle period perturbation (standard deviation, fraction of the period).
    pub jitter: f32,
    /// Cycle-to-cycle amplitude perturbation (standard deviation, fraction).
    pub shimmer: f32,
    /// Articulation precision: 1 = formant targets reached, lower = centralised towards schwa.
    pub articulation: f32,
    /// F1 scale (wider mouth opening raises F1).
    pub f1_scale: f32,
}

impl Prosody {
    /// Linear blend `self × w + other × (1 − w)`: `w` is how strongly the emotion is expressed.
    pub fn blend(&self, other: &Prosody, w: f32) -> Prosody {
        let m = |a: f32, b: f32| a * w + b * (1.0 - w);
        Prosody {
            f0_shift_st: m(self.f0_shift_st, other.f0_shift_st),
            f0_range_st: m(self.f0_range_st, other.f0_range_st),
            accent_width_s: m(self.accent_width_s, other.accent_width_s),
            declination_st: m(self.declination_st, other.declination_st),
            final_st: m(self.final_st, other.final_st),
            wander_st: m(self.wander_st, other.wander_st),
            rate: m(self.rate, other.rate),
            pause_scale: m(self.pause_scale, other.pause_scale),
            gain_db: m(self.gain_db, other.gain_db),
            open_quotient: m(self.open_quotient, other.open_quotient),
            closing_fraction: m(self.closing_fraction, other.closing_fraction),
            tilt: m(self.tilt, other.tilt),
            breathiness: m(self.breathiness, other.breathiness),
            jitter: m(self.jitter, other.jitter),
            shimmer: m(self.shimmer, other.shimmer),
            articulation: m(self.articulation, other.articulation),
            f1_scale: m(self.f1_scale, other.f1_scale),
        }
    }
}

const NEUTRAL: Prosody = Prosody {
    f0_shift_st: 0.0,
    f0_range_st: 3.0,
    accent_width_s: 0.09,
    declination_st: 2.0,
    final_st: -1.0,
    wander_st: 0.2,
    rate: 1.0,
    pause_scale: 1.0,
    gain_db: 0.0,
    open_quotient: 0.6,
    closing_fraction: 0.35,
    tilt: 0.3,
    breathiness: 0.03,
    jitter: 0.005,
    shimmer: 0.03,
    articulation: 0.9,
    f1_scale: 1.0,
};

/// The rules of one emotion (see the module table).
pub fn prosody(emotion: Emotion) -> Prosody {
    match emotion {
        Emotion::Neutral => NEUTRAL,
        Emotion::Angry => Prosody {
            f0_shift_st: 5.0,
            f0_range_st: 6.0,
            accent_width_s: 0.05,
            declination_st: 2.0,
            final_st: -3.0,
            wander_st: 0.3,
            rate: 1.08,
            pause_scale: 0.8,
            gain_db: 6.0,
            open_quotient: 0.45,
            closing_fraction: 0.2,
            tilt: 0.1,
            breathiness: 0.06,
            jitter: 0.01,
            shimmer: 0.05,
            articulation: 1.0,
            f1_scale: 1.1,
        },
        Emotion::Happy => Prosody {
            f0_shift_st: 4.0,
            f0_range_st: 7.0,
            accent_width_s: 0.12,
            declination_st: 1.0,
            final_st: 2.0,
            wander_st: 0.3,
            rate: 1.05,
            pause_scale: 0.9,
            gain_db: 3.0,
            open_quotient: 0.55,
            closing_fraction: 0.3,
            tilt: 0.2,
            breathiness: 0.07,
            jitter: 0.008,
            shimmer: 0.04,
            articulation: 0.95,
            f1_scale: 1.05,
        },
        Emotion::Sad => Prosody {
            f0_shift_st: -1.5,
            f0_range_st: 2.0,
            accent_width_s: 0.12,
            declination_st: 2.5,
            final_st: -3.0,
            wander_st: 0.2,
            rate: 0.85,
            pause_scale: 1.5,
            gain_db: -4.0,
            open_quotient: 0.72,
            closing_fraction: 0.45,
            tilt: 0.55,
            breathiness: 0.1,
            jitter: 0.01,
            shimmer: 0.05,
            articulation: 0.6,
            f1_scale: 0.95,
        },
        Emotion::Fear => Prosody {
            f0_shift_st: 6.0,
            f0_range_st: 6.0,
            accent_width_s: 0.08,
            declination_st: 1.0,
            final_st: 0.0,
            wander_st: 1.5,
            rate: 1.25,
            pause_scale: 0.8,
            gain_db: 0.0,
            open_quotient: 0.6,
            closing_fraction: 0.35,
            tilt: 0.3,
            breathiness: 0.12,
            jitter: 0.02,
            shimmer: 0.07,
            articulation: 1.0,
            f1_scale: 1.0,
        },
        Emotion::Disgust => Prosody {
            f0_shift_st: -3.0,
            f0_range_st: 4.0,
            accent_width_s: 0.1,
            declination_st: 1.0,
            final_st: -6.0,
            wander_st: 0.3,
            rate: 0.75,
            pause_scale: 1.4,
            gain_db: -3.0,
            open_quotient: 0.62,
            closing_fraction: 0.35,
            tilt: 0.45,
            breathiness: 0.05,
            jitter: 0.01,
            shimmer: 0.05,
            articulation: 0.85,
            f1_scale: 1.0,
        },
        Emotion::Surprise => Prosody {
            f0_shift_st: 5.0,
            f0_range_st: 8.0,
            accent_width_s: 0.1,
            declination_st: 0.0,
            final_st: 7.0,
            wander_st: 0.3,
            rate: 1.05,
            pause_scale: 1.0,
            gain_db: 2.0,
            open_quotient: 0.55,
            closing_fraction: 0.3,
            tilt: 0.2,
            breathiness: 0.05,
            jitter: 0.008,
            shimmer: 0.04,
            articulation: 0.95,
            f1_scale: 1.05,
        },
        Emotion::Calm => Prosody {
            f0_shift_st: -1.0,
            f0_range_st: 2.0,
            accent_width_s: 0.14,
            declination_st: 2.0,
            final_st: -1.5,
            wander_st: 0.15,
            rate: 0.9,
            pause_scale: 1.2,
            gain_db: -3.0,
            open_quotient: 0.68,
            closing_fraction: 0.4,
            tilt: 0.45,
            breathiness: 0.06,
            jitter: 0.005,
            shimmer: 0.03,
            articulation: 0.85,
            f1_scale: 1.0,
        },
        Emotion::Boredom => Prosody {
            f0_shift_st: -2.0,
            f0_range_st: 1.5,
            accent_width_s: 0.14,
            declination_st: 1.5,
            final_st: -1.0,
            wander_st: 0.1,
            rate: 0.8,
            pause_scale: 1.3,
            gain_db: -4.0,
            open_quotient: 0.7,
            closing_fraction: 0.4,
            tilt: 0.5,
            breathiness: 0.05,
            jitter: 0.006,
            shimmer: 0.04,
            articulation: 0.65,
            f1_scale: 0.97,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_follow_murray_and_arnott() {
        let n = prosody(Emotion::Neutral);
        let a = prosody(Emotion::Angry);
        let s = prosody(Emotion::Sad);
        let f = prosody(Emotion::Fear);
        let d = prosody(Emotion::Disgust);
        let h = prosody(Emotion::Happy);
        assert!(a.f0_shift_st > n.f0_shift_st && a.f0_range_st > n.f0_range_st);
        assert!(a.gain_db > n.gain_db && a.rate > n.rate);
        assert!(s.f0_shift_st < n.f0_shift_st && s.f0_range_st < n.f0_range_st);
        assert!(s.rate < n.rate && s.gain_db < n.gain_db);
        assert!(f.rate > a.rate && f.f0_shift_st > a.f0_shift_st && f.jitter > n.jitter);
        assert!(d.f0_shift_st < s.f0_shift_st && d.rate < s.rate && d.final_st < n.final_st);
        assert!(h.f0_range_st > n.f0_range_st && h.final_st > 0.0);
        assert!(prosody(Emotion::Surprise).final_st > h.final_st);
    }

    #[test]
    fn blend_endpoints() {
        let a = prosody(Emotion::Angry);
        let n = prosody(Emotion::Neutral);
        assert_eq!(a.blend(&n, 1.0), a);
        assert_eq!(a.blend(&n, 0.0), n);
        let half = a.blend(&n, 0.5);
        assert!((half.gain_db - 3.0).abs() < 1e-6);
    }
}
