//! Walking a corpus folder: every file found is labelled and checked, or reported with why not.
//!
//! [`scan`] walks the folder recursively in sorted order, reads each file's headers and samples
//! with `ser-audio` (the container is found from the bytes, never the name), reads the names
//! under the detected or forced [`Scheme`], and sorts every file into exactly one of:
//!
//! - [`Corpus::items`]: labelled and readable; files that read but are odd (another container
//!   than their name, a header claiming more data than present, another sample rate, sample
//!   format or channel count than most files) stay here **and** are listed in
//!   [`Corpus::faulty`] with `kept: true`;
//! - [`Corpus::faulty`] with `kept: false`: cannot be read, empty, silent, no longer than the
//!   study's offset, or a name that fits no scheme;
//! - [`Corpus::skipped`]: not audio at all (no audio extension and no audio header).
//!
//! Nothing is dropped silently: `files == items + faulty(kept: false)`, and `skipped` lists
//! the rest of what the walk found.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ser_audio::{AudioError, AudioInfo, LoadOptions};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::scheme::{LabelledFile, NameWarning, Scheme, SchemeChoice, label_files};

/// File extensions (lower case) taken to be audio, readable or not.
pub const AUDIO_EXTENSIONS: [&str; 13] = [
    "wav", "wave", "aif", "aiff", "aifc", "flac", "mp3", "ogg", "oga", "opus", "m4a", "wma", "au",
];

/// The study's loading offset, seconds: a file no longer than this gives no samples.
pub const STUDY_OFFSET_S: f64 = 0.5;

/// How to scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanOptions {
    /// Naming scheme: detected (default) or forced.
    pub scheme: SchemeChoice,
    /// Files no longer than this (seconds) are faults (default [`STUDY_OFFSET_S`]).
    pub min_duration_s: f64,
    /// Files whose peak is below this level (dB re full scale) are silent (default −80).
    pub silence_dbfs: f32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            scheme: SchemeChoice::Detect,
            min_duration_s: STUDY_OFFSET_S,
            silence_dbfs: -80.0,
        }
    }
}

/// What kind of fault a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Could not be opened or decoded.
    Unreadable,
    /// Name fits no scheme (or not the corpus's scheme).
    Unlabelled,
    /// Holds no frames.
    Empty,
    /// All samples (near) zero.
    Silent,
    /// No longer than the study's offset.
    TooShort,
    /// The container differs from what the name says (kept when readable).
    ContainerMismatch,
    /// The header claims more data than the file holds (kept: the frames present are read).
    Truncated,
    /// Another sample rate than most files (kept: loading resamples).
    SampleRate,
    /// Another sample format than most files (kept).
    SampleFormat,
    /// Another channel count than most files (kept: loading mixes to mono).
    Channels,
    /// Float samples beyond ±1 (kept as they are, as librosa does).
    OutOfRange,
    /// Not audio: no audio extension and no audio header.
    NotAudio,
    /// A folder that could not be listed.
    Walk,
    /// Feature extraction failed or gave unusable values.
    Features,
}

/// One reported file.
///
/// In JSON `file` is text: a name that is not UTF-8 is written with U+FFFD in place of the
/// bytes that are not, and its exact bytes are added as `"file_bytes": [numbers 0–255]`
/// (see [`non_utf8_bytes`]); reading such JSON back gives the exact path again on Unix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "FileReportJson", from = "FileReportJson")]
pub struct FileReport {
    /// The file.
    pub file: PathBuf,
    /// Why it is reported, in words (several reasons joined by "; ").
    pub reason: String,
    /// Kinds of fault, one per reason.
    pub kinds: Vec<FaultKind>,
    /// Whether the file is still in [`Corpus::items`].
    pub kept: bool,
}

/// [`FileReport`] as JSON holds it: the path as text, plus its bytes when it is not UTF-8.
#[derive(Serialize, Deserialize)]
struct FileReportJson {
    file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_bytes: Option<Vec<u8>>,
    reason: String,
    kinds: Vec<FaultKind>,
    kept: bool,
}

impl From<FileReport> for FileReportJson {
    fn from(r: FileReport) -> Self {
        Self {
            file: r.file.to_string_lossy().into_owned(),
            file_bytes: non_utf8_bytes(&r.file),
            reason: r.reason,
            kinds: r.kinds,
            kept: r.kept,
        }
    }
}

impl From<FileReportJson> for FileReport {
    fn from(j: FileReportJson) -> Self {
        Self {
            file: j
                .file_bytes
                .as_deref()
                .and_then(path_of_bytes)
                .unwrap_or_else(|| PathBuf::from(j.file)),
            reason: j.reason,
            kinds: j.kinds,
            kept: j.kept,
        }
    }
}

/// The bytes of `path` when it is not valid UTF-8, `None` when it is. JSON output writes a
/// path as text (`to_string_lossy`: U+FFFD for what is not UTF-8) and, only for such a path,
/// these bytes beside it (a field named like the path's with `_bytes` added), so no name is
/// lost and no output fails because of one. On Unix they are the name's bytes exactly.
pub fn non_utf8_bytes(path: &Path) -> Option<Vec<u8>> {
    path.to_str()
        .is_none()
        .then(|| path.as_os_str().as_encoded_bytes().to_vec())
}

/// The path [`non_utf8_bytes`] gave `bytes` for (Unix only; `None` elsewhere).
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        let _ = bytes;
        None
    }
}

/// What a readable file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioSummary {
    /// Container found in the bytes (`WAV`, `AIFF`, ...).
    pub container: String,
    /// Sample format (`16-bit PCM`, `32-bit float`, ...).
    pub format: String,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Frames present.
    pub frames: u64,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Largest absolute sample value.
    pub peak: f32,
}

/// One usable file: labels and audio facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusItem {
    /// What the name says.
    pub label: LabelledFile,
    /// What the audio is.
    pub audio: AudioSummary,
}

/// A scanned corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Corpus {
    /// The folder walked.
    pub root: PathBuf,
    /// Naming scheme used.
    pub scheme: Scheme,
    /// Whether it was forced rather than detected.
    pub scheme_forced: bool,
    /// Audio files found (by extension or by header).
    pub files: usize,
    /// Usable files, sorted by path.
    pub items: Vec<CorpusItem>,
    /// Faulty files, one entry per file, sorted by path.
    pub faulty: Vec<FileReport>,
    /// Files that are not audio, and folders that could not be listed.
    pub skipped: Vec<FileReport>,
    /// Name/folder disagreements of usable files.
    pub warnings: Vec<NameWarning>,
}

/// Lists every regular file under `root`, recursively, sorted by path (byte order of names at
/// each level, so the same tree always gives the same list). Symbolic links to files are
/// followed; links to folders are not (reported in the second list, as are folders that
/// cannot be listed).
///
/// # Errors
/// [`DataError::Io`] when `root` itself cannot be listed.
pub fn walk(root: &Path) -> Result<(Vec<PathBuf>, Vec<FileReport>)> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let entries = read_sorted_reversed(root).map_err(|source| DataError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut stack: Vec<Vec<PathBuf>> = vec![entries];
    // depth-first, in sorted order
    while let Some(level) = stack.last_mut() {
        let Some(path) = level.pop() else {
            stack.pop();
            continue;
        };
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            problems.push(walk_report(&path, "cannot read its metadata"));
            continue;
        };
        if meta.is_dir() {
            match read_sorted_reversed(&path) {
                Ok(children) => stack.push(children),
                Err(e) => problems.push(walk_report(&path, &format!("cannot list folder: {e}"))),
            }
        } else if meta.file_type().is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(path),
                Ok(_) => problems.push(walk_report(
                    &path,
                    "symbolic link to a folder, not followed",
                )),
                Err(e) => problems.push(walk_report(&path, &format!("broken symbolic link: {e}"))),
            }
        } else if meta.is_file() {
            files.push(path);
        } else {
            problems.push(walk_report(&path, "not a regular file"));
        }
    }
    Ok((files, problems))
}

fn read_sorted_reversed(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    // reversed, so that popping from the end visits names in ascending order
    v.sort_by(|a, b| b.cmp(a));
    Ok(v)
}

fn walk_report(path: &Path, reason: &str) -> FileReport {
    FileReport {
        file: path.to_path_buf(),
        reason: reason.to_string(),
        kinds: vec![FaultKind::Walk],
        kept: false,
    }
}

fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The error's text without the leading "path: " (the report names the file already).
fn audio_reason(e: &AudioError) -> String {
    let s = e.to_string();
    let prefix = format!("{}: ", e.path().display());
    s.strip_prefix(&prefix).map_or(s.clone(), str::to_string)
}

/// Result of reading one file.
enum Read {
    NotAudio(String),
    Bad(FaultKind, String),
    Good(AudioInfo, f32),
}

fn read_one(path: &Path, opts: &ScanOptions) -> Read {
    if !has_audio_extension(path) {
        // headers only: is it audio under another name?
        if let Err(e) = ser_audio::probe(path) {
            return Read::NotAudio(format!("not an audio file name, and {}", audio_reason(&e)));
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Read::Bad(FaultKind::Unreadable, format!("cannot read: {e}")),
    };
    let info = match ser_audio::probe_bytes(&bytes, path) {
        Ok(i) => i,
        Err(e) => {
            let kind = if bytes.is_empty() {
                FaultKind::Empty
            } else {
                FaultKind::Unreadable
            };
            return Read::Bad(kind, audio_reason(&e));
        }
    };
    if info.frames == 0 {
        return Read::Bad(FaultKind::Empty, "holds no audio frames".into());
    }
    let audio = match ser_audio::load_bytes(&bytes, path, &LoadOptions::native().mono(false)) {
        Ok(a) => a,
        Err(e) => return Read::Bad(FaultKind::Unreadable, audio_reason(&e)),
    };
    let peak = audio.samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let peak_db = 20.0 * peak.max(1e-30).log10();
    if peak_db < opts.silence_dbfs {
        return Read::Bad(
            FaultKind::Silent,
            format!(
                "silent: peak {peak_db:.1} dBFS, below {:.0} dBFS",
                opts.silence_dbfs
            ),
        );
    }
    let dur = info.duration_seconds();
    if dur <= opts.min_duration_s {
        return Read::Bad(
            FaultKind::TooShort,
            format!(
                "{dur:.3} s long, not longer than the study's {:.2} s offset",
                opts.min_duration_s
            ),
        );
    }
    Read::Good(info, peak)
}

/// What is odd about a readable file, compared with the corpus's common rate, format and
/// channel count.
fn oddities(
    p: &Path,
    info: &AudioInfo,
    peak: f32,
    common_rate: Option<u32>,
    common_format: Option<&str>,
    common_channels: Option<u16>,
) -> Vec<(FaultKind, String)> {
    let mut odd = Vec::new();
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    if info.extension_mismatch || !has_audio_extension(p) {
        odd.push((
            FaultKind::ContainerMismatch,
            format!(
                "{} data in a file named .{ext}; read as {}",
                info.container, info.container
            ),
        ));
    }
    if info.truncated {
        odd.push((
            FaultKind::Truncated,
            format!(
                "header claims more data than the file holds; the {} frames present are read",
                info.frames
            ),
        ));
    }
    if let Some(r) = common_rate
        && info.sample_rate != r
    {
        odd.push((
            FaultKind::SampleRate,
            format!(
                "{} Hz where most files are {r} Hz; resampled on loading",
                info.sample_rate
            ),
        ));
    }
    let fmt = info.format.to_string();
    if let Some(f) = common_format
        && fmt != f
    {
        odd.push((
            FaultKind::SampleFormat,
            format!("{fmt} where most files are {f}"),
        ));
    }
    if let Some(c) = common_channels
        && info.channels != c
    {
        odd.push((
            FaultKind::Channels,
            format!(
                "{} channels where most files have {c}; mixed to mono on loading",
                info.channels
            ),
        ));
    }
    if peak > 1.0 {
        odd.push((
            FaultKind::OutOfRange,
            format!("samples beyond ±1 (peak {peak:.3}); kept as they are"),
        ));
    }
    odd
}

fn majority<T: Ord + Clone>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts
        .into_iter()
        .fold(None, |best: Option<(T, usize)>, (v, c)| match best {
            Some((_, bc)) if bc >= c => best,
            _ => Some((v, c)),
        })
        .map(|(v, _)| v)
}

/// Walks `root` and sorts every file into items, faults and skipped (see the module docs).
/// Reading runs in parallel; the result does not depend on the thread count.
///
/// # Errors
/// [`DataError::Io`] when `root` cannot be listed; when detecting the scheme,
/// [`DataError::EmptyCorpus`] when no audio file is found and [`DataError::NoSchemeFitsIn`] when
/// no audio file's name fits any scheme (both name `root`). With a forced scheme an empty folder
/// gives an empty corpus.
pub fn scan(root: &Path, opts: &ScanOptions) -> Result<Corpus> {
    let (paths, mut skipped) = walk(root)?;
    let reads: Vec<Read> = paths.par_iter().map(|p| read_one(p, opts)).collect();

    let mut audio_paths = Vec::new();
    let mut audio_reads = Vec::new();
    for (p, r) in paths.iter().zip(reads) {
        match r {
            Read::NotAudio(reason) => skipped.push(FileReport {
                file: p.clone(),
                reason,
                kinds: vec![FaultKind::NotAudio],
                kept: false,
            }),
            r => {
                audio_paths.push(p.clone());
                audio_reads.push(r);
            }
        }
    }
    skipped.sort_by(|a, b| a.file.cmp(&b.file));

    if audio_paths.is_empty() && opts.scheme == SchemeChoice::Detect {
        return Err(DataError::EmptyCorpus {
            root: root.to_path_buf(),
            skipped: skipped.len(),
        });
    }
    let labelling = label_files(&audio_paths, opts.scheme).map_err(|e| match e {
        DataError::NoSchemeFits { files } => DataError::NoSchemeFitsIn {
            root: root.to_path_buf(),
            files,
            example: audio_paths
                .first()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        },
        other => other,
    })?;
    let mut labels: BTreeMap<PathBuf, LabelledFile> = labelling
        .files
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let unparsed: BTreeMap<PathBuf, String> = labelling
        .unparsed
        .into_iter()
        .map(|u| (u.file, u.reason))
        .collect();

    let good = || {
        audio_reads.iter().filter_map(|r| match r {
            Read::Good(i, _) => Some(i),
            _ => None,
        })
    };
    let common_rate = majority(good().map(|i| i.sample_rate));
    let common_format = majority(good().map(|i| i.format.to_string()));
    let common_channels = majority(good().map(|i| i.channels));

    let mut items = Vec::new();
    let mut faulty = Vec::new();
    for (p, r) in audio_paths.iter().zip(&audio_reads) {
        let report = |kinds: Vec<FaultKind>, reason: String, kept| FileReport {
            file: p.clone(),
            reason,
            kinds,
            kept,
        };
        match r {
            Read::NotAudio(_) => {}
            Read::Bad(kind, reason) => faulty.push(report(vec![*kind], reason.clone(), false)),
            Read::Good(info, peak) => {
                let Some(label) = labels.remove(p) else {
                    let why = unparsed.get(p).cloned().unwrap_or_default();
                    faulty.push(report(
                        vec![FaultKind::Unlabelled],
                        format!("name does not fit the {} scheme: {why}", labelling.scheme),
                        false,
                    ));
                    continue;
                };
                let odd = oddities(
                    p,
                    info,
                    *peak,
                    common_rate,
                    common_format.as_deref(),
                    common_channels,
                );
                if !odd.is_empty() {
                    let (kinds, reasons): (Vec<FaultKind>, Vec<String>) = odd.into_iter().unzip();
                    faulty.push(report(kinds, reasons.join("; "), true));
                }
                let fmt = info.format.to_string();
                items.push(CorpusItem {
                    label,
                    audio: AudioSummary {
                        container: info.container.to_string(),
                        format: fmt,
                        sample_rate: info.sample_rate,
                        channels: info.channels,
                        frames: info.frames,
                        duration_s: info.duration_seconds(),
                        peak: *peak,
                    },
                });
            }
        }
    }
    let kept: std::collections::BTreeSet<&Path> =
        items.iter().map(|i| i.label.path.as_path()).collect();
    let warnings = labelling
        .warnings
        .into_iter()
        .filter(|w| kept.contains(w.file.as_path()))
        .collect();
    Ok(Corpus {
        root: root.to_path_buf(),
        scheme: labelling.scheme,
        scheme_forced: labelling.forced,
        files: audio_paths.len(),
        items,
        faulty,
        skipped,
        warnings,
    })
}

impl Corpus {
    /// Files not in [`Corpus::items`] (faults with `kept: false`).
    pub fn excluded(&self) -> impl Iterator<Item = &FileReport> {
        self.faulty.iter().filter(|f| !f.kept)
    }
}
