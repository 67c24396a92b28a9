#![doc = include_str!("../README.md")]

/// Offline transcription (CMU PocketSphinx). Always present; without the `asr` feature
/// `asr::Transcriber::new` returns `asr::AsrError::Disabled`, so callers can say it is off.
pub use ser_asr as asr;
pub use ser_audio as audio;
pub use ser_data as data;
pub use ser_features as features;
pub use ser_models as models;

/// The examples' edges: standard output that may close or fill, paths read from standard input.
pub mod cli;

/// PNG plots for the study (counts, waveforms, spectrograms, training curves, confusion matrices).
pub mod plots;

/// One self-contained offline HTML page: text, tables, embedded PNG images and WAV audio.
pub mod report;

/// The seed study end to end (the `study` example's engine).
pub mod study;

pub use ser_pipeline as pipeline;
/// Honest evaluation: speaker-independent and cross-corpus protocols (the `evaluate` example).
pub use ser_pipeline::evaluate;
