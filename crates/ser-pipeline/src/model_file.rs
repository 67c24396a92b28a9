//! Model files: a [`FittedPipeline`] as one versioned JSON file.
//!
//! Layout (`version` 2):
//! ```json
//! { "format": "ser-model", "version": 2,
//!   "pipeline": { "spec": { … }, "classes": [ … ], "n_features": 220,
//!                 "normalised_per": "speaker", "fallback": { "mean": …, "sd": … },
//!                 "members": [ { "candidate": …, "scaler": …, "model": … }, … ],
//!                 "combine": "softmax_mean", "refit": { "x": …, "y": … } | null,
//!                 "cold": { "members": […], "combine": … } (absent: no cold stage),
//!                 "chosen": "…" } }
//! ```
//! Reading checks, in order: that the path is a regular file no larger than
//! [`MAX_MODEL_FILE_BYTES`], the `format` tag, the version (version 1 files, written by
//! `ser_models::ModelFile`, still load: one model, no per-speaker normalisation), then every
//! part ([`PipelineError::CorruptModelFile`] names the part at fault).

use std::fs;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::error::{PipelineError, Result};
use crate::fitted::FittedPipeline;

/// The `format` tag every model file carries.
pub const FORMAT_NAME: &str = ser_models::model_file::FORMAT_NAME;
/// The newest model file version this build writes and reads.
pub const FORMAT_VERSION: u64 = 2;
/// The largest model file read (1 GiB): a file claiming more is refused before it is read.
pub const MAX_MODEL_FILE_BYTES: u64 = 1 << 30;

#[derive(Serialize)]
struct Envelope<'a> {
    format: &'static str,
    version: u64,
    pipeline: &'a FittedPipeline,
}

/// Reads a small text file (a model file or a manifest) after checking that `path` is a
/// regular file of at most `limit` bytes; never reads more than `limit` bytes.
///
/// # Errors
/// [`PipelineError::Io`] when it cannot be opened or read; [`PipelineError::CorruptModelFile`]
/// (part `"file"`) when it is not a regular file, is too large or is not UTF-8.
pub fn read_limited(path: &Path, limit: u64) -> Result<String> {
    let io = |source| PipelineError::Io {
        path: path.to_owned(),
        source,
    };
    let corrupt = |detail: String| PipelineError::CorruptModelFile {
        path: path.to_owned(),
        part: "file".into(),
        detail,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(corrupt("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(corrupt(format!(
            "{} bytes; the limit is {limit}",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(corrupt(format!("more than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8 text".into()))
}

impl FittedPipeline {
    /// The model file's JSON text.
    ///
    /// # Errors
    /// [`PipelineError::Unusable`] if a value cannot be written as JSON (a non-finite number).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&Envelope {
            format: FORMAT_NAME,
            version: FORMAT_VERSION,
            pipeline: self,
        })
        .map_err(|e| PipelineError::Unusable {
            reason: format!("cannot write the model file: {e}"),
        })
    }

    /// Writes the model file (version [`FORMAT_VERSION`]) through a temporary file beside it,
    /// so a failed write never leaves a half-written model under `path`.
    ///
    /// # Errors
    /// As [`Self::to_json`]; [`PipelineError::Io`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json()?;
        let io = |source| PipelineError::Io {
            path: path.to_owned(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let written = fs::write(&tmp, text).and_then(|()| fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io(e));
        }
        Ok(())
    }

    /// Reads any model file: version 2 (a fitted pipeline) or version 1 (one model).
    ///
    /// # Errors
    /// [`PipelineError::Io`] when it cannot be read; [`PipelineError::UnsupportedVersion`]
    /// for a newer version; [`PipelineError::CorruptModelFile`] naming the part for anything
    /// else (not a regular file, too large, not JSON, another format, a part that is missing,
    /// mistyped, impossible or disagrees with the others).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let corrupt = |part: &str, detail: String| PipelineError::CorruptModelFile {
            path: path.to_owned(),
            part: part.to_owned(),
            detail,
        };
        let text = read_limited(path, MAX_MODEL_FILE_BYTES)?;
        let mut value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| corrupt("envelope", format!("not valid JSON: {e}")))?;
        drop(text);
        if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT_NAME) {
            return Err(corrupt(
                "envelope",
                format!(
                    "no \"format\": \"{FORMAT_NAME}\" tag (found {})",
                    value
                        .get("format")
                        .map_or("none".to_owned(), |v| v.to_string())
                ),
            ));
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| corrupt("envelope", "missing or non-integer \"version\"".into()))?;
        match version {
            0 => Err(corrupt("envelope", "version 0 does not exist".into())),
            1 => {
                let file = ser_models::ModelFile::load(path).map_err(|e| match e {
                    ser_models::ModelError::CorruptModelFile { detail, .. } => {
                        corrupt("version 1 model", detail)
                    }
                    other => PipelineError::Model(other),
                })?;
                let p = Self::from_v1(file)?;
                p.validate().map_err(|(part, d)| corrupt(&part, d))?;
                Ok(p)
            }
            2 => {
                let inner = value
                    .get_mut("pipeline")
                    .map(serde_json::Value::take)
                    .ok_or_else(|| corrupt("envelope", "no \"pipeline\"".into()))?;
                let p: Self = serde_json::from_value(inner)
                    .map_err(|e| corrupt("pipeline", e.to_string()))?;
                p.validate().map_err(|(part, d)| corrupt(&part, d))?;
                Ok(p)
            }
            found => Err(PipelineError::UnsupportedVersion {
                path: path.to_owned(),
                found,
                supported: FORMAT_VERSION,
            }),
        }
    }
}
