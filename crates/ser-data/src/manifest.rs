//! Manifests: a CSV or TSV file that lists recordings with their labels.
//!
//! ```text
//! path,label,speaker,split,corpus
//! clips/0001.wav,calm-ish,anna,train,studio
//! "clips/take 2, loud.wav",excited,ben,test,studio
//! ```
//!
//! - The **delimiter** is a tab when the header line holds one, else a comma. Fields follow
//!   RFC 4180: a field in double quotes may hold delimiters and line breaks, and writes a quote
//!   as `""`; unquoted fields lose the blanks around them. A UTF-8 byte order mark and CRLF line
//!   ends are fine; blank lines are skipped.
//! - **Columns** (by header name, any case, any order): `path` and `label` are required;
//!   `speaker`, `split` (`train` or `test`, any case, or empty) and `corpus` are optional. Any
//!   other column is reported ([`RowFault::UnknownColumn`]) and ignored.
//! - A relative `path` is relative to the manifest's folder.
//! - The manifest must be a regular file of at most [`MAX_MANIFEST_BYTES`], in UTF-8; a record
//!   longer than [`MAX_RECORD_BYTES`] is reported and skipped.
//! - A bad row (a missing file, an empty label, a path listed before, a split other than
//!   `train`/`test`, the wrong number of fields, bad quoting) is reported with its line number
//!   ([`RowReport`]) and skipped; reading is fatal only when no row is left
//!   ([`DataError::NothingUsable`], naming the manifest).
//!
//! The files listed then go through the same audio checks as a scanned folder
//! ([`crate::open_corpus`]): an unreadable, empty, silent or too short file is a fault of the
//! corpus, exactly as in a folder.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use crate::error::{DataError, Result};
use crate::table::{self, Record, RecordError};

/// The largest manifest read (256 MiB): a larger file is refused before it is read.
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;
/// The longest record (row) read, in bytes (64 KiB, far beyond any real row).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The side of a train/test split a manifest row names in its `split` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitSide {
    /// A training recording.
    Train,
    /// A test recording.
    Test,
}

impl SplitSide {
    /// `train` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            SplitSide::Train => "train",
            SplitSide::Test => "test",
        }
    }
}

impl fmt::Display for SplitSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SplitSide {
    type Err = DataError;

    /// `train` or `test`, any case, blanks around ignored.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "train" => Ok(SplitSide::Train),
            "test" => Ok(SplitSide::Test),
            _ => Err(DataError::InvalidParameter {
                name: "split",
                value: s.to_string(),
                reason: "expected train or test".into(),
            }),
        }
    }
}

/// What is wrong with a row of a manifest or a label map (the row is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RowFault {
    /// The file the row names does not exist (or cannot be looked at).
    MissingFile,
    /// The path the row names is a folder or another non-regular file.
    NotAFile,
    /// The `path` cell is empty.
    EmptyPath,
    /// The `label` cell is empty.
    EmptyLabel,
    /// The path was listed on an earlier line (that row is kept).
    DuplicatePath,
    /// A `split` other than `train`, `test` or empty.
    BadSplit,
    /// A header column that is not known (the column is ignored; the line is the header's).
    UnknownColumn,
    /// A header column named twice (the later one is ignored).
    DuplicateColumn,
    /// Another number of fields than the header.
    FieldCount,
    /// Bad quoting (a quote not closed, text after a closing quote).
    Malformed,
    /// A record longer than [`MAX_RECORD_BYTES`].
    TooLong,
    /// Label map: the `from` cell is empty.
    EmptyFrom,
    /// Label map: the class was mapped on an earlier line (that rule is kept).
    DuplicateFrom,
    /// Label map: a rule no file's class matches (nothing skipped; probably a typo).
    UnusedRule,
}

/// One reported row: where, what kind of problem, and the details in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The manifest or label map (in JSON as text, U+FFFD for what is not UTF-8).
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    /// Line number, from 1 (the header is line 1; a row spanning lines: its first line).
    pub line: usize,
    /// What kind of problem.
    pub kind: RowFault,
    /// What exactly, in words.
    pub detail: String,
}

impl fmt::Display for RowReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {}: {}",
            self.file.display(),
            self.line,
            self.detail
        )
    }
}

pub(crate) fn lossy_path<S: Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// The field delimiter of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    /// `,` (CSV).
    Comma,
    /// Tab (TSV).
    Tab,
}

impl Delimiter {
    fn of_byte(b: u8) -> Self {
        if b == b'\t' {
            Delimiter::Tab
        } else {
            Delimiter::Comma
        }
    }
}

/// One usable manifest row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRow {
    /// Line number in the manifest (from 1).
    pub line: usize,
    /// The recording, resolved against the manifest's folder when relative.
    pub path: PathBuf,
    /// The label, as written (blanks around an unquoted one removed).
    pub label: String,
    /// The speaker, when the manifest has a `speaker` column and the cell is not empty.
    pub speaker: Option<String>,
    /// The split side, when the manifest has a `split` column and the cell is not empty.
    pub split: Option<SplitSide>,
    /// The corpus, when the manifest has a `corpus` column and the cell is not empty.
    pub corpus: Option<String>,
}

/// A manifest as read: its usable rows and every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest file.
    pub file: PathBuf,
    /// Its delimiter (from the header line).
    pub delimiter: Delimiter,
    /// The known columns of its header, in header order (`path`, `label`, ...).
    pub columns: Vec<String>,
    /// Usable rows, in file order.
    pub rows: Vec<ManifestRow>,
    /// Rows skipped and columns ignored, with their line numbers, in file order.
    pub bad_rows: Vec<RowReport>,
}

/// The columns a manifest may have.
const COLUMNS: [&str; 5] = ["path", "label", "speaker", "split", "corpus"];

/// Whether `path` is a manifest: a regular file whose first line is a header with `path` and
/// `label` columns (CSV or TSV). Reads at most the first [`MAX_RECORD_BYTES`] bytes.
pub fn is_manifest(path: &Path) -> bool {
    table::first_line(path, MAX_RECORD_BYTES).is_some_and(|line| {
        let delim = table::delimiter_of(&line);
        let names = header_names(&line, delim);
        names.iter().any(|n| n == "path") && names.iter().any(|n| n == "label")
    })
}

/// The lower-case names of a header line.
fn header_names(line: &str, delim: u8) -> Vec<String> {
    table::records(line, delim, MAX_RECORD_BYTES)
        .into_iter()
        .next()
        .and_then(|r| r.fields.ok())
        .map(|f| f.iter().map(|f| f.value().to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// A parsed header: which field holds which known column, and the problems found.
pub(crate) struct Header {
    pub width: usize,
    pub index: BTreeMap<&'static str, usize>,
    pub names: Vec<String>,
}

/// Reads the header record of a table: the first record that is not blank.
///
/// # Errors
/// [`DataError::MissingColumn`] when a `required` column is missing (or there is no header);
/// [`DataError::TextFile`] when the header itself cannot be read.
pub(crate) fn header(
    file: &Path,
    records: &mut impl Iterator<Item = Record>,
    known: &[&'static str],
    required: &[&'static str],
    bad: &mut Vec<RowReport>,
) -> Result<Header> {
    let Some(rec) = records.find(|r| !r.is_blank()) else {
        return Err(DataError::MissingColumn {
            file: file.to_path_buf(),
            column: required.first().copied().unwrap_or("path"),
            found: Vec::new(),
        });
    };
    let fields = rec.fields.map_err(|e| DataError::TextFile {
        path: file.to_path_buf(),
        reason: format!("header line {}: {}", rec.line, record_error_text(e)),
    })?;
    let mut index = BTreeMap::new();
    let mut names = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let name = f.value().to_ascii_lowercase();
        match known.iter().find(|k| **k == name) {
            Some(&k) if index.contains_key(k) => bad.push(RowReport {
                file: file.to_path_buf(),
                line: rec.line,
                kind: RowFault::DuplicateColumn,
                detail: format!("column {k:?} is named twice; field {} is ignored", i + 1),
            }),
            Some(&k) => {
                index.insert(k, i);
                names.push(k.to_string());
            }
            None => bad.push(RowReport {
                file: file.to_path_buf(),
                line: rec.line,
                kind: RowFault::UnknownColumn,
                detail: format!(
                    "column {:?} is not one of {}; ignored",
                    f.value(),
                    known.join(", ")
                ),
            }),
        }
    }
    for &r in required {
        if !index.contains_key(r) {
            return Err(DataError::MissingColumn {
                file: file.to_path_buf(),
                column: r,
                found: fields.iter().map(|f| f.value().to_string()).collect(),
            });
        }
    }
    Ok(Header {
        width: fields.len(),
        index,
        names,
    })
}

pub(crate) fn record_error_text(e: RecordError) -> String {
    match e {
        RecordError::TooLong(n) => format!("longer than {MAX_RECORD_BYTES} bytes ({n}+ bytes)"),
        RecordError::UnterminatedQuote => "a quote opened here is never closed".into(),
        RecordError::TextAfterQuote => "text after a closing quote (write a quote as \"\")".into(),
    }
}

/// The fields of a data record, or its problem as a report.
pub(crate) fn data_fields(
    file: &Path,
    rec: Record,
    width: usize,
) -> std::result::Result<Vec<table::Field>, RowReport> {
    let report = |kind, detail| RowReport {
        file: file.to_path_buf(),
        line: rec.line,
        kind,
        detail,
    };
    match rec.fields {
        Err(e @ RecordError::TooLong(_)) => Err(report(RowFault::TooLong, record_error_text(e))),
        Err(e) => Err(report(RowFault::Malformed, record_error_text(e))),
        Ok(f) if f.len() != width => Err(report(
            RowFault::FieldCount,
            format!("{} fields where the header has {width}", f.len()),
        )),
        Ok(f) => Ok(f),
    }
}

impl Manifest {
    /// Reads and checks a manifest file (see the module docs).
    ///
    /// # Errors
    /// [`DataError::Io`] when it cannot be read; [`DataError::TextFile`] when it is not a
    /// regular file, is larger than [`MAX_MANIFEST_BYTES`], is not UTF-8 or its header cannot
    /// be read; [`DataError::MissingColumn`] without a `path` or `label` column;
    /// [`DataError::NothingUsable`] when no row is usable.
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = table::read_limited(path, MAX_MANIFEST_BYTES)?;
        Self::parse(&text, path)
    }

    /// Parses the text of the manifest `file` (relative paths resolve against `file`'s folder;
    /// the files are looked up on disk).
    ///
    /// # Errors
    /// As [`Manifest::read`], except reading.
    pub fn parse(text: &str, file: &Path) -> Result<Manifest> {
        let text = table::strip_bom(text);
        let delim = table::delimiter_of(text);
        let base = file.parent().unwrap_or(Path::new(""));
        let mut bad = Vec::new();
        let mut recs = table::records(text, delim, MAX_RECORD_BYTES).into_iter();
        let head = header(file, &mut recs, &COLUMNS, &["path", "label"], &mut bad)?;
        let col = |name: &str| head.index.get(name).copied();
        let (Some(path_col), Some(label_col)) = (col("path"), col("label")) else {
            return Err(DataError::MissingColumn {
                file: file.to_path_buf(),
                column: "path",
                found: head.names.clone(),
            });
        };
        let mut rows: Vec<ManifestRow> = Vec::new();
        let mut seen: BTreeMap<PathBuf, usize> = BTreeMap::new();
        let mut n_rows = 0;
        for rec in recs {
            if rec.is_blank() {
                continue;
            }
            n_rows += 1;
            let line = rec.line;
            let report = |kind, detail: String| RowReport {
                file: file.to_path_buf(),
                line,
                kind,
                detail,
            };
            let fields = match data_fields(file, rec, head.width) {
                Ok(f) => f,
                Err(r) => {
                    bad.push(r);
                    continue;
                }
            };
            let cell = |c: Option<usize>| {
                c.and_then(|i| fields.get(i))
                    .map(table::Field::value)
                    .filter(|v| !v.is_empty())
            };
            let Some(rel) = cell(Some(path_col)) else {
                bad.push(report(RowFault::EmptyPath, "the path is empty".into()));
                continue;
            };
            let Some(label) = cell(Some(label_col)) else {
                bad.push(report(
                    RowFault::EmptyLabel,
                    format!("{rel}: the label is empty"),
                ));
                continue;
            };
            let split = match cell(col("split")).map(str::parse::<SplitSide>) {
                None => None,
                Some(Ok(s)) => Some(s),
                Some(Err(_)) => {
                    bad.push(report(
                        RowFault::BadSplit,
                        format!(
                            "{rel}: split {:?} is not train, test or empty",
                            cell(col("split")).unwrap_or_default()
                        ),
                    ));
                    continue;
                }
            };
            let path: PathBuf = base.join(rel).components().collect();
            match std::fs::metadata(&path) {
                Err(e) => {
                    bad.push(report(
                        RowFault::MissingFile,
                        format!("{}: {e}", path.display()),
                    ));
                    continue;
                }
                Ok(m) if !m.is_file() => {
                    bad.push(report(
                        RowFault::NotAFile,
                        format!("{}: not a regular file", path.display()),
                    ));
                    continue;
                }
                Ok(_) => {}
            }
            if let Some(first) = seen.get(&path) {
                bad.push(report(
                    RowFault::DuplicatePath,
                    format!("{}: listed on line {first} already", path.display()),
                ));
                continue;
            }
            seen.insert(path.clone(), line);
            rows.push(ManifestRow {
                line,
                path,
                label: label.to_string(),
                speaker: cell(col("speaker")).map(str::to_string),
                split,
                corpus: cell(col("corpus")).map(str::to_string),
            });
        }
        if rows.is_empty() {
            return Err(DataError::NothingUsable {
                file: file.to_path_buf(),
                rows: n_rows,
                problems: bad,
            });
        }
        Ok(Manifest {
            file: file.to_path_buf(),
            delimiter: Delimiter::of_byte(delim),
            columns: head.names,
            rows,
            bad_rows: bad,
        })
    }

    /// Whether the manifest has a `split` column.
    pub fn has_split(&self) -> bool {
        self.columns.iter().any(|c| c == "split")
    }
}
