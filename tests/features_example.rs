//! The `features` example: its values are `FeatureSpec::extract`'s on the loading each set is
//! meant for, in JSONL, CSV and Parquet alike; a bad file is a row with its error; Parquet
//! refuses standard output.
//!
//! The example runs from `target/{debug,release}/examples/features`, as
//! `pipeline_end_to_end` runs its examples: build it first (`cargo build --example features`;
//! `cargo test` without `--test` builds every example).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a test failure is the report

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ser::audio::{LoadOptions, load};
use ser::data::Emotion;
use ser::data::synth::{SynthParams, synthesize, write_wav};
use ser::features::FeatureSpec;
use ser::pipeline::PipelineSpec;
use serde_json::Value;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ser-featex-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn example(name: &str) -> Command {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        })
        .join("examples")
        .join(name);
    assert!(
        exe.exists(),
        "{} is missing: run `cargo build --example {name}` first",
        exe.display()
    );
    Command::new(exe)
}

/// Runs `features` with `args`, standard input empty.
fn run(args: &[&str], files: &[PathBuf]) -> Output {
    example("features")
        .args(args)
        .args(files)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Two synthetic utterances (different emotions, speakers) written as WAVs in `dir`, named
/// `names`.
fn write_clips(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let params = SynthParams::default();
    let emotions = [Emotion::Happy, Emotion::Sad, Emotion::Angry];
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let utt = synthesize(&params, i % 2, emotions[i % 3], i).unwrap();
            let path = dir.join(name);
            write_wav(&path, &utt.samples, utt.sample_rate).unwrap();
            path
        })
        .collect()
}

/// What each set is meant to be computed on (`FeatureSpec`'s documentation): functionals on
/// the whole clip, the others on the study's excerpt.
fn expected(spec: FeatureSpec, file: &Path) -> Vec<f32> {
    let clip_level = [
        FeatureSpec::Functionals,
        FeatureSpec::Egemaps,
        FeatureSpec::Paralinguistic,
        FeatureSpec::Frames,
        FeatureSpec::ParalinguisticFrames,
        FeatureSpec::Compare,
    ];
    let options = if clip_level.contains(&spec) {
        LoadOptions::default()
    } else {
        LoadOptions::study()
    };
    let audio = load(file, &options).unwrap();
    spec.extract(&audio.samples, audio.sample_rate).unwrap()
}

fn jsonl(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The features of a JSONL row, in `names` order (`None` for `null`).
fn row_values(row: &Value, names: &[String]) -> Vec<Option<f32>> {
    names
        .iter()
        .map(|n| {
            let v = &row[n.as_str()];
            assert!(v.is_null() || v.is_f64(), "{n}: {v}");
            v.as_f64().map(|x| x as f32)
        })
        .collect()
}

/// RFC 4180 records (quoted fields may hold commas, doubled quotes and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "unterminated CSV"
    );
    records
}

#[test]
fn jsonl_values_are_extract_on_the_loading_each_set_is_meant_for() {
    let dir = temp_dir("jsonl");
    let files = write_clips(&dir, &["a.wav", "b.wav", "c.wav", "d.wav", "e.wav"]);
    for spec in FeatureSpec::ALL {
        let out = run(&["--features", spec.name()], &files);
        assert!(
            out.status.success(),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = jsonl(&out.stdout);
        assert_eq!(rows.len(), files.len(), "{spec}");
        let names = spec.names();
        for (row, file) in rows.iter().zip(&files) {
            // Input order, whatever order the threads finished in.
            assert_eq!(row["file"], file.to_str().unwrap(), "{spec}");
            assert_eq!(row["error"], Value::Null, "{spec}");
            // file, error and one key per feature, nothing else.
            assert_eq!(row.as_object().unwrap().len(), 2 + names.len(), "{spec}");
            let want = expected(spec, file);
            let got = row_values(row, &names);
            assert_eq!(got.len(), want.len());
            for ((name, g), w) in names.iter().zip(&got).zip(&want) {
                let g = g.unwrap_or_else(|| panic!("{spec} {name}: null"));
                assert!(
                    (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                    "{spec} {name}: {g} vs {w}"
                );
            }
        }
    }
    // The default set is the robust preset's, and `--out` writes the same lines to a file,
    // nothing to standard output.
    let default = PipelineSpec::default().features.spec.name();
    assert_eq!(default, "paralinguistic");
    let default_rows = jsonl(&run(&["--features", default], &files).stdout);
    let path = dir.join("out.jsonl");
    let out = run(&["--out", path.to_str().unwrap()], &files);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(jsonl(&std::fs::read(&path).unwrap()), default_rows);
}

#[test]
fn csv_has_the_header_and_a_bad_file_is_a_row_naming_it() {
    let dir = temp_dir("csv");
    let good = write_clips(&dir, &["plain.wav", "with, comma \"and quotes\".wav"]);
    let missing = dir.join("missing.wav");
    let not_audio = dir.join("notes.wav");
    std::fs::write(&not_audio, "these are words, not samples\n").unwrap();
    let files = vec![
        good[0].clone(),
        missing.clone(),
        good[1].clone(),
        not_audio.clone(),
    ];
    let spec = FeatureSpec::Mfcc40Mean;
    let out = run(&["--features", "mfcc40", "--format", "csv"], &files);
    assert_eq!(out.status.code(), Some(1), "a failed file fails the run");
    let text = String::from_utf8(out.stdout).unwrap();
    let names = spec.names();
    assert_eq!(
        text.lines().next().unwrap(),
        format!("file,error,{}", names.join(","))
    );
    let records = parse_csv(&text);
    assert_eq!(records.len(), 1 + files.len());
    for (record, file) in records[1..].iter().zip(&files) {
        assert_eq!(record.len(), 2 + names.len());
        assert_eq!(record[0], file.to_str().unwrap());
    }
    // The good rows: no error, the values extract gives.
    for (record, file) in [(&records[1], &good[0]), (&records[3], &good[1])] {
        assert_eq!(record[1], "");
        let got: Vec<f32> = record[2..].iter().map(|c| c.parse().unwrap()).collect();
        let want = expected(spec, file);
        for ((name, g), w) in names.iter().zip(&got).zip(&want) {
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{name}: {g} vs {w}"
            );
        }
    }
    // The bad rows: the typed error's message, naming the file; every feature empty.
    for (record, file, what) in [
        (&records[2], &missing, "no such file"),
        (&records[4], &not_audio, "not a known audio container"),
    ] {
        assert!(record[1].contains(file.to_str().unwrap()), "{}", record[1]);
        assert!(record[1].contains(what), "{}", record[1]);
        assert!(record[2..].iter().all(String::is_empty));
    }
}

#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_keeps_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir("bytes");
    let name: &[u8] = b"caf\xe9.wav";
    let clip = write_clips(&dir, &["x.wav"]).pop().unwrap();
    let odd = dir.join(std::ffi::OsStr::from_bytes(name));
    std::fs::rename(&clip, &odd).unwrap();
    let plain = write_clips(&dir, &["plain.wav"]).pop().unwrap();
    let files = [odd.clone(), plain.clone()];
    let rows = jsonl(&run(&["--features", "mfcc40"], &files).stdout);
    let bytes: Vec<u8> = rows[0]["file_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(bytes, odd.as_os_str().as_bytes());
    assert_eq!(rows[0]["error"], Value::Null);
    assert!(rows[1].get("file_bytes").is_none());
    let out = run(&["--features", "mfcc40", "--format", "csv"], &files);
    assert!(out.status.success());
    let records = parse_csv(std::str::from_utf8(&out.stdout).unwrap());
    assert_eq!(records[0].last().unwrap(), "file_bytes");
    let hex: String = odd
        .as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(records[1].last().unwrap(), &hex);
    assert_eq!(records[1][0], odd.to_string_lossy());
    assert_eq!(records[2].last().unwrap(), "");
}

#[test]
fn with_no_file_the_paths_come_from_standard_input() {
    use std::io::Write;
    let dir = temp_dir("stdin");
    let files = write_clips(&dir, &["a.wav", "b.wav"]);
    let mut child = example("features")
        .args(["--features", "mfcc40"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!("{}\n\"{}\"\n", files[1].display(), files[0].display());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows = jsonl(&out.stdout);
    let got: Vec<&str> = rows.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(
        got,
        [files[1].to_str().unwrap(), files[0].to_str().unwrap()]
    );
}

#[test]
fn parquet_without_out_is_a_usage_error_and_writes_nothing() {
    let dir = temp_dir("noout");
    let files = write_clips(&dir, &["a.wav"]);
    let out = run(&["--format", "parquet"], &files);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--out"), "{stderr}");
    assert!(stderr.contains("parquet"), "{stderr}");
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_reads_back_as_the_jsonl_rows() {
    use parquet::basic::Compression;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    let dir = temp_dir("parquet");
    let mut files = write_clips(&dir, &["a.wav", "b, \"c\".wav", "d.wav"]);
    files.insert(1, dir.join("missing.wav"));
    let spec = FeatureSpec::Enriched;
    let names = spec.names();
    let json = jsonl(&run(&["--features", "enriched"], &files).stdout);
    let path = dir.join("table.parquet");
    let out = run(
        &[
            "--features",
            "enriched",
            "--format",
            "parquet",
            "--out",
            path.to_str().unwrap(),
        ],
        &files,
    );
    assert_eq!(out.status.code(), Some(1), "the missing file fails the run");
    assert!(out.stdout.is_empty());

    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), files.len() as i64);
    assert_eq!(meta.num_row_groups(), 1);
    let columns: Vec<String> = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let mut want_columns = vec!["file".to_string(), "error".to_string()];
    want_columns.extend(names.iter().cloned());
    assert_eq!(columns, want_columns);
    assert!(
        meta.row_group(0)
            .columns()
            .iter()
            .all(|c| c.compression() == Compression::SNAPPY)
    );

    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), json.len());
    let mut failed = 0;
    for (row, want) in rows.iter().zip(&json) {
        let fields: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        assert_eq!(
            fields[0],
            &Field::Str(want["file"].as_str().unwrap().into())
        );
        match want["error"].as_str() {
            Some(e) => {
                failed += 1;
                assert_eq!(fields[1], &Field::Str(e.into()));
            }
            None => assert_eq!(fields[1], &Field::Null),
        }
        for (name, (field, w)) in names
            .iter()
            .zip(fields[2..].iter().zip(row_values(want, &names)))
        {
            match w {
                // Float32 written, the very value the JSON line holds.
                Some(w) => assert_eq!(*field, &Field::Float(w), "{name}"),
                None => assert_eq!(*field, &Field::Null, "{name}"),
            }
        }
    }
    assert_eq!(failed, 1);
    assert!(json[1]["error"].as_str().unwrap().contains("missing.wav"));
}
