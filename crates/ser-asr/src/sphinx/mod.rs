//! The PocketSphinx recogniser (feature `sphinx`): raw declarations in `ffi`, the safe
//! wrapper in `decoder`.

mod decoder;
mod ffi;

pub use decoder::Transcriber;
