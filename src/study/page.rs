//! Stage 11: the self-contained offline `report.html`.

use std::path::Path;

use super::{ModelResult, StudyError, StudyResults};
use crate::report::Report;

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2} %", 100.0 * x)
    } else {
        "—".to_string()
    }
}

fn image(report: &mut Report, out: &Path, name: &str, alt: &str) -> Result<(), StudyError> {
    report.image_png_file(&out.join(name), alt, Some(alt))?;
    Ok(())
}

fn model_section(report: &mut Report, out: &Path, r: &ModelResult) -> Result<(), StudyError> {
    report.subheading(&r.description);
    report.paragraph(&format!(
        "Accuracy {}, UAR (balanced accuracy) {}, macro-F1 {}; fitted in {:.3} s.",
        pct(r.metrics.accuracy),
        pct(r.metrics.uar),
        pct(r.metrics.macro_f1),
        r.fit_seconds
    ));
    report.preformatted(&r.table);
    image(
        report,
        out,
        &r.confusion_plot,
        &format!("Confusion matrix: {}", r.description),
    )
}

/// Writes the report page to `path` (images from the same folder, embedded).
pub(crate) fn write(results: &StudyResults, path: &Path) -> Result<(), StudyError> {
    let out = path.parent().unwrap_or(Path::new("."));
    let mut r = Report::new("Speech emotion recognition: the study, reproduced with ser");
    r.paragraph(&format!(
        "Corpus: {}. Total time {:.1} s.",
        results.corpus, results.total_seconds
    ));

    r.heading("1. Loading the data set");
    let eda = &results.eda;
    r.paragraph(&format!(
        "{} audio files found, {} read and labelled ({:?} naming scheme).",
        eda.files, eda.read, eda.scheme
    ));
    if !eda.faulty.is_empty() {
        let rows: Vec<Vec<String>> = eda
            .faulty
            .iter()
            .map(|f| {
                vec![
                    f.file.display().to_string(),
                    f.reason.clone(),
                    if f.kept { "kept" } else { "skipped" }.to_string(),
                ]
            })
            .collect();
        r.table(&["file", "reason", "what was done"], &rows)?;
    }

    r.heading("2. Exploratory data analysis");
    let rows: Vec<Vec<String>> = eda
        .by_emotion
        .iter()
        .map(|(e, n)| vec![e.clone(), n.to_string()])
        .collect();
    r.table(&["emotion", "clips"], &rows)?;
    let rows: Vec<Vec<String>> = eda
        .by_speaker
        .iter()
        .map(|(s, n)| vec![s.clone(), n.to_string()])
        .collect();
    r.table(&["speaker", "clips"], &rows)?;
    if let Some(d) = &eda.duration_s {
        r.paragraph(&format!(
            "Durations {:.2} / {:.2} / {:.2} s (min / mean / max); balance: {:?}.",
            d.min, d.mean, d.max, eda.balance.verdict
        ));
    }
    image(&mut r, out, &results.eda_plot, "Clips per emotion")?;

    r.heading("3–4. One clip per emotion: sound, transcript, waveplot, spectrogram");
    r.paragraph(&format!("Speech recognition: {}", results.asr));
    for clip in &results.examples {
        r.subheading(&format!("{}: {}", clip.emotion, clip.file.display()));
        r.audio_samples(&clip.samples, 22_050, &clip.emotion)?;
        if let Some(t) = &clip.transcript {
            r.paragraph(&format!("Transcript: “{t}”"));
        }
        image(
            &mut r,
            out,
            &clip.waveplot,
            &format!("Waveplot: {}", clip.emotion),
        )?;
        image(
            &mut r,
            out,
            &clip.spectrogram,
            &format!("Spectrogram: {}", clip.emotion),
        )?;
    }

    r.heading("5–6. Features, labels and the split");
    let feats: Vec<Vec<String>> = results
        .features
        .iter()
        .map(|(k, v)| {
            vec![
                k.clone(),
                v.get("clips").map(|x| x.to_string()).unwrap_or_default(),
                v.get("dimension")
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                v.get("error")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string(),
            ]
        })
        .collect();
    r.table(&["features", "clips", "values per clip", "error"], &feats)?;
    r.paragraph(&format!(
        "Classes: {}. Seeded stratified 80/20 split.",
        loaded_classes(results)
    ));

    r.heading("7. LSTM");
    for plot in &results.lstm_history_plots {
        image(&mut r, out, plot, "LSTM training history")?;
    }
    if let Some(l) = &results.lstm {
        model_section(&mut r, out, l)?;
    }

    r.heading("8. Linear SVM and KNN");
    for m in &results.models {
        model_section(&mut r, out, m)?;
    }

    r.heading("9. Speaker-independent result");
    let si = &results.speaker_independent;
    if let Some(why) = &si.skipped {
        r.paragraph(why);
    } else {
        let rows: Vec<Vec<String>> = si
            .folds
            .iter()
            .map(|f| vec![f.test_speakers.join(", "), pct(f.accuracy), pct(f.uar)])
            .collect();
        r.paragraph(&format!(
            "{}: trained on the other speakers, tested on the one held out. Random splits of an \
             acted corpus put the same speakers (and words) on both sides and flatter every model.",
            si.model
        ));
        r.table(&["test speaker", "accuracy", "UAR"], &rows)?;
        r.paragraph(&format!(
            "Mean: accuracy {}, UAR {}.",
            pct(si.accuracy),
            pct(si.uar)
        ));
    }

    r.heading("10. Every model beside the seed's published numbers");
    let mut rows: Vec<Vec<String>> = Vec::new();
    for m in results.lstm.iter().chain(results.models.iter()) {
        let seed = results
            .published
            .iter()
            .find(|(k, _)| m.name.starts_with(k.as_str()))
            .map(|(_, a)| pct(*a))
            .unwrap_or_else(|| "—".into());
        rows.push(vec![
            m.description.clone(),
            pct(m.metrics.accuracy),
            pct(m.metrics.uar),
            seed,
        ]);
    }
    r.table(
        &["model", "accuracy", "UAR", "seed's published accuracy"],
        &rows,
    )?;
    if let (Some(path), Some(p)) = (&results.best_model, &results.prediction) {
        r.paragraph(&format!(
            "Best model saved to {}. Used on {}: predicted {} (true {}).",
            path.display(),
            p.file.display(),
            p.emotion,
            p.truth
        ));
        let rows: Vec<Vec<String>> = p
            .scores
            .iter()
            .map(|(k, v)| vec![k.clone(), format!("{v:.3}")])
            .collect();
        r.table(&["class", "score"], &rows)?;
    }

    if !results.timelines.is_empty() {
        r.heading("Emotion over time");
        r.paragraph(
            "Each recording given with --timeline, split into speech segments (voice-activity \
             detection) and predicted segment by segment with the saved best model, normalised \
             over the recording's own segments (adapted).",
        );
        for t in &results.timelines {
            r.subheading(&t.file.display().to_string());
            match (&t.plot, &t.error) {
                (Some(plot), _) => {
                    image(&mut r, out, plot, "Emotion over time")?;
                }
                (None, Some(e)) => {
                    r.paragraph(&format!("No timeline: {e}"));
                }
                (None, None) => {}
            }
        }
    }

    r.heading("Timings");
    let rows: Vec<Vec<String>> = results
        .timings_s
        .iter()
        .map(|(k, v)| vec![k.clone(), format!("{v:.2}")])
        .collect();
    r.table(&["stage", "seconds"], &rows)?;
    r.write(path)?;
    Ok(())
}

fn loaded_classes(results: &StudyResults) -> String {
    results
        .eda
        .by_emotion
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}
