//! What a transcription returns.

/// The recogniser's best hypothesis for one clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Recognised words separated by single spaces, lower case; empty when nothing was
    /// recognised (silence, or a key phrase that was not heard).
    pub text: String,
    /// PocketSphinx's path score (log domain, base 1.0001; higher is better). Comparable only
    /// between hypotheses of the same clip and search.
    pub score: i32,
    /// Posterior probability of the hypothesis in [0, 1] from the word lattice
    /// (`ps_get_prob`), for [`Search::LanguageModel`](crate::Search::LanguageModel) only:
    /// `None` for key phrases (no lattice) and grammars (PocketSphinx 0.8+5prealpha reports
    /// 1 for every grammar hypothesis, right or wrong), and for an empty transcript.
    pub probability: Option<f64>,
}

impl Transcript {
    /// The recognised words.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.text.split_whitespace()
    }

    /// Whether `phrase` (words separated by white space, any case) occurs as consecutive
    /// words of the transcript: `"say the word"` is in `"say the word back"` but not in
    /// `"saying the word back"`.
    pub fn contains_phrase(&self, phrase: &str) -> bool {
        let wanted: Vec<String> = phrase.split_whitespace().map(str::to_lowercase).collect();
        if wanted.is_empty() {
            return true;
        }
        let words: Vec<String> = self.words().map(str::to_lowercase).collect();
        words.windows(wanted.len()).any(|w| w == wanted.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Transcript {
        Transcript {
            text: text.to_owned(),
            score: 0,
            probability: None,
        }
    }

    #[test]
    fn phrase_matching_is_by_whole_words() {
        assert!(t("say the word back").contains_phrase("say the word"));
        assert!(t("oh say the word").contains_phrase("Say The  Word"));
        assert!(!t("saying the word back").contains_phrase("say the word"));
        assert!(!t("say the").contains_phrase("say the word"));
        assert!(!t("").contains_phrase("back"));
        assert!(t("").contains_phrase(""));
        assert_eq!(t(" say  the ").words().collect::<Vec<_>>(), ["say", "the"]);
    }
}
