//! Open label sets: the order of classes, speakers read from file names, and label maps.
//!
//! A class is any string: the canonical emotion's name under the five file-name schemes, the
//! user's label under folder-per-class layouts and manifests. [`class_order`] puts the
//! canonical emotions first (in [`Emotion::ALL`] order), then every other class in byte order;
//! a [`LabelMap`] renames, merges or drops classes.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::emotion::Emotion;
use crate::error::{DataError, Result};
use crate::manifest::{self, RowFault, RowReport};
use crate::table;

/// The speaker of every file of a corpus that names no speakers (a folder-per-class layout
/// without a speaker pattern, a manifest without a `speaker` column): one shared, unnamed
/// speaker. The pipeline then normalises per corpus and evaluates without speaker folds.
pub const NO_SPEAKER: &str = "";

/// The largest label map read (16 MiB).
pub const MAX_LABEL_MAP_BYTES: u64 = 16 << 20;

/// The classes in the order a data set defines: the canonical emotion names present, in
/// [`Emotion::ALL`] order, then every other class in byte order; each once.
///
/// ```
/// use ser_data::class_order;
/// let order = class_order(["excited", "sad", "calm-ish", "angry", "sad"]);
/// assert_eq!(order, ["sad", "angry", "calm-ish", "excited"]);
/// ```
pub fn class_order<I, S>(classes: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let set: BTreeSet<String> = classes
        .into_iter()
        .map(|c| c.as_ref().to_string())
        .collect();
    let canonical = Emotion::ALL
        .iter()
        .map(|e| e.name())
        .filter(|n| set.contains(*n))
        .map(str::to_string);
    let others = set
        .iter()
        .filter(|c| !Emotion::ALL.iter().any(|e| e.name() == c.as_str()))
        .cloned();
    canonical.chain(others).collect()
}

/// A regular expression that reads a speaker id from a file name (`--speaker-from`): the
/// first capture group when the pattern has one, else the whole match. It is searched for in
/// the file's name (with its extension, without its folders), e.g. `^([a-z]+)_` reads `anna`
/// from `anna_take3.wav`. A name it does not match, or where it matches empty, has no speaker.
#[derive(Debug, Clone)]
pub struct SpeakerPattern {
    regex: Regex,
}

impl SpeakerPattern {
    /// Compiles `pattern` (the `regex` crate's syntax).
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] (`speaker pattern`) when it is not a valid expression.
    pub fn new(pattern: &str) -> Result<Self> {
        Regex::new(pattern)
            .map(|regex| Self { regex })
            .map_err(|e| DataError::InvalidParameter {
                name: "speaker pattern",
                value: pattern.to_string(),
                reason: e.to_string(),
            })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// The speaker in `file_name`, or `None` when the pattern does not match it (or matches
    /// nothing but the empty string).
    pub fn speaker_of(&self, file_name: &str) -> Option<String> {
        let caps = self.regex.captures(file_name)?;
        let m = if self.regex.captures_len() > 1 {
            caps.get(1)?
        } else {
            caps.get(0)?
        };
        (!m.as_str().is_empty()).then(|| m.as_str().to_string())
    }

    /// The speaker of the file at `path` (its file name), or `None` (also for a name that is
    /// not UTF-8).
    pub fn speaker_of_path(&self, path: &Path) -> Option<String> {
        self.speaker_of(path.file_name()?.to_str()?)
    }
}

impl PartialEq for SpeakerPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Display for SpeakerPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpeakerPattern {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

/// One rule of a label map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRule {
    /// Line in the map file (from 1).
    pub line: usize,
    /// The class renamed (exactly as the data set names it: `angry`, `calm-ish`).
    pub from: String,
    /// Its new name; `None` (an empty `to` cell) drops the files of that class.
    pub to: Option<String>,
}

/// Renames, merges and drops classes: a CSV (or TSV) file with a header and the columns `from`
/// and `to`, e.g.
///
/// ```text
/// from,to
/// calm,neutral
/// ps,surprise
/// boredom,
/// ```
///
/// `from` is a class name as the data set has it (the canonical emotion under the five
/// file-name schemes, the user's label otherwise); several rules with the same `to` merge
/// classes; an empty `to` drops the files of the class (each reported); classes no rule names
/// pass through. Rules apply once (no chains). Bad rows (an empty `from`, a class mapped
/// twice, the wrong number of fields) are reported with their line numbers and skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMap {
    /// The map file.
    pub file: PathBuf,
    /// Usable rules, in file order.
    pub rules: Vec<LabelRule>,
    /// Rows skipped and columns ignored, with their line numbers.
    pub bad_rows: Vec<RowReport>,
}

impl LabelMap {
    /// Reads a label map file (a regular UTF-8 file of at most [`MAX_LABEL_MAP_BYTES`]).
    ///
    /// # Errors
    /// [`DataError::Io`] / [`DataError::TextFile`] when it cannot be read;
    /// [`DataError::MissingColumn`] without `from` and `to` columns;
    /// [`DataError::NothingUsable`] when it has no usable rule.
    pub fn read(path: &Path) -> Result<Self> {
        let text = table::read_limited(path, MAX_LABEL_MAP_BYTES)?;
        Self::parse(&text, path)
    }

    /// Parses the text of the label map `file`.
    ///
    /// # Errors
    /// As [`LabelMap::read`], except reading.
    pub fn parse(text: &str, file: &Path) -> Result<Self> {
        let text = table::strip_bom(text);
        let delim = table::delimiter_of(text);
        let mut bad = Vec::new();
        let mut recs = table::records(text, delim, manifest::MAX_RECORD_BYTES).into_iter();
        let head = manifest::header(file, &mut recs, &["from", "to"], &["from", "to"], &mut bad)?;
        let (Some(&from_col), Some(&to_col)) = (head.index.get("from"), head.index.get("to"))
        else {
            return Err(DataError::MissingColumn {
                file: file.to_path_buf(),
                column: "from",
                found: head.names.clone(),
            });
        };
        let mut rules: Vec<LabelRule> = Vec::new();
        let mut n_rows = 0;
        for rec in recs {
            if rec.is_blank() {
                continue;
            }
            n_rows += 1;
            let line = rec.line;
            let fields = match manifest::data_fields(file, rec, head.width) {
                Ok(f) => f,
                Err(r) => {
                    bad.push(r);
                    continue;
                }
            };
            let cell = |i: usize| fields.get(i).map(table::Field::value).unwrap_or_default();
            let (from, to) = (cell(from_col), cell(to_col));
            let report = |kind, detail| RowReport {
                file: file.to_path_buf(),
                line,
                kind,
                detail,
            };
            if from.is_empty() {
                bad.push(report(
                    RowFault::EmptyFrom,
                    "the from class is empty".into(),
                ));
                continue;
            }
            if let Some(first) = rules.iter().find(|r| r.from == from) {
                bad.push(report(
                    RowFault::DuplicateFrom,
                    format!("class {from:?} is mapped on line {} already", first.line),
                ));
                continue;
            }
            rules.push(LabelRule {
                line,
                from: from.to_string(),
                to: (!to.is_empty()).then(|| to.to_string()),
            });
        }
        if rules.is_empty() {
            return Err(DataError::NothingUsable {
                file: file.to_path_buf(),
                rows: n_rows,
                problems: bad,
            });
        }
        Ok(Self {
            file: file.to_path_buf(),
            rules,
            bad_rows: bad,
        })
    }

    /// The rule for `class` and its index in [`Self::rules`], if any.
    pub fn rule_for(&self, class: &str) -> Option<(usize, &LabelRule)> {
        self.rules.iter().enumerate().find(|(_, r)| r.from == class)
    }

    /// What `class` becomes: `Some(new name)` (itself when no rule names it) or `None` when
    /// its files are dropped.
    pub fn apply<'a>(&'a self, class: &'a str) -> Option<&'a str> {
        match self.rule_for(class) {
            Some((_, r)) => r.to.as_deref(),
            None => Some(class),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_emotions_first_then_byte_order() {
        assert_eq!(
            class_order(["surprise", "neutral", "angry"]),
            ["neutral", "angry", "surprise"]
        );
        assert_eq!(
            class_order(["b", "Angry", "a", "boredom", "Z"]),
            ["boredom", "Angry", "Z", "a", "b"]
        );
        assert!(class_order(Vec::<String>::new()).is_empty());
    }

    #[test]
    fn speaker_pattern_takes_the_first_group_or_the_match() {
        let p: SpeakerPattern = r"^([a-z]+)_".parse().unwrap();
        assert_eq!(p.speaker_of("anna_take3.wav").as_deref(), Some("anna"));
        assert_eq!(p.speaker_of("Anna_take3.wav"), None);
        let whole = SpeakerPattern::new(r"spk\d+").unwrap();
        assert_eq!(whole.speaker_of("x_spk12_y.wav").as_deref(), Some("spk12"));
        assert_eq!(
            whole
                .speaker_of_path(Path::new("spk9/a_spk3.wav"))
                .as_deref(),
            Some("spk3")
        );
        assert!(matches!(
            SpeakerPattern::new("(unclosed"),
            Err(DataError::InvalidParameter {
                name: "speaker pattern",
                ..
            })
        ));
        assert_eq!(SpeakerPattern::new("(x*)").unwrap().speaker_of("abc"), None);
    }

    #[test]
    fn label_map_rules_and_bad_rows() {
        let text = "from,to\ncalm,neutral\nps,surprise\nboredom,\n,x\ncalm,sad\na,b,c\n\"happy\",\"joy ful\"\n";
        let m = LabelMap::parse(text, Path::new("map.csv")).unwrap();
        assert_eq!(m.rules.len(), 4);
        assert_eq!(m.apply("calm"), Some("neutral"));
        assert_eq!(m.apply("boredom"), None);
        assert_eq!(m.apply("angry"), Some("angry"));
        assert_eq!(m.apply("happy"), Some("joy ful"));
        let bad: Vec<(usize, RowFault)> = m.bad_rows.iter().map(|r| (r.line, r.kind)).collect();
        assert_eq!(
            bad,
            [
                (5, RowFault::EmptyFrom),
                (6, RowFault::DuplicateFrom),
                (7, RowFault::FieldCount)
            ]
        );
        assert!(m.bad_rows[1].detail.contains("line 2"), "{}", m.bad_rows[1]);
        assert!(matches!(
            LabelMap::parse("from,into\na,b\n", Path::new("m.csv")),
            Err(DataError::MissingColumn { column: "to", .. })
        ));
        assert!(matches!(
            LabelMap::parse("from,to\n,b\n", Path::new("m.csv")),
            Err(DataError::NothingUsable { rows: 1, .. })
        ));
    }
}
