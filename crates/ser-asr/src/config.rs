//! What the recogniser loads and how it searches.

use std::path::{Path, PathBuf};

use crate::AsrError;

/// Where Debian's `pocketsphinx-en-us` package installs the US English model.
pub const DEBIAN_MODEL_DIR: &str = "/usr/share/pocketsphinx/model/en-us";

/// The carrier phrase every TESS clip starts with.
pub const TESS_CARRIER: &str = "say the word";

/// Model files and search mode for a [`Transcriber`](crate::Transcriber).
///
/// `AsrConfig::default()` uses the Debian paths below `DEBIAN_MODEL_DIR` and the plain
/// n-gram language model, i.e. open-vocabulary dictation.
#[derive(Debug, Clone, PartialEq)]
pub struct AsrConfig {
    /// Acoustic model directory (`-hmm`); default `…/en-us/en-us`.
    pub hmm: PathBuf,
    /// Binary n-gram language model (`-lm`); default `…/en-us/en-us.lm.bin`. Loaded only
    /// for [`Search::LanguageModel`].
    pub lm: PathBuf,
    /// Pronunciation dictionary (`-dict`); default `…/en-us/cmudict-en-us.dict`.
    pub dict: PathBuf,
    /// How to search: language model, grammar or key phrase.
    pub search: Search,
}

impl Default for AsrConfig {
    fn default() -> Self {
        Self::with_model_dir(DEBIAN_MODEL_DIR)
    }
}

impl AsrConfig {
    /// The three model paths below `dir` laid out as Debian does (`en-us/`, `en-us.lm.bin`,
    /// `cmudict-en-us.dict`), with the language-model search.
    pub fn with_model_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        Self {
            hmm: dir.join("en-us"),
            lm: dir.join("en-us.lm.bin"),
            dict: dir.join("cmudict-en-us.dict"),
            search: Search::LanguageModel,
        }
    }

    /// The same model with another search mode.
    #[must_use]
    pub fn search(mut self, search: Search) -> Self {
        self.search = search;
        self
    }
}

/// How the decoder searches for words.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Search {
    /// Open vocabulary: the n-gram language model over the whole dictionary.
    LanguageModel,
    /// Only sentences a JSGF grammar allows (see [`Grammar`]).
    Grammar(Grammar),
    /// Keyword spotting: reports `phrase` each time it is heard, nothing else.
    Keyphrase {
        /// The phrase to spot, words from the dictionary separated by spaces.
        phrase: String,
        /// Detection threshold (`-kws_threshold`): lower finds more and false-alarms more;
        /// CMU suggests 1e-50 to 1e-5 for multi-word phrases.
        threshold: f64,
    },
}

/// A JSGF grammar, the text PocketSphinx's `ps_set_jsgf_string` parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grammar {
    jsgf: String,
    /// Every word the grammar can produce, when known (built by [`Grammar::carrier_phrase`]),
    /// so a word missing from the dictionary is named in the error.
    words: Vec<String>,
}

impl Grammar {
    /// A grammar from JSGF text as written; PocketSphinx checks it when the
    /// [`Transcriber`](crate::Transcriber) is built. The first public rule is the top rule.
    pub fn from_jsgf(text: impl Into<String>) -> Self {
        Self {
            jsgf: text.into(),
            words: Vec::new(),
        }
    }

    /// `<carrier> <word>`: a fixed carrier phrase followed by exactly one of `words`, e.g.
    /// `Grammar::carrier_phrase("say the word", &["back", "bean"])`. Words are lower-cased
    /// (the CMU dictionary is lower case) and duplicates dropped.
    ///
    /// # Errors
    /// [`AsrError::EmptyWordList`] with no words; [`AsrError::InvalidWord`] for an empty
    /// word or one holding anything but letters, digits, `'` and `-` (also in `carrier`).
    pub fn carrier_phrase<S: AsRef<str>>(carrier: &str, words: &[S]) -> Result<Self, AsrError> {
        let carrier: Vec<String> = carrier
            .split_whitespace()
            .map(checked_word)
            .collect::<Result<_, _>>()?;
        let mut choices: Vec<String> = words
            .iter()
            .map(|w| checked_word(w.as_ref()))
            .collect::<Result<_, _>>()?;
        choices.sort();
        choices.dedup();
        if choices.is_empty() {
            return Err(AsrError::EmptyWordList);
        }
        let mut jsgf = String::from("#JSGF V1.0;\ngrammar carrier;\n");
        jsgf.push_str("public <utterance> = ");
        for w in &carrier {
            jsgf.push_str(w);
            jsgf.push(' ');
        }
        jsgf.push_str("<word>;\n<word> = ");
        jsgf.push_str(&choices.join(" | "));
        jsgf.push_str(";\n");
        let mut words = carrier;
        words.extend(choices);
        Ok(Self { jsgf, words })
    }

    /// The TESS sentence, "say the word" followed by one of `words` (the target words, e.g.
    /// taken from the corpus's file names).
    ///
    /// # Errors
    /// As [`Grammar::carrier_phrase`].
    pub fn tess<S: AsRef<str>>(words: &[S]) -> Result<Self, AsrError> {
        Self::carrier_phrase(TESS_CARRIER, words)
    }

    /// The grammar's JSGF text.
    pub fn as_jsgf(&self) -> &str {
        &self.jsgf
    }

    /// The words the grammar can produce when it was built from a word list (carrier words
    /// first, then the choices sorted); empty for [`Grammar::from_jsgf`].
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// Lower-cases a word and checks it can stand as a JSGF token.
fn checked_word(word: &str) -> Result<String, AsrError> {
    let ok = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '\'' || c == '-');
    if ok {
        Ok(word.to_lowercase())
    } else {
        Err(AsrError::InvalidWord {
            word: word.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths_are_debians() {
        let c = AsrConfig::default();
        assert_eq!(
            c.hmm,
            Path::new("/usr/share/pocketsphinx/model/en-us/en-us")
        );
        assert_eq!(
            c.lm,
            Path::new("/usr/share/pocketsphinx/model/en-us/en-us.lm.bin")
        );
        assert_eq!(
            c.dict,
            Path::new("/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict")
        );
        assert_eq!(c.search, Search::LanguageModel);
        let g = Grammar::tess(&["dog"]).unwrap();
        assert_eq!(
            c.search(Search::Grammar(g.clone())).search,
            Search::Grammar(g)
        );
    }

    #[test]
    fn carrier_grammar_text_is_exact() {
        let g = Grammar::carrier_phrase("Say  the word", &["dog", "Back", "dog", "don't"]).unwrap();
        assert_eq!(
            g.as_jsgf(),
            "#JSGF V1.0;\ngrammar carrier;\npublic <utterance> = say the word <word>;\n\
             <word> = back | dog | don't;\n"
        );
        assert_eq!(g.words(), ["say", "the", "word", "back", "dog", "don't"]);
        assert_eq!(g, Grammar::tess(&["back", "don't", "dog"]).unwrap());
        assert!(Grammar::from_jsgf(g.as_jsgf()).words().is_empty());
    }

    #[test]
    fn carrier_grammar_rejects_bad_words() {
        assert!(matches!(
            Grammar::tess::<&str>(&[]),
            Err(AsrError::EmptyWordList)
        ));
        for bad in ["", "two words", "semi;colon", "<rule>", "a|b"] {
            let err = Grammar::tess(&[bad]).unwrap_err();
            assert!(
                matches!(&err, AsrError::InvalidWord { word } if word == bad),
                "{bad:?}: {err:?}"
            );
        }
        assert!(matches!(
            Grammar::carrier_phrase("say (the) word", &["dog"]),
            Err(AsrError::InvalidWord { .. })
        ));
    }
}
