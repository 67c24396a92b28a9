//! Hand-written declarations for the part of PocketSphinx / SphinxBase 0.8+5prealpha (Debian
//! bookworm's `libpocketsphinx3`, `libsphinxbase3`) that this crate calls. Checked against
//! `/usr/include/pocketsphinx/pocketsphinx.h`, `ps_search.h` and
//! `/usr/include/<triple>/sphinxbase/{cmd_ln,err,logmath,ckd_alloc}.h` of that version; the
//! `pocketsphinx` crate's declarations are for another version and do not match (e.g.
//! `ps_start_utt`, `ps_get_hyp`), which is why this module exists.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};

/// Opaque `ps_decoder_t`.
#[repr(C)]
pub(crate) struct PsDecoder {
    _private: [u8; 0],
}

/// Opaque `cmd_ln_t` (parsed configuration).
#[repr(C)]
pub(crate) struct CmdLn {
    _private: [u8; 0],
}

/// Opaque `arg_t` (argument definition table).
#[repr(C)]
pub(crate) struct ArgDef {
    _private: [u8; 0],
}

/// Opaque `logmath_t`.
#[repr(C)]
pub(crate) struct LogMath {
    _private: [u8; 0],
}

// Linked by build.rs (libpocketsphinx, libsphinxbase) when the `sphinx` feature is on.
unsafe extern "C" {
    /// `arg_t const *ps_args(void)`: the decoder's argument table (static).
    pub(crate) fn ps_args() -> *const ArgDef;
    /// `ps_decoder_t *ps_init(cmd_ln_t *config)`: NULL on failure; retains `config`.
    pub(crate) fn ps_init(config: *mut CmdLn) -> *mut PsDecoder;
    /// `int ps_free(ps_decoder_t *ps)`.
    pub(crate) fn ps_free(ps: *mut PsDecoder) -> c_int;
    /// `int ps_set_jsgf_string(ps_decoder_t *ps, const char *name, const char *jsgf_string)`.
    pub(crate) fn ps_set_jsgf_string(
        ps: *mut PsDecoder,
        name: *const c_char,
        jsgf_string: *const c_char,
    ) -> c_int;
    /// `int ps_set_keyphrase(ps_decoder_t *ps, const char *name, const char *keyphrase)`.
    pub(crate) fn ps_set_keyphrase(
        ps: *mut PsDecoder,
        name: *const c_char,
        keyphrase: *const c_char,
    ) -> c_int;
    /// `int ps_set_search(ps_decoder_t *ps, const char *name)`.
    pub(crate) fn ps_set_search(ps: *mut PsDecoder, name: *const c_char) -> c_int;
    /// `char *ps_lookup_word(ps_decoder_t *ps, const char *word)`: the pronunciation, newly
    /// allocated (free with `ckd_free`), or NULL when the word is not in the dictionary.
    pub(crate) fn ps_lookup_word(ps: *mut PsDecoder, word: *const c_char) -> *mut c_char;
    /// `int ps_start_utt(ps_decoder_t *ps)` (one argument in this version).
    pub(crate) fn ps_start_utt(ps: *mut PsDecoder) -> c_int;
    /// `int ps_process_raw(ps_decoder_t *ps, int16 const *data, size_t n_samples,
    /// int no_search, int full_utt)`: frames searched, or < 0 on error.
    pub(crate) fn ps_process_raw(
        ps: *mut PsDecoder,
        data: *const i16,
        n_samples: usize,
        no_search: c_int,
        full_utt: c_int,
    ) -> c_int;
    /// `int ps_end_utt(ps_decoder_t *ps)`.
    pub(crate) fn ps_end_utt(ps: *mut PsDecoder) -> c_int;
    /// `char const *ps_get_hyp(ps_decoder_t *ps, int32 *out_best_score)` (two arguments in
    /// this version): owned by the decoder, valid until the next decoder call; NULL if none.
    pub(crate) fn ps_get_hyp(ps: *mut PsDecoder, out_best_score: *mut i32) -> *const c_char;
    /// `int32 ps_get_prob(ps_decoder_t *ps)`: log posterior of the hypothesis.
    pub(crate) fn ps_get_prob(ps: *mut PsDecoder) -> i32;
    /// `logmath_t *ps_get_logmath(ps_decoder_t *ps)`: borrowed from the decoder.
    pub(crate) fn ps_get_logmath(ps: *mut PsDecoder) -> *mut LogMath;
}

unsafe extern "C" {
    /// `cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout, arg_t const *defn, int32 argc,
    /// char *argv[], int32 strict)`: NULL on failure. The result keeps pointers into `argv`
    /// (its hash keys), so the strings must outlive it; `argv[0]` is skipped when `argc` is odd.
    pub(crate) fn cmd_ln_parse_r(
        inout_cmdln: *mut CmdLn,
        defn: *const ArgDef,
        argc: i32,
        argv: *const *const c_char,
        strict: i32,
    ) -> *mut CmdLn;
    /// `int cmd_ln_free_r(cmd_ln_t *cmdln)`: drops one reference.
    pub(crate) fn cmd_ln_free_r(cmdln: *mut CmdLn) -> c_int;
    /// `void err_set_logfp(FILE *stream)`: NULL disables logging (process-wide).
    pub(crate) fn err_set_logfp(stream: *mut c_void);
    /// `float64 logmath_exp(logmath_t *lmath, int logb_p)`.
    pub(crate) fn logmath_exp(lmath: *mut LogMath, logb_p: c_int) -> f64;
    /// `void ckd_free(void *ptr)`.
    pub(crate) fn ckd_free(ptr: *mut c_void);
}
