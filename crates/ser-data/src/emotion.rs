//! The canonical emotion set every corpus is mapped onto.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// One canonical emotion. Every corpus label maps onto one of these; the corpus's own label is
/// kept beside it in [`crate::LabelledFile::label`].
///
/// The order of the variants is the order of [`Emotion::ALL`] and of `Ord`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    /// No particular emotion.
    Neutral,
    /// Calm (RAVDESS only).
    Calm,
    /// Happiness, joy.
    Happy,
    /// Sadness.
    Sad,
    /// Anger.
    Angry,
    /// Fear, anxiety.
    Fear,
    /// Disgust.
    Disgust,
    /// Surprise (TESS's "pleasant surprise").
    Surprise,
    /// Boredom (EmoDB only).
    Boredom,
}

impl Emotion {
    /// Every emotion, in canonical order.
    pub const ALL: [Emotion; 9] = [
        Emotion::Neutral,
        Emotion::Calm,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Angry,
        Emotion::Fear,
        Emotion::Disgust,
        Emotion::Surprise,
        Emotion::Boredom,
    ];

    /// The seven emotions of TESS (and of the synthetic corpus), in canonical order.
    pub const TESS: [Emotion; 7] = [
        Emotion::Neutral,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Angry,
        Emotion::Fear,
        Emotion::Disgust,
        Emotion::Surprise,
    ];

    /// Lower-case canonical name (`"neutral"`, `"fear"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Neutral => "neutral",
            Emotion::Calm => "calm",
            Emotion::Happy => "happy",
            Emotion::Sad => "sad",
            Emotion::Angry => "angry",
            Emotion::Fear => "fear",
            Emotion::Disgust => "disgust",
            Emotion::Surprise => "surprise",
            Emotion::Boredom => "boredom",
        }
    }

    /// Maps a free-text English label (case-insensitive) onto the canonical set: the canonical
    /// names plus the usual variants (`"anger"`, `"fearful"`, `"happiness"`, `"ps"`,
    /// `"pleasant_surprise"`, `"surprised"`, `"sadness"`, `"bored"` ...). `None` when unknown.
    pub fn from_english(label: &str) -> Option<Emotion> {
        let l = label.to_ascii_lowercase();
        let e = match l.as_str() {
            "neutral" | "neu" => Emotion::Neutral,
            "calm" => Emotion::Calm,
            "happy" | "happiness" | "joy" | "hap" => Emotion::Happy,
            "sad" | "sadness" => Emotion::Sad,
            "angry" | "anger" | "ang" => Emotion::Angry,
            "fear" | "fearful" | "fea" => Emotion::Fear,
            "disgust" | "disgusted" | "dis" => Emotion::Disgust,
            "surprise" | "surprised" | "ps" | "pleasant_surprise" | "pleasant_surprised"
            | "pleasantsurprise" => Emotion::Surprise,
            "boredom" | "bored" => Emotion::Boredom,
            _ => return None,
        };
        Some(e)
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Emotion {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Emotion::from_english(s).ok_or_else(|| DataError::UnknownEmotion {
            label: s.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str() {
        for e in Emotion::ALL {
            assert_eq!(e.name().parse::<Emotion>().unwrap(), e);
            assert_eq!(e.to_string(), e.name());
        }
    }

    #[test]
    fn variants_map_and_unknown_is_an_error() {
        assert_eq!(Emotion::from_english("PS"), Some(Emotion::Surprise));
        assert_eq!(Emotion::from_english("Fearful"), Some(Emotion::Fear));
        assert_eq!(Emotion::from_english("anger"), Some(Emotion::Angry));
        assert!(matches!(
            "grumpy".parse::<Emotion>(),
            Err(DataError::UnknownEmotion { label }) if label == "grumpy"
        ));
    }

    #[test]
    fn serde_uses_lowercase_names() {
        let s = serde_json::to_string(&Emotion::Surprise).unwrap();
        assert_eq!(s, "\"surprise\"");
        let e: Emotion = serde_json::from_str("\"boredom\"").unwrap();
        assert_eq!(e, Emotion::Boredom);
    }
}
