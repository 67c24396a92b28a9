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
//!
//! [`open_corpus`] takes a folder or a manifest ([`CorpusSource`]); the files a manifest lists
//! go through the same checks, and its bad rows are kept in [`Corpus::bad_rows`] with their
//! line numbers. [`CorpusOptions`] adds a speaker pattern and a label map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ser_audio::{AudioError, AudioInfo, LoadOptions};
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{DataError, Result};
use crate::labels::{LabelMap, NO_SPEAKER, SpeakerPattern, class_order};
use crate::manifest::{Manifest, RowFault, RowReport, SplitSide, is_manifest};
use crate::scheme::{LabelledFile, NameWarning, Scheme, SchemeChoice, SchemeFields, label_files};
use crate::split::Split;

/// File extensions (lower case) taken to be audio, readable or not: every container
/// `ser-audio` decodes, and common ones it does not (Opus, WMA, AU), so that such files are
/// reported as faults naming their codec or container instead of being skipped unseen.
pub const AUDIO_EXTENSIONS: [&str; 18] = [
    "wav", "wave", "aif", "aiff", "aifc", "flac", "mp3", "ogg", "oga", "opus", "m4a", "m4b", "mp4",
    "aac", "caf", "wma", "au", "snd",
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
    /// The speaker pattern (`--speaker-from`) does not match the file's name.
    NoSpeaker,
    /// The label map drops the file's class (an empty `to`).
    Dropped,
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
    /// The folder walked, or the manifest read.
    pub root: PathBuf,
    /// Naming scheme used ([`Scheme::Folders`] for a folder per class, [`Scheme::Manifest`]
    /// when read from a manifest).
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
    /// Rows of the manifest and of the label map that were skipped or are suspect, with their
    /// line numbers (empty for a folder without a label map).
    #[serde(default)]
    pub bad_rows: Vec<RowReport>,
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

/// How to open a corpus: the audio checks and scheme of [`ScanOptions`], plus what labels and
/// speakers need beyond file names.
#[derive(Debug, Clone, Default)]
pub struct CorpusOptions {
    /// Scheme choice and audio checks.
    pub scan: ScanOptions,
    /// Reads the speaker from each file name of a folder-per-class layout, and of manifest rows
    /// without a speaker ([`SpeakerPattern`]); a file it does not match is a fault
    /// ([`FaultKind::NoSpeaker`]). Without it such files share the unnamed speaker
    /// [`NO_SPEAKER`]. File-name schemes name their speakers themselves and ignore it.
    pub speaker_from: Option<SpeakerPattern>,
    /// Renames, merges or drops classes after labelling ([`LabelMap`]); a dropped file is a
    /// fault ([`FaultKind::Dropped`]).
    pub label_map: Option<LabelMap>,
}

impl From<ScanOptions> for CorpusOptions {
    fn from(scan: ScanOptions) -> Self {
        Self {
            scan,
            ..Self::default()
        }
    }
}

/// What a corpus path is: a folder to walk or a manifest to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum CorpusSource {
    /// A folder, walked recursively (file-name schemes or folder per class).
    Folder(PathBuf),
    /// A manifest file listing the recordings ([`crate::manifest`]).
    Manifest(PathBuf),
}

impl CorpusSource {
    /// A folder is a folder; a regular file whose first line is a header with `path` and
    /// `label` columns is a manifest ([`is_manifest`]).
    ///
    /// # Errors
    /// [`DataError::Io`] when `path` cannot be looked at (e.g. it does not exist);
    /// [`DataError::NotACorpus`] for any other file.
    pub fn of(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            Ok(Self::Folder(path.to_path_buf()))
        } else if is_manifest(path) {
            Ok(Self::Manifest(path.to_path_buf()))
        } else {
            Err(DataError::NotACorpus {
                path: path.to_path_buf(),
                reason: if meta.is_file() {
                    "a file whose first line does not name path and label columns (a manifest \
                     is a CSV or TSV file with a header such as path,label,speaker)"
                        .into()
                } else {
                    "not a regular file".into()
                },
            })
        }
    }

    /// `folder` or `manifest`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Folder(_) => "folder",
            Self::Manifest(_) => "manifest",
        }
    }

    /// The folder or manifest.
    pub fn path(&self) -> &Path {
        match self {
            Self::Folder(p) | Self::Manifest(p) => p,
        }
    }
}

/// Opens a corpus given as a folder or a manifest ([`CorpusSource::of`]): walks the folder
/// ([`scan_with`]) or reads the manifest ([`read_manifest_corpus`]).
///
/// # Errors
/// As [`CorpusSource::of`], [`scan_with`] and [`read_manifest_corpus`].
pub fn open_corpus(path: &Path, opts: &CorpusOptions) -> Result<Corpus> {
    match CorpusSource::of(path)? {
        CorpusSource::Folder(dir) => scan_with(&dir, opts),
        CorpusSource::Manifest(file) => read_manifest_corpus(&file, opts),
    }
}

/// Walks `root` and sorts every file into items, faults and skipped (see the module docs).
/// Reading runs in parallel; the result does not depend on the thread count.
///
/// # Errors
/// [`DataError::Io`] when `root` cannot be listed; when detecting the scheme,
/// [`DataError::EmptyCorpus`] when no audio file is found and [`DataError::NoSchemeFitsIn`] when
/// no audio file's name fits any scheme (both name `root`) and the files are not laid out as a
/// folder per class. With a forced scheme an empty folder gives an empty corpus.
pub fn scan(root: &Path, opts: &ScanOptions) -> Result<Corpus> {
    scan_with(root, &CorpusOptions::from(*opts))
}

/// [`scan`] with a speaker pattern and a label map.
///
/// The scheme is the forced one, else the file-name scheme that fits the most names, else,
/// when no name fits any, [`Scheme::Folders`] if more than half of the audio files sit
/// directly in a sub-folder of `root` and there are at least two such folders (the others are
/// faults: not in a class folder).
///
/// # Errors
/// As [`scan`]; [`DataError::InvalidParameter`] when [`Scheme::Manifest`] is forced (a
/// manifest is a file, not a folder).
pub fn scan_with(root: &Path, opts: &CorpusOptions) -> Result<Corpus> {
    if opts.scan.scheme == SchemeChoice::Force(Scheme::Manifest) {
        return Err(DataError::InvalidParameter {
            name: "scheme",
            value: "manifest".into(),
            reason: format!(
                "{} is a folder; a manifest is a file listing the recordings: give its path",
                root.display()
            ),
        });
    }
    let (paths, skipped) = walk(root)?;
    let checked = check_audio(paths, skipped, &opts.scan);
    if checked.paths.is_empty() && opts.scan.scheme == SchemeChoice::Detect {
        return Err(DataError::EmptyCorpus {
            root: root.to_path_buf(),
            skipped: checked.skipped.len(),
        });
    }
    let labels = label_folder(root, &checked.paths, opts)?;
    assemble(root, checked, labels, opts, Vec::new())
}

/// Reads the manifest `file` ([`Manifest::read`]) and checks every recording it lists as
/// [`scan`] checks a folder's files. The corpus's `root` is the manifest, its scheme
/// [`Scheme::Manifest`], its items sorted by path; the manifest's bad rows (and the label
/// map's) are in [`Corpus::bad_rows`]. A row without a speaker gets one from
/// [`CorpusOptions::speaker_from`], else the unnamed [`NO_SPEAKER`].
///
/// # Errors
/// As [`Manifest::read`].
pub fn read_manifest_corpus(file: &Path, opts: &CorpusOptions) -> Result<Corpus> {
    let manifest = Manifest::read(file)?;
    let mut rows = manifest.rows;
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    let paths: Vec<PathBuf> = rows.iter().map(|r| r.path.clone()).collect();
    let checked = check_audio(paths, Vec::new(), &opts.scan);
    let mut labels = Labels::new(Scheme::Manifest, false);
    for row in rows {
        let speaker = match (&row.speaker, &opts.speaker_from) {
            (Some(s), _) => s.clone(),
            (None, None) => NO_SPEAKER.to_string(),
            (None, Some(pattern)) => match pattern.speaker_of_path(&row.path) {
                Some(s) => s,
                None => {
                    labels
                        .refused
                        .insert(row.path, no_speaker(pattern, Some(row.line)));
                    continue;
                }
            },
        };
        let file = LabelledFile {
            path: row.path.clone(),
            scheme: Scheme::Manifest,
            emotion: row.label.parse().ok(),
            class: row.label.clone(),
            label: row.label,
            speaker,
            fields: SchemeFields::Manifest {
                manifest: file.to_path_buf(),
                line: row.line,
                split: row.split,
                corpus: row.corpus,
            },
            warnings: Vec::new(),
        };
        labels.files.insert(row.path, file);
    }
    assemble(file, checked, labels, opts, manifest.bad_rows)
}

fn no_speaker(pattern: &SpeakerPattern, line: Option<usize>) -> (FaultKind, String) {
    let at = line.map_or(String::new(), |l| {
        format!(" (manifest line {l}, no speaker)")
    });
    (
        FaultKind::NoSpeaker,
        format!(
            "file name does not match the speaker pattern `{}`{at}",
            pattern.as_str()
        ),
    )
}

/// The audio files found and how each read.
struct Checked {
    paths: Vec<PathBuf>,
    reads: Vec<Read>,
    skipped: Vec<FileReport>,
}

/// Reads every file (in parallel); files that are not audio go to `skipped`.
fn check_audio(paths: Vec<PathBuf>, mut skipped: Vec<FileReport>, opts: &ScanOptions) -> Checked {
    let reads: Vec<Read> = paths.par_iter().map(|p| read_one(p, opts)).collect();
    let mut audio_paths = Vec::new();
    let mut audio_reads = Vec::new();
    for (p, r) in paths.into_iter().zip(reads) {
        match r {
            Read::NotAudio(reason) => skipped.push(FileReport {
                file: p,
                reason,
                kinds: vec![FaultKind::NotAudio],
                kept: false,
            }),
            r => {
                audio_paths.push(p);
                audio_reads.push(r);
            }
        }
    }
    skipped.sort_by(|a, b| a.file.cmp(&b.file));
    Checked {
        paths: audio_paths,
        reads: audio_reads,
        skipped,
    }
}

/// The labels of a set of files: labelled files, and the files refused with why.
struct Labels {
    scheme: Scheme,
    forced: bool,
    files: BTreeMap<PathBuf, LabelledFile>,
    refused: BTreeMap<PathBuf, (FaultKind, String)>,
    warnings: Vec<NameWarning>,
}

impl Labels {
    fn new(scheme: Scheme, forced: bool) -> Self {
        Self {
            scheme,
            forced,
            files: BTreeMap::new(),
            refused: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }
}

/// Labels the audio files of a folder under the forced or detected scheme.
fn label_folder(root: &Path, paths: &[PathBuf], opts: &CorpusOptions) -> Result<Labels> {
    let names = |choice| -> Result<Labels> {
        let l = label_files(paths, choice)?;
        let mut labels = Labels::new(l.scheme, l.forced);
        labels.warnings = l.warnings;
        labels.files = l.files.into_iter().map(|f| (f.path.clone(), f)).collect();
        labels.refused = l
            .unparsed
            .into_iter()
            .map(|u| {
                let why = format!("name does not fit the {} scheme: {}", l.scheme, u.reason);
                (u.file, (FaultKind::Unlabelled, why))
            })
            .collect();
        Ok(labels)
    };
    match opts.scan.scheme {
        SchemeChoice::Force(Scheme::Folders) => Ok(label_class_folders(root, paths, opts, true)),
        SchemeChoice::Force(_) => names(opts.scan.scheme),
        SchemeChoice::Detect => match names(SchemeChoice::Detect) {
            Err(DataError::NoSchemeFits { files }) => {
                if looks_like_class_folders(root, paths) {
                    Ok(label_class_folders(root, paths, opts, false))
                } else {
                    Err(DataError::NoSchemeFitsIn {
                        root: root.to_path_buf(),
                        files,
                        example: paths
                            .first()
                            .and_then(|p| p.file_name())
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    })
                }
            }
            other => other,
        },
    }
}

/// Whether `path` sits directly in a sub-folder of `root`.
fn in_class_folder(root: &Path, path: &Path) -> bool {
    path.parent().and_then(Path::parent) == Some(root)
}

/// More than half of the files sit directly in a sub-folder of `root`, in at least two.
fn looks_like_class_folders(root: &Path, paths: &[PathBuf]) -> bool {
    let inside: Vec<&Path> = paths
        .iter()
        .filter(|p| in_class_folder(root, p))
        .filter_map(|p| p.parent())
        .collect();
    let folders: std::collections::BTreeSet<&Path> = inside.iter().copied().collect();
    2 * inside.len() > paths.len() && folders.len() >= 2
}

/// Labels files laid out as `root/<label>/file`: the folder is the label, the speaker comes
/// from the pattern or is the unnamed one.
fn label_class_folders(
    root: &Path,
    paths: &[PathBuf],
    opts: &CorpusOptions,
    forced: bool,
) -> Labels {
    let mut labels = Labels::new(Scheme::Folders, forced);
    for p in paths {
        if !in_class_folder(root, p) {
            let why = format!(
                "not in a class folder directly under {} (folder-per-class layout)",
                root.display()
            );
            labels
                .refused
                .insert(p.clone(), (FaultKind::Unlabelled, why));
            continue;
        }
        let mut f = match Scheme::Folders.parse(p) {
            Ok(f) => f,
            Err(u) => {
                labels
                    .refused
                    .insert(p.clone(), (FaultKind::Unlabelled, u.reason));
                continue;
            }
        };
        if let Some(pattern) = &opts.speaker_from {
            match pattern.speaker_of_path(p) {
                Some(s) => f.speaker = s,
                None => {
                    labels.refused.insert(p.clone(), no_speaker(pattern, None));
                    continue;
                }
            }
        }
        labels.files.insert(p.clone(), f);
    }
    labels
}

/// Applies the label map to the labelled files: renamed in place, dropped ones refused. Returns
/// the map's bad rows and a report for each rule no file used.
fn apply_label_map(labels: &mut Labels, map: &LabelMap) -> Vec<RowReport> {
    let mut used = vec![false; map.rules.len()];
    let mut dropped = Vec::new();
    for (path, f) in &mut labels.files {
        let Some((k, rule)) = map.rule_for(&f.class) else {
            continue;
        };
        used[k] = true;
        match &rule.to {
            Some(to) => f.set_class(to),
            None => dropped.push((
                path.clone(),
                format!(
                    "class {:?} dropped by the label map {} (line {})",
                    rule.from,
                    map.file.display(),
                    rule.line
                ),
            )),
        }
    }
    for (path, why) in dropped {
        labels.files.remove(&path);
        labels.refused.insert(path, (FaultKind::Dropped, why));
    }
    let mut rows = map.bad_rows.clone();
    rows.extend(
        map.rules
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(r, _)| RowReport {
                file: map.file.clone(),
                line: r.line,
                kind: RowFault::UnusedRule,
                detail: format!(
                    "no file has the class {:?}; the rule changes nothing",
                    r.from
                ),
            }),
    );
    rows
}

/// Sorts the checked files into items and faults with their labels.
fn assemble(
    root: &Path,
    checked: Checked,
    mut labels: Labels,
    opts: &CorpusOptions,
    mut bad_rows: Vec<RowReport>,
) -> Result<Corpus> {
    if let Some(map) = &opts.label_map {
        bad_rows.extend(apply_label_map(&mut labels, map));
    }
    let Checked {
        paths: audio_paths,
        reads: audio_reads,
        skipped,
    } = checked;
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
                let Some(label) = labels.files.remove(p) else {
                    let (kind, why) = labels.refused.get(p).cloned().unwrap_or((
                        FaultKind::Unlabelled,
                        format!("no label under the {} scheme", labels.scheme),
                    ));
                    faulty.push(report(vec![kind], why, false));
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
    let warnings = labels
        .warnings
        .into_iter()
        .filter(|w| kept.contains(w.file.as_path()))
        .collect();
    Ok(Corpus {
        root: root.to_path_buf(),
        scheme: labels.scheme,
        scheme_forced: labels.forced,
        files: audio_paths.len(),
        items,
        faulty,
        skipped,
        warnings,
        bad_rows,
    })
}

impl Corpus {
    /// Files not in [`Corpus::items`] (faults with `kept: false`).
    pub fn excluded(&self) -> impl Iterator<Item = &FileReport> {
        self.faulty.iter().filter(|f| !f.kept)
    }

    /// Whether the corpus was read from a manifest.
    pub fn is_manifest(&self) -> bool {
        self.scheme == Scheme::Manifest
    }

    /// The classes of the items, in [`class_order`].
    pub fn classes(&self) -> Vec<String> {
        class_order(self.items.iter().map(|i| i.label.class.as_str()))
    }

    /// Whether some item has a manifest `split` value.
    pub fn has_split(&self) -> bool {
        self.items.iter().any(|i| i.label.split().is_some())
    }

    /// The train/test split a manifest's `split` column gives the rows of `dataset` (rows
    /// matched to items by path): rows marked `test` test, every other row trains. `None` when
    /// no item has a split value, or when either side would be empty.
    pub fn manifest_split(&self, dataset: &Dataset) -> Option<Split> {
        if !self.has_split() {
            return None;
        }
        let sides: BTreeMap<&Path, Option<SplitSide>> = self
            .items
            .iter()
            .map(|i| (i.label.path.as_path(), i.label.split()))
            .collect();
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (i, p) in dataset.paths.iter().enumerate() {
            match sides.get(p.as_path()).copied().flatten() {
                Some(SplitSide::Test) => test.push(i),
                _ => train.push(i),
            }
        }
        (!train.is_empty() && !test.is_empty()).then_some(Split { train, test })
    }
}
