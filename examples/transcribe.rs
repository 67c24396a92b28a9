//! Transcribes TESS-style clips with PocketSphinx and prints one JSON line per clip and search.
//!
//! ```text
//! cargo run --release --features asr --example transcribe -- ../shared/data/tess --sample 56
//! ```
//!
//! Each line: `{"file", "group", "target", "search", "text", "carrier", "target_heard",
//! "exact", "probability", "seconds"}` where `target` is the word from a TESS file name
//! (`OAF_back_angry.wav` → `back`), `carrier` says whether "say the word" was recognised as
//! consecutive words, `target_heard` whether the target is among the words, `exact` whether
//! the transcript is exactly "say the word <target>", `seconds` the decoding time (audio
//! loading and model loading excluded). A summary per search goes to stderr.
//!
//! Searches: `lm` (the open en-us language model), `grammar` ("say the word" + one word from
//! a vocabulary: the targets of every file found, `--vocab corpus`, or every word of the
//! pronunciation dictionary, `--vocab dict`), `kws` (keyword spotting of "say the word").

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use ser::asr::{AsrConfig, Grammar, Search, TESS_CARRIER, Transcriber, Transcript};
use ser::audio::{LoadOptions, load};
use ser::cli::{PrintError, print_line};

#[derive(Parser)]
#[command(about = "Transcribe TESS-style clips with PocketSphinx; one JSON line per clip")]
struct Args {
    /// WAV files, or directories searched recursively for *.wav.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Transcribe only this many clips, spread evenly over the folders (speaker × emotion).
    #[arg(long)]
    sample: Option<usize>,
    /// Searches to run, each over every clip.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "lm,grammar")]
    search: Vec<Mode>,
    /// The grammar's word list.
    #[arg(long, value_enum, default_value = "corpus")]
    vocab: Vocab,
    /// Keyword-spotting threshold for `kws`.
    #[arg(long, default_value_t = 1e-30)]
    kws_threshold: f64,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Mode {
    Lm,
    Grammar,
    Kws,
}

#[derive(Clone, Copy, ValueEnum, Debug)]
enum Vocab {
    /// Target words of every file found.
    Corpus,
    /// Every word of the pronunciation dictionary.
    Dict,
}

/// One clip to transcribe.
struct Clip {
    path: PathBuf,
    group: String,
    target: String,
}

#[derive(Default)]
struct Tally {
    clips: usize,
    carrier: usize,
    target: usize,
    exact: usize,
    seconds: f64,
    load_seconds: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut files = Vec::new();
    for p in &args.paths {
        collect_wavs(p, &mut files)?;
    }
    files.sort();
    let all: Vec<Clip> = files.iter().filter_map(|p| clip(p)).collect();
    if all.is_empty() {
        return Err("no TESS-style WAV files (SPEAKER_word_emotion.wav) found".into());
    }
    let chosen = spread(&all, args.sample.unwrap_or(all.len()));

    let mut audio = Vec::with_capacity(chosen.len());
    for c in &chosen {
        let a = load(&c.path, &LoadOptions::native().sample_rate(Some(16_000)))?;
        audio.push(ser::asr::pcm16_from_f32(&a.samples)?);
    }

    let mut tallies: BTreeMap<Mode, Tally> = BTreeMap::new();
    for &mode in &args.search {
        let config = config_for(mode, &args, &all)?;
        let started = Instant::now();
        let mut asr = Transcriber::new(&config)?;
        let tally = tallies.entry(mode).or_default();
        tally.load_seconds = started.elapsed().as_secs_f64();
        for (c, pcm) in chosen.iter().zip(&audio) {
            let started = Instant::now();
            let t = asr.transcribe(pcm)?;
            let seconds = started.elapsed().as_secs_f64();
            let line = judge(c, &t, mode, seconds);
            tally.clips += 1;
            tally.carrier += usize::from(line["carrier"] == true);
            tally.target += usize::from(line["target_heard"] == true);
            tally.exact += usize::from(line["exact"] == true);
            tally.seconds += seconds;
            match print_line(&line) {
                Ok(()) => {}
                // The reader has gone (`| head -1`): the end of the output, not a failure.
                Err(PrintError::Closed) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }
    for (mode, t) in &tallies {
        let pct = |k: usize| 100.0 * k as f64 / t.clips.max(1) as f64;
        eprintln!(
            "{mode:?}: {} clips, carrier \"{TESS_CARRIER}\" {:.1} %, target word {:.1} %, \
             exact sentence {:.1} %, {:.3} s per clip, model load {:.2} s",
            t.clips,
            pct(t.carrier),
            pct(t.target),
            pct(t.exact),
            t.seconds / t.clips.max(1) as f64,
            t.load_seconds
        );
    }
    Ok(())
}

/// The recogniser configuration for one search mode.
fn config_for(
    mode: Mode,
    args: &Args,
    all: &[Clip],
) -> Result<AsrConfig, Box<dyn std::error::Error>> {
    let config = AsrConfig::default();
    Ok(match mode {
        Mode::Lm => config,
        Mode::Grammar => {
            let words: Vec<String> = match args.vocab {
                Vocab::Corpus => all.iter().map(|c| c.target.clone()).collect(),
                Vocab::Dict => dictionary_words(&config.dict)?,
            };
            config.search(Search::Grammar(Grammar::tess(&words)?))
        }
        Mode::Kws => config.search(Search::Keyphrase {
            phrase: TESS_CARRIER.into(),
            threshold: args.kws_threshold,
        }),
    })
}

/// The JSON line for one clip.
fn judge(c: &Clip, t: &Transcript, mode: Mode, seconds: f64) -> serde_json::Value {
    serde_json::json!({
        "file": c.path.display().to_string(),
        "group": c.group,
        "target": c.target,
        "search": format!("{mode:?}").to_lowercase(),
        "text": t.text,
        "carrier": t.contains_phrase(TESS_CARRIER),
        "target_heard": t.words().any(|w| w == c.target),
        "exact": t.text == format!("{TESS_CARRIER} {}", c.target),
        "probability": t.probability,
        "seconds": (seconds * 1e4).round() / 1e4,
    })
}

/// Words of a CMU dictionary: the first token of each line, alternates (`word(2)`) and
/// tokens a grammar cannot hold left out.
fn dictionary_words(path: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| {
            w.chars()
                .all(|c| c.is_alphanumeric() || c == '\'' || c == '-')
        })
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

fn collect_wavs(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Box<dyn std::error::Error>> {
    if path.is_dir() {
        for entry in fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))? {
            collect_wavs(&entry?.path(), out)?;
        }
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
    {
        out.push(path.to_owned());
    }
    Ok(())
}

/// A TESS clip from its name `SPEAKER_word_emotion.wav`, grouped by its folder.
fn clip(path: &Path) -> Option<Clip> {
    let stem = path.file_stem()?.to_str()?;
    let mut parts = stem.split('_');
    let (_speaker, target) = (parts.next()?, parts.next()?);
    parts.next()?;
    let group = path
        .parent()
        .and_then(Path::file_name)
        .map_or_else(String::new, |g| g.to_string_lossy().into_owned());
    Some(Clip {
        path: path.to_owned(),
        group,
        target: target.to_lowercase(),
    })
}

/// `n` clips spread over the groups: round robin over the groups, and within each group
/// evenly spaced positions, shifted per group so the groups do not all get the same words.
fn spread(all: &[Clip], n: usize) -> Vec<&Clip> {
    let mut groups: BTreeMap<&str, Vec<&Clip>> = BTreeMap::new();
    for c in all {
        groups.entry(c.group.as_str()).or_default().push(c);
    }
    let per_group = n.div_ceil(groups.len());
    let picked: Vec<Vec<&Clip>> = groups
        .values()
        .enumerate()
        .map(|(g, clips)| {
            let k = per_group.min(clips.len());
            (0..k)
                .map(|i| clips[(i * clips.len() / k + 7 * g) % clips.len()])
                .collect()
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..per_group {
        for g in &picked {
            if out.len() < n && i < g.len() {
                out.push(g[i]);
            }
        }
    }
    out
}
