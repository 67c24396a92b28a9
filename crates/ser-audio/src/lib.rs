#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod aiff;
mod chunk;
#[cfg(feature = "symphonia")]
mod codec;
#[cfg(not(feature = "symphonia"))]
#[path = "codec_off.rs"]
mod codec;
mod decode;
mod error;
mod info;
mod load;
mod resample;
mod response;
mod sniff;
mod stream;
mod wav;

pub use error::AudioError;
pub use info::{AudioInfo, Codec, Container, Endian, SampleFormat};
pub use load::{Audio, LoadOptions, load, load_bytes, mix_to_mono_into, probe, probe_bytes};
pub use resample::{MAX_RATIO, MAX_SAMPLE_RATE, ResampleStream, Resampler, resample};
pub use response::Response;
pub use stream::AudioReader;
