//! [`Transcriber`]: a safe owner of one PocketSphinx decoder and its configuration.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};
use std::sync::Once;

use super::ffi;
use crate::{AsrConfig, AsrError, SAMPLE_RATE, Search, Transcript};

/// Search name under which a grammar or key phrase is registered.
const SEARCH_NAME: &CStr = c"ser";

/// A loaded PocketSphinx decoder: models read once in [`Transcriber::new`] (about a second
/// for the language model), then any number of clips through [`Transcriber::transcribe`].
///
/// `Send` but not `Sync`: move it to another thread, or build one per thread; decoding
/// needs `&mut self`.
#[derive(Debug)]
pub struct Transcriber {
    decoder: NonNull<ffi::PsDecoder>,
    config: NonNull<ffi::CmdLn>,
    /// The argument strings `config` points into; dropped after it (see `Drop`).
    _args: Vec<CString>,
    dict: PathBuf,
    posterior: bool,
}

// SAFETY: the decoder and its configuration are plain heap objects owned by this value alone
// (never shared, never handed out); PocketSphinx keeps no thread-local or thread-affine state
// for them. The one process-wide setting we touch, the log stream, is set once under `Once`
// before any decoder exists and never changed again, so moving a decoder between threads is
// sound. `Sync` is not implemented: every call that decodes takes `&mut self`.
unsafe impl Send for Transcriber {}

/// Turns SphinxBase's logging off for the whole process, once.
///
/// Not `-logfn /dev/null`: that option makes every `ps_init` open a new log `FILE` and
/// `fclose` the previous one in a process-global variable, a use-after-free when decoders
/// run in several threads (parallel tests, a parallel study). `err_set_logfp(NULL)` disables
/// the same logging without ever closing a stream.
fn silence_library_logging() {
    static SILENCE: Once = Once::new();
    SILENCE.call_once(|| {
        // SAFETY: NULL is the documented "disable logging" value; the call only stores it in
        // SphinxBase's global before any decoder (the only other reader) is created.
        unsafe { ffi::err_set_logfp(ptr::null_mut()) }
    });
}

impl Transcriber {
    /// Loads the acoustic model, dictionary and, for [`Search::LanguageModel`], the language
    /// model; registers the grammar or key phrase for the other searches.
    ///
    /// # Errors
    /// [`AsrError::ModelMissing`] for a missing path (checked first: PocketSphinx may exit the
    /// process on some missing files), [`AsrError::InvalidPath`], [`AsrError::UnknownWord`]
    /// for a grammar or key-phrase word outside the dictionary, [`AsrError::InvalidThreshold`],
    /// [`AsrError::InteriorNul`], and [`AsrError::Decoder`] when PocketSphinx refuses the
    /// configuration, the models or the grammar.
    pub fn new(config: &AsrConfig) -> Result<Self, AsrError> {
        check_exists(&config.hmm.join("mdef"), "acoustic model (mdef)")?;
        check_exists(&config.dict, "dictionary")?;
        let mut args: Vec<CString> = Vec::new();
        let mut push = |name: &str, value: String| -> Result<(), AsrError> {
            args.push(c_string(name.to_owned(), "argument")?);
            args.push(c_string(value, "argument")?);
            Ok(())
        };
        push("-hmm", path_str(&config.hmm)?)?;
        push("-dict", path_str(&config.dict)?)?;
        push("-samprate", SAMPLE_RATE.to_string())?;
        match &config.search {
            Search::LanguageModel => {
                check_exists(&config.lm, "language model")?;
                push("-lm", path_str(&config.lm)?)?;
            }
            Search::Keyphrase { threshold, .. } => {
                if !(threshold.is_finite() && *threshold > 0.0) {
                    return Err(AsrError::InvalidThreshold {
                        threshold: *threshold,
                    });
                }
                push("-kws_threshold", format!("{threshold:e}"))?;
            }
            Search::Grammar(_) => {}
        }
        silence_library_logging();

        let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let argc = i32::try_from(argv.len()).map_err(|_| AsrError::Decoder {
            step: "accept that many arguments",
            code: -1,
        })?;
        // SAFETY: `ps_args()` returns a pointer to a static table. `argv` holds `argc` valid
        // NUL-terminated strings (argc is even, so none is skipped as a program name); the
        // strings live in `args`, which the returned `Transcriber` keeps until after the
        // configuration is freed, as cmd_ln_parse_r requires (its hash keys point into them).
        // The library only reads argv.
        let config_ptr =
            unsafe { ffi::cmd_ln_parse_r(ptr::null_mut(), ffi::ps_args(), argc, argv.as_ptr(), 1) };
        let cmd_ln = NonNull::new(config_ptr).ok_or(AsrError::Decoder {
            step: "parse its configuration",
            code: -1,
        })?;
        // SAFETY: `cmd_ln` is a valid configuration from cmd_ln_parse_r; ps_init takes its
        // own reference and returns NULL on failure.
        let decoder_ptr = unsafe { ffi::ps_init(cmd_ln.as_ptr()) };
        let Some(decoder) = NonNull::new(decoder_ptr) else {
            // SAFETY: we hold the only reference to `cmd_ln`, which nothing else uses; `args`
            // is dropped only after this call.
            unsafe { ffi::cmd_ln_free_r(cmd_ln.as_ptr()) };
            return Err(AsrError::Decoder {
                step: "load the models",
                code: -1,
            });
        };
        // From here on `Drop` frees the decoder and configuration on every early return.
        let mut transcriber = Self {
            decoder,
            config: cmd_ln,
            _args: args,
            dict: config.dict.clone(),
            // Grammar searches report a posterior of 1 for every hypothesis in this version, and
            // key-phrase search none: only the language model's lattice posterior means anything.
            posterior: matches!(config.search, Search::LanguageModel),
        };
        match &config.search {
            Search::LanguageModel => {}
            Search::Grammar(grammar) => {
                transcriber.require_words(grammar.words().iter().map(String::as_str))?;
                let jsgf = c_string(grammar.as_jsgf().to_owned(), "grammar")?;
                // SAFETY: valid decoder, NUL-terminated name and grammar text; the library
                // copies what it keeps.
                let code = unsafe {
                    ffi::ps_set_jsgf_string(
                        transcriber.decoder.as_ptr(),
                        SEARCH_NAME.as_ptr(),
                        jsgf.as_ptr(),
                    )
                };
                check(code, "compile the grammar")?;
                transcriber.activate_search()?;
            }
            Search::Keyphrase { phrase, .. } => {
                transcriber.require_words(phrase.split_whitespace())?;
                let phrase = c_string(phrase.to_lowercase(), "key phrase")?;
                // SAFETY: valid decoder, NUL-terminated name and phrase; copied by the library.
                let code = unsafe {
                    ffi::ps_set_keyphrase(
                        transcriber.decoder.as_ptr(),
                        SEARCH_NAME.as_ptr(),
                        phrase.as_ptr(),
                    )
                };
                check(code, "set the key phrase")?;
                transcriber.activate_search()?;
            }
        }
        Ok(transcriber)
    }

    /// Transcribes one utterance of 16 kHz mono 16-bit PCM (see
    /// [`pcm16k_from_f32`](crate::pcm16k_from_f32) to get there from `f32` at any rate).
    ///
    /// # Errors
    /// [`AsrError::EmptyInput`] for no samples, [`AsrError::Decoder`] if PocketSphinx fails.
    pub fn transcribe(&mut self, samples_16k_mono: &[i16]) -> Result<Transcript, AsrError> {
        if samples_16k_mono.is_empty() {
            return Err(AsrError::EmptyInput);
        }
        let ps = self.decoder.as_ptr();
        // SAFETY: `ps` is the valid decoder we own; `&mut self` guarantees no other call on
        // it runs meanwhile.
        let code = unsafe { ffi::ps_start_utt(ps) };
        check(code, "start an utterance")?;
        // SAFETY: `samples_16k_mono` is a live slice of exactly `len()` i16 values, only read;
        // full_utt = 1 since the whole utterance is passed at once.
        let code = unsafe {
            ffi::ps_process_raw(ps, samples_16k_mono.as_ptr(), samples_16k_mono.len(), 0, 1)
        };
        // SAFETY: as above; ending the utterance is valid after any processing result and
        // leaves the decoder ready for the next one.
        let end = unsafe { ffi::ps_end_utt(ps) };
        check(code, "process the audio")?;
        check(end, "end the utterance")?;

        let mut score: i32 = 0;
        // SAFETY: valid decoder; `score` is a live i32 the call writes. The returned string
        // is owned by the decoder and stays valid until the next decoder call, so it is
        // copied right away, before `ps_get_prob`.
        let text = unsafe {
            let hyp = ffi::ps_get_hyp(ps, &raw mut score);
            if hyp.is_null() {
                String::new()
            } else {
                let raw = CStr::from_ptr(hyp).to_string_lossy();
                raw.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        };
        let probability = if self.posterior && !text.is_empty() {
            // SAFETY: valid decoder after a finished utterance; the logmath object is borrowed
            // from the decoder and used only during this call.
            let p = unsafe { ffi::logmath_exp(ffi::ps_get_logmath(ps), ffi::ps_get_prob(ps)) };
            p.is_finite().then_some(p.clamp(0.0, 1.0))
        } else {
            None
        };
        Ok(Transcript {
            text,
            score,
            probability,
        })
    }

    /// Whether `word` (any case) is in the pronunciation dictionary; grammar and key-phrase
    /// words must be.
    ///
    /// # Errors
    /// [`AsrError::InteriorNul`] if `word` holds a NUL byte.
    pub fn knows_word(&self, word: &str) -> Result<bool, AsrError> {
        let word = c_string(word.to_lowercase(), "word")?;
        // SAFETY: valid decoder (only read; `Transcriber` is not `Sync`, so no decode runs at
        // the same time) and a NUL-terminated word. A non-NULL result is a fresh allocation
        // we own and free with the library's allocator right away.
        unsafe {
            let pron = ffi::ps_lookup_word(self.decoder.as_ptr(), word.as_ptr());
            if pron.is_null() {
                Ok(false)
            } else {
                ffi::ckd_free(pron.cast::<c_void>());
                Ok(true)
            }
        }
    }

    /// Fails with [`AsrError::UnknownWord`] for the first word not in the dictionary.
    fn require_words<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Result<(), AsrError> {
        for word in words {
            if !self.knows_word(word)? {
                return Err(AsrError::UnknownWord {
                    word: word.to_owned(),
                    dict: self.dict.clone(),
                });
            }
        }
        Ok(())
    }

    /// Makes the grammar or key phrase registered under [`SEARCH_NAME`] the active search.
    fn activate_search(&mut self) -> Result<(), AsrError> {
        // SAFETY: valid decoder and NUL-terminated name of a search registered just before.
        let code = unsafe { ffi::ps_set_search(self.decoder.as_ptr(), SEARCH_NAME.as_ptr()) };
        check(code, "select the search")
    }
}

/// Maps a negative C return code to [`AsrError::Decoder`].
fn check(code: i32, step: &'static str) -> Result<(), AsrError> {
    if code < 0 {
        Err(AsrError::Decoder { step, code })
    } else {
        Ok(())
    }
}

impl Drop for Transcriber {
    fn drop(&mut self) {
        // SAFETY: both pointers are valid and owned by us alone. The decoder goes first (it
        // holds its own reference to the configuration), then our reference to the
        // configuration; the argument strings it points into are dropped after this body.
        unsafe {
            ffi::ps_free(self.decoder.as_ptr());
            ffi::cmd_ln_free_r(self.config.as_ptr());
        }
    }
}

/// Fails with [`AsrError::ModelMissing`] if nothing exists at `path`.
fn check_exists(path: &Path, what: &'static str) -> Result<(), AsrError> {
    if path.exists() {
        Ok(())
    } else {
        Err(AsrError::ModelMissing {
            what,
            path: path.to_owned(),
        })
    }
}

/// A path as UTF-8 text for the C library.
fn path_str(path: &Path) -> Result<String, AsrError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| AsrError::InvalidPath {
            path: path.to_owned(),
            reason: "not valid UTF-8",
        })
}

/// A C string, or [`AsrError::InteriorNul`] naming which argument held the NUL.
fn c_string(text: String, what: &'static str) -> Result<CString, AsrError> {
    CString::new(text).map_err(|e| AsrError::InteriorNul {
        what,
        position: e.nul_position(),
    })
}
