//! Reading a file of any length block by block, with the memory of one block.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::chunk::Source;
use crate::codec::Blocks;
use crate::error::{AudioError, Fault};
use crate::load::{LoadOptions, PcmBlocks, Shape, Sink, frame_range, io_error, open_file, parse};
use crate::sniff::locate;

/// A file decoded, cut, mixed and resampled as [`load`](crate::load) does it, handed out
/// block by block instead of whole: for recordings of any length (a 2-hour podcast), in
/// memory that does not grow with the file.
///
/// The blocks, concatenated, equal [`load`](crate::load) of the same file with the same
/// options, sample for sample; there is no [`LoadOptions::MAX_SAMPLES`] limit, since nothing
/// is held. Each call to [`read`](Self::read) decodes about 64 Ki input samples (one or more
/// packets of a compressed file) and appends what comes out of the resampler.
///
/// ```no_run
/// use ser_audio::{AudioReader, LoadOptions};
///
/// let mut reader = AudioReader::open("podcast.mp3", &LoadOptions::default())?;
/// let (mut block, mut total) = (Vec::new(), 0usize);
/// while reader.read(&mut block)? {
///     total += block.len(); // mono at 22050 Hz: feed a segmenter, a feature plan, ...
///     block.clear();
/// }
/// println!("{total} samples at {} Hz", reader.sample_rate());
/// # Ok::<(), ser_audio::AudioError>(())
/// ```
pub struct AudioReader {
    path: PathBuf,
    blocks: Kind,
    sink: Sink,
    sample_rate: u32,
    channels: u16,
    state: State,
}

/// The decoder behind a reader.
enum Kind {
    Pcm(PcmBlocks<BufReader<File>>),
    Compressed(Blocks),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    /// The last samples were handed out.
    Done,
    /// An error was returned; nothing more is read.
    Failed,
}

impl AudioReader {
    /// Opens `path`, reads its headers and plans the cut and the resampling `opts` ask for.
    ///
    /// # Errors
    /// What [`load`](crate::load) reports before decoding: [`AudioError::NotFound`],
    /// [`AudioError::NotAFile`], an unknown or unsupported container or codec, malformed
    /// headers, [`AudioError::InvalidOptions`], [`AudioError::NoSamples`] for an offset at
    /// or past the end of a WAV or AIFF file (a compressed file's length is known only once
    /// decoded: there [`read`](Self::read) reports it at the end); each names the file.
    pub fn open(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Self, AudioError> {
        let path = path.as_ref();
        opts.check(path)?;
        let at = |f: Fault| match f {
            Fault::Io(e) => io_error(path, e),
            f => f.at(path),
        };
        let file = open_file(path)?;
        let len = file.metadata().map_err(|e| io_error(path, e))?.len();
        let mut reader = BufReader::with_capacity(8192, file);
        let (container, start) = locate(&mut Source::new(&mut reader, len)).map_err(at)?;
        let (blocks, channels, shape) = if container.is_pcm() {
            let layout = parse(&mut reader, len, container, start).map_err(at)?;
            let (first, end) = frame_range(&layout, opts).map_err(at)?;
            reader
                .seek(SeekFrom::Start(
                    layout.data_offset + first * layout.frame_bytes(),
                ))
                .map_err(|e| io_error(path, e))?;
            let shape =
                Shape::new(layout.sample_rate, usize::from(layout.channels), opts).map_err(at)?;
            let blocks = PcmBlocks::new(reader, &layout, first, end - first, shape.rate);
            (Kind::Pcm(blocks), usize::from(layout.channels), shape)
        } else {
            let file = reader.into_inner();
            let (blocks, rate, channels) =
                Blocks::open(file, len, container, start, opts).map_err(at)?;
            let shape = Shape::new(rate, channels, opts).map_err(at)?;
            (Kind::Compressed(blocks), channels, shape)
        };
        let sink = Sink::new(channels, shape.out_channels, shape.plan().map_err(at)?, 0);
        Ok(Self {
            path: path.to_path_buf(),
            blocks,
            sink,
            sample_rate: shape.rate,
            channels: shape.out_channels as u16,
            state: State::Reading,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rate of the samples handed out, Hz (the options' rate, or the file's own).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Channels of the samples handed out (1 when mixing to mono); interleaved when more.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Appends the next block of samples to `out`; `Ok(false)` once the file is done (and
    /// nothing was appended). A call may append no sample and return `Ok(true)` (the
    /// resampler's first outputs wait for input beyond the first block).
    ///
    /// # Errors
    /// What [`load`](crate::load) reports while decoding (truncated data, a damaged
    /// packet, a non-finite sample, …), naming the file. After an error the reader is done:
    /// later calls return `Ok(false)`.
    pub fn read(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.state != State::Reading {
            return Ok(false);
        }
        let block = match &mut self.blocks {
            Kind::Pcm(b) => b.next_block(),
            Kind::Compressed(b) => b.next_block(),
        };
        match block {
            Ok(Some(samples)) => self.sink.push(samples),
            Ok(None) => {
                self.sink.end();
                self.state = State::Done;
            }
            Err(f) => {
                self.state = State::Failed;
                return Err(match f {
                    Fault::Io(e) => io_error(&self.path, e),
                    f => f.at(&self.path),
                });
            }
        }
        self.sink.drain_into(out);
        Ok(true)
    }
}

impl Iterator for AudioReader {
    type Item = Result<Vec<f32>, AudioError>;

    /// The next block (possibly empty), `None` once the file is done.
    fn next(&mut self) -> Option<Self::Item> {
        let mut block = Vec::new();
        match self.read(&mut block) {
            Ok(true) => Some(Ok(block)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl std::fmt::Debug for AudioReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioReader")
            .field("path", &self.path)
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}
