//! Predicting recordings with a [`FittedPipeline`]: the speaker context the caller knows
//! ([`Grouping`]), one [`FilePrediction`] per file (a bad file is its own error; the others
//! still go through), and per-window predictions of long recordings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::error::{PipelineError, Result};
use crate::fitted::{FittedPipeline, SpeakerContext, StatsSource};

/// What is known of the speakers of the files predicted together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// Nothing: a per-speaker pipeline uses its training fallback.
    None,
    /// Unlabelled clips of the (one) speaker of every file, given apart (files or folders).
    SpeakerClips(Vec<PathBuf>),
    /// All the files are one speaker: normalised over themselves.
    SameSpeaker,
    /// Each folder is one speaker: files normalised over their folder's files.
    ByFolder,
}

/// One window of a long recording.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPrediction {
    /// Start, seconds from the beginning of the file.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Class probabilities, or why this window failed.
    pub probabilities: std::result::Result<Vec<f32>, String>,
}

/// The prediction for one file.
#[derive(Debug)]
pub struct FilePrediction {
    /// The file.
    pub file: PathBuf,
    /// Class probabilities (summing to 1) and where the normalisation came from, or why the
    /// file failed. A file where no speech was heard gets every class equally likely.
    pub outcome: Result<(Vec<f32>, StatsSource)>,
    /// `Some(peak level in dBFS)` when no speech was heard: the loudest 1024-sample frame is
    /// below [`SPEECH_FLOOR_DBFS`]. Such a file is not predicted and takes no part in the
    /// others' statistics or self-training.
    pub no_speech: Option<f32>,
}

/// A recording whose loudest 1024-sample frame (RMS) stays below this level, in dB relative to
/// full scale, holds no speech to judge (silence, or near-silence such as a noise floor).
pub const SPEECH_FLOOR_DBFS: f32 = -50.0;

/// The RMS level of the loudest 1024-sample frame of `samples`, in dBFS (−inf for silence).
pub fn peak_level_dbfs(samples: &[f32]) -> f32 {
    let peak = samples
        .chunks(1024)
        .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
        .fold(0.0f32, f32::max);
    20.0 * peak.log10()
}

/// The feature row of a file, or its peak level when no speech was heard.
enum Row {
    Speech(Vec<f32>),
    NoSpeech(f32),
}

fn row_of(pipeline: &FittedPipeline, path: &Path) -> Result<Row> {
    let audio = ser_audio::load(path, &pipeline.spec().features.load_options())?;
    let level = peak_level_dbfs(&audio.samples);
    if level.is_nan() || level < SPEECH_FLOOR_DBFS {
        return Ok(Row::NoSpeech(level));
    }
    Ok(Row::Speech(pipeline.features_of_samples(
        &audio.samples,
        audio.sample_rate,
        path,
    )?))
}

/// Predicts `files` together (see [`FittedPipeline::predict_rows`]) with the speaker context
/// `grouping` gives. Files whose features cannot be computed get their own error, and files
/// where no speech is heard ([`FilePrediction::no_speech`]) get no emotion; neither takes part
/// in the others' statistics.
///
/// # Errors
/// Only for the context itself: [`PipelineError::Unusable`] when no speaker clip given by
/// [`Grouping::SpeakerClips`] can be read; a model error of the whole batch.
pub fn predict_files(
    pipeline: &FittedPipeline,
    files: &[PathBuf],
    grouping: &Grouping,
) -> Result<Vec<FilePrediction>> {
    let rows: Vec<Result<Row>> = files.iter().map(|f| row_of(pipeline, f)).collect();
    let ok: Vec<usize> = (0..files.len())
        .filter(|&i| matches!(rows[i], Ok(Row::Speech(_))))
        .collect();
    let x = stack_rows(
        pipeline,
        ok.iter().filter_map(|&i| match &rows[i] {
            Ok(Row::Speech(v)) => Some(v.as_slice()),
            _ => None,
        }),
    )?;
    let mut out: Vec<FilePrediction> = Vec::with_capacity(files.len());
    let mut pred = None;
    if !ok.is_empty() {
        let paths: Vec<&Path> = ok.iter().map(|&i| files[i].as_path()).collect();
        let ctx = context(pipeline, &x, &paths, grouping)?;
        pred = Some(pipeline.predict_rows(x.view(), &ctx)?);
    }
    let mut k = 0;
    let n_classes = pipeline.classes().len();
    for (i, row) in rows.into_iter().enumerate() {
        let mut no_speech = None;
        let outcome = match (row, &pred) {
            (Err(e), _) => Err(e),
            (Ok(Row::NoSpeech(level)), _) => {
                no_speech = Some(level);
                let source = if pipeline.per_speaker() {
                    StatsSource::TrainingFallback
                } else {
                    StatsSource::None
                };
                Ok((vec![1.0 / n_classes as f32; n_classes], source))
            }
            (Ok(Row::Speech(_)), Some(p)) => {
                let r = (p.probabilities.row(k).to_vec(), p.normalisation[k]);
                k += 1;
                Ok(r)
            }
            (Ok(Row::Speech(_)), None) => Err(PipelineError::Unusable {
                reason: "no prediction".into(),
            }),
        };
        out.push(FilePrediction {
            file: files[i].clone(),
            outcome,
            no_speech,
        });
    }
    Ok(out)
}

/// Feature rows (each `pipeline.n_features()` long, as `features_of` returns them) as one
/// matrix, in order.
///
/// # Errors
/// [`PipelineError::Unusable`] for a row of another width.
pub(crate) fn stack_rows<'a>(
    pipeline: &FittedPipeline,
    rows: impl Iterator<Item = &'a [f32]>,
) -> Result<Array2<f32>> {
    let width = pipeline.n_features();
    let mut flat = Vec::new();
    let mut n = 0;
    for r in rows {
        if r.len() != width {
            return Err(PipelineError::Unusable {
                reason: format!(
                    "a feature row of width {}; the pipeline takes {width}",
                    r.len()
                ),
            });
        }
        flat.extend_from_slice(r);
        n += 1;
    }
    Array2::from_shape_vec((n, width), flat).map_err(|e| PipelineError::Unusable {
        reason: format!("stacking feature rows: {e}"),
    })
}

/// The speaker context of the rows `x` of `paths`.
pub(crate) fn context(
    pipeline: &FittedPipeline,
    x: &Array2<f32>,
    paths: &[&Path],
    grouping: &Grouping,
) -> Result<SpeakerContext> {
    if !pipeline.per_speaker() {
        return Ok(SpeakerContext::none());
    }
    Ok(match grouping {
        Grouping::None => SpeakerContext::none(),
        Grouping::SameSpeaker => SpeakerContext {
            stats: vec![(pipeline.speaker_stats(x.view())?, StatsSource::SameSpeaker)],
            row_group: vec![Some(0); x.nrows()],
        },
        Grouping::ByFolder => {
            let mut folders: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
            for (i, p) in paths.iter().enumerate() {
                folders
                    .entry(p.parent().unwrap_or(Path::new("")))
                    .or_default()
                    .push(i);
            }
            let mut ctx = SpeakerContext {
                stats: Vec::new(),
                row_group: vec![None; x.nrows()],
            };
            for (g, rows) in folders.into_values().enumerate() {
                let own = x.select(ndarray::Axis(0), &rows);
                ctx.stats.push((
                    pipeline.speaker_stats(own.view())?,
                    StatsSource::GroupByFolder,
                ));
                for i in rows {
                    ctx.row_group[i] = Some(g);
                }
            }
            ctx
        }
        Grouping::SpeakerClips(sources) => {
            let clips = expand(sources)?;
            let rows: Vec<Vec<f32>> = clips
                .iter()
                .filter_map(|c| pipeline.features_of(c).ok())
                .collect();
            if rows.is_empty() {
                return Err(PipelineError::Unusable {
                    reason: format!("none of the {} speaker clip(s) could be read", clips.len()),
                });
            }
            let s = stack_rows(pipeline, rows.iter().map(Vec::as_slice))?;
            SpeakerContext {
                stats: vec![(pipeline.speaker_stats(s.view())?, StatsSource::SpeakerClips)],
                row_group: vec![Some(0); x.nrows()],
            }
        }
    })
}

/// Files as given, folders replaced by every file under them (sorted).
fn expand(sources: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for s in sources {
        if s.is_dir() {
            out.extend(ser_data::walk(s)?.0);
        } else {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// Window bounds in seconds: `window` long, `window / 2` apart, the last one ending at `total`.
pub fn windows_of(total: f64, window: f64) -> Vec<(f64, f64)> {
    if total <= window || window <= 0.0 {
        return vec![(0.0, total)];
    }
    let hop = window / 2.0;
    let mut out = Vec::new();
    let mut start = 0.0;
    while start + window < total {
        out.push((start, start + window));
        start += hop;
    }
    out.push((total - window, total));
    out
}

/// Per-window predictions of the recording at `path`: windows as long as the pipeline's clips
/// (its loading duration, 3 s when it reads whole clips), half a window apart, predicted
/// together with the file's own statistics when the pipeline normalises per speaker.
///
/// # Errors
/// [`PipelineError::Audio`] when the file cannot be loaded; model errors.
pub fn predict_windows(pipeline: &FittedPipeline, path: &Path) -> Result<Vec<WindowPrediction>> {
    let cfg = &pipeline.spec().features;
    let window_s = cfg.duration.unwrap_or(3.0);
    let whole = ser_audio::load(path, &cfg.load_options().offset(0.0).duration(None))?;
    let rate = f64::from(whole.sample_rate.max(1));
    let total = whole.samples.len() as f64 / rate;
    let bounds = windows_of(total, window_s);
    let rows: Vec<std::result::Result<Vec<f32>, String>> = bounds
        .iter()
        .map(|&(a, b)| {
            let a = ((a * rate) as usize).min(whole.samples.len());
            let b = ((b * rate) as usize).min(whole.samples.len());
            pipeline
                .features_of_samples(&whole.samples[a..b], whole.sample_rate, path)
                .map_err(|e| e.to_string())
        })
        .collect();
    let ok: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_ok()).collect();
    let mut probs: Vec<Option<Vec<f32>>> = vec![None; rows.len()];
    if !ok.is_empty() {
        let x = stack_rows(
            pipeline,
            ok.iter()
                .filter_map(|&i| rows[i].as_ref().ok().map(Vec::as_slice)),
        )?;
        let paths: Vec<&Path> = vec![path; ok.len()];
        let ctx = context(pipeline, &x, &paths, &Grouping::SameSpeaker)?;
        let p = pipeline.predict_rows(x.view(), &ctx)?;
        for (r, &i) in ok.iter().enumerate() {
            probs[i] = Some(p.probabilities.row(r).to_vec());
        }
    }
    Ok(bounds
        .into_iter()
        .zip(rows)
        .zip(probs)
        .map(|(((start, end), row), p)| WindowPrediction {
            start,
            end,
            probabilities: match (row, p) {
                (Err(e), _) => Err(e),
                (Ok(_), Some(p)) => Ok(p),
                (Ok(_), None) => Err("no prediction".into()),
            },
        })
        .collect())
}
