#![doc = include_str!("../README.md")]
// Unsafe code is denied here and allowed only in `sphinx::ffi` and `sphinx::decoder`.
#![deny(unsafe_code)]

mod config;
mod error;
mod pcm;
mod transcript;

#[cfg(not(feature = "sphinx"))]
mod disabled;
#[cfg(feature = "sphinx")]
mod sphinx;

pub use config::{AsrConfig, DEBIAN_MODEL_DIR, Grammar, Search, TESS_CARRIER};
#[cfg(not(feature = "sphinx"))]
pub use disabled::Transcriber;
pub use error::AsrError;
pub use pcm::{SAMPLE_RATE, pcm16_from_f32, pcm16k_from_f32};
#[cfg(feature = "sphinx")]
pub use sphinx::Transcriber;
pub use transcript::Transcript;

/// Whether this build contains the recogniser (the `sphinx` feature). When `false`,
/// [`Transcriber::new`] returns [`AsrError::Disabled`].
pub const AVAILABLE: bool = cfg!(feature = "sphinx");
