//! Long recordings: the speech segments a voice-activity segmenter finds, each predicted, with
//! the recording decoded block by block so that memory does not grow with its length.

use std::path::{Path, PathBuf};

use ser_audio::AudioReader;
use ser_features::vad::{Segment, Vad, VadParams};

use crate::error::{PipelineError, Result};
use crate::fitted::{FittedPipeline, SpeakerContext, StatsSource};
use crate::predict::{Grouping, context, stack_rows};

/// One speech segment of a recording and its prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentPrediction {
    /// Start, seconds from the beginning of the recording.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Class probabilities (the pipeline's class order, summing to 1), or why the segment's
    /// features could not be computed.
    pub probabilities: std::result::Result<Vec<f32>, String>,
}

/// A recording split into speech segments and predicted ([`predict_segments`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentedRecording {
    /// The recording.
    pub file: PathBuf,
    /// Its length, seconds (at the pipeline's rate).
    pub duration: f64,
    /// The speech segments found, in order; empty when no speech was found.
    pub segments: Vec<SegmentPrediction>,
    /// Where the speaker statistics came from ([`StatsSource::None`] when the pipeline does
    /// not normalise per speaker).
    pub normalisation: StatsSource,
}

/// Splits the recording at `path` into speech segments ([`ser_features::vad`] with `vad`) and
/// predicts each with `pipeline`, its features computed on the segment's samples.
///
/// The file is decoded, resampled to the pipeline's rate and segmented block by block
/// ([`AudioReader`]): only the samples a segment still to come may need are kept (about the
/// longest segment plus the segmenter's latency), and one feature row per segment, so a
/// two-hour recording needs about as much memory as a minute of it. A pipeline that
/// normalises per speaker uses the statistics of the speaker clips in `grouping`
/// ([`Grouping::SpeakerClips`]), and otherwise takes the recording as one speaker and uses the
/// statistics of its own segments ([`StatsSource::SameSpeaker`]; "adapted" to the speaker).
///
/// # Errors
/// [`PipelineError::Audio`] when the file cannot be opened or decoding fails (naming it);
/// [`PipelineError::Features`] for bad segmenter parameters; the context's and the model's
/// errors.
pub fn predict_segments(
    pipeline: &FittedPipeline,
    path: &Path,
    vad: &VadParams,
    grouping: &Grouping,
) -> Result<SegmentedRecording> {
    let opts = pipeline
        .spec()
        .features
        .load_options()
        .offset(0.0)
        .duration(None);
    let mut reader = AudioReader::open(path, &opts)?;
    let rate = reader.sample_rate();
    let mut segmenter = Vad::new(rate, vad)?;
    // Samples from `base` on; a segment still to come starts at or after `keep_from`.
    let keep = keep_span(vad, rate);
    let (mut kept, mut base) = (Vec::<f32>::new(), 0usize);
    let mut block = Vec::new();
    let mut found: Vec<(Segment, std::result::Result<Vec<f32>, String>)> = Vec::new();
    let row_of = |kept: &[f32], base: usize, s: Segment| -> Result<Vec<f32>> {
        let lo = s
            .start
            .checked_sub(base)
            .ok_or_else(|| PipelineError::Unusable {
                reason: format!(
                    "segment at sample {} of {} starts before the samples kept (from {base})",
                    s.start,
                    path.display()
                ),
            })?;
        let hi = (s.end - base).min(kept.len());
        pipeline.features_of_samples(&kept[lo.min(hi)..hi], rate, path)
    };
    let mut take = |kept: &[f32], base: usize, done: Vec<Segment>| -> Result<()> {
        for s in done {
            let row = match row_of(kept, base, s) {
                Ok(r) => Ok(r),
                Err(e @ PipelineError::Unusable { .. }) => return Err(e),
                Err(e) => Err(e.to_string()),
            };
            found.push((s, row));
        }
        Ok(())
    };
    while reader.read(&mut block)? {
        kept.extend_from_slice(&block);
        let done = segmenter.push(&block)?;
        block.clear();
        let last_end = done.last().map(|s| s.end);
        take(&kept, base, done)?;
        let seen = segmenter.samples_seen();
        let keep_from = seen
            .saturating_sub(keep)
            .max(last_end.unwrap_or(0))
            .max(base);
        let drop = keep_from - base;
        if drop > 0 && drop * 2 >= kept.len() {
            kept.drain(..drop);
            base = keep_from;
        }
    }
    let total = segmenter.samples_seen();
    take(&kept, base, segmenter.finish())?;
    let duration = total as f64 / f64::from(rate.max(1));
    let ok: Vec<usize> = (0..found.len()).filter(|&i| found[i].1.is_ok()).collect();
    let mut probs: Vec<Option<Vec<f32>>> = vec![None; found.len()];
    let mut normalisation = if pipeline.per_speaker() {
        StatsSource::SameSpeaker
    } else {
        StatsSource::None
    };
    if !ok.is_empty() {
        let x = stack_rows(
            pipeline,
            ok.iter()
                .filter_map(|&i| found[i].1.as_ref().ok().map(Vec::as_slice)),
        )?;
        let paths: Vec<&Path> = vec![path; ok.len()];
        let grouping = match grouping {
            Grouping::SpeakerClips(_) => grouping,
            _ => &Grouping::SameSpeaker,
        };
        let ctx: SpeakerContext = context(pipeline, &x, &paths, grouping)?;
        if let Some((_, source)) = ctx.stats.first() {
            normalisation = *source;
        }
        let p = pipeline.predict_rows(x.view(), &ctx)?;
        for (r, &i) in ok.iter().enumerate() {
            probs[i] = Some(p.probabilities.row(r).to_vec());
        }
    }
    let segments = found
        .into_iter()
        .zip(probs)
        .map(|((s, row), p)| SegmentPrediction {
            start: s.start_seconds(rate),
            end: s.end_seconds(rate),
            probabilities: match (row, p) {
                (Err(e), _) => Err(e),
                (Ok(_), Some(p)) => Ok(p),
                (Ok(_), None) => Err("no prediction".into()),
            },
        })
        .collect();
    Ok(SegmentedRecording {
        file: path.to_path_buf(),
        duration,
        segments,
        normalisation,
    })
}

/// Samples before the newest that a segment still to come may reach back to: the longest
/// segment, the segmenter's latency (pause, padding, one frame) and a second to spare.
fn keep_span(vad: &VadParams, rate: u32) -> usize {
    let ms = vad.max_segment_ms + vad.min_silence_ms + 2.0 * vad.padding_ms + vad.frame_ms;
    ((f64::from(ms) / 1000.0 + 1.0) * f64::from(rate)).ceil() as usize
}
