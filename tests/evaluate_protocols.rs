//! `ser::evaluate` on tiny synthetic corpora written under RAVDESS, EmoDB, CREMA-D and SAVEE
//! names: the layouts are read, speaker-independent protocols never share a speaker between
//! training and test, the pooled figures agree with the confusion matrix, and cross-corpus
//! evaluation keeps only the shared emotions.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use ser::data::synth::{SynthParams, SynthSpeaker, synthesize, write_wav};
use ser::data::{Dataset, Emotion, Progress};
use ser::evaluate::{
    EvalOptions, EvalReport, Protocol, TrainingExtras, default_protocol, evaluate_cross,
    evaluate_dataset, evaluate_dir, evaluate_multi, folds,
};
use ser::pipeline::{ModelChoice, PipelineSpec, Preset};

/// The per-fold settings these tests were written against, expressed on `PipelineSpec`: the
/// robust preset with one candidate picked by inner CV among one-vs-rest SVMs.
mod pipeline {
    use ndarray::Array1;
    use ser::data::{Dataset, Split, Utterance};
    pub use ser::evaluate::FoldFit;
    use ser::models::MultiClass;
    pub use ser::pipeline::{InnerProtocol, ModelChoice, Normalisation, Selection, softmax_mean};
    use ser::pipeline::{PipelineSpec, Result};
    use std::path::Path;

    #[derive(Debug, Clone)]
    pub struct PipelineOptions {
        pub model: ModelChoice,
        pub normalisation: Normalisation,
        pub c_grid: Vec<f32>,
        pub multi_class: MultiClass,
        pub multi_class_grid: Vec<MultiClass>,
        pub k_grid: Vec<usize>,
        pub inner_folds: usize,
        pub inner: InnerProtocol,
        pub selection: Selection,
        pub adapt_rounds: usize,
    }

    impl Default for PipelineOptions {
        fn default() -> Self {
            let s = PipelineSpec::default();
            Self {
                model: ModelChoice::Svm,
                normalisation: Normalisation::Speaker,
                c_grid: s.model.c_grid,
                multi_class: MultiClass::OneVsRest,
                multi_class_grid: Vec::new(),
                k_grid: s.model.k_grid,
                inner_folds: 4,
                inner: InnerProtocol::Auto,
                selection: Selection::Inner,
                adapt_rounds: 1,
            }
        }
    }

    impl PipelineOptions {
        pub fn spec(&self, seed: u64) -> PipelineSpec {
            let mut s = PipelineSpec::default();
            s.model.kind = self.model;
            s.normalisation = self.normalisation;
            s.model.c_grid = self.c_grid.clone();
            s.model.schemes = if self.multi_class_grid.is_empty() {
                vec![self.multi_class]
            } else {
                self.multi_class_grid.clone()
            };
            s.model.k_grid = self.k_grid.clone();
            s.model.inner_folds = self.inner_folds;
            s.model.inner = self.inner;
            s.model.selection = self.selection;
            s.self_training.rounds = self.adapt_rounds;
            s.seed = seed;
            s
        }
    }

    pub fn fit_predict_detailed(
        train: &Dataset,
        test: &Dataset,
        opts: &PipelineOptions,
        seed: u64,
    ) -> Result<FoldFit> {
        ser::evaluate::fit_predict(train, test, &opts.spec(seed))
    }

    pub fn fit_predict(
        train: &Dataset,
        test: &Dataset,
        opts: &PipelineOptions,
        seed: u64,
    ) -> Result<(Array1<usize>, String)> {
        let f = fit_predict_detailed(train, test, opts, seed)?;
        Ok((f.predictions, f.chosen))
    }

    pub fn inner_folds(
        train: &Dataset,
        opts: &PipelineOptions,
        seed: u64,
    ) -> Result<(Vec<Split>, &'static str)> {
        ser::evaluate::inner_folds(train, &opts.spec(seed))
    }

    pub fn utterance_text(path: &Path) -> Option<String> {
        Utterance::of(path).map(|u| {
            let scheme = serde_json::to_value(u.scheme).unwrap();
            format!("{}:{}", scheme.as_str().unwrap(), u.text)
        })
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `per_class` clips per speaker and emotion, each at the path `name` gives for
/// (speaker index, emotion, utterance index).
/// The synthesiser's default seed: corpora written with it hold the same recordings under
/// their own names.
const SEED: u64 = 2026;

fn write_corpus(
    dir: &Path,
    seed: u64,
    speakers: usize,
    emotions: &[Emotion],
    per_class: usize,
    name: impl Fn(usize, Emotion, usize) -> String,
) {
    let params = SynthParams {
        seed,
        speakers: SynthSpeaker::defaults(speakers),
        emotions: emotions.to_vec(),
        utterances_per_class: per_class,
        ..SynthParams::default()
    };
    for s in 0..speakers {
        for &e in emotions {
            for i in 0..per_class {
                let u = synthesize(&params, s, e, i).unwrap();
                let path = dir.join(name(s, e, i));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                write_wav(&path, &u.samples, u.sample_rate).unwrap();
            }
        }
    }
}

fn quick_options() -> EvalOptions {
    let mut o = EvalOptions {
        spec: pipeline::PipelineOptions::default().spec(42),
        progress: Progress::Hidden,
        ..EvalOptions::default()
    };
    o.spec.features = PipelineSpec::preset(Preset::Study).features;
    o.spec.model.c_grid = vec![0.01, 1.0];
    o.spec.model.inner_folds = 2;
    o
}

/// The pooled headline figures are those of the confusion matrix, which counts every row once.
fn check_pooled(r: &EvalReport, n_rows: usize) {
    let total: usize = r.confusion.iter().flatten().sum();
    assert_eq!(total, n_rows);
    assert_eq!(r.confusion.len(), r.classes.len());
    let diag: usize = (0..r.classes.len()).map(|i| r.confusion[i][i]).sum();
    assert!((r.accuracy - diag as f64 / total as f64).abs() < 1e-12);
    let recalls: Vec<f64> = r
        .confusion
        .iter()
        .enumerate()
        .map(|(i, row)| row[i] as f64 / row.iter().sum::<usize>() as f64)
        .collect();
    let uar = recalls.iter().sum::<f64>() / recalls.len() as f64;
    assert!((r.uar - uar).abs() < 1e-12);
    assert_eq!(
        r.cold.confusion.iter().flatten().sum::<usize>(),
        n_rows,
        "cold figures count every row once too"
    );
    let json = serde_json::to_value(r).unwrap();
    for key in [
        "condition",
        "cold",
        "protocol",
        "folds",
        "accuracy",
        "uar",
        "macro_f1",
        "confusion",
        "classes",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
}

const FOUR: [Emotion; 4] = [
    Emotion::Neutral,
    Emotion::Happy,
    Emotion::Sad,
    Emotion::Angry,
];

fn ravdess_code(e: Emotion) -> u8 {
    match e {
        Emotion::Neutral => 1,
        Emotion::Calm => 2,
        Emotion::Happy => 3,
        Emotion::Sad => 4,
        Emotion::Angry => 5,
        Emotion::Fear => 6,
        Emotion::Disgust => 7,
        _ => 8,
    }
}

#[test]
fn ravdess_layout_runs_leave_one_speaker_out_by_default() {
    let dir = temp_dir("ravdess");
    // Statement 01–02 × repetition 01–02: four distinct names per actor and emotion.
    write_corpus(&dir, SEED, 4, &FOUR, 4, |s, e, i| {
        format!(
            "Actor_{:02}/03-01-{:02}-01-{:02}-{:02}-{:02}.wav",
            s + 1,
            ravdess_code(e),
            i % 2 + 1,
            i / 2 + 1,
            s + 1
        )
    });
    let r = evaluate_dir(&dir, &quick_options()).unwrap();
    assert_eq!(r.protocol, "loso");
    assert_eq!(r.classes, vec!["neutral", "happy", "sad", "angry"]);
    assert_eq!(r.n_speakers, 4);
    let tested: Vec<Vec<String>> = r.folds.iter().map(|f| f.test_speakers.clone()).collect();
    assert_eq!(
        tested,
        vec![
            vec!["Actor_01"],
            vec!["Actor_02"],
            vec!["Actor_03"],
            vec!["Actor_04"]
        ]
    );
    for f in &r.folds {
        assert_eq!((f.n_train, f.n_test), (48, 16));
        assert!(f.chosen.starts_with("C="), "{}", f.chosen);
    }
    check_pooled(&r, 64);
    // Four synthetic voices, four well-separated emotions: far above chance (0.25) on a voice
    // never heard.
    assert!(r.uar > 0.5, "uar {}", r.uar);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn emodb_layout_with_group_kfold_and_functionals() {
    let dir = temp_dir("emodb");
    let letter = |e: Emotion| match e {
        Emotion::Neutral => 'N',
        Emotion::Happy => 'F',
        Emotion::Sad => 'T',
        _ => 'W',
    };
    write_corpus(&dir, SEED, 4, &FOUR, 3, |s, e, i| {
        format!("{:02}a{:02}{}a.wav", [3, 8, 9, 10][s], i + 1, letter(e))
    });
    let mut opts = quick_options();
    opts.protocol = Some(Protocol::GroupKFold(2));
    opts.spec.features = PipelineSpec::preset(Preset::Robust).features;
    let r = evaluate_dir(&dir, &opts).unwrap();
    assert_eq!(r.protocol, "group-kfold:2");
    assert_eq!(r.features, "paralinguistic");
    assert_eq!(r.folds.len(), 2);
    let mut seen = BTreeSet::new();
    for f in &r.folds {
        assert_eq!(f.test_speakers.len(), 2);
        for s in &f.test_speakers {
            assert!(seen.insert(s.clone()), "speaker {s} tested twice");
        }
    }
    assert_eq!(seen.len(), 4);
    check_pooled(&r, 48);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cross_corpus_crema_d_to_savee_keeps_shared_emotions() {
    let crema = temp_dir("crema");
    let savee = temp_dir("savee");
    let crema_code = |e: Emotion| match e {
        Emotion::Neutral => "NEU",
        Emotion::Happy => "HAP",
        Emotion::Sad => "SAD",
        Emotion::Angry => "ANG",
        _ => "FEA",
    };
    let crema_emotions = [
        Emotion::Neutral,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Angry,
        Emotion::Fear,
    ];
    write_corpus(&crema, SEED, 2, &crema_emotions, 3, |s, e, i| {
        let sentence = ["IEO", "TIE", "DFA"][i];
        format!("{}_{sentence}_{}_XX.wav", 1001 + s, crema_code(e))
    });
    let savee_code = |e: Emotion| match e {
        Emotion::Neutral => "n",
        Emotion::Happy => "h",
        Emotion::Sad => "sa",
        _ => "su",
    };
    let savee_emotions = [
        Emotion::Neutral,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Surprise,
    ];
    // Another seed: other recordings (the same ones on both sides would be leakage).
    write_corpus(&savee, SEED + 1, 2, &savee_emotions, 3, |s, e, i| {
        format!("{}_{}{:02}.wav", ["DC", "JE"][s], savee_code(e), i + 1)
    });
    let r = evaluate_cross(&crema, &savee, &quick_options()).unwrap();
    assert_eq!(r.protocol, "cross-corpus");
    // Angry and fear exist only in CREMA-D, surprise only in SAVEE.
    assert_eq!(r.classes, vec!["neutral", "happy", "sad"]);
    assert_eq!(r.folds.len(), 1);
    assert_eq!(r.folds[0].test_speakers, vec!["DC", "JE"]);
    assert_eq!((r.folds[0].n_train, r.folds[0].n_test), (18, 18));
    check_pooled(&r, 18);

    let mut opts = quick_options();
    opts.spec.model.kind = ModelChoice::Knn;
    opts.spec.model.k_grid = vec![1, 3];
    let d = evaluate_dir(&savee, &opts).unwrap();
    assert_eq!((d.protocol.as_str(), d.folds.len()), ("loso", 2));
    assert!(d.folds[0].chosen.starts_with("k="));
    std::fs::remove_dir_all(&crema).unwrap();
    std::fs::remove_dir_all(&savee).unwrap();
}

fn table(speakers: usize, per_speaker: usize) -> Dataset {
    let n = speakers * per_speaker;
    // Two classes separated along feature 0, a per-speaker offset along it too; feature 1 is
    // noise.
    let records = Array2::from_shape_fn((n, 2), |(i, j)| {
        let spk = (i / per_speaker) as f32;
        let class = (i % 2) as f32;
        let jitter = ((i * 7919) % 13) as f32 / 13.0;
        if j == 0 {
            3.0 * class + 10.0 * spk + jitter
        } else {
            jitter
        }
    });
    Dataset::new(
        records,
        Array1::from_shape_fn(n, |i| i % 2),
        vec!["a".into(), "b".into()],
        (0..n).map(|i| format!("s{:02}", i / per_speaker)).collect(),
        (0..n).map(|i| PathBuf::from(format!("{i}.wav"))).collect(),
    )
    .unwrap()
}

#[test]
fn default_protocol_follows_the_speaker_count() {
    assert_eq!(default_protocol(&table(1, 10)), Protocol::KFold(5));
    assert_eq!(default_protocol(&table(2, 10)), Protocol::Loso);
    assert_eq!(default_protocol(&table(12, 4)), Protocol::Loso);
    assert_eq!(default_protocol(&table(13, 4)), Protocol::GroupKFold(4));
}

#[test]
fn speaker_protocols_never_share_a_speaker() {
    let d = table(7, 6);
    for p in [Protocol::Loso, Protocol::GroupKFold(3)] {
        let splits = folds(&d, p, 3).unwrap();
        let mut tested = BTreeSet::new();
        for s in &splits {
            let train: BTreeSet<&String> = s.train.iter().map(|&i| &d.speakers[i]).collect();
            for &i in &s.test {
                assert!(
                    !train.contains(&d.speakers[i]),
                    "{p}: speaker on both sides"
                );
                tested.insert(i);
            }
        }
        assert_eq!(tested.len(), d.len(), "{p}: every row tested once");
    }
    assert!(folds(&table(1, 6), Protocol::Loso, 0).is_err());
}

#[test]
fn test_labels_are_never_read_and_speaker_offsets_are_removed() {
    let d = table(3, 8);
    let split = &folds(&d, Protocol::Loso, 0).unwrap()[2];
    let (train, test) = d.apply(split).unwrap();
    let opts = pipeline::PipelineOptions::default();
    let (pred, _) = pipeline::fit_predict(&train, &test, &opts, 1).unwrap();
    // The held-out speaker sits 10 units away along the class axis; per-speaker
    // standardisation removes that and every row is classified right.
    assert_eq!(pred, test.targets);
    // Same rows with scrambled labels: identical predictions (labels of the test side are
    // never looked at, self-training included).
    let mut scrambled = test.clone();
    scrambled.targets.mapv_inplace(|t| 1 - t);
    let (pred2, _) = pipeline::fit_predict(&train, &scrambled, &opts, 1).unwrap();
    assert_eq!(pred, pred2);
    // Without normalisation the offset speaker is misread.
    let none = pipeline::PipelineOptions {
        normalisation: pipeline::Normalisation::None,
        adapt_rounds: 0,
        ..opts
    };
    let (raw, _) = pipeline::fit_predict(&train, &test, &none, 1).unwrap();
    let right = raw
        .iter()
        .zip(&test.targets)
        .filter(|(p, t)| p == t)
        .count();
    assert!(right <= 6, "{raw:?}");
    let r = evaluate_dataset(&d, &EvalOptions::default()).unwrap();
    assert_eq!(r.uar, 1.0);
}

#[test]
fn cold_figures_are_each_clip_predicted_alone_beside_the_adapted_ones() {
    use ser::evaluate::Condition;
    use ser::pipeline::SpeakerContext;
    let d = table(3, 8);
    let split = &folds(&d, Protocol::Loso, 0).unwrap()[2];
    let (train, test) = d.apply(split).unwrap();
    let opts = pipeline::PipelineOptions::default();
    let fit = pipeline::fit_predict_detailed(&train, &test, &opts, 1).unwrap();
    // Cold: the pipeline fitted on the training fold, self-training off, every test row
    // predicted on its own with the training speakers' fallback statistics.
    let fitted = ser::pipeline::fit(&opts.spec(1), &train)
        .unwrap()
        .without_self_training();
    for (i, &cold) in fit.cold_predictions.iter().enumerate() {
        let row = test.records.select(ndarray::Axis(0), &[i]);
        let alone = fitted
            .predict_rows(row.view(), &SpeakerContext::none())
            .unwrap();
        assert_eq!(
            ser::models::argmax_rows(alone.probabilities.view())[0],
            cold,
            "row {i}"
        );
    }
    // The held-out speaker sits 10 units past the training speakers: adapted (its own
    // statistics) reads every row right, cold (the training speakers' statistics) cannot.
    assert_eq!(fit.predictions, test.targets);
    let cold_right = fit
        .cold_predictions
        .iter()
        .zip(&test.targets)
        .filter(|(p, t)| p == t)
        .count();
    assert!(cold_right < test.len(), "{:?}", fit.cold_predictions);

    let r = evaluate_dataset(&d, &EvalOptions::default()).unwrap();
    assert_eq!(r.condition, Condition::Adapted);
    assert!(r.cold.uar < r.uar, "cold {} adapted {}", r.cold.uar, r.uar);
    assert_eq!(r.cold.confusion.iter().flatten().sum::<usize>(), d.len());
    let fold_mean = r.folds.iter().map(|f| f.cold_uar).sum::<f64>() / r.folds.len() as f64;
    assert!((r.cold.mean_fold_uar - fold_mean).abs() < 1e-12);
    // A pipeline that uses nothing of the test speakers is cold; its clips predicted alone are
    // what the default pipeline's cold stage predicts (that stage is this pipeline's fit).
    let mut spec = EvalOptions::default().spec;
    spec.normalisation = pipeline::Normalisation::None;
    spec.self_training.rounds = 0;
    let plain = evaluate_dataset(
        &d,
        &EvalOptions {
            spec,
            ..EvalOptions::default()
        },
    )
    .unwrap();
    assert_eq!(plain.condition, Condition::Cold);
    assert_eq!(plain.cold.confusion, r.cold.confusion);
}

#[test]
fn utterance_texts_are_read_from_corpus_names() {
    use pipeline::utterance_text;
    let t = |p: &str| utterance_text(Path::new(p));
    assert_eq!(
        t("OAF_angry/OAF_back_angry.wav").as_deref(),
        Some("tess:back")
    );
    assert_eq!(t("03a01Fa.wav").as_deref(), Some("emodb:a01"));
    assert_eq!(t("1001_DFA_ANG_XX.wav").as_deref(), Some("crema-d:DFA"));
    assert_eq!(
        t("Actor_01/03-01-05-01-02-01-01.wav").as_deref(),
        Some("ravdess:2")
    );
    assert_eq!(t("notes.wav"), None);
}

/// A TESS-named table: `speakers` speakers, two classes, `words` words each said in both.
fn tess_table(speakers: usize, words: usize) -> Dataset {
    let mut d = table(speakers, 2 * words);
    d.paths = (0..d.len())
        .map(|i| {
            let spk = ["OAF", "YAF", "MAF", "ZAF"][i / (2 * words)];
            let emo = ["angry", "sad"][i % 2];
            PathBuf::from(format!(
                "{spk}_{emo}/{spk}_w{}_{emo}.wav",
                (i % (2 * words)) / 2
            ))
        })
        .collect();
    d
}

#[test]
fn inner_folds_hold_out_words_for_one_speaker_and_speakers_for_three() {
    let opts = pipeline::PipelineOptions::default();
    let one = tess_table(1, 12);
    let (splits, kind) = pipeline::inner_folds(&one, &opts, 5).unwrap();
    assert_eq!((kind, splits.len()), ("texts", 4));
    let word = |i: usize| pipeline::utterance_text(&one.paths[i]).unwrap();
    for s in &splits {
        let train: BTreeSet<String> = s.train.iter().map(|&i| word(i)).collect();
        assert!(s.test.iter().all(|&i| !train.contains(&word(i))));
    }
    let rows = pipeline::PipelineOptions {
        inner: pipeline::InnerProtocol::Rows,
        ..opts.clone()
    };
    assert_eq!(pipeline::inner_folds(&one, &rows, 5).unwrap().1, "rows");
    let three = tess_table(3, 4);
    let (splits, kind) = pipeline::inner_folds(&three, &opts, 5).unwrap();
    assert_eq!((kind, splits.len()), ("speakers", 3));
    for s in &splits {
        let train: BTreeSet<&String> = s.train.iter().map(|&i| &three.speakers[i]).collect();
        assert!(s.test.iter().all(|&i| !train.contains(&three.speakers[i])));
    }
}

#[test]
fn scheme_and_c_are_chosen_without_test_labels() {
    let d = tess_table(3, 6);
    let split = &folds(&d, Protocol::Loso, 0).unwrap()[0];
    let (train, test) = d.apply(split).unwrap();
    let opts = pipeline::PipelineOptions {
        multi_class_grid: vec![
            ser::models::MultiClass::OneVsRest,
            ser::models::MultiClass::OneVsOne,
        ],
        c_grid: vec![0.01, 1.0],
        inner_folds: 2,
        ..pipeline::PipelineOptions::default()
    };
    let (pred, chosen) = pipeline::fit_predict(&train, &test, &opts, 1).unwrap();
    assert!(
        chosen.starts_with("C=0.01 ovr")
            || chosen.starts_with("C=0.01 ovo")
            || chosen.starts_with("C=1 o"),
        "{chosen}"
    );
    assert!(chosen.contains("[inner folds: texts]"), "{chosen}");
    let mut scrambled = test.clone();
    scrambled.targets.mapv_inplace(|t| 1 - t);
    let (pred2, chosen2) = pipeline::fit_predict(&train, &scrambled, &opts, 1).unwrap();
    assert_eq!((&pred, &chosen), (&pred2, &chosen2));
    // Every candidate's inner score is reported; the pick is one of them with its score.
    let fit = pipeline::fit_predict_detailed(&train, &test, &opts, 1).unwrap();
    assert_eq!((fit.predictions, fit.chosen.clone()), (pred, chosen));
    let names: Vec<&str> = fit
        .inner_scores
        .iter()
        .map(|s| s.candidate.as_str())
        .collect();
    assert_eq!(names, ["C=0.01 ovr", "C=1 ovr", "C=0.01 ovo", "C=1 ovo"]);
    let picked = fit
        .inner_scores
        .iter()
        .find(|s| fit.chosen.starts_with(&format!("{} (", s.candidate)))
        .unwrap();
    assert!(
        fit.chosen
            .contains(&format!("inner UAR {:.3}", picked.mean_uar))
    );
    assert!(
        fit.inner_scores
            .iter()
            .all(|s| (0.0..=1.0).contains(&s.mean_uar) && s.std_error >= 0.0)
    );
    // Reverse validation reads the test rows' features, never their labels.
    let reverse = pipeline::PipelineOptions {
        inner: pipeline::InnerProtocol::Reverse,
        ..opts
    };
    let r1 = pipeline::fit_predict_detailed(&train, &test, &reverse, 1).unwrap();
    let r2 = pipeline::fit_predict_detailed(&train, &scrambled, &reverse, 1).unwrap();
    assert_eq!(r1, r2);
    assert!(
        r1.chosen.contains("[inner folds: reverse validation]"),
        "{}",
        r1.chosen
    );
    assert_eq!(r1.inner_scores.len(), 4);
    // The offset speaker is standardised away: every candidate's reverse model reads the
    // training speaker perfectly.
    assert!(
        r1.inner_scores.iter().all(|s| s.mean_uar == 1.0),
        "{:?}",
        r1.inner_scores
    );
}

#[test]
fn augmented_copies_join_only_the_folds_where_their_source_trains() {
    let d = tess_table(3, 4);
    let mut copy = d.clone();
    copy.records.mapv_inplace(|v| v + 0.5);
    for s in &mut copy.speakers {
        *s = format!("{s}~gain:-6");
    }
    let extras = TrainingExtras {
        augmented: vec![copy],
        corpora: Vec::new(),
    };
    for split in folds(&d, Protocol::Loso, 0).unwrap() {
        let (train, test) = d.apply(&split).unwrap();
        let (joined, extra) = extras.extend(&train).unwrap();
        assert_eq!(extra, train.len());
        assert_eq!(joined.len(), 2 * train.len());
        let test_paths: BTreeSet<&PathBuf> = test.paths.iter().collect();
        assert!(joined.paths.iter().all(|p| !test_paths.contains(p)));
        let test_speaker = &test.speakers[0];
        assert!(
            joined
                .speakers
                .iter()
                .all(|s| s.split('~').next().unwrap() != test_speaker)
        );
    }
}

fn savee_dir(
    name: &str,
    seed: u64,
    speakers: usize,
    emotions: &[Emotion],
    per_class: usize,
) -> PathBuf {
    let dir = temp_dir(name);
    let code = |e: Emotion| match e {
        Emotion::Neutral => "n",
        Emotion::Happy => "h",
        Emotion::Sad => "sa",
        Emotion::Angry => "a",
        _ => "su",
    };
    write_corpus(&dir, seed, speakers, emotions, per_class, |s, e, i| {
        format!(
            "{}_{}{:02}.wav",
            ["DC", "JE", "JK", "KL"][s],
            code(e),
            i + 1
        )
    });
    dir
}

#[test]
fn augmentation_is_cached_under_its_own_key_and_never_touches_test_rows() {
    let dir = savee_dir("aug", SEED, 2, &FOUR, 3);
    let cache = temp_dir("aug-cache");
    let mut opts = quick_options();
    opts.cache_dir = Some(cache.clone());
    opts.augment = ser::data::parse_plan("gain:-6;noise:30").unwrap();
    let r = evaluate_dir(&dir, &opts).unwrap();
    assert!(
        r.augmentation.starts_with("gain:-6;noise:30"),
        "{}",
        r.augmentation
    );
    // 24 clips, each computed once plain and once per copy.
    assert_eq!((r.cache_hits, r.cache_computed), (0, 72));
    for f in &r.folds {
        assert_eq!((f.n_train, f.n_test, f.n_train_extra), (36, 12, 24));
    }
    check_pooled(&r, 24);
    let again = evaluate_dir(&dir, &opts).unwrap();
    assert_eq!((again.cache_hits, again.cache_computed), (72, 0));
    assert_eq!(again.confusion, r.confusion);
    // The augmented vectors differ from the plain ones (noise changes MFCCs).
    let corpus = ser::evaluate::scan_corpus(&dir).unwrap();
    let plain = ser::evaluate::extract(&corpus.items, None, &opts).unwrap();
    let noisy =
        ser::evaluate::extract_augmented(&corpus.items, None, &opts, Some(&opts.augment[1]))
            .unwrap();
    assert_eq!(plain.dataset.paths, noisy.dataset.paths);
    assert_ne!(plain.dataset.records, noisy.dataset.records);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn several_training_corpora_and_extra_corpora_are_mapped_to_the_test_emotions() {
    // A seed each: three sets of recordings (the same ones on both sides would be leakage).
    let a = savee_dir(
        "multi-a",
        SEED,
        2,
        &[Emotion::Neutral, Emotion::Happy, Emotion::Sad],
        2,
    );
    let b = savee_dir(
        "multi-b",
        SEED + 1,
        2,
        &[Emotion::Sad, Emotion::Angry, Emotion::Surprise],
        2,
    );
    let t = savee_dir("multi-t", SEED + 2, 2, &FOUR, 2);
    let opts = quick_options();
    // Test corpus has neutral, happy, sad, angry: each is in A or B; surprise (only in B)
    // is dropped.
    let r = evaluate_multi(&[a.clone(), b.clone()], &t, &opts).unwrap();
    assert_eq!(r.classes, vec!["neutral", "happy", "sad", "angry"]);
    assert_eq!(r.protocol, "cross-corpus");
    assert_eq!((r.folds[0].n_train, r.folds[0].n_test), (12 + 8, 16));
    check_pooled(&r, 16);
    // The same through one --train and one extra corpus.
    let mut with_extra = opts.clone();
    with_extra.extra_train = vec![b.clone()];
    let r2 = evaluate_cross(&a, &t, &with_extra).unwrap();
    // evaluate_cross keeps the emotions A and T share; B adds only its sad clips.
    assert_eq!(r2.classes, vec!["neutral", "happy", "sad"]);
    assert_eq!(
        (r2.folds[0].n_train, r2.folds[0].n_train_extra),
        (12 + 4, 4)
    );
    // LOSO on T with A added to every training fold.
    let mut loso = opts.clone();
    loso.extra_train = vec![a.clone()];
    let r3 = evaluate_dir(&t, &loso).unwrap();
    assert_eq!(r3.protocol, "loso");
    for f in &r3.folds {
        assert_eq!((f.n_train, f.n_test, f.n_train_extra), (8 + 12, 8, 12));
        assert!(f.test_speakers.iter().all(|s| !s.contains('/')));
    }
    check_pooled(&r3, 16);
    for d in [a, b, t] {
        std::fs::remove_dir_all(&d).unwrap();
    }
}

#[test]
fn ensemble_is_the_mean_of_every_candidate_and_reads_no_test_label() {
    use pipeline::Selection;
    use ser::models::MultiClass;
    let d = tess_table(3, 6);
    let split = &folds(&d, Protocol::Loso, 0).unwrap()[0];
    let (train, test) = d.apply(split).unwrap();
    let base = pipeline::PipelineOptions {
        multi_class_grid: vec![MultiClass::OneVsRest, MultiClass::OneVsOne],
        c_grid: vec![0.01, 1.0],
        inner_folds: 2,
        adapt_rounds: 0,
        ..pipeline::PipelineOptions::default()
    };
    let ens = pipeline::PipelineOptions {
        selection: Selection::Ensemble,
        ..base.clone()
    };
    let fit = pipeline::fit_predict_detailed(&train, &test, &ens, 1).unwrap();
    assert_eq!(
        fit.chosen,
        "ensemble of 4: C=0.01 ovr, C=1 ovr, C=0.01 ovo, C=1 ovo"
    );
    assert!(fit.inner_scores.is_empty());
    // A proper mean: the ensemble's scores are softmax_mean of each candidate fitted alone
    // (one scheme, one C: nothing to choose).
    let mut alone = Vec::new();
    for multi in [MultiClass::OneVsRest, MultiClass::OneVsOne] {
        for c in [0.01, 1.0] {
            let one = pipeline::PipelineOptions {
                multi_class_grid: Vec::new(),
                multi_class: multi,
                c_grid: vec![c],
                ..base.clone()
            };
            alone.push(
                pipeline::fit_predict_detailed(&train, &test, &one, 1)
                    .unwrap()
                    .scores,
            );
        }
    }
    let want = pipeline::softmax_mean(&alone).unwrap();
    assert_eq!(fit.scores.dim(), (test.len(), 2));
    assert!(
        fit.scores
            .iter()
            .zip(&want)
            .all(|(a, b)| (a - b).abs() < 1e-6)
    );
    for (row, &p) in fit.scores.rows().into_iter().zip(&fit.predictions) {
        assert!(row.iter().all(|&v| v <= row[p]));
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
    // An ensemble of one candidate predicts what that candidate predicts.
    let single = pipeline::PipelineOptions {
        multi_class_grid: Vec::new(),
        multi_class: MultiClass::OneVsOne,
        c_grid: vec![0.01],
        ..base.clone()
    };
    let single_ens = pipeline::PipelineOptions {
        selection: Selection::Ensemble,
        ..single.clone()
    };
    assert_eq!(
        pipeline::fit_predict(&train, &test, &single_ens, 1)
            .unwrap()
            .0,
        pipeline::fit_predict(&train, &test, &single, 1).unwrap().0
    );
    // With self-training on the ensemble: scrambled test labels change nothing, and the
    // same seed gives the same fit.
    let adapt = pipeline::PipelineOptions {
        adapt_rounds: 1,
        ..ens
    };
    let mut scrambled = test.clone();
    scrambled.targets.mapv_inplace(|t| 1 - t);
    let r1 = pipeline::fit_predict_detailed(&train, &test, &adapt, 1).unwrap();
    let r2 = pipeline::fit_predict_detailed(&train, &scrambled, &adapt, 1).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(
        r1,
        pipeline::fit_predict_detailed(&train, &test, &adapt, 1).unwrap()
    );
    // Through the protocol: every row pooled once, reproducible for a seed.
    let opts = EvalOptions {
        spec: adapt.spec(7),
        ..EvalOptions::default()
    };
    let r = evaluate_dataset(&tess_table(3, 6), &opts).unwrap();
    assert!(
        r.selection.starts_with("none chosen: ensemble"),
        "{}",
        r.selection
    );
    check_pooled(&r, 36);
    assert_eq!(r, evaluate_dataset(&tess_table(3, 6), &opts).unwrap());
}
