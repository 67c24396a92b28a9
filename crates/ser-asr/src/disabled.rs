//! The stand-in compiled without the `sphinx` feature: same API, and `new` says plainly that
//! speech recognition is off.

use std::convert::Infallible;

use crate::{AsrConfig, AsrError, Transcript};

/// Stand-in for the PocketSphinx recogniser in a build without the `sphinx` feature.
/// [`Transcriber::new`] always returns [`AsrError::Disabled`], so no value of this type
/// can exist and the other methods are never reached.
#[derive(Debug)]
pub struct Transcriber {
    never: Infallible,
}

impl Transcriber {
    /// Always fails: this build has no recogniser.
    ///
    /// # Errors
    /// Always [`AsrError::Disabled`], whose message names the feature to turn on.
    pub fn new(config: &AsrConfig) -> Result<Self, AsrError> {
        let _ = config;
        Err(AsrError::Disabled)
    }

    /// Unreachable (no `Transcriber` exists without the `sphinx` feature).
    ///
    /// # Errors
    /// Never returns.
    pub fn transcribe(&mut self, samples_16k_mono: &[i16]) -> Result<Transcript, AsrError> {
        let _ = samples_16k_mono;
        match self.never {}
    }

    /// Unreachable (no `Transcriber` exists without the `sphinx` feature).
    ///
    /// # Errors
    /// Never returns.
    pub fn knows_word(&self, word: &str) -> Result<bool, AsrError> {
        let _ = word;
        match self.never {}
    }
}
