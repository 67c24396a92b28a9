#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod aiff;
mod chunk;
mod decode;
mod error;
mod info;
mod load;
mod resample;
mod sniff;
mod wav;

pub use error::AudioError;
pub use info::{AudioInfo, Container, Endian, SampleFormat};
pub use load::{Audio, LoadOptions, load, load_bytes, probe, probe_bytes};
pub use resample::{MAX_RATIO, MAX_SAMPLE_RATE, ResampleStream, Resampler, resample};
