//! Stand-in for the compressed-audio decoder when the crate is built without
//! its `symphonia` feature: every compressed container is refused, naming it.

use std::io::{Read, Seek};
use std::path::Path;

use crate::error::Fault;
use crate::info::{AudioInfo, Container};
use crate::load::{Audio, LoadOptions};

fn off(container: Container) -> Fault {
    Fault::Unsupported(format!(
        "{container} container: this build of ser-audio decodes WAV and AIFF only (its cargo \
         feature `symphonia` is off)"
    ))
}

/// Refuses the load, naming the container.
pub(crate) fn load<R: Read + Seek + Send + Sync>(
    _source: &mut R,
    _len: u64,
    container: Container,
    _start: u64,
    _opts: &LoadOptions,
) -> Result<Audio, Fault> {
    Err(off(container))
}

/// Refuses the probe, naming the container.
pub(crate) fn probe<R: Read + Seek + Send + Sync>(
    _source: &mut R,
    _len: u64,
    container: Container,
    _start: u64,
    _name: &Path,
) -> Result<AudioInfo, Fault> {
    Err(off(container))
}

/// Stand-in for the compressed side of [`crate::AudioReader`]: never opened.
pub(crate) enum Blocks {}

impl Blocks {
    /// Refuses the stream, naming the container.
    pub(crate) fn open<R: Read + Seek + Send + Sync + 'static>(
        _source: R,
        _len: u64,
        container: Container,
        _start: u64,
        _opts: &LoadOptions,
    ) -> Result<(Self, u32, usize), Fault> {
        Err(off(container))
    }

    /// Never called: no value of this type exists.
    pub(crate) fn next_block(&mut self) -> Result<Option<&[f32]>, Fault> {
        match *self {}
    }
}
