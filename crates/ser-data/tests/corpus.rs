//! Scanning a hand-made corpus folder holding every kind of fault.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};

use ser_data::{
    BalanceVerdict, Corpus, DataError, Eda, Emotion, FaultKind, ScanOptions, Scheme, SchemeChoice,
    scan, walk,
};

fn tone(secs: f32, rate: u32, amp: f32) -> Vec<f32> {
    (0..(secs * rate as f32) as usize)
        .map(|n| amp * (std::f32::consts::TAU * 220.0 * n as f32 / rate as f32).sin())
        .collect()
}

fn wav(path: &Path, samples: &[f32], rate: u32, channels: u16, float: bool) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: if float { 32 } else { 16 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &x in samples {
        for _ in 0..channels {
            if float {
                w.write_sample(x).unwrap();
            } else {
                w.write_sample((x * 32767.0) as i16).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}

fn aiff_bytes(samples: &[f32], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|&x| ((x * 32767.0) as i16).to_be_bytes())
        .collect();
    let v = u64::from(rate);
    let shift = v.leading_zeros();
    let mut ext = Vec::new();
    ext.extend_from_slice(&((16383 + 63 - shift) as u16).to_be_bytes());
    ext.extend_from_slice(&(v << shift).to_be_bytes());
    let mut comm = Vec::new();
    comm.extend_from_slice(&1u16.to_be_bytes());
    comm.extend_from_slice(&(samples.len() as u32).to_be_bytes());
    comm.extend_from_slice(&16u16.to_be_bytes());
    comm.extend_from_slice(&ext);
    let mut body = b"AIFF".to_vec();
    body.extend_from_slice(b"COMM");
    body.extend_from_slice(&(comm.len() as u32).to_be_bytes());
    body.extend_from_slice(&comm);
    body.extend_from_slice(b"SSND");
    body.extend_from_slice(&((data.len() + 8) as u32).to_be_bytes());
    body.extend_from_slice(&[0; 8]);
    body.extend_from_slice(&data);
    let mut out = b"FORM".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Builds the folder; returns its root.
fn build(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("ser-data-corpus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let r = 22_050;
    let good = tone(1.0, r, 0.3);
    for f in [
        "SFA_angry/SFA_back_angry.wav",
        "SFA_angry/SFA_bean_angry.wav",
        "SFA_sad/SFA_back_sad.wav",
        "SFA_sad/SFA_bite_sad.wav",
        "SFA_sad/SF_dime_sad.wav",
        "SFA_happy/notes.wav",
        "SFA_happy/SFA_keen_happy.txt",
    ] {
        wav(&root.join(f), &good, r, 1, false);
    }
    wav(
        &root.join("SFA_sad/SFA_deep_sad.wav"),
        &tone(1.0, 16_000, 0.3),
        16_000,
        1,
        false,
    );
    wav(
        &root.join("SFA_sad/SFA_dog_sad.wav"),
        &tone(1.0, r, 1.5),
        r,
        1,
        true,
    );
    std::fs::write(root.join("SFA_sad/SFA_fail_sad.wav"), aiff_bytes(&good, r)).unwrap();
    wav(&root.join("SFA_sad/SFA_fat_sad.wav"), &good, r, 2, false);
    std::fs::create_dir_all(root.join("SFA_happy")).unwrap();
    std::fs::write(root.join("SFA_happy/SFA_food_happy.wav"), b"").unwrap();
    wav(&root.join("SFA_happy/SFA_gas_happy.wav"), &[], r, 1, false);
    wav(
        &root.join("SFA_happy/SFA_goal_happy.wav"),
        &vec![0.0; r as usize],
        r,
        1,
        false,
    );
    wav(
        &root.join("SFA_happy/SFA_hall_happy.wav"),
        &tone(0.3, r, 0.3),
        r,
        1,
        false,
    );
    std::fs::write(
        root.join("SFA_happy/SFA_hate_happy.wav"),
        b"this is not audio at all, just text",
    )
    .unwrap();
    std::fs::write(root.join("README.txt"), b"corpus notes").unwrap();
    root
}

fn report<'a>(c: &'a Corpus, name: &str) -> &'a ser_data::FileReport {
    c.faulty
        .iter()
        .find(|f| f.file.file_name().unwrap() == name)
        .unwrap_or_else(|| panic!("{name} not reported: {:#?}", c.faulty))
}

#[test]
fn every_file_is_labelled_or_reported_with_its_reason() {
    let root = build("all");
    let c = scan(&root, &ScanOptions::default()).unwrap();
    assert_eq!(c.scheme, Scheme::Tess);
    assert_eq!(c.files, 16);
    assert_eq!(c.items.len(), 10);
    assert_eq!(
        c.items.len() + c.excluded().count(),
        c.files,
        "nothing dropped"
    );

    let kinds = |n: &str| (report(&c, n).kinds.clone(), report(&c, n).kept);
    assert_eq!(kinds("SFA_food_happy.wav"), (vec![FaultKind::Empty], false));
    assert_eq!(kinds("SFA_gas_happy.wav"), (vec![FaultKind::Empty], false));
    assert_eq!(
        kinds("SFA_goal_happy.wav"),
        (vec![FaultKind::Silent], false)
    );
    assert_eq!(
        kinds("SFA_hall_happy.wav"),
        (vec![FaultKind::TooShort], false)
    );
    assert_eq!(
        kinds("SFA_hate_happy.wav"),
        (vec![FaultKind::Unreadable], false)
    );
    assert_eq!(kinds("notes.wav"), (vec![FaultKind::Unlabelled], false));
    assert_eq!(
        kinds("SFA_deep_sad.wav"),
        (vec![FaultKind::SampleRate], true)
    );
    assert_eq!(
        kinds("SFA_dog_sad.wav"),
        (vec![FaultKind::SampleFormat, FaultKind::OutOfRange], true)
    );
    assert_eq!(
        kinds("SFA_fail_sad.wav"),
        (vec![FaultKind::ContainerMismatch], true)
    );
    assert_eq!(kinds("SFA_fat_sad.wav"), (vec![FaultKind::Channels], true));
    assert_eq!(
        kinds("SFA_keen_happy.txt"),
        (vec![FaultKind::ContainerMismatch], true)
    );
    assert!(
        report(&c, "SFA_fail_sad.wav")
            .reason
            .contains("AIFF data in a file named .wav")
    );
    assert!(report(&c, "SFA_deep_sad.wav").reason.contains("16000 Hz"));
    assert!(report(&c, "SFA_hall_happy.wav").reason.contains("0.300 s"));
    assert_eq!(c.faulty.len(), 11);

    assert_eq!(c.skipped.len(), 1);
    assert_eq!(c.skipped[0].file, root.join("README.txt"));
    assert_eq!(c.skipped[0].kinds, vec![FaultKind::NotAudio]);

    assert_eq!(c.warnings.len(), 1);
    let dime = c
        .items
        .iter()
        .find(|i| i.label.path.ends_with("SF_dime_sad.wav"))
        .unwrap();
    assert_eq!(dime.label.speaker, "SFA");

    let aiff = c
        .items
        .iter()
        .find(|i| i.label.path.ends_with("SFA_fail_sad.wav"))
        .unwrap();
    assert_eq!(
        (aiff.audio.container.as_str(), aiff.audio.frames),
        ("AIFF", 22_050)
    );
    let paths: Vec<&PathBuf> = c.items.iter().map(|i| &i.label.path).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);

    let eda = Eda::of(&c);
    assert_eq!((eda.files, eda.read), (16, 10));
    assert_eq!(eda.by_emotion["sad"], 7);
    assert_eq!(eda.by_emotion["angry"], 2);
    assert_eq!(eda.by_emotion["happy"], 1);
    assert_eq!(eda.by_speaker["SFA"], 10);
    assert_eq!(eda.sample_rates["16000"], 1);
    assert_eq!(eda.sample_rates["22050"], 9);
    assert_eq!(eda.formats["32-bit float"], 1);
    assert_eq!(eda.balance.verdict, BalanceVerdict::Imbalanced);
    let d = eda.duration_s.unwrap();
    assert!((d.min - 1.0).abs() < 1e-9 && (d.max - 1.0).abs() < 1e-9);
    let json = serde_json::to_value(&eda).unwrap();
    assert_eq!(json["files"], 16);
    assert_eq!(json["scheme"], "tess");
    assert_eq!(json["faulty"].as_array().unwrap().len(), 11);
    assert!(json["faulty"][0]["file"].is_string() && json["faulty"][0]["reason"].is_string());

    // same folder, same result
    assert_eq!(scan(&root, &ScanOptions::default()).unwrap(), c);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn forced_scheme_reports_every_name_that_does_not_fit() {
    let root = build("forced");
    let opts = ScanOptions {
        scheme: SchemeChoice::Force(Scheme::EmoDb),
        ..ScanOptions::default()
    };
    let c = scan(&root, &opts).unwrap();
    assert!(c.scheme_forced);
    assert!(c.items.is_empty());
    assert_eq!(c.excluded().count(), 16);
    assert!(
        c.faulty
            .iter()
            .filter(|f| f.kinds == vec![FaultKind::Unlabelled])
            .all(|f| f.reason.starts_with("name does not fit the emodb scheme"))
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn walk_is_sorted_and_a_missing_root_is_an_error() {
    let root = build("walk");
    let (files, problems) = walk(&root).unwrap();
    assert!(problems.is_empty());
    assert_eq!(files.len(), 17);
    assert_eq!(files[0], root.join("README.txt"));
    let mut s = files.clone();
    s.sort();
    assert_eq!(files, s);
    std::fs::remove_dir_all(&root).unwrap();
    assert!(matches!(walk(&root), Err(DataError::Io { .. })));
    assert!(matches!(
        scan(&root, &ScanOptions::default()),
        Err(DataError::Io { .. })
    ));
}

#[test]
fn emotion_of_items_comes_from_names() {
    let root = build("emotions");
    let c = scan(&root, &ScanOptions::default()).unwrap();
    let back_angry = c
        .items
        .iter()
        .find(|i| i.label.path.ends_with("SFA_back_angry.wav"))
        .unwrap();
    assert_eq!(back_angry.label.emotion, Some(Emotion::Angry));
    std::fs::remove_dir_all(&root).unwrap();
}
