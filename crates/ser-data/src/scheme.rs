//! Corpus naming schemes: reading the emotion, speaker and other fields from a file's name.
//!
//! | scheme | example | fields |
//! |---|---|---|
//! | TESS | `OAF_back_angry.wav` in `OAF_angry/` | speaker, word, emotion (`ps` = pleasant surprise) |
//! | RAVDESS | `03-01-05-01-02-01-12.wav` in `Actor_12/` | modality, channel, emotion 01–08, intensity, statement, repetition, actor |
//! | EmoDB | `03a01Fa.wav` | speaker, text, emotion letter (W L E A F T N), version |
//! | CREMA-D | `1001_DFA_ANG_XX.wav` | actor, sentence, emotion, level |
//! | SAVEE | `DC_a01.wav`, or `a01.wav` in `DC/` | speaker, emotion code (a d f h n sa su), sentence |
//!
//! Where the name and its folder disagree about the speaker (TESS's `OA_bite_neutral.wav` in
//! `OAF_neutral/`), the folder's speaker is used and a [`NameWarning`] says so; an emotion that
//! disagrees with the folder keeps the name's emotion, also with a warning.
//!
//! Two more ways of labelling files are not read from names: [`Scheme::Folders`]
//! (`DIR/<label>/*.wav`, the folder is the class) and [`Scheme::Manifest`] (a CSV/TSV file
//! lists every recording with its label, see [`crate::manifest`]). Their labels are whatever
//! strings the user has; [`LabelledFile::class`] is the class a file trains on in every case.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::emotion::Emotion;
use crate::error::DataError;
use crate::manifest::SplitSide;

/// How a corpus labels its files: one of five file-name schemes, a folder per class, or a
/// manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Toronto Emotional Speech Set: `SPK_word_emotion.wav`.
    Tess,
    /// Ryerson Audio-Visual Database: seven two-digit fields joined by `-`.
    Ravdess,
    /// Berlin Database of Emotional Speech: `03a01Fa.wav`.
    #[serde(rename = "emodb")]
    EmoDb,
    /// Crowd-sourced Emotional Multimodal Actors Dataset: `1001_DFA_ANG_XX.wav`.
    CremaD,
    /// Surrey Audio-Visual Expressed Emotion: `DC_a01.wav` or `a01.wav` in a speaker folder.
    Savee,
    /// Folder per class: `DIR/<label>/*.wav`, the folder's name is the label (any string); the
    /// speaker comes from the file name through a pattern (`--speaker-from`), or is the one
    /// shared unnamed speaker `""`.
    Folders,
    /// A manifest file (CSV or TSV) lists every recording with its label (see
    /// [`crate::manifest`]).
    Manifest,
}

impl Scheme {
    /// Every file-name scheme, in the order used to break ties in detection (not
    /// [`Scheme::Folders`] and [`Scheme::Manifest`], which do not read names).
    pub const ALL: [Scheme; 5] = [
        Scheme::Tess,
        Scheme::Ravdess,
        Scheme::EmoDb,
        Scheme::CremaD,
        Scheme::Savee,
    ];

    /// Lower-case name: `tess`, `ravdess`, `emodb`, `crema-d`, `savee`, `folders`, `manifest`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Tess => "tess",
            Scheme::Ravdess => "ravdess",
            Scheme::EmoDb => "emodb",
            Scheme::CremaD => "crema-d",
            Scheme::Savee => "savee",
            Scheme::Folders => "folders",
            Scheme::Manifest => "manifest",
        }
    }

    /// Whether the scheme reads labels from file names (one of [`Scheme::ALL`]), so that every
    /// label maps onto a canonical [`Emotion`].
    pub fn reads_names(self) -> bool {
        Scheme::ALL.contains(&self)
    }

    /// Parses one file's name under this scheme. Under [`Scheme::Folders`] the label is the
    /// name of the file's folder and the speaker the shared unnamed speaker `""` (see
    /// [`crate::SpeakerPattern`] for speakers from names); under [`Scheme::Manifest`] nothing
    /// can be read from a name (always an error).
    ///
    /// # Errors
    /// [`UnparsedName`] with the reason when the name does not fit.
    pub fn parse(self, path: &Path) -> Result<LabelledFile, UnparsedName> {
        match self {
            Scheme::Folders => return parse_folder(path),
            Scheme::Manifest => {
                return Err(unparsed(
                    path,
                    self,
                    "a manifest labels the files it lists; names are not read",
                ));
            }
            _ => {}
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| unparsed(path, self, "file name is not valid UTF-8"))?;
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str());
        let parsed = match self {
            Scheme::Tess => parse_tess(stem, folder),
            Scheme::Ravdess => parse_ravdess(stem, folder),
            Scheme::EmoDb => parse_emodb(stem),
            Scheme::CremaD => parse_crema(stem),
            Scheme::Savee => parse_savee(stem, folder),
            Scheme::Folders | Scheme::Manifest => Err("not a file-name scheme".into()),
        }
        .map_err(|reason| unparsed(path, self, &reason))?;
        Ok(LabelledFile {
            path: path.to_path_buf(),
            scheme: self,
            emotion: Some(parsed.emotion),
            class: parsed.emotion.name().to_string(),
            label: parsed.label,
            speaker: parsed.speaker,
            fields: parsed.fields,
            warnings: parsed.warnings,
        })
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "tess" => Ok(Scheme::Tess),
            "ravdess" => Ok(Scheme::Ravdess),
            "emodb" | "emo-db" => Ok(Scheme::EmoDb),
            "crema-d" | "cremad" | "crema" => Ok(Scheme::CremaD),
            "savee" => Ok(Scheme::Savee),
            "folders" | "folder" | "folder-per-class" => Ok(Scheme::Folders),
            "manifest" => Ok(Scheme::Manifest),
            _ => Err(DataError::UnknownScheme {
                name: s.to_string(),
            }),
        }
    }
}

/// The words spoken in a recording, as its corpus names them: the same `text` under the same
/// `scheme` is the same sentence (or word), whoever says it and however.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Utterance {
    /// The naming scheme that read the name.
    pub scheme: Scheme,
    /// The scheme's text field: TESS word, EmoDB text code, CREMA-D sentence code, RAVDESS
    /// statement number, SAVEE sentence.
    pub text: String,
}

impl Utterance {
    /// The utterance a corpus file name carries, from the first scheme of [`Scheme::ALL`]
    /// that reads the name; `None` when no scheme reads it or its text field is empty.
    pub fn of(path: &Path) -> Option<Self> {
        let parsed = Scheme::ALL.into_iter().find_map(|s| s.parse(path).ok())?;
        let text = match parsed.fields {
            SchemeFields::Tess { word } => word,
            SchemeFields::Ravdess { statement, .. } => statement.to_string(),
            SchemeFields::EmoDb { text, .. } => text,
            SchemeFields::CremaD { sentence, .. } => sentence,
            SchemeFields::Savee { sentence } => sentence.to_string(),
            SchemeFields::Folders { .. } | SchemeFields::Manifest { .. } => return None,
        };
        (!text.is_empty()).then_some(Self {
            scheme: parsed.scheme,
            text,
        })
    }
}

/// The fields of a name other than emotion and speaker, per scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SchemeFields {
    /// TESS: the spoken target word ("Say the word ...").
    Tess {
        /// The target word.
        word: String,
    },
    /// RAVDESS: the numeric codes of the name.
    Ravdess {
        /// 01 full audio-video, 02 video only, 03 audio only.
        modality: u8,
        /// 01 speech, 02 song.
        channel: u8,
        /// 01 normal, 02 strong.
        intensity: u8,
        /// 01 "Kids are talking by the door", 02 "Dogs are sitting by the door".
        statement: u8,
        /// 01 or 02.
        repetition: u8,
        /// Actor 01–24 (odd male, even female).
        actor: u8,
    },
    /// EmoDB: text code and version letter.
    #[serde(rename = "emodb")]
    EmoDb {
        /// Text code such as `a01`.
        text: String,
        /// Version letter such as `a`.
        version: char,
    },
    /// CREMA-D: sentence code and intensity level.
    CremaD {
        /// Sentence code such as `DFA`.
        sentence: String,
        /// `LO`, `MD`, `HI` or `XX` (unspecified).
        level: String,
    },
    /// SAVEE: sentence number within the emotion.
    Savee {
        /// Sentence number, from 1.
        sentence: u8,
    },
    /// Folder per class: the folder the label was read from.
    Folders {
        /// The folder's name (the label as written).
        folder: String,
    },
    /// A manifest row.
    Manifest {
        /// The manifest file.
        manifest: PathBuf,
        /// Line of the row in the manifest (from 1; the header is line 1).
        line: usize,
        /// The row's `split` value, when the manifest has one.
        split: Option<SplitSide>,
        /// The row's `corpus` value, when the manifest has one.
        corpus: Option<String>,
    },
}

/// One labelled file: its class, emotion, speaker, and the scheme's other fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledFile {
    /// Path of the file.
    pub path: PathBuf,
    /// Scheme the label was read with.
    pub scheme: Scheme,
    /// The canonical emotion of [`Self::class`] when it names one ([`Emotion`]'s `FromStr`:
    /// `angry`, `Anger`, `ps`, ...); always set under the five file-name schemes, `None` for
    /// a user's label such as `calm-ish`.
    pub emotion: Option<Emotion>,
    /// The class the file trains on: the canonical emotion's name under the five file-name
    /// schemes (`angry`, `surprise`), the user's label as written under
    /// [`Scheme::Folders`] and [`Scheme::Manifest`], after any [`crate::LabelMap`].
    pub class: String,
    /// The corpus's own label, exactly as written (`ps`, `05`, `W`, `ANG`, `sa`; a folder's
    /// name; a manifest's `label` cell), before any label map.
    pub label: String,
    /// Speaker identifier (from the folder where name and folder disagree).
    pub speaker: String,
    /// The scheme's other fields.
    pub fields: SchemeFields,
    /// Disagreements between name and folder found while reading this name.
    pub warnings: Vec<String>,
}

/// A name that fits a scheme not, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnparsedName {
    /// The file.
    pub file: PathBuf,
    /// The scheme it was read with.
    pub scheme: Scheme,
    /// Why it does not fit.
    pub reason: String,
}

/// A disagreement noticed while reading names (the file is still labelled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameWarning {
    /// The file.
    pub file: PathBuf,
    /// What disagrees.
    pub message: String,
}

/// How to pick the scheme for a set of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemeChoice {
    /// The scheme that fits the most names (ties: order of [`Scheme::ALL`]); when a corpus
    /// folder has no name that fits any, [`Scheme::Folders`] if most of its audio files sit
    /// one level under it in at least two folders ([`crate::scan`]).
    #[default]
    Detect,
    /// This scheme, whatever the names look like.
    Force(Scheme),
}

/// How many names each scheme fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The scheme fitting the most names.
    pub scheme: Scheme,
    /// Names it fits.
    pub matched: usize,
    /// Names looked at.
    pub total: usize,
    /// Names fitted, per scheme (by name).
    pub per_scheme: BTreeMap<String, usize>,
}

/// Finds the scheme that fits the most of `paths` (a majority vote over files).
///
/// # Errors
/// [`DataError::NoSchemeFits`] when no name fits any scheme (or `paths` is empty).
pub fn detect_scheme<P: AsRef<Path>>(paths: &[P]) -> Result<Detection, DataError> {
    let mut per_scheme = BTreeMap::new();
    let mut best: Option<(Scheme, usize)> = None;
    for scheme in Scheme::ALL {
        let n = paths
            .iter()
            .filter(|p| scheme.parse(p.as_ref()).is_ok())
            .count();
        per_scheme.insert(scheme.name().to_string(), n);
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((scheme, n));
        }
    }
    let (scheme, matched) = best.ok_or(DataError::NoSchemeFits { files: paths.len() })?;
    Ok(Detection {
        scheme,
        matched,
        total: paths.len(),
        per_scheme,
    })
}

/// The names of a set of files, read under one scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labelling {
    /// Scheme used.
    pub scheme: Scheme,
    /// Whether the scheme was forced rather than detected.
    pub forced: bool,
    /// Files whose names were read, in input order.
    pub files: Vec<LabelledFile>,
    /// Files whose names do not fit the scheme, with the reason (never guessed).
    pub unparsed: Vec<UnparsedName>,
    /// Name/folder disagreements.
    pub warnings: Vec<NameWarning>,
}

/// Reads the names of `paths` under the chosen or detected scheme.
///
/// # Errors
/// [`DataError::NoSchemeFits`] when detecting and no name fits any scheme.
pub fn label_files<P: AsRef<Path>>(
    paths: &[P],
    choice: SchemeChoice,
) -> Result<Labelling, DataError> {
    let (scheme, forced) = match choice {
        SchemeChoice::Force(s) => (s, true),
        SchemeChoice::Detect => (detect_scheme(paths)?.scheme, false),
    };
    let mut files = Vec::new();
    let mut unparsed = Vec::new();
    let mut warnings = Vec::new();
    for p in paths {
        match scheme.parse(p.as_ref()) {
            Ok(f) => {
                warnings.extend(f.warnings.iter().map(|m| NameWarning {
                    file: f.path.clone(),
                    message: m.clone(),
                }));
                files.push(f);
            }
            Err(u) => unparsed.push(u),
        }
    }
    Ok(Labelling {
        scheme,
        forced,
        files,
        unparsed,
        warnings,
    })
}

impl LabelledFile {
    /// The `split` value of a manifest row (`None` for other schemes and empty cells).
    pub fn split(&self) -> Option<SplitSide> {
        match &self.fields {
            SchemeFields::Manifest { split, .. } => *split,
            _ => None,
        }
    }

    /// The `corpus` value of a manifest row (`None` for other schemes and empty cells).
    pub fn corpus(&self) -> Option<&str> {
        match &self.fields {
            SchemeFields::Manifest { corpus, .. } => corpus.as_deref(),
            _ => None,
        }
    }

    /// Gives the file another class (a [`crate::LabelMap`]'s rename); [`Self::emotion`]
    /// follows it.
    pub fn set_class(&mut self, class: &str) {
        self.class = class.to_string();
        self.emotion = class.parse().ok();
    }
}

/// A folder-per-class file: the label is its folder's name, the speaker the shared `""`.
fn parse_folder(path: &Path) -> Result<LabelledFile, UnparsedName> {
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .ok_or_else(|| unparsed(path, Scheme::Folders, "not inside a class folder"))?;
    let label = folder.to_str().ok_or_else(|| {
        unparsed(
            path,
            Scheme::Folders,
            "the class folder's name is not valid UTF-8",
        )
    })?;
    Ok(LabelledFile {
        path: path.to_path_buf(),
        scheme: Scheme::Folders,
        emotion: label.parse().ok(),
        class: label.to_string(),
        label: label.to_string(),
        speaker: String::new(),
        fields: SchemeFields::Folders {
            folder: label.to_string(),
        },
        warnings: Vec::new(),
    })
}

fn unparsed(path: &Path, scheme: Scheme, reason: &str) -> UnparsedName {
    UnparsedName {
        file: path.to_path_buf(),
        scheme,
        reason: reason.to_string(),
    }
}

struct Parsed {
    emotion: Emotion,
    label: String,
    speaker: String,
    fields: SchemeFields,
    warnings: Vec<String>,
}

fn is_alnum(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn two_digits(s: &str) -> Option<u8> {
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Splits a TESS-style `SPK_rest` into speaker and the rest's emotion label (which may be the
/// two fields `pleasant_surprise`). Returns (speaker, middle fields, label).
fn tess_fields(stem: &str) -> Option<(&str, Vec<&str>, String)> {
    let fields: Vec<&str> = stem.split('_').collect();
    let n = fields.len();
    if n < 2 || fields.iter().any(|f| f.is_empty()) {
        return None;
    }
    let two = if n >= 3 {
        Some(format!("{}_{}", fields[n - 2], fields[n - 1]))
    } else {
        None
    };
    match two {
        Some(t) if t.to_ascii_lowercase().starts_with("pleasant_surprise") => {
            Some((fields[0], fields[1..n - 2].to_vec(), t))
        }
        _ => Some((
            fields[0],
            fields[1..n - 1].to_vec(),
            fields[n - 1].to_string(),
        )),
    }
}

fn parse_tess(stem: &str, folder: Option<&str>) -> Result<Parsed, String> {
    let (speaker, middle, label) = tess_fields(stem)
        .ok_or_else(|| "expected SPEAKER_word_emotion (fields joined by '_')".to_string())?;
    if middle.is_empty() {
        return Err("expected SPEAKER_word_emotion: no word field".into());
    }
    if !is_alnum(speaker) {
        return Err(format!("speaker field {speaker:?} is not alphanumeric"));
    }
    let emotion =
        Emotion::from_english(&label).ok_or_else(|| format!("{label:?} is not a TESS emotion"))?;
    let mut speaker = speaker.to_string();
    let mut warnings = Vec::new();
    if let Some((fspk, _, flabel)) = folder.and_then(tess_fields) {
        let femotion = Emotion::from_english(&flabel);
        if is_alnum(fspk) && femotion.is_some() {
            if !fspk.eq_ignore_ascii_case(&speaker) {
                warnings.push(format!(
                    "speaker {speaker:?} in the name differs from {fspk:?} of its folder; using {fspk:?}"
                ));
                speaker = fspk.to_string();
            }
            if femotion != Some(emotion) {
                warnings.push(format!(
                    "emotion {label:?} in the name differs from {flabel:?} of its folder; using the name's"
                ));
            }
        }
    }
    Ok(Parsed {
        emotion,
        label,
        speaker,
        fields: SchemeFields::Tess {
            word: middle.join("_"),
        },
        warnings,
    })
}

fn parse_ravdess(stem: &str, folder: Option<&str>) -> Result<Parsed, String> {
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() != 7 {
        return Err(format!(
            "expected 7 two-digit fields joined by '-', found {}",
            parts.len()
        ));
    }
    let mut codes = [0u8; 7];
    for (c, p) in codes.iter_mut().zip(&parts) {
        *c = two_digits(p).ok_or_else(|| format!("field {p:?} is not two digits"))?;
    }
    let [
        modality,
        channel,
        emo,
        intensity,
        statement,
        repetition,
        actor,
    ] = codes;
    let check = |v: u8, hi: u8, what: &str| {
        if (1..=hi).contains(&v) {
            Ok(())
        } else {
            Err(format!("{what} {v:02} is outside 01–{hi:02}"))
        }
    };
    check(modality, 3, "modality")?;
    check(channel, 2, "vocal channel")?;
    check(intensity, 2, "intensity")?;
    check(statement, 2, "statement")?;
    check(repetition, 2, "repetition")?;
    check(actor, 99, "actor")?;
    let emotion = match emo {
        1 => Emotion::Neutral,
        2 => Emotion::Calm,
        3 => Emotion::Happy,
        4 => Emotion::Sad,
        5 => Emotion::Angry,
        6 => Emotion::Fear,
        7 => Emotion::Disgust,
        8 => Emotion::Surprise,
        _ => return Err(format!("emotion code {emo:02} is outside 01–08")),
    };
    let mut speaker = format!("Actor_{actor:02}");
    let mut warnings = Vec::new();
    if let Some(f) = folder
        && let Some(n) = f
            .strip_prefix("Actor_")
            .or_else(|| f.strip_prefix("actor_"))
            .and_then(|n| n.parse::<u8>().ok())
        && n != actor
    {
        warnings.push(format!(
            "actor {actor:02} in the name differs from folder {f:?}; using the folder's"
        ));
        speaker = format!("Actor_{n:02}");
    }
    Ok(Parsed {
        emotion,
        label: parts[2].to_string(),
        speaker,
        fields: SchemeFields::Ravdess {
            modality,
            channel,
            intensity,
            statement,
            repetition,
            actor,
        },
        warnings,
    })
}

fn parse_emodb(stem: &str) -> Result<Parsed, String> {
    let c: Vec<char> = stem.chars().collect();
    if c.len() != 7 {
        return Err(format!(
            "expected 7 characters like 03a01Fa, found {}",
            c.len()
        ));
    }
    let ok = c[0].is_ascii_digit()
        && c[1].is_ascii_digit()
        && c[2].is_ascii_lowercase()
        && c[3].is_ascii_digit()
        && c[4].is_ascii_digit()
        && c[6].is_ascii_lowercase();
    if !ok {
        return Err(
            "expected speaker (2 digits), text (letter + 2 digits), emotion letter, version letter"
                .into(),
        );
    }
    let emotion = match c[5] {
        'W' => Emotion::Angry,
        'L' => Emotion::Boredom,
        'E' => Emotion::Disgust,
        'A' => Emotion::Fear,
        'F' => Emotion::Happy,
        'T' => Emotion::Sad,
        'N' => Emotion::Neutral,
        other => {
            return Err(format!(
                "emotion letter {other:?} is not one of W L E A F T N"
            ));
        }
    };
    Ok(Parsed {
        emotion,
        label: c[5].to_string(),
        speaker: c[..2].iter().collect(),
        fields: SchemeFields::EmoDb {
            text: c[2..5].iter().collect(),
            version: c[6],
        },
        warnings: Vec::new(),
    })
}

fn parse_crema(stem: &str) -> Result<Parsed, String> {
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() != 4 {
        return Err(format!(
            "expected ACTOR_SENTENCE_EMOTION_LEVEL, found {} fields",
            parts.len()
        ));
    }
    let (actor, sentence, emo, level) = (parts[0], parts[1], parts[2], parts[3]);
    if actor.len() != 4 || !actor.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("actor {actor:?} is not four digits"));
    }
    if sentence.len() != 3 || !sentence.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "sentence {sentence:?} is not three capital letters"
        ));
    }
    let emotion = match emo {
        "ANG" => Emotion::Angry,
        "DIS" => Emotion::Disgust,
        "FEA" => Emotion::Fear,
        "HAP" => Emotion::Happy,
        "NEU" => Emotion::Neutral,
        "SAD" => Emotion::Sad,
        other => {
            return Err(format!(
                "emotion {other:?} is not one of ANG DIS FEA HAP NEU SAD"
            ));
        }
    };
    if !matches!(level, "LO" | "MD" | "HI" | "XX" | "X") {
        return Err(format!("level {level:?} is not one of LO MD HI XX"));
    }
    Ok(Parsed {
        emotion,
        label: emo.to_string(),
        speaker: actor.to_string(),
        fields: SchemeFields::CremaD {
            sentence: sentence.to_string(),
            level: level.to_string(),
        },
        warnings: Vec::new(),
    })
}

fn is_savee_speaker(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic())
}

fn parse_savee(stem: &str, folder: Option<&str>) -> Result<Parsed, String> {
    let (prefix, code) = match stem.split_once('_') {
        Some((p, c)) => (Some(p), c),
        None => (None, stem),
    };
    if let Some(p) = prefix
        && !is_savee_speaker(p)
    {
        return Err(format!("speaker prefix {p:?} is not two letters"));
    }
    let letters: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &code[letters.len()..];
    let sentence = two_digits(digits)
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("expected an emotion code then two digits, found {code:?}"))?;
    let emotion = match letters.as_str() {
        "a" => Emotion::Angry,
        "d" => Emotion::Disgust,
        "f" => Emotion::Fear,
        "h" => Emotion::Happy,
        "n" => Emotion::Neutral,
        "sa" => Emotion::Sad,
        "su" => Emotion::Surprise,
        other => {
            return Err(format!(
                "emotion code {other:?} is not one of a d f h n sa su"
            ));
        }
    };
    let folder_speaker = folder.filter(|f| is_savee_speaker(f));
    let mut warnings = Vec::new();
    let speaker = match (prefix, folder_speaker) {
        (Some(p), Some(f)) if !p.eq_ignore_ascii_case(f) => {
            warnings.push(format!(
                "speaker {p:?} in the name differs from folder {f:?}; using {f:?}"
            ));
            f.to_string()
        }
        (Some(p), _) => p.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => {
            return Err(
                "no speaker prefix and the folder is not a two-letter speaker folder".into(),
            );
        }
    };
    Ok(Parsed {
        emotion,
        label: letters,
        speaker,
        fields: SchemeFields::Savee { sentence },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn tess_names() {
        let f = Scheme::Tess
            .parse(&p("data/OAF_angry/OAF_back_angry.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Angry));
        assert_eq!(f.label, "angry");
        assert_eq!(f.speaker, "OAF");
        assert_eq!(
            f.fields,
            SchemeFields::Tess {
                word: "back".into()
            }
        );
        assert!(f.warnings.is_empty());

        let f = Scheme::Tess
            .parse(&p("YAF_pleasant_surprise/YAF_youth_ps.wav"))
            .unwrap();
        assert_eq!(
            (f.emotion, f.label.as_str()),
            (Some(Emotion::Surprise), "ps")
        );
        assert_eq!(f.class, "surprise");
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);

        let f = Scheme::Tess
            .parse(&p("x/OAF_back_pleasant_surprise.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Surprise));
        assert_eq!(
            f.fields,
            SchemeFields::Tess {
                word: "back".into()
            }
        );
    }

    #[test]
    fn tess_speaker_folder_disagreement_warns_and_uses_folder() {
        let f = Scheme::Tess
            .parse(&p("tess/OAF_neutral/OA_bite_neutral.wav"))
            .unwrap();
        assert_eq!(f.speaker, "OAF");
        assert_eq!(f.warnings.len(), 1);
        assert!(f.warnings[0].contains("\"OA\""), "{}", f.warnings[0]);

        let f = Scheme::Tess
            .parse(&p("tess/OAF_sad/OAF_bite_happy.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Happy));
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn tess_rejects() {
        for bad in [
            "OAF_angry.wav",
            "OAF_back_grumpy.wav",
            "OAF__angry.wav",
            "O-F_back_angry.wav",
        ] {
            assert!(Scheme::Tess.parse(&p(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn ravdess_names() {
        let f = Scheme::Ravdess
            .parse(&p("Actor_12/03-01-05-01-02-01-12.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Angry));
        assert_eq!(f.label, "05");
        assert_eq!(f.speaker, "Actor_12");
        assert_eq!(
            f.fields,
            SchemeFields::Ravdess {
                modality: 3,
                channel: 1,
                intensity: 1,
                statement: 2,
                repetition: 1,
                actor: 12
            }
        );
        let f = Scheme::Ravdess
            .parse(&p("03-02-02-02-01-02-07.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Calm));
        let f = Scheme::Ravdess
            .parse(&p("Actor_03/03-01-08-01-01-01-04.wav"))
            .unwrap();
        assert_eq!(f.emotion, Some(Emotion::Surprise));
        assert_eq!(f.speaker, "Actor_03");
        assert_eq!(f.warnings.len(), 1);
        for bad in [
            "03-01-09-01-02-01-12.wav",
            "03-01-05-01-02-01.wav",
            "03-01-05-01-02-01-1x.wav",
            "04-01-05-01-02-01-12.wav",
        ] {
            assert!(Scheme::Ravdess.parse(&p(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn emodb_names() {
        let cases = [
            ("03a01Fa.wav", Emotion::Happy),
            ("08b02Wb.wav", Emotion::Angry),
            ("16a05Lc.wav", Emotion::Boredom),
            ("11b10Ad.wav", Emotion::Fear),
            ("09a07Ea.wav", Emotion::Disgust),
            ("10a04Ta.wav", Emotion::Sad),
            ("13a02Na.wav", Emotion::Neutral),
        ];
        for (n, e) in cases {
            let f = Scheme::EmoDb.parse(&p(n)).unwrap();
            assert_eq!(f.emotion, Some(e), "{n}");
            assert_eq!(f.class, e.name(), "{n}");
        }
        let f = Scheme::EmoDb.parse(&p("03a01Fa.wav")).unwrap();
        assert_eq!(f.speaker, "03");
        assert_eq!(f.label, "F");
        assert_eq!(
            f.fields,
            SchemeFields::EmoDb {
                text: "a01".into(),
                version: 'a'
            }
        );
        for bad in ["03a01Xa.wav", "03a01F.wav", "3aa01Fa.wav"] {
            assert!(Scheme::EmoDb.parse(&p(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn crema_names() {
        let f = Scheme::CremaD.parse(&p("1001_DFA_ANG_XX.wav")).unwrap();
        assert_eq!(
            (f.emotion, f.speaker.as_str()),
            (Some(Emotion::Angry), "1001")
        );
        assert_eq!(f.label, "ANG");
        assert_eq!(
            f.fields,
            SchemeFields::CremaD {
                sentence: "DFA".into(),
                level: "XX".into()
            }
        );
        let f = Scheme::CremaD.parse(&p("1091_IEO_SAD_HI.wav")).unwrap();
        assert_eq!(f.emotion, Some(Emotion::Sad));
        for bad in [
            "1001_DFA_SUR_XX.wav",
            "101_DFA_ANG_XX.wav",
            "1001_DFA_ANG_ZZ.wav",
        ] {
            assert!(Scheme::CremaD.parse(&p(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn savee_names() {
        let f = Scheme::Savee.parse(&p("AudioData/DC_a01.wav")).unwrap();
        assert_eq!(
            (f.emotion, f.speaker.as_str()),
            (Some(Emotion::Angry), "DC")
        );
        let f = Scheme::Savee.parse(&p("AudioData/JK/su15.wav")).unwrap();
        assert_eq!(
            (f.emotion, f.speaker.as_str()),
            (Some(Emotion::Surprise), "JK")
        );
        assert_eq!(f.label, "su");
        assert_eq!(f.fields, SchemeFields::Savee { sentence: 15 });
        let f = Scheme::Savee.parse(&p("KL/JE_sa03.wav")).unwrap();
        assert_eq!((f.emotion, f.speaker.as_str()), (Some(Emotion::Sad), "KL"));
        assert_eq!(f.warnings.len(), 1);
        // no prefix and no speaker folder: not guessed
        assert!(Scheme::Savee.parse(&p("audio/a01.wav")).is_err());
        assert!(Scheme::Savee.parse(&p("DC/x01.wav")).is_err());
    }

    #[test]
    fn detection_is_a_majority_and_stray_names_are_reported() {
        let names = [
            "t/OAF_angry/OAF_back_angry.wav",
            "t/OAF_angry/OAF_bar_angry.wav",
            "t/OAF_sad/OAF_bar_sad.wav",
            "t/03a01Fa.wav",
            "t/notes.wav",
        ];
        let d = detect_scheme(&names).unwrap();
        assert_eq!(d.scheme, Scheme::Tess);
        assert_eq!((d.matched, d.total), (3, 5));
        assert_eq!(d.per_scheme["emodb"], 1);
        let l = label_files(&names, SchemeChoice::Detect).unwrap();
        assert_eq!(l.files.len(), 3);
        assert_eq!(l.unparsed.len(), 2);
        assert!(!l.forced);
        assert_eq!(l.unparsed[0].file, p("t/03a01Fa.wav"));

        let forced = label_files(&names, SchemeChoice::Force(Scheme::EmoDb)).unwrap();
        assert!(forced.forced);
        assert_eq!(forced.files.len(), 1);
        assert_eq!(forced.unparsed.len(), 4);
    }

    #[test]
    fn detection_of_each_scheme() {
        let sets: [(&[&str], Scheme); 4] = [
            (
                &["03-01-05-01-02-01-12.wav", "03-01-01-01-02-01-12.wav"],
                Scheme::Ravdess,
            ),
            (
                &["1001_DFA_ANG_XX.wav", "1002_IEO_HAP_HI.wav"],
                Scheme::CremaD,
            ),
            (&["DC/a01.wav", "DC/n22.wav", "JE/sa01.wav"], Scheme::Savee),
            (&["03a01Fa.wav", "08b02Wb.wav"], Scheme::EmoDb),
        ];
        for (names, s) in sets {
            assert_eq!(detect_scheme(names).unwrap().scheme, s);
        }
        assert!(matches!(
            detect_scheme(&["readme.wav", "x.wav"]),
            Err(DataError::NoSchemeFits { files: 2 })
        ));
        let empty: [&str; 0] = [];
        assert!(detect_scheme(&empty).is_err());
    }

    #[test]
    fn folder_labels_are_the_folder_name() {
        let f = Scheme::Folders
            .parse(&p("data/calm-ish/take 1.wav"))
            .unwrap();
        assert_eq!(f.class, "calm-ish");
        assert_eq!(f.label, "calm-ish");
        assert_eq!(f.emotion, None);
        assert_eq!(f.speaker, "");
        let mut f = Scheme::Folders.parse(&p("data/Anger/a.wav")).unwrap();
        assert_eq!(
            (f.class.as_str(), f.emotion),
            ("Anger", Some(Emotion::Angry))
        );
        f.set_class("excited");
        assert_eq!(
            (f.class.as_str(), f.emotion, f.label.as_str()),
            ("excited", None, "Anger")
        );
        assert!(Scheme::Folders.parse(&p("a.wav")).is_err());
        assert!(Scheme::Manifest.parse(&p("x/a.wav")).is_err());
        assert!(!Scheme::Folders.reads_names() && Scheme::Tess.reads_names());
    }

    #[test]
    fn scheme_names_parse() {
        for s in Scheme::ALL
            .into_iter()
            .chain([Scheme::Folders, Scheme::Manifest])
        {
            assert_eq!(s.name().parse::<Scheme>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
        assert!("iemocap".parse::<Scheme>().is_err());
        assert_eq!(serde_json::to_string(&Scheme::Tess).unwrap(), "\"tess\"");
        assert_eq!(
            serde_json::to_string(&Scheme::CremaD).unwrap(),
            "\"crema-d\""
        );
        assert_eq!(serde_json::to_string(&Scheme::EmoDb).unwrap(), "\"emodb\"");
    }
}
