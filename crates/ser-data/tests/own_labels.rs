//! A user's own labels: manifests (CSV/TSV, quoting, BOM, CRLF, relative paths, every bad row
//! with its line), folder-per-class layouts with and without a speaker pattern, label maps, and
//! the class order of an open label set.
#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use std::path::{Path, PathBuf};

use ser_data::synth::write_wav;
use ser_data::{
    CorpusOptions, CorpusSource, DataError, Eda, Emotion, FaultKind, FeatureOptions, FnExtractor,
    LabelMap, Manifest, Progress, RowFault, ScanOptions, Scheme, SchemeChoice, SpeakerPattern,
    SplitSide, feature_matrix, open_corpus, scan, scan_with,
};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-own-labels-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A 1 s tone at `freq` Hz (each file its own bytes).
fn tone_file(path: &Path, freq: f32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let rate = 16_000;
    let x: Vec<f32> = (0..rate)
        .map(|n| 0.3 * (std::f32::consts::TAU * freq * n as f32 / rate as f32).sin())
        .collect();
    write_wav(path, &x, rate).unwrap();
}

fn silent_file(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_wav(path, &vec![0.0; 16_000], 16_000).unwrap();
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn classes_of(c: &ser_data::Corpus) -> Vec<(String, String)> {
    c.items
        .iter()
        .map(|i| {
            (
                i.label.path.file_name().unwrap().to_string_lossy().into(),
                i.label.class.clone(),
            )
        })
        .collect()
}

#[test]
fn csv_manifest_with_quotes_relative_paths_bom_and_crlf() {
    let dir = temp_dir("csv");
    tone_file(&dir.join("clips/a, first.wav"), 200.0);
    tone_file(&dir.join("clips/b.wav"), 210.0);
    tone_file(&dir.join("clips/c \"quoted\".wav"), 220.0);
    let elsewhere = temp_dir("csv-abs");
    tone_file(&elsewhere.join("d.wav"), 230.0);
    let text = format!(
        "\u{feff}path,label,speaker\r\n\"clips/a, first.wav\",calm-ish,anna\r\nclips/b.wav , excited ,ben\r\n\"clips/c \"\"quoted\"\".wav\",angry,anna\r\n{},Excited,\r\n",
        elsewhere.join("d.wav").display()
    );
    let m = dir.join("list.csv");
    write(&m, &text);
    assert_eq!(
        CorpusSource::of(&m).unwrap(),
        CorpusSource::Manifest(m.clone())
    );
    let c = open_corpus(&m, &CorpusOptions::default()).unwrap();
    assert_eq!(c.scheme, Scheme::Manifest);
    assert_eq!(c.root, m);
    assert!(c.bad_rows.is_empty(), "{:?}", c.bad_rows);
    assert_eq!((c.files, c.items.len()), (4, 4));
    // Items sorted by path; labels as written (blanks around unquoted cells removed).
    let got = classes_of(&c);
    assert!(got.contains(&("a, first.wav".into(), "calm-ish".into())));
    assert!(got.contains(&("b.wav".into(), "excited".into())));
    assert!(got.contains(&("c \"quoted\".wav".into(), "angry".into())));
    assert!(got.contains(&("d.wav".into(), "Excited".into())));
    let a = c
        .items
        .iter()
        .find(|i| i.label.class == "calm-ish")
        .unwrap();
    assert_eq!(a.label.path, dir.join("clips").join("a, first.wav"));
    assert_eq!(a.label.speaker, "anna");
    assert_eq!(a.label.emotion, None);
    let angry = c.items.iter().find(|i| i.label.class == "angry").unwrap();
    assert_eq!(angry.label.emotion, Some(Emotion::Angry));
    // An empty speaker cell: the shared unnamed speaker.
    let d = c.items.iter().find(|i| i.label.class == "Excited").unwrap();
    assert_eq!(d.label.speaker, "");
    assert_eq!(
        c.classes(),
        ["angry", "Excited", "calm-ish", "excited"],
        "canonical first, then byte order"
    );
    let eda = Eda::of(&c);
    assert_eq!(eda.source, "manifest");
    assert_eq!(eda.by_emotion["calm-ish"], 1);
    let json = serde_json::to_value(&eda).unwrap();
    assert_eq!(json["scheme"], "manifest");
}

#[test]
fn tsv_manifest_with_split_and_corpus_columns() {
    let dir = temp_dir("tsv");
    for (i, name) in ["x1.wav", "x2.wav", "x3.wav"].into_iter().enumerate() {
        tone_file(&dir.join(name), 300.0 + 10.0 * i as f32);
    }
    let m = dir.join("list.tsv");
    write(
        &m,
        "Label\tPATH\tsplit\tcorpus\nlow\tx1.wav\tTrain\tstudio\nhigh\tx2.wav\ttest\tstudio\nlow\tx3.wav\t\tfield\n",
    );
    let parsed = Manifest::read(&m).unwrap();
    assert_eq!(parsed.delimiter, ser_data::Delimiter::Tab);
    assert!(parsed.has_split());
    let c = open_corpus(&m, &CorpusOptions::default()).unwrap();
    let by_name = |n: &str| {
        c.items
            .iter()
            .find(|i| i.label.path.ends_with(n))
            .unwrap()
            .label
            .clone()
    };
    assert_eq!(by_name("x1.wav").split(), Some(SplitSide::Train));
    assert_eq!(by_name("x2.wav").split(), Some(SplitSide::Test));
    assert_eq!(by_name("x3.wav").split(), None);
    assert_eq!(by_name("x3.wav").corpus(), Some("field"));
    assert!(c.has_split());
    // The data set keeps the manifest's corpus apart in the speaker keys.
    let fm = feature_matrix(&c.items, &mean_extractor(), &quiet()).unwrap();
    let keys = fm.dataset.speaker_keys(false);
    assert_eq!(keys[0].corpus.as_deref(), Some("studio"));
    assert_eq!(keys[2].corpus.as_deref(), Some("field"));
    let split = c.manifest_split(&fm.dataset).unwrap();
    assert_eq!((split.train, split.test), (vec![0, 2], vec![1]));
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_good_rows_are_kept() {
    let dir = temp_dir("bad-rows");
    for n in ["ok1.wav", "ok2.wav", "dup.wav", "e.wav"] {
        tone_file(&dir.join(n), 250.0 + n.len() as f32);
    }
    std::fs::create_dir_all(dir.join("folder.wav")).unwrap();
    let text = "path,label,split,notes\n\
                ok1.wav,happy,train,\n\
                missing.wav,sad,,\n\
                e.wav,,,\n\
                dup.wav,sad,test,\n\
                dup.wav,happy,,\n\
                ok2.wav,sad,dev,\n\
                ,sad,,\n\
                folder.wav,sad,,\n\
                ok2.wav,sad\n\
                \"ok2.wav\"x,sad,,\n\
                \n\
                ok2.wav,sad,TEST,keep me\n";
    let m = dir.join("m.csv");
    write(&m, text);
    let c = open_corpus(&m, &CorpusOptions::default()).unwrap();
    let got: Vec<(usize, RowFault)> = c.bad_rows.iter().map(|r| (r.line, r.kind)).collect();
    assert_eq!(
        got,
        [
            (1, RowFault::UnknownColumn),
            (3, RowFault::MissingFile),
            (4, RowFault::EmptyLabel),
            (6, RowFault::DuplicatePath),
            (7, RowFault::BadSplit),
            (8, RowFault::EmptyPath),
            (9, RowFault::NotAFile),
            (10, RowFault::FieldCount),
            (11, RowFault::Malformed),
        ]
    );
    assert!(c.bad_rows.iter().all(|r| r.file == m));
    assert!(c.bad_rows[3].detail.contains("line 5"), "{}", c.bad_rows[3]);
    assert!(
        c.bad_rows[0].detail.contains("\"notes\""),
        "{}",
        c.bad_rows[0]
    );
    let kept = classes_of(&c);
    assert_eq!(
        kept,
        [
            ("dup.wav".to_string(), "sad".to_string()),
            ("ok1.wav".into(), "happy".into()),
            ("ok2.wav".into(), "sad".into()),
        ]
    );
    let ok2 = c.items.iter().find(|i| i.label.path.ends_with("ok2.wav"));
    assert_eq!(ok2.unwrap().label.split(), Some(SplitSide::Test));
    // The EDA carries the rows, each with its line, kind and file.
    let json = serde_json::to_value(Eda::of(&c)).unwrap();
    assert_eq!(json["bad_rows"][1]["line"], 3);
    assert_eq!(json["bad_rows"][1]["kind"], "missing_file");
    assert_eq!(json["bad_rows"][1]["file"], m.to_str().unwrap());

    // Nothing usable left: an error naming the manifest and every problem.
    let empty = dir.join("empty.csv");
    write(&empty, "path,label\nnope.wav,sad\ne.wav,\n");
    let e = open_corpus(&empty, &CorpusOptions::default()).unwrap_err();
    match &e {
        DataError::NothingUsable {
            file,
            rows,
            problems,
        } => {
            assert_eq!((file, *rows), (&empty, 2));
            let lines: Vec<(usize, RowFault)> = problems.iter().map(|r| (r.line, r.kind)).collect();
            assert_eq!(
                lines,
                [(2, RowFault::MissingFile), (3, RowFault::EmptyLabel)]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string().starts_with(&empty.display().to_string()),
        "{e}"
    );
    // A header without a label column is not a manifest at all.
    let nolabel = dir.join("nolabel.csv");
    write(&nolabel, "path,emotion\nok1.wav,sad\n");
    assert!(matches!(
        open_corpus(&nolabel, &CorpusOptions::default()),
        Err(DataError::NotACorpus { .. })
    ));
    assert!(matches!(
        Manifest::read(&nolabel),
        Err(DataError::MissingColumn {
            column: "label",
            ..
        })
    ));
}

#[test]
fn listed_files_get_the_same_audio_checks_as_scanned_ones() {
    let dir = temp_dir("audio-checks");
    tone_file(&dir.join("good.wav"), 200.0);
    tone_file(&dir.join("good2.wav"), 220.0);
    silent_file(&dir.join("quiet.wav"));
    write(&dir.join("notes.txt"), "not audio at all");
    write(&dir.join("broken.wav"), "RIFF....WAVEjunk");
    let m = dir.join("m.csv");
    write(
        &m,
        "path,label\ngood.wav,a\ngood2.wav,b\nquiet.wav,a\nnotes.txt,b\nbroken.wav,a\n",
    );
    let c = open_corpus(&m, &CorpusOptions::default()).unwrap();
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.files, 4, "notes.txt is not audio");
    let kind = |n: &str| {
        c.faulty
            .iter()
            .find(|f| f.file.ends_with(n))
            .map(|f| (f.kinds.clone(), f.kept))
    };
    assert_eq!(kind("quiet.wav"), Some((vec![FaultKind::Silent], false)));
    assert_eq!(
        kind("broken.wav"),
        Some((vec![FaultKind::Unreadable], false))
    );
    assert_eq!(c.skipped.len(), 1);
    assert_eq!(c.skipped[0].kinds, [FaultKind::NotAudio]);
    // The same files in a folder per class read the same faults.
    let f = temp_dir("audio-checks-folders");
    for (n, class) in [
        ("good.wav", "a"),
        ("good2.wav", "b"),
        ("quiet.wav", "a"),
        ("broken.wav", "a"),
    ] {
        std::fs::create_dir_all(f.join(class)).unwrap();
        std::fs::copy(dir.join(n), f.join(class).join(n)).unwrap();
    }
    let s = scan(&f, &ScanOptions::default()).unwrap();
    assert_eq!(s.scheme, Scheme::Folders);
    let kinds = |c: &ser_data::Corpus| -> Vec<Vec<FaultKind>> {
        c.faulty.iter().map(|r| r.kinds.clone()).collect()
    };
    let mut a = kinds(&c);
    let mut b = kinds(&s);
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn folder_per_class_with_and_without_a_speaker_pattern() {
    let dir = temp_dir("folders");
    let files = [
        ("calm-ish", "anna_01.wav"),
        ("calm-ish", "ben_01.wav"),
        ("excited", "anna_02.wav"),
        ("excited", "ben_02.wav"),
        ("excited", "take9.wav"),
    ];
    for (k, (class, name)) in files.iter().enumerate() {
        tone_file(&dir.join(class).join(name), 200.0 + 15.0 * k as f32);
    }
    // A stray file at the top: a fault, the layout still detected (4 of 5 files in folders).
    tone_file(&dir.join("loose.wav"), 400.0);
    let c = scan(&dir, &ScanOptions::default()).unwrap();
    assert_eq!(c.scheme, Scheme::Folders);
    assert!(!c.scheme_forced);
    assert_eq!(c.items.len(), 5);
    assert!(c.items.iter().all(|i| i.label.speaker.is_empty()));
    assert_eq!(c.classes(), ["calm-ish", "excited"]);
    let loose = c.excluded().next().unwrap();
    assert!(loose.file.ends_with("loose.wav"));
    assert_eq!(loose.kinds, [FaultKind::Unlabelled]);
    assert_eq!(Eda::of(&c).by_speaker[""], 5);

    // With a pattern: speakers from the names; a name it does not match is reported.
    let opts = CorpusOptions {
        speaker_from: Some(SpeakerPattern::new(r"^([a-z]+)_\d+").unwrap()),
        ..CorpusOptions::default()
    };
    let c = scan_with(&dir, &opts).unwrap();
    assert_eq!(c.items.len(), 4);
    let speakers: Vec<&str> = c.items.iter().map(|i| i.label.speaker.as_str()).collect();
    assert_eq!(speakers, ["anna", "ben", "anna", "ben"]);
    let take9 = c
        .faulty
        .iter()
        .find(|f| f.file.ends_with("take9.wav"))
        .unwrap();
    assert_eq!(
        (take9.kinds.as_slice(), take9.kept),
        ([FaultKind::NoSpeaker].as_slice(), false)
    );
    assert!(
        take9.reason.contains(r"`^([a-z]+)_\d+`"),
        "{}",
        take9.reason
    );
    // Whole match without a group.
    let opts = CorpusOptions {
        speaker_from: Some(SpeakerPattern::new(r"[a-z]+\d").unwrap()),
        ..CorpusOptions::default()
    };
    let c = scan_with(&dir, &opts).unwrap();
    assert_eq!(c.items.len(), 1);
    assert_eq!(c.items[0].label.speaker, "take9");

    // Forced, one folder only: still a folder layout.
    let one = temp_dir("folders-one");
    tone_file(&one.join("only").join("x.wav"), 300.0);
    assert!(matches!(
        scan(&one, &ScanOptions::default()),
        Err(DataError::NoSchemeFitsIn { .. })
    ));
    let forced = ScanOptions {
        scheme: SchemeChoice::Force("folders".parse().unwrap()),
        ..ScanOptions::default()
    };
    let c = scan(&one, &forced).unwrap();
    assert!(c.scheme_forced);
    assert_eq!(c.items[0].label.class, "only");
    // A manifest cannot be forced on a folder.
    let manifest = ScanOptions {
        scheme: SchemeChoice::Force(Scheme::Manifest),
        ..ScanOptions::default()
    };
    assert!(matches!(
        scan(&one, &manifest),
        Err(DataError::InvalidParameter { name: "scheme", .. })
    ));
    // Names that fit a scheme still win over folders.
    let tess = temp_dir("folders-tess");
    tone_file(&tess.join("x").join("OAF_back_angry.wav"), 200.0);
    tone_file(&tess.join("y").join("OAF_bean_sad.wav"), 210.0);
    assert_eq!(
        scan(&tess, &ScanOptions::default()).unwrap().scheme,
        Scheme::Tess
    );
}

#[test]
fn label_map_merges_renames_and_drops() {
    let dir = temp_dir("map");
    let files = [
        ("calm", "c1.wav"),
        ("neutral", "n1.wav"),
        ("mad", "m1.wav"),
        ("bored", "b1.wav"),
        ("excited", "e1.wav"),
    ];
    for (k, (class, name)) in files.iter().enumerate() {
        tone_file(&dir.join(class).join(name), 200.0 + 20.0 * k as f32);
    }
    let map_file = temp_dir("map-file").join("map.csv");
    write(
        &map_file,
        "from,to\ncalm,neutral\nmad,angry\nbored,\nsleepy,tired\nmad,furious\n",
    );
    let map = LabelMap::read(&map_file).unwrap();
    let opts = CorpusOptions {
        label_map: Some(map),
        ..CorpusOptions::default()
    };
    let c = scan_with(&dir, &opts).unwrap();
    let mut got = classes_of(&c);
    got.sort();
    assert_eq!(
        got,
        [
            ("c1.wav".to_string(), "neutral".to_string()),
            ("e1.wav".into(), "excited".into()),
            ("m1.wav".into(), "angry".into()),
            ("n1.wav".into(), "neutral".into()),
        ]
    );
    let m1 = c.items.iter().find(|i| i.label.path.ends_with("m1.wav"));
    let m1 = &m1.unwrap().label;
    assert_eq!(
        (m1.label.as_str(), m1.emotion),
        ("mad", Some(Emotion::Angry))
    );
    let dropped = c
        .faulty
        .iter()
        .find(|f| f.file.ends_with("b1.wav"))
        .unwrap();
    assert_eq!(
        (dropped.kinds.as_slice(), dropped.kept),
        ([FaultKind::Dropped].as_slice(), false)
    );
    assert!(dropped.reason.contains("line 4"), "{}", dropped.reason);
    let rows: Vec<(usize, RowFault)> = c.bad_rows.iter().map(|r| (r.line, r.kind)).collect();
    assert_eq!(
        rows,
        [(6, RowFault::DuplicateFrom), (5, RowFault::UnusedRule)]
    );
    assert_eq!(c.classes(), ["neutral", "angry", "excited"]);
    let eda = Eda::of(&c);
    assert_eq!(eda.by_emotion["neutral"], 2);
    assert_eq!(eda.by_label["calm"], 1, "the label as written is kept");
    // The five schemes map their canonical names the same way.
    let tess = temp_dir("map-tess");
    tone_file(&tess.join("OAF_sad").join("OAF_back_sad.wav"), 200.0);
    tone_file(&tess.join("OAF_angry").join("OAF_back_angry.wav"), 220.0);
    tone_file(
        &tess.join("OAF_pleasant_surprise").join("OAF_back_ps.wav"),
        240.0,
    );
    let map_file2 = map_file.with_file_name("map2.csv");
    write(&map_file2, "from,to\nsurprise,excited\nsad,\n");
    let opts = CorpusOptions {
        label_map: Some(LabelMap::read(&map_file2).unwrap()),
        ..CorpusOptions::default()
    };
    let c = scan_with(&tess, &opts).unwrap();
    assert_eq!(c.scheme, Scheme::Tess);
    assert_eq!(c.classes(), ["angry", "excited"]);
}

/// Mean absolute sample: one cheap feature per clip.
fn mean_abs(x: &[f32], _sample_rate: u32) -> Result<Vec<f32>, String> {
    Ok(vec![
        x.iter().map(|v| v.abs()).sum::<f32>() / x.len().max(1) as f32,
    ])
}

type ClipFn = fn(&[f32], u32) -> Result<Vec<f32>, String>;

fn mean_extractor() -> FnExtractor<ClipFn> {
    FnExtractor::new("mean-abs", mean_abs)
}

fn quiet() -> FeatureOptions {
    FeatureOptions {
        progress: Progress::Hidden,
        load: ser_audio::LoadOptions::native(),
        ..FeatureOptions::default()
    }
}

#[test]
fn open_labels_keep_their_names_and_order_in_the_data_set() {
    let dir = temp_dir("open");
    let names = ["zeta", "Sad-ish", "happy", "ångest", "neutral", "excited"];
    for (k, class) in names.iter().enumerate() {
        tone_file(&dir.join(class).join("a.wav"), 200.0 + 30.0 * k as f32);
        tone_file(&dir.join(class).join("b.wav"), 210.0 + 30.0 * k as f32);
    }
    let c = scan(&dir, &ScanOptions::default()).unwrap();
    let fm = feature_matrix(&c.items, &mean_extractor(), &quiet()).unwrap();
    let d = fm.dataset;
    assert_eq!(
        d.classes,
        ["neutral", "happy", "Sad-ish", "excited", "zeta", "ångest"]
    );
    for (row, path) in d.paths.iter().enumerate() {
        let folder = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(d.classes[d.targets[row]], folder);
    }
}

#[test]
fn manifests_and_label_maps_are_checked_before_they_are_read() {
    let dir = temp_dir("file-checks");
    // A folder, a device that never ends, a file that is not UTF-8, a sparse file past the
    // limit: each a typed error naming the file, nothing read into memory.
    let sparse = dir.join("huge.csv");
    let f = std::fs::File::create(&sparse).expect("create");
    f.set_len(ser_data::manifest::MAX_MANIFEST_BYTES + 1)
        .expect("sparse");
    let latin1 = dir.join("latin1.csv");
    std::fs::write(&latin1, b"path,label\ncaf\xe9.wav,angry\n").expect("write");
    for (path, why) in [
        (dir.clone(), "not a regular file"),
        (PathBuf::from("/dev/zero"), "not a regular file"),
        (sparse.clone(), "the limit is"),
        (latin1.clone(), "UTF-8"),
    ] {
        for e in [
            Manifest::read(&path).expect_err("manifest"),
            LabelMap::read(&path).expect_err("label map"),
        ] {
            assert!(matches!(e, DataError::TextFile { .. }), "{path:?}: {e:?}");
            let text = e.to_string();
            assert!(text.contains(&*path.to_string_lossy()), "{text}");
            assert!(text.contains(why), "{path:?}: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
