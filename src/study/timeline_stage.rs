//! Stage 7 (with `--timeline FILE`): the emotion over time of long recordings, segment by
//! segment with the saved best model.

use std::path::{Path, PathBuf};

use ser_features::vad::VadParams;
use ser_pipeline::{FittedPipeline, Grouping, predict_segments};

use super::Stages;
use super::results::TimelineResult;
use crate::plots::{TimelineSegment, emotion_timeline};

/// Recordings no longer than this (seconds) get no timeline: a clip is one prediction.
pub const TIMELINE_MIN_S: f64 = 10.0;

/// The timeline of each recording in `files` with the model saved at `model`; a recording that
/// fails (unreadable, too short, no speech) gets its reason instead of a plot, and the study
/// goes on.
pub(crate) fn run(
    files: &[PathBuf],
    model: Option<&Path>,
    out: &Path,
    stages: &Stages,
) -> Vec<TimelineResult> {
    let pipeline = model.map(FittedPipeline::load);
    files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let mut result = TimelineResult {
                file: file.clone(),
                plot: None,
                duration: None,
                segments: Vec::new(),
                error: None,
            };
            let outcome = match &pipeline {
                None => Err("no model was saved (no model could be trained)".to_string()),
                Some(Err(e)) => Err(format!("the saved model cannot be loaded: {e}")),
                Some(Ok(p)) => one(p, file, i, out, &mut result),
            };
            match outcome {
                Ok(()) => stages.say(format!(
                    "{}: {} speech segments over {:.1} s",
                    file.display(),
                    result.segments.len(),
                    result.duration.unwrap_or(0.0)
                )),
                Err(e) => {
                    stages.say(format!("{}: no timeline: {e}", file.display()));
                    result.error = Some(e);
                }
            }
            result
        })
        .collect()
}

fn one(
    pipeline: &FittedPipeline,
    file: &Path,
    index: usize,
    out: &Path,
    result: &mut TimelineResult,
) -> Result<(), String> {
    let rec = predict_segments(pipeline, file, &VadParams::default(), &Grouping::None)
        .map_err(|e| e.to_string())?;
    result.duration = Some(rec.duration);
    if rec.duration <= TIMELINE_MIN_S {
        return Err(format!(
            "{:.1} s long; a timeline needs more than {TIMELINE_MIN_S} s",
            rec.duration
        ));
    }
    let segments: Vec<TimelineSegment> = rec
        .segments
        .iter()
        .filter_map(|s| {
            s.probabilities.as_ref().ok().map(|p| TimelineSegment {
                start: s.start,
                end: s.end,
                probabilities: p.clone(),
            })
        })
        .collect();
    if segments.is_empty() {
        return Err("no speech segment found".into());
    }
    let classes = pipeline.classes();
    result.segments = segments
        .iter()
        .map(|s| {
            let (best, score) = ser_models::argmax(&s.probabilities);
            super::results::TimelinePoint {
                start: s.start,
                end: s.end,
                emotion: classes.get(best).cloned().unwrap_or_default(),
                score,
            }
        })
        .collect();
    let name = format!("timeline_{index}.png");
    let title = format!(
        "Emotion over time: {}",
        file.file_name().unwrap_or_default().to_string_lossy()
    );
    emotion_timeline(&out.join(&name), &title, classes, &segments, rec.duration)
        .map_err(|e| e.to_string())?;
    result.plot = Some(name);
    Ok(())
}
