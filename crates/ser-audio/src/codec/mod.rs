//! Compressed containers through symphonia: FLAC, MP3, Ogg Vorbis, AAC-LC and
//! ALAC in MP4/M4A or CAF, ADTS AAC.
//!
//! The container is the one [`locate`](crate::sniff::locate) found in the
//! bytes: symphonia is given a probe that knows only that reader, so it never
//! guesses. Before symphonia reads anything, [`preflight`] walks the headers
//! with this crate's own limits (no packet or index larger than the file or a
//! fixed bound) and names codecs we do not decode. Then packets are read and
//! decoded one at a time, trimmed of the encoder delay and padding (by
//! symphonia for MP3 and Vorbis, by us from the MP4 edit list, `iTunSMPB` or
//! the CAF packet table), cut to the window the options ask for, mixed,
//! resampled and appended, with the result's size checked after every packet.
//! Any panic inside symphonia becomes [`Fault::Corrupt`].

mod caf;
mod mp4;
mod preflight;

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::OnceLock;

use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_AAC, CODEC_ID_AC3, CODEC_ID_ADPCM_IMA_QT, CODEC_ID_ADPCM_IMA_WAV, CODEC_ID_ADPCM_MS,
    CODEC_ID_ALAC, CODEC_ID_EAC3, CODEC_ID_FLAC, CODEC_ID_MP1, CODEC_ID_MP2, CODEC_ID_MP3,
    CODEC_ID_OPUS, CODEC_ID_PCM_ALAW, CODEC_ID_PCM_F32BE, CODEC_ID_PCM_F32LE, CODEC_ID_PCM_F64BE,
    CODEC_ID_PCM_F64LE, CODEC_ID_PCM_MULAW, CODEC_ID_PCM_S8, CODEC_ID_PCM_S16BE,
    CODEC_ID_PCM_S16LE, CODEC_ID_PCM_S24BE, CODEC_ID_PCM_S24LE, CODEC_ID_PCM_S32BE,
    CODEC_ID_PCM_S32LE, CODEC_ID_PCM_U8, CODEC_ID_SPEEX, CODEC_ID_VORBIS, CODEC_ID_WAVPACK,
};
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions,
};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::{Hint, Probe};
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::default::formats::{
    AdtsReader, CafReader, FlacReader, IsoMp4Reader, MpaReader, OggReader,
};

use crate::chunk::Source;
use crate::error::Fault;
use crate::info::{AudioInfo, Codec, Container, Endian, SampleFormat};
use crate::load::{Audio, LoadOptions, Shape, Sink, window};
use crate::resample::check_rate;

use preflight::{MAX_PACKET_BYTES, preflight};

/// Most channels accepted (symphonia's layouts go to 32 positions).
const MAX_CHANNELS: usize = 64;

/// Compressed frames per byte of file assumed when reserving the result from a
/// header's frame count: a claim beyond it is not trusted for the reservation
/// (the result then grows as packets decode). Silence in FLAC reaches about 200.
const MAX_FRAMES_PER_BYTE: u64 = 256;

/// [`load`](crate::load) of a compressed container whose bytes start at `start`.
pub(crate) fn load<R: Read + Seek + Send + Sync>(
    source: &mut R,
    len: u64,
    container: Container,
    start: u64,
    opts: &LoadOptions,
) -> Result<Audio, Fault> {
    guarded(|| {
        let mut stream = Stream::open(source, len, container, start)?;
        decode_window(&mut stream, len, opts)
    })
}

/// [`probe`](crate::probe) of a compressed container: the headers, and every
/// packet read (not decoded) to count the frames a load returns.
pub(crate) fn probe<R: Read + Seek + Send + Sync>(
    source: &mut R,
    len: u64,
    container: Container,
    start: u64,
    name: &Path,
) -> Result<AudioInfo, Fault> {
    guarded(|| {
        let mut stream = Stream::open(source, len, container, start)?;
        let frames = stream.count_rest()?;
        // A final short frame the container declared full is not missing data.
        let declared = stream.claim.map(|c| c.saturating_sub(stream.short_end));
        let truncated =
            stream.eof_inside_packet || (stream.exact && declared.is_some_and(|c| c > frames));
        Ok(AudioInfo {
            container,
            codec: stream.codec,
            format: stream.format,
            endian: Endian::Little,
            sample_rate: stream.rate,
            channels: stream.channels as u16,
            frames,
            truncated,
            extension_mismatch: container.disagrees_with_extension(name),
            extension: name
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase()),
        })
    })
}

/// Runs `f`, turning a panic inside it (in symphonia, on hostile input) into a typed error.
fn guarded<T>(f: impl FnOnce() -> Result<T, Fault>) -> Result<T, Fault> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        Err(Fault::Corrupt(format!(
            "the decoder failed on malformed data (it panicked: {message})"
        )))
    })
}

/// Decodes the frames `opts` select, block by block, into the result.
fn decode_window(stream: &mut Stream<'_>, len: u64, opts: &LoadOptions) -> Result<Audio, Fault> {
    let channels = stream.channels;
    let shape = Shape::new(stream.rate, channels, opts)?;
    let (first, end) = check_window(stream, opts)?;
    // Refuse early what the header says will be too long; an estimate for some
    // MP3s, so the real count is checked again after every packet below.
    let mut capacity = 0;
    if let Some(claim) = stream.claim {
        let frames = claim.min(end).saturating_sub(first);
        if frames > 0 {
            shape.out_samples(frames)?;
            // Reserve for what the header says, unless the claim is implausible for the file.
            let plausible = frames.min(len.saturating_mul(MAX_FRAMES_PER_BYTE));
            capacity = shape.out_samples(plausible).unwrap_or(0);
        }
    }
    let mut sink = Sink::new(channels, shape.out_channels, shape.plan()?, capacity);
    let limit = LoadOptions::MAX_SAMPLES;
    let mut window = Window::new(first, end);
    while let Some(part) = window.next_part(stream)? {
        let total = shape.out_samples(window.taken)?;
        sink.reserve_within(total.saturating_sub(sink.len()), limit);
        sink.push(part);
    }
    window.check_taken()?;
    Ok(Audio {
        samples: sink.finish(),
        sample_rate: shape.rate,
        channels: shape.out_channels as u16,
    })
}

/// The first frame and the frame after the last that `opts` select, or
/// [`Fault::NoSamples`] when that is no frame at all.
fn check_window(stream: &mut Stream<'_>, opts: &LoadOptions) -> Result<(u64, u64), Fault> {
    let (first, end) = window(stream.rate, opts);
    if first >= end {
        let total = stream.count_rest()?;
        return Err(Fault::NoSamples {
            total_frames: total,
            start_frame: first,
        });
    }
    Ok((first, end))
}

/// The cut of the decoded stream to the frames `[first, end)`, packet by packet.
struct Window {
    first: u64,
    end: u64,
    /// Frames decoded so far (before the cut).
    pos: u64,
    /// Frames delivered so far.
    taken: u64,
}

impl Window {
    fn new(first: u64, end: u64) -> Self {
        Self {
            first,
            end,
            pos: 0,
            taken: 0,
        }
    }

    /// The next non-empty part of the window (interleaved), checked finite;
    /// `None` once the window or the stream ends.
    fn next_part<'b>(&mut self, stream: &'b mut Stream<'_>) -> Result<Option<&'b [f32]>, Fault> {
        let channels = stream.channels;
        while self.pos < self.end {
            let Some(block) = stream.next_block()? else {
                return Ok(None);
            };
            let n = (block.len() / channels) as u64;
            let lo = self.first.saturating_sub(self.pos).min(n);
            let hi = self.end.saturating_sub(self.pos).min(n);
            let pos = self.pos;
            self.pos += n;
            if lo < hi {
                let range = lo as usize * channels..hi as usize * channels;
                if let Some(i) = block[range.clone()].iter().position(|s| !s.is_finite()) {
                    return Err(Fault::NonFinite((pos + lo) * channels as u64 + i as u64));
                }
                self.taken += hi - lo;
                return Ok(stream.last_block().get(range));
            }
        }
        Ok(None)
    }

    /// [`Fault::NoSamples`] when the stream ended before the window's first frame.
    fn check_taken(&self) -> Result<(), Fault> {
        if self.taken == 0 {
            return Err(Fault::NoSamples {
                total_frames: self.pos,
                start_frame: self.first,
            });
        }
        Ok(())
    }
}

/// A compressed file opened for reading block by block: [`crate::AudioReader`]'s
/// compressed side. Owns its source; every call is guarded against decoder panics.
pub(crate) struct Blocks {
    stream: Stream<'static>,
    window: Window,
    /// Whether the window was checked non-empty at its end.
    ended: bool,
}

impl Blocks {
    /// Opens the stream in `source` (the container found at `start`) and plans
    /// the cut `opts` ask for; returns it with the file's rate and channels.
    pub(crate) fn open<R: Read + Seek + Send + Sync + 'static>(
        source: R,
        len: u64,
        container: Container,
        start: u64,
        opts: &LoadOptions,
    ) -> Result<(Self, u32, usize), Fault> {
        guarded(|| {
            let mut stream = Stream::open(source, len, container, start)?;
            let (first, end) = check_window(&mut stream, opts)?;
            let (rate, channels) = (stream.rate, stream.channels);
            let blocks = Self {
                stream,
                window: Window::new(first, end),
                ended: false,
            };
            Ok((blocks, rate, channels))
        })
    }

    /// The next part of the window (interleaved samples), or `None` at its end
    /// ([`Fault::NoSamples`] there when the window held no frame).
    pub(crate) fn next_block(&mut self) -> Result<Option<&[f32]>, Fault> {
        let Blocks {
            stream,
            window,
            ended,
        } = self;
        if *ended {
            return Ok(None);
        }
        guarded(move || {
            let part = window.next_part(stream)?;
            if part.is_none() {
                *ended = true;
                window.check_taken()?;
            }
            Ok(part)
        })
    }
}

/// A reader of known length (owned, or borrowed as `&mut R`), as symphonia's media source.
struct Input<R> {
    inner: R,
    len: u64,
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Input<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read + Seek + Send + Sync> MediaSource for Input<R> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// One audio track, opened: symphonia's reader and decoder, and what this crate
/// trims and checks around them.
struct Stream<'s> {
    container: Container,
    reader: Box<dyn FormatReader + 's>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    rate: u32,
    channels: usize,
    codec: Codec,
    format: SampleFormat,
    /// Frames the header says the stream holds once trimmed (an estimate unless `exact`).
    claim: Option<u64>,
    exact: bool,
    /// Frames still to drop from the start (the container's encoder delay).
    skip: u64,
    /// Frames still to deliver (the container's valid length), if it says.
    keep: Option<u64>,
    /// Packets of the track read so far.
    packets: u64,
    /// The file ended inside a packet.
    eof_inside_packet: bool,
    /// Whether the decoder trims the encoder delay and padding symphonia's reader marks.
    gapless: bool,
    /// Whether every packet decodes on its own (FLAC, ALAC, PCM), so that the
    /// last one may be decoded alone to learn its real length.
    intra_only: bool,
    /// A packet read ahead (to learn whether the current one is the last).
    pending: Option<Packet>,
    /// Frames the container declares for the last packet beyond what it decodes to.
    short_end: u64,
    /// The timestamp the next FLAC frame must carry (frames hold their sample
    /// number; symphonia skips a damaged frame, which would go unnoticed).
    next_pts: i64,
    /// The current packet's samples, interleaved.
    buf: Vec<f32>,
    /// The part of `buf` the last block was.
    last: std::ops::Range<usize>,
}

impl<'s> Stream<'s> {
    /// Walks the headers ([`preflight`]), then opens the track with symphonia.
    fn open<R: Read + Seek + Send + Sync + 's>(
        mut source: R,
        len: u64,
        container: Container,
        start: u64,
    ) -> Result<Self, Fault> {
        let pre = {
            let mut buffered = BufReader::with_capacity(8192, &mut source);
            preflight(&mut Source::new(&mut buffered, len), container, start)?
        };
        source.seek(SeekFrom::Start(0))?;
        let input = Input { inner: source, len };
        let mut mss = MediaSourceStream::new(Box::new(input), MediaSourceStreamOptions::default());
        if start > 0 {
            mss.seek(SeekFrom::Start(start))?;
        }
        let opening = format!("opening the {container} stream");
        let reader = probe_for(container)
            .probe(
                &Hint::new(),
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                // The bytes said this container; symphonia found no stream in it.
                SymphoniaError::Unsupported(_) => Fault::Corrupt(format!(
                    "no readable {container} stream where the file's first bytes say one starts \
                     (damaged or cut short)"
                )),
                e => fault(e, &opening),
            })?;
        let track = reader
            .default_track(TrackType::Audio)
            .or_else(|| reader.first_track(TrackType::Audio))
            .ok_or_else(|| {
                Fault::Unsupported(format!(
                    "a {container} file with no audio track this crate decodes"
                ))
            })?;
        let track_id = track.id;
        let num_frames = track.num_frames;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| {
                Fault::Corrupt(format!(
                    "the {container} audio track has no codec parameters"
                ))
            })?
            .clone();
        let codec = our_codec(params.codec).ok_or_else(|| {
            Fault::Unsupported(format!(
                "codec {} in a{} {container} container: not decoded by this crate",
                codec_name(params.codec),
                if container == Container::Ogg { "n" } else { "" }
            ))
        })?;
        if codec == Codec::AacLc {
            check_aac_profile(&params, container)?;
        }
        let rate = params.sample_rate.ok_or_else(|| {
            Fault::Corrupt(format!("the {container} stream states no sample rate"))
        })?;
        check_rate(rate)?;
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        if channels > MAX_CHANNELS {
            return Err(Fault::Unsupported(format!(
                "{channels} channels (at most {MAX_CHANNELS})"
            )));
        }
        // Gapless trimming needs the encoder delay and padding; an MP3 without a
        // Xing/LAME header has neither, only an end estimated from the bit rate,
        // which must not cut audio off: such a file is decoded untrimmed, as ffmpeg does.
        let gapless = container != Container::Mp3 || pre.exact_count;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(gapless))
            .map_err(|e| fault(e, &format!("starting the {codec} decoder")))?;
        let skip = pre.skip.map_or(0, |s| s.frames(rate));
        let keep = pre.keep.map(|k| {
            if pre.keep_rounded {
                k.frames_at_most(rate)
            } else {
                k.frames(rate)
            }
        });
        let format = sample_format(&params, decoder.codec_params(), codec);
        let claim = num_frames.map(|n| {
            let n = n.saturating_sub(skip);
            keep.map_or(n, |k| n.min(k))
        });
        let mut stream = Self {
            container,
            reader,
            decoder,
            track_id,
            rate,
            channels,
            codec,
            format,
            claim,
            exact: pre.exact_count,
            skip,
            keep,
            packets: 0,
            eof_inside_packet: false,
            gapless,
            intra_only: matches!(codec, Codec::Flac | Codec::Alac | Codec::Pcm),
            pending: None,
            short_end: 0,
            next_pts: 0,
            buf: Vec::new(),
            last: 0..0,
        };
        if channels == 0 {
            stream.learn_channels()?;
        }
        Ok(stream)
    }

    /// For a container that does not state the channel count (MP3 in MP4): decodes
    /// the first packet to learn it, then resets the decoder and keeps the packet
    /// to be read again.
    fn learn_channels(&mut self) -> Result<(), Fault> {
        let container = self.container;
        let Some(first) = self.next_packet()? else {
            return Err(Fault::Corrupt(format!(
                "the {container} stream states no channels and holds no packet"
            )));
        };
        let channels = match self.decoder.decode(&first) {
            Ok(decoded) => decoded.spec().channels().count(),
            Err(e) => {
                return Err(fault(
                    e,
                    &format!("decoding the first {} packet", self.codec),
                ));
            }
        };
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(Fault::Unsupported(format!(
                "a {container} stream of {channels} channels"
            )));
        }
        self.channels = channels;
        self.decoder.reset();
        self.pending = Some(first);
        Ok(())
    }

    /// The next packet of the track, or `None` at the end of the stream.
    fn next_packet(&mut self) -> Result<Option<Packet>, Fault> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        self.read_packet()
    }

    /// Whether the stream has no packet after the current one (reads one ahead).
    fn at_end(&mut self) -> Result<bool, Fault> {
        if self.pending.is_none() {
            self.pending = self.read_packet()?;
        }
        Ok(self.pending.is_none())
    }

    /// Reads the track's next packet from the container.
    fn read_packet(&mut self) -> Result<Option<Packet>, Fault> {
        loop {
            if self.keep == Some(0) {
                return Ok(None);
            }
            match self.reader.next_packet() {
                Ok(Some(p)) if p.track_id == self.track_id => {
                    if self.container == Container::Flac {
                        let pts = p.pts.get();
                        if pts != self.next_pts {
                            return Err(Fault::Corrupt(format!(
                                "FLAC frames are missing or damaged: after sample {} the next \
                                 readable frame starts at sample {pts}",
                                self.next_pts
                            )));
                        }
                        self.next_pts = pts.saturating_add_unsigned(p.dur.get());
                    }
                    if p.data.len() as u64 > MAX_PACKET_BYTES {
                        return Err(Fault::Corrupt(format!(
                            "{} packet {} holds {} bytes (at most {MAX_PACKET_BYTES} are accepted)",
                            self.container,
                            self.packets,
                            p.data.len()
                        )));
                    }
                    self.packets += 1;
                    return Ok(Some(p));
                }
                Ok(Some(_)) => {}
                Ok(None) => return Ok(None),
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    // Cut short inside a packet: the packets before it are read.
                    self.eof_inside_packet = true;
                    return Ok(None);
                }
                Err(e) => {
                    let what = format!("reading {} packet {}", self.container, self.packets);
                    return Err(fault(e, &what));
                }
            }
        }
    }

    /// Frames `packet` holds once its encoder delay and padding are trimmed, by
    /// the container's account.
    fn valid_frames(&self, packet: &Packet) -> u64 {
        let dur = packet.dur.get();
        if self.container == Container::Mp3 && self.gapless {
            // symphonia 0.6.1's MP3 reader states the whole block as `dur` (its
            // `trimmed_dur` subtracts the builder's zero trims, not the computed ones).
            dur.saturating_sub(packet.trim_start.get())
                .saturating_sub(packet.trim_end.get())
        } else {
            dur
        }
    }

    /// Applies the container's delay (`skip`) and valid length (`keep`) to
    /// `frames` more frames of the stream; returns (frames dropped, frames kept).
    fn trim(&mut self, frames: u64) -> (u64, u64) {
        let dropped = self.skip.min(frames);
        self.skip -= dropped;
        let mut kept = frames - dropped;
        if let Some(k) = &mut self.keep {
            kept = kept.min(*k);
            *k -= kept;
        }
        (dropped, kept)
    }

    /// Frames from here to the end, counted from the packets without decoding
    /// them (except the last of a codec whose packets decode on their own: a
    /// final short frame may hold fewer frames than the container declares).
    fn count_rest(&mut self) -> Result<u64, Fault> {
        let mut total = 0u64;
        let mut previous: Option<Packet> = None;
        while let Some(packet) = self.next_packet()? {
            if let Some(p) = previous.replace(packet) {
                let valid = self.valid_frames(&p);
                total = total.saturating_add(self.trim(valid).1);
            }
        }
        if let Some(last) = previous {
            let valid = self.valid_frames(&last);
            let frames = if self.intra_only {
                let index = self.packets - 1;
                let n = self.decode(&last, index)?;
                let frames = self.frames_of(&last, valid, n).1;
                self.short_end = valid.saturating_sub(frames);
                frames
            } else {
                valid
            };
            total = total.saturating_add(self.trim(valid.min(frames)).1);
        }
        Ok(total)
    }

    /// Decodes `packet` into `buf`; returns its frames.
    fn decode(&mut self, packet: &Packet, index: u64) -> Result<u64, Fault> {
        let decoded = self.decoder.decode(packet).map_err(|e| {
            let what = format!("decoding {} packet {index}", self.codec);
            match e {
                // The decoder reads from the packet in memory: an I/O error is a damaged packet.
                SymphoniaError::IoError(io) => Fault::Corrupt(format!("{what}: {io}")),
                e => fault(e, &what),
            }
        })?;
        let spec = decoded.spec();
        if spec.rate() != self.rate || spec.channels().count() != self.channels {
            return Err(Fault::Unsupported(format!(
                "a {} stream whose format changes midway (packet {index} is {} Hz, {} channels; \
                 the stream started at {} Hz, {} channels)",
                self.codec,
                spec.rate(),
                spec.channels().count(),
                self.rate,
                self.channels
            )));
        }
        decoded.copy_to_vec_interleaved(&mut self.buf);
        Ok(decoded.frames() as u64)
    }

    /// Where a decoded packet's frames start and how many count, given the
    /// `valid` frames the container declares and the `n` the decoder gave.
    fn frames_of(&self, packet: &Packet, valid: u64, n: u64) -> (u64, u64) {
        let (head, tail) = (packet.trim_start.get(), packet.trim_end.get());
        if n == valid {
            (0, n) // trimmed by the decoder (MP3, Vorbis), or nothing to trim
        } else if head.saturating_add(tail).saturating_add(valid) == n {
            (head, valid) // trims the decoder left to us
        } else {
            (0, n.min(valid)) // the container declares fewer (MP4 `stts`) or more frames
        }
    }

    /// The block the last [`next_block`](Self::next_block) returned.
    fn last_block(&self) -> &[f32] {
        self.buf.get(self.last.clone()).unwrap_or_default()
    }

    /// Decodes the next packet; returns its frames (interleaved) after every trim,
    /// or `None` at the end of the stream.
    fn next_block(&mut self) -> Result<Option<&[f32]>, Fault> {
        loop {
            let Some(packet) = self.next_packet()? else {
                return Ok(None);
            };
            let index = self.packets - 1;
            let valid = self.valid_frames(&packet);
            // What the trims below will take of this packet.
            let needed = valid.min(self.skip.saturating_add(self.keep.unwrap_or(u64::MAX)));
            let n = self.decode(&packet, index)?;
            let (lo, frames) = self.frames_of(&packet, valid, n);
            // A short final frame is normal (ALAC and FLAC end on one; some muxers
            // declare it full); a short frame anywhere else is not.
            if frames < needed && !(self.intra_only && self.at_end()?) {
                return Err(Fault::Corrupt(format!(
                    "{} packet {index} decodes to {n} frames where the container declares {valid}",
                    self.codec
                )));
            }
            let (dropped, kept) = self.trim(valid.min(frames));
            if kept == 0 {
                continue;
            }
            let from = (lo + dropped) as usize * self.channels;
            let to = from + kept as usize * self.channels;
            self.last = from..to;
            return Ok(self.buf.get(from..to));
        }
    }
}

/// A probe that knows only `container`'s reader: the container was already
/// decided from the bytes, so symphonia never guesses another.
fn probe_for(container: Container) -> &'static Probe {
    fn with<P>(cell: &'static OnceLock<Probe>) -> &'static Probe
    where
        for<'a> P: symphonia::core::formats::probe::ProbeableFormat<'a>,
    {
        cell.get_or_init(|| {
            let mut probe = Probe::default();
            probe.register_format::<P>();
            probe
        })
    }
    static FLAC: OnceLock<Probe> = OnceLock::new();
    static MP3: OnceLock<Probe> = OnceLock::new();
    static OGG: OnceLock<Probe> = OnceLock::new();
    static MP4: OnceLock<Probe> = OnceLock::new();
    static CAF: OnceLock<Probe> = OnceLock::new();
    static ADTS: OnceLock<Probe> = OnceLock::new();
    match container {
        Container::Flac => with::<FlacReader<'_>>(&FLAC),
        Container::Ogg => with::<OggReader<'_>>(&OGG),
        Container::Mp4 => with::<IsoMp4Reader<'_>>(&MP4),
        Container::Caf => with::<CafReader<'_>>(&CAF),
        Container::Adts => with::<AdtsReader<'_>>(&ADTS),
        _ => with::<MpaReader<'_>>(&MP3),
    }
}

/// A symphonia error as this crate's fault; `what` says what was being done.
fn fault(e: SymphoniaError, what: &str) -> Fault {
    match e {
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Fault::Truncated(format!("{what}: the file ends early"))
        }
        SymphoniaError::IoError(io) => Fault::Io(io),
        SymphoniaError::DecodeError(m) => Fault::Corrupt(format!("{what}: {m}")),
        SymphoniaError::Unsupported(m) => Fault::Unsupported(format!("{what}: {m}")),
        SymphoniaError::LimitError(m) => {
            Fault::Corrupt(format!("{what}: the decoder's limit was reached: {m}"))
        }
        SymphoniaError::ResetRequired => Fault::Unsupported(format!(
            "{what}: the stream changes codec or layout midway (a chained Ogg stream)"
        )),
        e => Fault::Corrupt(format!("{what}: {e}")),
    }
}

/// This crate's name for a codec symphonia decodes here.
fn our_codec(id: AudioCodecId) -> Option<Codec> {
    const PCM: [AudioCodecId; 14] = [
        CODEC_ID_PCM_U8,
        CODEC_ID_PCM_S8,
        CODEC_ID_PCM_S16LE,
        CODEC_ID_PCM_S16BE,
        CODEC_ID_PCM_S24LE,
        CODEC_ID_PCM_S24BE,
        CODEC_ID_PCM_S32LE,
        CODEC_ID_PCM_S32BE,
        CODEC_ID_PCM_F32LE,
        CODEC_ID_PCM_F32BE,
        CODEC_ID_PCM_F64LE,
        CODEC_ID_PCM_F64BE,
        CODEC_ID_PCM_ALAW,
        CODEC_ID_PCM_MULAW,
    ];
    Some(match id {
        CODEC_ID_FLAC => Codec::Flac,
        CODEC_ID_MP3 => Codec::Mp3,
        CODEC_ID_VORBIS => Codec::Vorbis,
        CODEC_ID_AAC => Codec::AacLc,
        CODEC_ID_ALAC => Codec::Alac,
        id if PCM.contains(&id) => Codec::Pcm,
        _ => return None,
    })
}

/// A readable name for a codec this crate does not decode.
fn codec_name(id: AudioCodecId) -> String {
    match id {
        CODEC_ID_OPUS => "Opus".to_string(),
        CODEC_ID_SPEEX => "Speex".to_string(),
        CODEC_ID_MP1 => "MPEG audio Layer I".to_string(),
        CODEC_ID_MP2 => "MPEG audio Layer II".to_string(),
        CODEC_ID_AC3 => "AC-3 (Dolby Digital)".to_string(),
        CODEC_ID_EAC3 => "E-AC-3 (Dolby Digital Plus)".to_string(),
        CODEC_ID_ADPCM_IMA_QT | CODEC_ID_ADPCM_IMA_WAV => "IMA ADPCM".to_string(),
        CODEC_ID_ADPCM_MS => "Microsoft ADPCM".to_string(),
        CODEC_ID_WAVPACK => "WavPack".to_string(),
        id => format!("with symphonia id {id}"),
    }
}

/// The sample format the decoder produces (the bit depth for lossless codecs,
/// from the container or else from the decoder's own configuration).
fn sample_format(
    params: &AudioCodecParameters,
    decoder: &AudioCodecParameters,
    codec: Codec,
) -> SampleFormat {
    let bits = params
        .bits_per_sample
        .filter(|&b| b > 0)
        .or(decoder.bits_per_sample.filter(|&b| b > 0))
        .or_else(|| alac_bit_depth(params.extra_data.as_deref()?))
        .unwrap_or(16);
    let by_bits = |bits: u32| match bits {
        0..=8 => SampleFormat::I8,
        9..=16 => SampleFormat::I16,
        17..=24 => SampleFormat::I24,
        _ => SampleFormat::I32,
    };
    match (codec, params.codec) {
        (Codec::Pcm, CODEC_ID_PCM_U8) => SampleFormat::U8,
        (Codec::Pcm, CODEC_ID_PCM_F32LE | CODEC_ID_PCM_F32BE) => SampleFormat::F32,
        (Codec::Pcm, CODEC_ID_PCM_F64LE | CODEC_ID_PCM_F64BE) => SampleFormat::F64,
        (Codec::Pcm, CODEC_ID_PCM_MULAW) => SampleFormat::MuLaw,
        (Codec::Pcm, CODEC_ID_PCM_ALAW) => SampleFormat::ALaw,
        (Codec::Pcm | Codec::Flac | Codec::Alac, _) => by_bits(bits),
        _ => SampleFormat::F32,
    }
}

/// The bit depth in an ALAC magic cookie (the 24-byte ALACSpecificConfig,
/// possibly behind `frma`/`alac` atom headers): frame length, version 0, depth.
fn alac_bit_depth(cookie: &[u8]) -> Option<u32> {
    (0..=48).step_by(4).find_map(|at| {
        let c = cookie.get(at..at + 24)?;
        let frame_length = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        let plausible =
            (1..=65_536).contains(&frame_length) && c[4] == 0 && matches!(c[5], 16 | 20 | 24 | 32);
        plausible.then_some(u32::from(c[5]))
    })
}

/// Refuses AAC that is not plain AAC-LC (HE-AAC's SBR and PS, Main, LTP, …),
/// read from the AudioSpecificConfig, with the profile named.
fn check_aac_profile(params: &AudioCodecParameters, container: Container) -> Result<(), Fault> {
    let Some(asc) = params.extra_data.as_deref() else {
        return Ok(()); // ADTS: the decoder reads the profile from each frame header.
    };
    let Some((object_type, sbr)) = aac_object_type(asc) else {
        return Ok(()); // let the decoder judge a config this parser does not follow.
    };
    let name = match (object_type, sbr) {
        (2, false) => return Ok(()),
        (2 | 5, _) => "HE-AAC (AAC-LC with SBR)".to_string(),
        (29, _) => "HE-AAC v2 (AAC-LC with SBR and PS)".to_string(),
        (1, _) => "AAC Main".to_string(),
        (3, _) => "AAC SSR".to_string(),
        (4, _) => "AAC LTP".to_string(),
        (17, _) => "ER AAC-LC".to_string(),
        (23, _) => "AAC-LD".to_string(),
        (39, _) => "AAC-ELD".to_string(),
        (42, _) => "xHE-AAC (USAC)".to_string(),
        (n, _) => format!("MPEG-4 audio object type {n}"),
    };
    Err(Fault::Unsupported(format!(
        "codec {name} in a{} {container} container: only AAC-LC is decoded by this crate",
        if container == Container::Mp4 { "n" } else { "" }
    )))
}

/// The audio object type of an MPEG-4 AudioSpecificConfig and whether SBR is
/// signalled (explicitly, or by the backward-compatible sync extension).
fn aac_object_type(asc: &[u8]) -> Option<(u32, bool)> {
    let mut bits = Bits { data: asc, at: 0 };
    let read_type = |bits: &mut Bits<'_>| -> Option<u32> {
        let t = bits.read(5)?;
        if t == 31 {
            Some(32 + bits.read(6)?)
        } else {
            Some(t)
        }
    };
    let object_type = read_type(&mut bits)?;
    if bits.read(4)? == 15 {
        bits.read(24)?; // explicit sampling frequency
    }
    let channel_config = bits.read(4)?;
    if object_type == 5 || object_type == 29 {
        return Some((object_type, true));
    }
    if object_type != 2 || channel_config == 0 {
        return Some((object_type, false));
    }
    // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder (+ 14-bit delay), extensionFlag.
    bits.read(1)?;
    if bits.read(1)? == 1 {
        bits.read(14)?;
    }
    bits.read(1)?;
    let sbr = bits.left() >= 16
        && bits.read(11) == Some(0x2B7)
        && read_type(&mut bits) == Some(5)
        && bits.read(1) == Some(1);
    Some((object_type, sbr))
}

/// A most-significant-bit-first reader over bytes.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.at / 8)?;
            v = (v << 1) | u32::from((byte >> (7 - self.at % 8)) & 1);
            self.at += 1;
        }
        Some(v)
    }

    fn left(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_a_typed_error() {
        let r: Result<(), Fault> = guarded(|| panic!("index out of bounds: the len is 3"));
        match r {
            Err(Fault::Corrupt(m)) => assert!(m.contains("index out of bounds"), "{m}"),
            other => panic!("{other:?}"),
        }
        let owned: Result<(), Fault> = guarded(|| panic!("{}", String::from("owned message")));
        assert!(matches!(owned, Err(Fault::Corrupt(m)) if m.contains("owned message")));
        assert!(matches!(guarded(|| Ok(7)), Ok(7)));
    }

    #[test]
    fn aac_profiles_from_the_config() {
        // AAC-LC, 22.05 kHz, mono (ffmpeg's `aac` encoder).
        assert_eq!(aac_object_type(&[0x13, 0x88]), Some((2, false)));
        // HE-AAC, explicit: object type 5, 22.05 kHz core, mono, extension 44.1 kHz, LC.
        assert_eq!(aac_object_type(&[0x2B, 0x8A, 0x08, 0x00]), Some((5, true)));
        // HE-AAC v2: object type 29.
        assert_eq!(
            aac_object_type(&[0xEB, 0x8A, 0x08, 0x00]).map(|t| t.0),
            Some(29)
        );
        // AAC-LC with the backward-compatible SBR sync extension (0x2B7, type 5, flag 1).
        assert_eq!(
            aac_object_type(&[0x13, 0x88, 0x56, 0xE5, 0x80]),
            Some((2, true))
        );
        assert_eq!(aac_object_type(&[0x13]), None);
    }
}
