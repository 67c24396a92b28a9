//! Voice-activity segmentation: splits a mono recording into speech segments, with no model.
//!
//! Per frame (25 ms, hop 10 ms by default) the segmenter measures the level, in dB, of the
//! signal in a few bands (by default 300–3400 Hz for voicing and 3400–8000 Hz for fricatives;
//! each a pair of second-order Butterworth sections), and compares each band with its own
//! adaptive noise floor: a low percentile of that band's levels over the last few seconds,
//! never below an absolute level. A frame turns speech when some band rises
//! [`VadParams::on_db`] above its floor and stays speech while some band is more than
//! [`VadParams::off_db`] above it (hysteresis). Speech frames are joined into segments across
//! pauses shorter than [`VadParams::min_silence_ms`]; segments with less speech than
//! [`VadParams::min_speech_ms`] are dropped. Each segment's start and end are then moved out
//! over the adjacent weak frames, those where a band's median excess over five frames is
//! above [`VadParams::edge_db`] (soft fricatives, releases, decays), widened by
//! [`VadParams::padding_ms`], and a segment that would grow beyond
//! [`VadParams::max_segment_ms`] is cut at its quietest frame in the last part of that length,
//! so that the pieces tile the speech.
//!
//! [`Vad`] runs in a stream: [`Vad::push`] takes blocks of any size and returns the segments
//! that are final, [`Vad::finish`] the rest. Its memory depends on the parameters only (the
//! last frame of samples per band, the levels of the noise-floor window and a bounded
//! look-back of frame levels), and a segment is returned at most
//! `max(min_silence_ms, padding_ms)` plus a frame after its last speech frame, or as soon as
//! it reaches the maximum length. [`segments`] does the same for a whole signal and gives
//! exactly the segments of the stream, whatever the block sizes.
//!
//! The noise floor needs some non-speech to settle: in the first frames of a recording it is
//! the quietest level seen so far, so speech from the very first sample is found only from its
//! first quiet moment on. A steady noise (white, pink, hum) is never called speech, but the
//! onset of a loud noise after digital silence is, for most of the floor window (while the
//! silence still fills its lowest decile). `docs/SEGMENTS.md` has the measured accuracy.
//!
//! ```
//! use ser_features::vad::{VadParams, segments};
//!
//! // 1 s of silence, 1 s of a 440 Hz tone, 1 s of silence, at 16 kHz.
//! let sr = 16_000;
//! let x: Vec<f32> = (0..3 * sr)
//!     .map(|n| {
//!         let t = n as f32 / sr as f32;
//!         let tone = 0.3 * (std::f32::consts::TAU * 440.0 * t).sin();
//!         if (1.0..2.0).contains(&t) { tone } else { 0.0 }
//!     })
//!     .collect();
//! let found = segments(&x, sr as u32, &VadParams::default())?;
//! assert_eq!(found.len(), 1);
//! assert!((found[0].start_seconds(sr as u32) - 1.0).abs() < 0.06);
//! assert!((found[0].end_seconds(sr as u32) - 2.0).abs() < 0.06);
//! # Ok::<(), ser_features::FeatureError>(())
//! ```

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::error::{FeatureError, Result};

/// The longest stretch searched for the quietest frame when a segment is cut at the maximum
/// length (at most half of that length).
const CUT_SEARCH_MS: f64 = 3000.0;

/// The most bands [`VadParams::bands_hz`] may hold.
const MAX_BANDS: usize = 8;

/// Half-width of the average that decides weak edges, frames.
const EDGE_HALF: usize = 2;

/// The lowest level a frame can have, dB (an all-zero frame).
const SILENT_DB: f64 = -200.0;

/// Segmenter parameters. [`VadParams::default`] holds the tuned defaults (the one place they
/// are written; `docs/SEGMENTS.md` tells how they were measured). Durations are in
/// milliseconds, levels in dB; levels re full scale (dBFS) are `10·log10` of the mean square
/// of the band-passed frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VadParams {
    /// Frame length, ms (25).
    pub frame_ms: f32,
    /// Hop between frames, ms (10); at most `frame_ms`. Segment boundaries fall on this grid
    /// before padding.
    pub hop_ms: f32,
    /// The analysed bands, `[low, high]` in Hz, one to eight (`[[300, 3400], [3400, 8000]]`:
    /// voicing, then fricatives). A low edge of 0 means no high-pass, a high edge at or above
    /// the Nyquist frequency no low-pass; a band whose low edge is at or above it is skipped.
    pub bands_hz: Vec<[f32; 2]>,
    /// Length of the noise-floor window, ms (3000).
    pub floor_window_ms: f32,
    /// Percentile of the window's frame levels taken as the noise floor, 0–100 (10).
    pub floor_percentile: f32,
    /// The noise floor is never taken below this level, dBFS (−70): quieter frames are
    /// treated as this quiet, so a near-silent recording has no speech.
    pub floor_min_db: f32,
    /// A frame turns speech when a band is this far above its noise floor, dB (4). Raise it
    /// for noise that is not steady (clatter, babble).
    pub on_db: f32,
    /// A speech frame stays speech while a band is this far above its noise floor, dB (2); at
    /// most `on_db`.
    pub off_db: f32,
    /// Weak edges: a segment's start and end are extended over the adjacent frames where a
    /// band's level over its floor, the median of five frames, exceeds this, dB (0.8); at
    /// most `off_db`. Catches soft fricatives and releases that `off_db` misses; the
    /// extension reaches at most `min_silence_ms` on each side.
    pub edge_db: f32,
    /// Segments whose frames above the thresholds (weak edges not counted) span less than
    /// this are dropped, ms (150).
    pub min_speech_ms: f32,
    /// Pauses at least this long split segments; shorter ones are bridged, ms (400).
    pub min_silence_ms: f32,
    /// Added before and after every segment (never overlapping the previous one, never beyond
    /// the signal), ms (0: the weak-edge extension already places the boundaries on the
    /// outer edge of the speech; padding buys context at the cost of false speech).
    pub padding_ms: f32,
    /// Longer speech is cut into pieces at most this long that tile it, ms (10 000); at least
    /// two hops.
    pub max_segment_ms: f32,
}

impl Default for VadParams {
    fn default() -> Self {
        Self {
            frame_ms: 25.0,
            hop_ms: 10.0,
            bands_hz: vec![[300.0, 3400.0], [3400.0, 8000.0]],
            floor_window_ms: 3000.0,
            floor_percentile: 10.0,
            floor_min_db: -70.0,
            on_db: 4.0,
            off_db: 2.0,
            edge_db: 0.8,
            min_speech_ms: 150.0,
            min_silence_ms: 400.0,
            padding_ms: 0.0,
            max_segment_ms: 10_000.0,
        }
    }
}

fn invalid(name: &'static str, reason: String) -> FeatureError {
    FeatureError::InvalidParameter { name, reason }
}

/// Checks that `value` is finite and within `lo..=hi`.
fn in_range(name: &'static str, value: f32, lo: f32, hi: f32) -> Result<()> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            name,
            format!("must lie in {lo}..={hi}, got {value}"),
        ))
    }
}

impl VadParams {
    /// Sets [`VadParams::frame_ms`].
    pub fn frame_ms(mut self, ms: f32) -> Self {
        self.frame_ms = ms;
        self
    }

    /// Sets [`VadParams::hop_ms`].
    pub fn hop_ms(mut self, ms: f32) -> Self {
        self.hop_ms = ms;
        self
    }

    /// Sets [`VadParams::bands_hz`].
    pub fn bands_hz(mut self, bands: Vec<[f32; 2]>) -> Self {
        self.bands_hz = bands;
        self
    }

    /// Sets [`VadParams::floor_window_ms`].
    pub fn floor_window_ms(mut self, ms: f32) -> Self {
        self.floor_window_ms = ms;
        self
    }

    /// Sets [`VadParams::floor_percentile`].
    pub fn floor_percentile(mut self, percentile: f32) -> Self {
        self.floor_percentile = percentile;
        self
    }

    /// Sets [`VadParams::floor_min_db`].
    pub fn floor_min_db(mut self, db: f32) -> Self {
        self.floor_min_db = db;
        self
    }

    /// Sets [`VadParams::on_db`] and [`VadParams::off_db`].
    pub fn thresholds_db(mut self, on: f32, off: f32) -> Self {
        self.on_db = on;
        self.off_db = off;
        self
    }

    /// Sets [`VadParams::edge_db`].
    pub fn edge_db(mut self, db: f32) -> Self {
        self.edge_db = db;
        self
    }

    /// Sets [`VadParams::min_speech_ms`].
    pub fn min_speech_ms(mut self, ms: f32) -> Self {
        self.min_speech_ms = ms;
        self
    }

    /// Sets [`VadParams::min_silence_ms`].
    pub fn min_silence_ms(mut self, ms: f32) -> Self {
        self.min_silence_ms = ms;
        self
    }

    /// Sets [`VadParams::padding_ms`].
    pub fn padding_ms(mut self, ms: f32) -> Self {
        self.padding_ms = ms;
        self
    }

    /// Sets [`VadParams::max_segment_ms`].
    pub fn max_segment_ms(mut self, ms: f32) -> Self {
        self.max_segment_ms = ms;
        self
    }

    /// Checks every field (the sample-rate dependent checks are [`Vad::new`]'s).
    ///
    /// # Errors
    /// [`FeatureError::InvalidParameter`] naming the first bad field.
    pub fn check(&self) -> Result<()> {
        const MINUTE: f32 = 60_000.0;
        in_range("frame_ms", self.frame_ms, 1.0, 1000.0)?;
        in_range("hop_ms", self.hop_ms, 0.1, self.frame_ms)?;
        if !(1..=MAX_BANDS).contains(&self.bands_hz.len()) {
            return Err(invalid(
                "bands_hz",
                format!("must hold 1 to 8 bands, got {}", self.bands_hz.len()),
            ));
        }
        for &[low, high] in &self.bands_hz {
            if !(low.is_finite() && high.is_finite() && 0.0 <= low && low < high) {
                return Err(invalid(
                    "bands_hz",
                    format!("a band must be finite with 0 <= low < high, got [{low}, {high}]"),
                ));
            }
        }
        in_range("floor_window_ms", self.floor_window_ms, self.hop_ms, MINUTE)?;
        in_range("floor_percentile", self.floor_percentile, 0.0, 100.0)?;
        in_range("floor_min_db", self.floor_min_db, -190.0, 100.0)?;
        in_range("on_db", self.on_db, 0.0, 100.0)?;
        in_range("off_db", self.off_db, 0.0, self.on_db)?;
        in_range("edge_db", self.edge_db, 0.0, self.off_db)?;
        in_range("min_speech_ms", self.min_speech_ms, 0.0, MINUTE)?;
        in_range("min_silence_ms", self.min_silence_ms, 0.0, MINUTE)?;
        in_range("padding_ms", self.padding_ms, 0.0, MINUTE)?;
        in_range(
            "max_segment_ms",
            self.max_segment_ms,
            2.0 * self.hop_ms,
            1440.0 * MINUTE,
        )?;
        Ok(())
    }
}

/// One speech segment: samples `start..end` of the signal (end exclusive), padding included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Segment {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

impl Segment {
    /// Length in samples.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the segment has no samples (never true of a segment the segmenter returns).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Start in seconds at `sample_rate` (0 Hz gives 0).
    pub fn start_seconds(&self, sample_rate: u32) -> f64 {
        seconds(self.start, sample_rate)
    }

    /// End in seconds at `sample_rate` (0 Hz gives 0).
    pub fn end_seconds(&self, sample_rate: u32) -> f64 {
        seconds(self.end, sample_rate)
    }

    /// Duration in seconds at `sample_rate` (0 Hz gives 0).
    pub fn duration_seconds(&self, sample_rate: u32) -> f64 {
        seconds(self.len(), sample_rate)
    }
}

fn seconds(samples: usize, sample_rate: u32) -> f64 {
    if sample_rate == 0 {
        0.0
    } else {
        samples as f64 / f64::from(sample_rate)
    }
}

/// The segments of a whole signal: [`Vad::new`], one [`Vad::push`], [`Vad::finish`]. An
/// empty signal has no segments.
///
/// # Errors
/// [`FeatureError::InvalidParameter`] for bad parameters or sample rate,
/// [`FeatureError::NonFiniteSample`] / [`FeatureError::SampleOutOfRange`] for a NaN, an
/// infinity or a sample beyond [`MAX_SAMPLE_MAGNITUDE`](crate::signal::MAX_SAMPLE_MAGNITUDE).
pub fn segments(samples: &[f32], sample_rate: u32, params: &VadParams) -> Result<Vec<Segment>> {
    let mut vad = Vad::new(sample_rate, params)?;
    let mut found = vad.push(samples)?;
    found.extend(vad.finish());
    Ok(found)
}

/// A second-order section, transposed direct form II, in `f64`.
#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    /// Butterworth (Q = 1/√2) high-pass or low-pass at `hz` (RBJ's cookbook).
    fn butterworth(hz: f64, sample_rate: f64, high_pass: bool) -> Self {
        let w0 = std::f64::consts::TAU * hz / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / std::f64::consts::SQRT_2;
        let a0 = 1.0 + alpha;
        let b = if high_pass {
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0]
        } else {
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0]
        };
        Self {
            b: b.map(|v| v / a0),
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    fn process(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// One analysed band: its filter, its last frame and its noise-floor window.
#[derive(Debug, Clone)]
struct Band {
    filters: Vec<Biquad>,
    /// Squared filtered samples of the last frame, indexed by sample number modulo frame length.
    power: Vec<f64>,
    /// Levels of the last frames, dB.
    floor_window: VecDeque<f64>,
}

/// Per-frame facts kept in the look-back window.
#[derive(Debug, Clone, Copy)]
struct FrameInfo {
    /// Largest excess of a band's level over its noise floor, dB.
    level: f64,
    /// Whether the level was above the floor plus `off_db`.
    above_off: bool,
    /// Each band's level over its floor, dB.
    excess: [f64; MAX_BANDS],
}

/// The segment being built.
#[derive(Debug, Clone, Copy)]
struct Open {
    /// The frame that turned speech.
    onset: usize,
    /// First sample of the piece (padding included, or the last cut).
    start: usize,
    /// Last speech frame.
    last_on: usize,
    /// Whether the piece continues one cut at the maximum length.
    continued: bool,
}

/// A streaming voice-activity segmenter (see the [module docs](self)). `Send + Sync`; one per
/// stream.
#[derive(Debug, Clone)]
pub struct Vad {
    params: VadParams,
    sample_rate: u32,
    frame_len: usize,
    hop: usize,
    /// Region start of frame 0: frame `k` stands for samples
    /// `offset + k·hop .. offset + (k+1)·hop`, the hop around its centre.
    offset: usize,
    pad: usize,
    min_speech: usize,
    min_silence_frames: usize,
    max_len: usize,
    cut_window: usize,
    backtrack_frames: usize,
    bands: Vec<Band>,
    /// Samples pushed so far.
    seen: usize,
    /// Frames completed so far.
    frames: usize,
    floor_capacity: usize,
    floor_scratch: Vec<f64>,
    /// The last frames (the newest is frame `frames - 1`).
    look_back: VecDeque<FrameInfo>,
    look_back_capacity: usize,
    speaking: bool,
    open: Option<Open>,
    /// End of the last segment returned.
    last_end: usize,
}

fn ms_to_samples(ms: f32, sample_rate: u32) -> usize {
    (f64::from(ms) * f64::from(sample_rate) / 1000.0).round() as usize
}

impl Vad {
    /// Builds a segmenter for a stream at `sample_rate` Hz.
    ///
    /// # Errors
    /// [`FeatureError::InvalidParameter`] for bad parameters, a sample rate outside
    /// 1000–768 000 Hz or no band below the Nyquist frequency.
    pub fn new(sample_rate: u32, params: &VadParams) -> Result<Self> {
        params.check()?;
        if !(1000..=768_000).contains(&sample_rate) {
            return Err(invalid(
                "sample_rate",
                format!("must lie in 1000..=768000 Hz, got {sample_rate}"),
            ));
        }
        let fs = f64::from(sample_rate);
        let nyquist = fs / 2.0;
        let frame_len = ms_to_samples(params.frame_ms, sample_rate).max(1);
        let hop = ms_to_samples(params.hop_ms, sample_rate).clamp(1, frame_len);
        let pad = ms_to_samples(params.padding_ms, sample_rate);
        let min_silence = ms_to_samples(params.min_silence_ms, sample_rate);
        let max_len = ms_to_samples(params.max_segment_ms, sample_rate).max(2 * hop);
        let cut_window = (max_len / 2)
            .min(ms_to_samples(CUT_SEARCH_MS as f32, sample_rate))
            .max(hop);
        let floor_capacity = ms_to_samples(params.floor_window_ms, sample_rate)
            .div_ceil(hop)
            .max(1);
        let bands: Vec<Band> = params
            .bands_hz
            .iter()
            .map(|&[low, high]| (f64::from(low), f64::from(high)))
            .filter(|&(low, _)| low < nyquist)
            .map(|(low, high)| {
                let mut filters = Vec::new();
                if low > 0.0 {
                    filters.push(Biquad::butterworth(low, fs, true));
                }
                if high < nyquist {
                    filters.push(Biquad::butterworth(high, fs, false));
                }
                Band {
                    filters,
                    power: vec![0.0; frame_len],
                    floor_window: VecDeque::with_capacity(floor_capacity),
                }
            })
            .collect();
        if bands.is_empty() {
            return Err(invalid(
                "bands_hz",
                format!("no band starts below the Nyquist frequency {nyquist} Hz"),
            ));
        }
        let min_silence_frames = min_silence.div_ceil(hop).max(1);
        // The onset look-back may reach back as far as the pause that splits segments.
        let backtrack_frames = min_silence_frames;
        // A cut looks back over the cut window, plus a pause bridged inside the segment.
        let hangover = (min_silence_frames + 1) * hop + pad + frame_len;
        let look_back_capacity =
            ((cut_window + hangover).div_ceil(hop) + 2).max(backtrack_frames + 1);
        Ok(Self {
            params: params.clone(),
            sample_rate,
            frame_len,
            hop,
            offset: (frame_len - hop) / 2,
            pad,
            min_speech: ms_to_samples(params.min_speech_ms, sample_rate),
            min_silence_frames,
            max_len,
            cut_window,
            backtrack_frames,
            bands,
            seen: 0,
            frames: 0,
            floor_capacity,
            floor_scratch: Vec::with_capacity(floor_capacity),
            look_back: VecDeque::with_capacity(look_back_capacity),
            look_back_capacity,
            speaking: false,
            open: None,
            last_end: 0,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &VadParams {
        &self.params
    }

    /// The sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Samples pushed so far.
    pub fn samples_seen(&self) -> usize {
        self.seen
    }

    /// Feeds the next block of samples (any length, empty included) and returns the segments
    /// that became final, in order. Segment positions count from the first sample ever pushed.
    ///
    /// # Errors
    /// [`FeatureError::NonFiniteSample`] / [`FeatureError::SampleOutOfRange`] (with the
    /// index counted from the start of the stream) for a NaN, an infinity or a sample beyond
    /// [`MAX_SAMPLE_MAGNITUDE`](crate::signal::MAX_SAMPLE_MAGNITUDE); the block is then
    /// ignored as a whole and the segmenter stays usable.
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<Segment>> {
        crate::stream::check_chunk(samples, self.seen)?;
        let mut out = Vec::new();
        let frame_len = self.frame_len;
        for &x in samples {
            let slot = self.seen % frame_len;
            for band in &mut self.bands {
                let mut y = f64::from(x);
                for f in &mut band.filters {
                    y = f.process(y);
                }
                band.power[slot] = y * y;
            }
            self.seen += 1;
            if self.seen == self.frames * self.hop + frame_len {
                self.frame(&mut out);
            }
        }
        Ok(out)
    }

    /// Ends the stream and returns the segments still pending. Speech still going on at the
    /// end of the stream ends with the last sample.
    pub fn finish(mut self) -> Vec<Segment> {
        let mut out = Vec::new();
        let Some(open) = self.open else {
            return out;
        };
        let total = self.seen;
        let running = self.speaking && self.frames.checked_sub(1) == Some(open.last_on);
        let end = if running {
            total
        } else {
            self.weak_end(open.last_on, total).min(total)
        };
        self.cut_until(end, &mut out);
        if let Some(open) = self.open.take() {
            self.close(open, end, total, &mut out);
        }
        out
    }

    /// First sample of frame `k`'s region.
    fn region_start(&self, k: usize) -> usize {
        self.offset.saturating_add(k.saturating_mul(self.hop))
    }

    /// The level of frame `k` if it is still in the look-back window.
    fn look(&self, k: usize) -> Option<FrameInfo> {
        let back = self.frames.checked_sub(1)?.checked_sub(k)?;
        let len = self.look_back.len();
        if back < len {
            self.look_back.get(len - 1 - back).copied()
        } else {
            None
        }
    }

    /// Processes the frame that has just completed (frame number `self.frames`).
    fn frame(&mut self, out: &mut Vec<Segment>) {
        let k = self.frames;
        let floor_min = f64::from(self.params.floor_min_db);
        let percentile = f64::from(self.params.floor_percentile);
        let mut level = f64::NEG_INFINITY;
        let mut excess = [0.0; MAX_BANDS];
        for (band, excess) in self.bands.iter_mut().zip(&mut excess) {
            let energy = band.power.iter().sum::<f64>() / self.frame_len as f64;
            let band_level = if energy > 0.0 {
                (10.0 * energy.log10()).max(SILENT_DB)
            } else {
                SILENT_DB
            };
            if band.floor_window.len() == self.floor_capacity {
                band.floor_window.pop_front();
            }
            band.floor_window.push_back(band_level);
            let floor = percentile_of(&band.floor_window, percentile, &mut self.floor_scratch);
            *excess = band_level - floor.max(floor_min);
            level = level.max(*excess);
        }
        let above_on = level > f64::from(self.params.on_db);
        let above_off = level > f64::from(self.params.off_db);
        let on = if self.speaking { above_off } else { above_on };
        self.speaking = on;
        // Onset look-back reads the frames before this one, so it runs before this one is
        // stored.
        if on && self.open.is_none() {
            let mut first = k;
            while first > 0
                && k - first < self.backtrack_frames
                && self.region_start(first - 1) >= self.last_end
                && (self.look(first - 1).is_some_and(|f| f.above_off)
                    || self.weak_speech(first - 1))
            {
                first -= 1;
            }
            let start = self
                .region_start(first)
                .saturating_sub(self.pad)
                .max(self.last_end);
            self.open = Some(Open {
                onset: k,
                start,
                last_on: k,
                continued: false,
            });
        }
        if self.look_back.len() == self.look_back_capacity {
            self.look_back.pop_front();
        }
        self.look_back.push_back(FrameInfo {
            level,
            above_off,
            excess,
        });
        self.frames += 1;

        let Some(mut open) = self.open else {
            return;
        };
        if on {
            open.last_on = k;
            self.open = Some(open);
            self.cut_until(self.region_start(k + 1), out);
        } else {
            let end = self.region_start(open.last_on + 1);
            let clock = k * self.hop + self.frame_len;
            if k - open.last_on >= self.min_silence_frames && clock >= end.saturating_add(self.pad)
            {
                self.open = None;
                let end = self.weak_end(open.last_on, clock);
                self.close(open, end, usize::MAX, out);
            }
        }
    }

    /// Whether frame `j` is weak speech: for some band, the median excess over the frames
    /// within [`EDGE_HALF`] of `j` that have been seen and are still kept is above `edge_db`.
    fn weak_speech(&self, j: usize) -> bool {
        let edge = f64::from(self.params.edge_db);
        let mut values = [[0.0f64; 2 * EDGE_HALF + 1]; MAX_BANDS];
        let mut n = 0usize;
        for i in j.saturating_sub(EDGE_HALF)..=j.saturating_add(EDGE_HALF) {
            if let Some(f) = self.look(i) {
                for (v, e) in values.iter_mut().zip(&f.excess) {
                    v[n] = *e;
                }
                n += 1;
            }
        }
        n > 0
            && values[..self.bands.len()].iter_mut().any(|v| {
                let v = &mut v[..n];
                v.sort_by(f64::total_cmp);
                v[n / 2] > edge
            })
    }

    /// The end of speech whose last speech frame is `last_on`, extended over the weak speech
    /// that follows it, as far as its padding stays within the first `clock` samples.
    fn weak_end(&self, last_on: usize, clock: usize) -> usize {
        let mut last = last_on;
        while last - last_on < self.backtrack_frames
            && self.region_start(last + 2).saturating_add(self.pad) <= clock
            && self.weak_speech(last + 1)
        {
            last += 1;
        }
        self.region_start(last + 1)
    }

    /// Emits pieces of the open segment until one ending at `end` fits the maximum length.
    fn cut_until(&mut self, end: usize, out: &mut Vec<Segment>) {
        while let Some(mut open) = self.open {
            let limit = open.start.saturating_add(self.max_len);
            if end <= limit {
                return;
            }
            // The quietest frame whose region starts within the last `cut_window` before the
            // limit; ties go to the latest (the longest piece).
            let lo = limit.saturating_sub(self.cut_window);
            let first_k = lo.saturating_sub(self.offset).div_ceil(self.hop);
            let mut best: Option<(usize, f64)> = None;
            let mut k = first_k;
            while self.region_start(k) <= limit && self.region_start(k) < end {
                let level = self.look(k).map_or(f64::INFINITY, |f| f.level);
                if best.is_none_or(|(_, b)| level <= b) {
                    best = Some((k, level));
                }
                k += 1;
            }
            let cut = best.map_or(limit, |(k, _)| self.region_start(k));
            let cut = cut.min(limit).max(open.start + 1);
            out.push(Segment {
                start: open.start,
                end: cut,
            });
            self.last_end = cut;
            open.start = cut;
            open.continued = true;
            self.open = Some(open);
        }
    }

    /// Emits the segment whose speech ends at sample `end` (before padding), unless its
    /// frames above the thresholds span less than `min_speech`; `total` bounds the padded end.
    fn close(&mut self, open: Open, end: usize, total: usize, out: &mut Vec<Segment>) {
        let speech = self
            .region_start(open.last_on + 1)
            .min(end)
            .saturating_sub(self.region_start(open.onset));
        if !open.continued && speech < self.min_speech {
            return;
        }
        let padded = end
            .saturating_add(self.pad)
            .min(open.start.saturating_add(self.max_len))
            .min(total);
        if padded > open.start {
            out.push(Segment {
                start: open.start,
                end: padded,
            });
            self.last_end = padded;
        }
    }
}

/// The `percentile` (0–100, nearest rank) of `window`, sorted in `scratch`.
fn percentile_of(window: &VecDeque<f64>, percentile: f64, scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend(window.iter().copied());
    let n = scratch.len();
    if n == 0 {
        return SILENT_DB;
    }
    let rank = ((percentile / 100.0 * (n - 1) as f64).round() as usize).min(n - 1);
    let (_, v, _) = scratch.select_nth_unstable_by(rank, f64::total_cmp);
    *v
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SR: u32 = 16_000;
    /// The default padding, s.
    const PAD: f64 = 0.0;

    /// A 440 Hz tone of amplitude 0.3 between `from` and `to` seconds, silence elsewhere,
    /// `len` seconds long.
    fn bursts(len: f32, spans: &[(f32, f32)]) -> Vec<f32> {
        (0..(len * SR as f32) as usize)
            .map(|n| {
                let t = n as f32 / SR as f32;
                if spans.iter().any(|&(a, b)| t >= a && t < b) {
                    0.3 * (std::f32::consts::TAU * 440.0 * t).sin()
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Like [`bursts`], with the tone's amplitude modulated at a syllable rate (4 Hz, from
    /// 0.1 to 1): long stretches of it stay speech, unlike a steady tone, which is hum.
    fn syllables(len: f32, spans: &[(f32, f32)]) -> Vec<f32> {
        let mut x = bursts(len, spans);
        for (n, v) in x.iter_mut().enumerate() {
            let t = n as f32 / SR as f32;
            *v *= 0.55 + 0.45 * (std::f32::consts::TAU * 4.0 * t).sin();
        }
        x
    }

    fn run(x: &[f32]) -> Vec<Segment> {
        segments(x, SR, &VadParams::default()).unwrap()
    }

    fn streamed(x: &[f32], block: usize, params: &VadParams) -> Vec<Segment> {
        let mut vad = Vad::new(SR, params).unwrap();
        let mut found = Vec::new();
        for chunk in x.chunks(block) {
            found.extend(vad.push(chunk).unwrap());
        }
        found.extend(vad.finish());
        found
    }

    /// Within a frame of `want` seconds.
    fn near(got: f64, want: f64) {
        let p = VadParams::default();
        assert_eq!(f64::from(p.padding_ms) / 1000.0, PAD);
        let tol = f64::from(p.frame_ms) / 1000.0;
        assert!((got - want).abs() <= tol, "{got} vs {want} (±{tol})");
    }

    #[test]
    fn silence_and_empty_have_no_segments() {
        assert!(run(&[]).is_empty());
        assert!(run(&vec![0.0; 5 * SR as usize]).is_empty());
        assert!(run(&[0.5; 10]).is_empty());
    }

    #[test]
    fn steady_noise_and_hum_have_no_segments() {
        let hum = bursts(10.0, &[(0.0, 10.0)]);
        assert!(run(&hum).is_empty());
        // A deterministic white-ish noise (LCG), loud and quiet.
        for amp in [0.5f32, 1e-3] {
            let mut s = 12_345u32;
            let x: Vec<f32> = (0..10 * SR as usize)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    amp * ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5)
                })
                .collect();
            assert!(run(&x).is_empty(), "amplitude {amp}");
        }
    }

    #[test]
    fn one_burst_one_segment() {
        let x = bursts(3.0, &[(1.0, 2.0)]);
        let s = run(&x);
        assert_eq!(s.len(), 1, "{s:?}");
        near(s[0].start_seconds(SR), 1.0 - PAD);
        near(s[0].end_seconds(SR), 2.0 + PAD);
    }

    #[test]
    fn short_gap_merges_long_gap_splits() {
        let s = run(&bursts(4.0, &[(1.0, 1.5), (1.7, 2.5)]));
        assert_eq!(s.len(), 1, "{s:?}");
        near(s[0].start_seconds(SR), 1.0 - PAD);
        near(s[0].end_seconds(SR), 2.5 + PAD);
        let s = run(&bursts(4.0, &[(1.0, 1.5), (2.0, 2.5)]));
        assert_eq!(s.len(), 2, "{s:?}");
        near(s[0].end_seconds(SR), 1.5 + PAD);
        near(s[1].start_seconds(SR), 2.0 - PAD);
    }

    #[test]
    fn too_short_a_burst_is_dropped() {
        assert!(run(&bursts(3.0, &[(1.0, 1.08)])).is_empty());
    }

    #[test]
    fn long_speech_is_cut_into_tiling_pieces() {
        let x = syllables(32.0, &[(1.0, 31.0)]);
        let s = run(&x);
        let max = VadParams::default().max_segment_ms as usize * SR as usize / 1000;
        assert!(s.len() >= 3, "{s:?}");
        for w in s.windows(2) {
            assert_eq!(w[0].end, w[1].start, "{s:?}");
        }
        assert!(s.iter().all(|g| g.len() <= max && !g.is_empty()), "{s:?}");
        near(s[0].start_seconds(SR), 1.0 - PAD);
        near(s[s.len() - 1].end_seconds(SR), 31.0 + PAD);
    }

    #[test]
    fn cuts_fall_in_pauses() {
        // 14 s of speech with a 0.2 s pause (bridged) at 8.5 s: the 10 s limit cuts in it.
        let x = syllables(16.0, &[(1.0, 8.5), (8.7, 15.0)]);
        let s = run(&x);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].end, s[1].start);
        let cut = s[0].end_seconds(SR);
        assert!((8.5..=8.7).contains(&cut), "{s:?}");
    }

    #[test]
    fn speech_to_the_end_ends_with_the_signal() {
        let x = bursts(2.0, &[(1.0, 2.0)]);
        let s = run(&x);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].end, x.len());
    }

    #[test]
    fn streaming_equals_whole_for_any_block_size() {
        let mut x = syllables(
            33.0,
            &[
                (0.5, 0.9),
                (1.0, 1.5),
                (2.0, 2.2),
                (3.0, 16.0),
                (16.1, 30.0),
            ],
        );
        // Some noise, so that levels are not exact ties.
        let mut s = 7u32;
        for v in &mut x {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *v += 0.003 * ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5);
        }
        for params in [
            VadParams::default(),
            VadParams::default()
                .max_segment_ms(3000.0)
                .padding_ms(400.0),
            VadParams::default()
                .bands_hz(vec![[0.0, 1e6]])
                .min_silence_ms(0.0),
        ] {
            let whole = segments(&x, SR, &params).unwrap();
            assert!(!whole.is_empty());
            for block in [1, 7, 160, 441, 4096, x.len()] {
                assert_eq!(
                    streamed(&x, block, &params),
                    whole,
                    "block {block}, {params:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Random bursts in random noise, cut into random blocks: the stream gives the
        /// segments of the whole.
        #[test]
        fn streaming_equals_whole_for_random_blocks(
            seed in proptest::prelude::any::<u32>(),
            blocks in proptest::collection::vec(1usize..5000, 1..12),
        ) {
            let mut s = seed;
            let mut next = move || {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32
            };
            let spans: Vec<(f32, f32)> = (0..4)
                .map(|_| {
                    let a = 4.0 * next();
                    (a, a + 0.8 * next())
                })
                .collect();
            let noise = 0.1 * next().powi(3);
            let x: Vec<f32> = syllables(5.0, &spans)
                .into_iter()
                .map(|v| v + noise * (next() - 0.5))
                .collect();
            let params = VadParams::default().max_segment_ms(500.0);
            let whole = segments(&x, SR, &params).unwrap();
            let mut vad = Vad::new(SR, &params).unwrap();
            let mut found = Vec::new();
            let mut rest = &x[..];
            for &b in blocks.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (head, tail) = rest.split_at(b.min(rest.len()));
                found.extend(vad.push(head).unwrap());
                rest = tail;
            }
            found.extend(vad.finish());
            proptest::prop_assert_eq!(found, whole);
        }
    }

    #[test]
    fn segments_come_out_in_time() {
        // A segment is final at most max(min_silence, padding) + a frame after its speech.
        let x = bursts(6.0, &[(1.0, 2.0), (3.0, 4.0)]);
        let mut vad = Vad::new(SR, &VadParams::default()).unwrap();
        let p = VadParams::default();
        let lag =
            ((p.min_silence_ms.max(p.padding_ms) + 2.0 * p.frame_ms) / 1000.0 * SR as f32) as usize;
        let mut first_seen = None;
        for (i, chunk) in x.chunks(80).enumerate() {
            if !vad.push(chunk).unwrap().is_empty() && first_seen.is_none() {
                first_seen = Some((i + 1) * 80);
            }
        }
        let at = first_seen.unwrap();
        assert!(at <= 2 * SR as usize + lag, "{at}");
    }

    #[test]
    fn bad_samples_are_errors_and_the_stream_goes_on() {
        let p = VadParams::default();
        assert!(matches!(
            segments(&[0.0, f32::NAN], SR, &p),
            Err(FeatureError::NonFiniteSample { index: 1, .. })
        ));
        assert!(matches!(
            segments(&[f32::INFINITY], SR, &p),
            Err(FeatureError::NonFiniteSample { index: 0, .. })
        ));
        assert!(matches!(
            segments(&[0.0, 0.0, 1e30], SR, &p),
            Err(FeatureError::SampleOutOfRange { index: 2, .. })
        ));
        let mut vad = Vad::new(SR, &p).unwrap();
        vad.push(&[0.0; 100]).unwrap();
        assert!(matches!(
            vad.push(&[0.0, f32::NAN]),
            Err(FeatureError::NonFiniteSample { index: 101, .. })
        ));
        assert_eq!(vad.samples_seen(), 100);
        // Huge but accepted values: no overflow, no panic.
        let big = bursts(3.0, &[(1.0, 2.0)])
            .iter()
            .map(|v| v * 3e12)
            .collect::<Vec<_>>();
        assert_eq!(run(&big).len(), 1);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let d = VadParams::default();
        assert!(d.check().is_ok());
        for p in [
            d.clone().frame_ms(0.0),
            d.clone().frame_ms(f32::NAN),
            d.clone().hop_ms(30.0),
            d.clone().bands_hz(vec![[300.0, 200.0]]),
            d.clone().bands_hz(vec![]),
            d.clone().floor_percentile(101.0),
            d.clone().thresholds_db(3.0, 6.0),
            d.clone().min_silence_ms(-1.0),
            d.clone().padding_ms(f32::INFINITY),
            d.clone().max_segment_ms(5.0),
        ] {
            assert!(
                matches!(p.check(), Err(FeatureError::InvalidParameter { .. })),
                "{p:?}"
            );
            assert!(Vad::new(SR, &p).is_err());
        }
        assert!(Vad::new(0, &d).is_err());
        assert!(Vad::new(u32::MAX, &d).is_err());
        // The band's lower edge above Nyquist at 1 kHz.
        assert!(Vad::new(1000, &d.clone().bands_hz(vec![[600.0, 800.0]])).is_err());
        assert!(Vad::new(1000, &d).is_ok());
    }

    #[test]
    fn params_round_trip_and_fill_defaults() {
        let p = VadParams::default().min_silence_ms(500.0);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<VadParams>(&json).unwrap(), p);
        let partial: VadParams = serde_json::from_str(r#"{"padding_ms": 50.0}"#).unwrap();
        assert_eq!(partial, VadParams::default().padding_ms(50.0));
    }

    #[test]
    fn segment_helpers() {
        let s = Segment {
            start: 8000,
            end: 24_000,
        };
        assert_eq!(s.len(), 16_000);
        assert!((s.start_seconds(SR) - 0.5).abs() < 1e-12);
        assert!((s.end_seconds(SR) - 1.5).abs() < 1e-12);
        assert!((s.duration_seconds(SR) - 1.0).abs() < 1e-12);
        assert_eq!(s.start_seconds(0), 0.0);
    }

    #[test]
    fn vad_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Vad>();
    }
}
