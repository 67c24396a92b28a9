//! Feature matrices of a small generated corpus: rows, failures, and the disk cache.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ser_audio::LoadOptions;
use ser_data::synth::{SynthParams, SynthSpeaker, write_corpus};
use ser_data::{
    Corpus, DataError, Emotion, FaultKind, FeatureOptions, FnExtractor, LabelEncoder, Progress,
    ScanOptions, feature_matrix, scan,
};
use ser_features::FeatureSpec;

fn corpus(name: &str) -> (PathBuf, Corpus) {
    let root =
        std::env::temp_dir().join(format!("ser-data-features-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let p = SynthParams {
        speakers: SynthSpeaker::defaults(2),
        emotions: vec![Emotion::Angry, Emotion::Sad],
        utterances_per_class: 3,
        ..SynthParams::default()
    };
    write_corpus(&root, &p).unwrap();
    let c = scan(&root, &ScanOptions::default()).unwrap();
    assert_eq!(c.items.len(), 12);
    (root, c)
}

fn opts(cache: Option<&Path>) -> FeatureOptions {
    FeatureOptions {
        cache_dir: cache.map(Path::to_path_buf),
        progress: Progress::Hidden,
        ..FeatureOptions::default()
    }
}

/// Mean, RMS and length: cheap and exact to check.
fn stats(x: &[f32], sr: u32) -> Result<Vec<f32>, String> {
    let n = x.len() as f32;
    Ok(vec![
        x.iter().sum::<f32>() / n,
        (x.iter().map(|v| v * v).sum::<f32>() / n).sqrt(),
        n / sr as f32,
    ])
}

#[test]
fn rows_follow_items_and_match_direct_extraction() {
    let (root, c) = corpus("rows");
    let m = feature_matrix(&c.items, &FeatureSpec::Mfcc40Mean, &opts(None)).unwrap();
    let d = &m.dataset;
    assert!(m.failed.is_empty());
    assert_eq!((d.len(), d.n_features()), (12, 40));
    assert_eq!(d.classes, vec!["sad", "angry"], "canonical emotion order");
    for (row, item) in c.items.iter().enumerate() {
        assert_eq!(d.paths[row], item.label.path);
        assert_eq!(d.speakers[row], item.label.speaker);
        assert_eq!(d.classes[d.targets[row]], item.label.class);
    }
    let a = ser_audio::load(&c.items[5].label.path, &LoadOptions::study()).unwrap();
    let direct = FeatureSpec::Mfcc40Mean
        .extract(&a.samples, a.sample_rate)
        .unwrap();
    assert_eq!(d.records.row(5).to_vec(), direct);
    // study loading: 3 s from 0.5 s, or to the end of the file
    let x = feature_matrix(&c.items, &FnExtractor::new("stats", stats), &opts(None)).unwrap();
    let len = x.dataset.records[[0, 2]];
    assert!(len > 0.3 && len <= 3.0, "{len}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn second_run_reads_the_cache_and_damage_or_change_is_recomputed() {
    let (root, c) = corpus("cache");
    let cache = root.join("cache");
    let calls = AtomicUsize::new(0);
    let counting = FnExtractor::new("stats v1", |x: &[f32], sr: u32| {
        calls.fetch_add(1, Ordering::Relaxed);
        stats(x, sr)
    });
    let first = feature_matrix(&c.items, &counting, &opts(Some(&cache))).unwrap();
    let probe_calls = 1; // the fingerprint
    assert_eq!(calls.load(Ordering::Relaxed), 12 + probe_calls);
    assert_eq!((first.cache.computed, first.cache.hits), (12, 0));

    calls.store(0, Ordering::Relaxed);
    let second = feature_matrix(&c.items, &counting, &opts(Some(&cache))).unwrap();
    assert_eq!(
        calls.load(Ordering::Relaxed),
        probe_calls,
        "nothing re-extracted"
    );
    assert_eq!((second.cache.computed, second.cache.hits), (0, 12));
    assert_eq!(second.dataset, first.dataset);

    // corrupt one entry, change one file's bytes
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    std::fs::write(&entries[0], b"garbage").unwrap();
    let changed = &c.items[3].label.path;
    let audio = ser_audio::load(changed, &LoadOptions::native()).unwrap();
    let louder: Vec<f32> = audio.samples.iter().map(|x| x * 0.5).collect();
    ser_data::synth::write_wav(changed, &louder, audio.sample_rate).unwrap();
    calls.store(0, Ordering::Relaxed);
    let third = feature_matrix(&c.items, &counting, &opts(Some(&cache))).unwrap();
    assert_eq!(third.cache.invalid, 1);
    assert_eq!(third.cache.computed, 2);
    assert_eq!(third.cache.hits, 10);
    assert_eq!(calls.load(Ordering::Relaxed), 2 + probe_calls);
    let (r1, r3) = (first.dataset.records.row(3), third.dataset.records.row(3));
    assert!(
        (r3[1] - 0.5 * r1[1]).abs() < 1e-3 * r1[1],
        "{} vs {}",
        r3[1],
        r1[1]
    );
    let mut same = first.dataset.records.clone();
    same.row_mut(3).assign(&third.dataset.records.row(3));
    assert_eq!(
        same, third.dataset.records,
        "the repaired entry holds the same values"
    );

    // another extractor (other numbers) never reads the first one's entries
    let scaled = FnExtractor::new("stats v1", |x: &[f32], sr: u32| {
        stats(x, sr).map(|v| v.iter().map(|a| a * 2.0).collect())
    });
    let other = feature_matrix(&c.items, &scaled, &opts(Some(&cache))).unwrap();
    assert_eq!((other.cache.hits, other.cache.computed), (0, 12));
    assert_ne!(other.config_key, first.config_key);
    // other load options: other key
    let mut o = opts(Some(&cache));
    o.load = LoadOptions::study().offset(0.0);
    let shifted = feature_matrix(&c.items, &counting, &o).unwrap();
    assert_eq!(shifted.cache.hits, 0);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn failures_are_listed_not_dropped() {
    let (root, c) = corpus("fail");
    let bad = c.items[2].label.path.clone();
    let a = ser_audio::load(&bad, &LoadOptions::study()).unwrap();
    let refused_rms = stats(&a.samples, a.sample_rate).unwrap()[1];
    let picky = FnExtractor::new("picky", |x: &[f32], sr: u32| {
        let v = stats(x, sr)?;
        if v[1] == refused_rms {
            return Err("refused".to_string());
        }
        Ok(v)
    });
    let m = feature_matrix(&c.items, &picky, &opts(None)).unwrap();
    assert_eq!(m.dataset.len(), 11);
    assert_eq!(m.failed.len(), 1);
    assert_eq!(m.failed[0].file, bad);
    assert_eq!(m.failed[0].kinds, vec![FaultKind::Features]);
    assert!(m.failed[0].reason.contains("refused"));
    assert!(!m.dataset.paths.contains(&bad));

    // a file removed after scanning
    std::fs::remove_file(&bad).unwrap();
    let m = feature_matrix(&c.items, &FnExtractor::new("stats", stats), &opts(None)).unwrap();
    assert_eq!(m.dataset.len(), 11);
    assert_eq!(m.failed.len(), 1);
    assert_eq!(m.failed[0].file, bad);
    assert_eq!(m.failed[0].kinds, vec![FaultKind::Unreadable]);

    // rows of another length
    let ragged = FnExtractor::new("ragged", |x: &[f32], _sr: u32| {
        Ok::<_, String>(if x.len().is_multiple_of(2) {
            vec![1.0, 2.0]
        } else {
            vec![1.0]
        })
    });
    let m = feature_matrix(&c.items, &ragged, &opts(None)).unwrap();
    assert_eq!(m.dataset.len() + m.failed.len(), 12);
    assert!(m.failed.len() > 1, "both lengths occur");
    assert!(
        m.failed
            .iter()
            .filter(|f| f.file != bad)
            .all(|f| f.reason.contains("values where the first row has"))
    );

    // non-finite output
    let nan = FnExtractor::new("nan", |_x: &[f32], _sr: u32| {
        Ok::<_, String>(vec![f32::NAN])
    });
    assert!(matches!(
        feature_matrix(&c.items, &nan, &opts(None)),
        Err(DataError::EmptyInput { .. })
    ));

    // classes given without one of the emotions
    let mut o = opts(None);
    o.classes = Some(LabelEncoder::with_classes(["sad"]).unwrap());
    assert!(matches!(
        feature_matrix(&c.items, &FnExtractor::new("stats", stats), &o),
        Err(DataError::UnknownLabel { .. })
    ));
    assert!(matches!(
        feature_matrix(&[], &FnExtractor::new("stats", stats), &opts(None)),
        Err(DataError::EmptyInput { .. })
    ));
    std::fs::remove_dir_all(&root).unwrap();
}
