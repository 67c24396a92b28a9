//! Stages 1–2: find and read the recordings (or make the synthetic ones), then count them.

use std::path::Path;

use ser_data::synth::write_corpus;
use ser_data::{Corpus, Eda, open_corpus};

use super::{Stages, StudyConfig, StudyError};
use crate::plots::bar_counts;

/// The corpus as read, with its EDA.
pub(crate) struct Loaded {
    pub corpus: Corpus,
    pub eda: Eda,
    pub description: String,
}

/// Stage 1: scans `config.data`, or writes and scans the synthetic corpus.
pub(crate) fn load(config: &StudyConfig, stages: &mut Stages) -> Result<Loaded, StudyError> {
    let (root, description) = match &config.data {
        Some(dir) => (dir.clone(), dir.display().to_string()),
        None => {
            let dir = config.out.join("synthetic-corpus");
            let mut params = config.synth.clone();
            params.seed = config.seed;
            stages.say(format!(
                "no --data given: synthesising {} speakers × {} emotions × {} utterances into {}",
                params.speakers.len(),
                params.emotions.len(),
                params.utterances_per_class,
                dir.display()
            ));
            write_corpus(&dir, &params)?;
            (
                dir,
                format!(
                    "synthetic emotional speech (seed {}, {} speakers, {} utterances per class)",
                    params.seed,
                    params.speakers.len(),
                    params.utterances_per_class
                ),
            )
        }
    };
    let corpus = open_corpus(&root, &config.corpus)?;
    if corpus.is_manifest() {
        stages.say(format!(
            "{} is a manifest: {} audio files listed, {} read and labelled",
            root.display(),
            corpus.files,
            corpus.items.len()
        ));
    } else {
        stages.say(format!(
            "{} audio files found, {} read and labelled ({:?} names)",
            corpus.files,
            corpus.items.len(),
            corpus.scheme
        ));
    }
    for r in &corpus.bad_rows {
        stages.say(format!("row: {r}"));
    }
    for f in &corpus.faulty {
        let verdict = if f.kept { "kept" } else { "skipped" };
        stages.say(format!("{verdict}: {}: {}", f.file.display(), f.reason));
    }
    for w in &corpus.warnings {
        stages.say(format!("warning: {}: {}", w.file.display(), w.message));
    }
    if corpus.items.is_empty() {
        return Err(StudyError::Unusable {
            reason: format!("{}: no readable, labelled recordings", root.display()),
        });
    }
    let eda = Eda::of(&corpus);
    Ok(Loaded {
        corpus,
        eda,
        description,
    })
}

/// Stage 2: prints counts per emotion and speaker and draws the bar plot.
pub(crate) fn eda_plot(loaded: &Loaded, out: &Path, stages: &Stages) -> Result<String, StudyError> {
    let eda = &loaded.eda;
    for (emotion, n) in &eda.by_emotion {
        stages.say(format!("{emotion:>10}: {n}"));
    }
    let speakers: Vec<String> = eda
        .by_speaker
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    stages.say(format!("speakers: {}", speakers.join(", ")));
    if let Some(d) = &eda.duration_s {
        stages.say(format!(
            "durations: {:.2} / {:.2} / {:.2} s (min / mean / max)",
            d.min, d.mean, d.max
        ));
    }
    stages.say(format!("balance: {:?}", eda.balance.verdict));
    let counts: Vec<(String, usize)> = eda
        .by_emotion
        .iter()
        .map(|(e, n)| (e.clone(), *n))
        .collect();
    let name = "eda_counts.png";
    bar_counts(&out.join(name), "Clips per emotion", &counts)?;
    Ok(name.to_string())
}
