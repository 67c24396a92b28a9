//! Live recognition: `StreamRecognizer` fed in pieces of any size, the `listen` example on raw
//! PCM agreeing with `predict --window --hop` on the same audio as a file, and bad input.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a test failure is the report

use std::io::Write;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use common::{EMOTIONS, RATE, clip, example, pipeline, temp_dir};
use ser::audio::{load, resample};
use ser::data::synth::write_wav;
use ser::pipeline::{
    PipelineError, Prediction, StatsSource, StreamOptions, StreamRecognizer, predict_stream_offline,
};
use serde_json::Value;

/// About 28 s at 22050 Hz: speaker 1's held-out clips (6 and 7 of each emotion, twice over)
/// with 0.4 s pauses, 4 s of silence after the first two (windows with no speech), and quiet
/// noise.
fn recording() -> Vec<f32> {
    let mut x = vec![0.0f32; RATE as usize / 2];
    let mut n = 0;
    for _round in 0..2 {
        for &e in &EMOTIONS {
            for i in 6..8 {
                x.extend(clip(1, e, i));
                let pause = if n == 1 { 4.0 } else { 0.4 };
                x.extend(std::iter::repeat_n(0.0, (pause * f64::from(RATE)) as usize));
                n += 1;
            }
        }
    }
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for v in &mut x {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Uniform noise of ±0.001 (−65 dBFS): below the speech floor on its own.
        *v += ((seed >> 11) as f64 / (1u64 << 53) as f64 * 0.002 - 0.001) as f32;
    }
    x
}

/// 16-bit samples as `write_wav` stores them.
fn quantize(x: &[f32]) -> Vec<i16> {
    x.iter()
        .map(|v| (v.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect()
}

fn s16le(x: &[i16]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A 16-bit PCM WAV file of interleaved `samples`.
fn write_wav_i16(path: &Path, samples: &[i16], rate: u32, channels: u16) {
    let data = s16le(samples);
    let mut b = Vec::with_capacity(44 + data.len());
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2 * u32::from(channels)).to_le_bytes());
    b.extend_from_slice(&(2 * channels).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&data);
    std::fs::write(path, b).unwrap();
}

fn run(r: &mut StreamRecognizer, x: &[f32], size: usize) -> Vec<Prediction> {
    let mut out = Vec::new();
    for chunk in x.chunks(size) {
        r.push(chunk, &mut out).unwrap();
    }
    r.finish(&mut out).unwrap();
    out
}

#[test]
fn pieces_of_any_size_give_the_same_predictions() {
    let dir = temp_dir("listen", "pieces");
    let wav = dir.join("talk.wav");
    write_wav(&wav, &recording(), RATE).unwrap();
    let pipeline = Arc::new(pipeline().clone());
    let opts = pipeline
        .spec()
        .features
        .load_options()
        .offset(0.0)
        .duration(None);
    let x = load(&wav, &opts).unwrap().samples;
    let options = StreamOptions {
        warmup_windows: 5,
        ..StreamOptions::default()
    };
    let want = predict_stream_offline(&pipeline, &x, RATE, &options).unwrap();
    let total = x.len() as f64 / f64::from(RATE);
    assert_eq!(
        want.len(),
        (total - 3.0) as usize + 1 + 1,
        "full windows and the tail"
    );
    assert!(want.iter().any(|p| !p.speech) && want.iter().filter(|p| p.speech).count() > 10);
    assert!(
        want.iter()
            .any(|p| p.normalisation == StatsSource::SameSpeaker)
    );
    let mut r = StreamRecognizer::new(Arc::clone(&pipeline), RATE, 1, &options).unwrap();
    for size in [1, 7, 1000, 3 * RATE as usize, x.len()] {
        let got = run(&mut r, &x, size);
        assert_eq!(got.len(), want.len(), "pieces of {size}");
        for (g, w) in got.iter().zip(&want) {
            // Bit for bit: the same samples, features and statistics.
            assert_eq!(g, w, "pieces of {size}");
        }
    }

    // A piece with NaN is refused with its index in the stream; the stream goes on unchanged.
    let mut out = Vec::new();
    let (a, b) = x.split_at(50_000);
    r.push(a, &mut out).unwrap();
    match r.push(&[0.0, f32::INFINITY], &mut out) {
        Err(PipelineError::Audio(e)) => assert!(e.to_string().contains("index 50001"), "{e}"),
        other => panic!("{other:?}"),
    }
    r.push(b, &mut out).unwrap();
    r.finish(&mut out).unwrap();
    assert_eq!(out, want);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs `cmd` with `input` on its standard input.
fn with_input(mut cmd: Command, input: Vec<u8>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The same windows, emotions and scores (within 1e-5).
fn assert_same_windows(got: &[Value], want: &[Value]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        for key in ["start", "end", "emotion", "speech", "normalisation"] {
            assert_eq!(g[key], w[key], "{key}: {g} vs {w}");
        }
        let (gs, ws) = (
            g["scores"].as_object().unwrap(),
            w["scores"].as_object().unwrap(),
        );
        assert_eq!(gs.len(), 3);
        for (c, v) in ws {
            let d = (gs[c].as_f64().unwrap() - v.as_f64().unwrap()).abs();
            assert!(d <= 1e-5, "{c}: {g} vs {w}");
        }
    }
}

fn model_file(dir: &Path) -> PathBuf {
    let model = dir.join("model.json");
    pipeline().save(&model).unwrap();
    model
}

#[test]
fn listen_on_raw_pcm_agrees_with_predict_windows() {
    let dir = temp_dir("listen", "agree");
    let model = model_file(&dir);
    let pcm = quantize(&recording());
    let wav = dir.join("talk.wav");
    write_wav_i16(&wav, &pcm, RATE, 1);
    let predict = example("predict")
        .arg(&model)
        .args(["--window", "3", "--hop", "1"])
        .arg(&wav)
        .output()
        .unwrap();
    assert!(predict.status.success(), "{predict:?}");
    let want = lines(&predict);
    assert!(want.len() > 20);
    assert!(want.iter().all(|l| l["file"] == wav.to_str().unwrap()));
    assert!(
        want.iter()
            .any(|l| l["speech"] == false && l["emotion"].is_null())
    );
    assert!(want.iter().any(|l| l["normalisation"] == "same-speaker"));

    let mut listen = example("listen");
    listen.arg(&model).args(["--rate", "22050"]);
    let heard = with_input(listen, s16le(&pcm));
    assert!(heard.status.success(), "{heard:?}");
    let got = lines(&heard);
    assert!(got.iter().all(|l| l["file"] == "-"));
    assert_same_windows(&got, &want);

    // The file read as a stream.
    let from_file = example("listen")
        .arg(&model)
        .arg("--file")
        .arg(&wav)
        .output()
        .unwrap();
    assert!(from_file.status.success(), "{from_file:?}");
    assert_same_windows(&lines(&from_file), &want);

    // Stereo at 16 kHz: mixed and resampled by both as `load` does.
    let x16 = resample(&recording(), RATE, 16_000).unwrap();
    let stereo: Vec<f32> = x16.iter().flat_map(|&v| [v, 0.5 * v]).collect();
    let pcm2 = quantize(&stereo);
    let wav2 = dir.join("stereo.wav");
    write_wav_i16(&wav2, &pcm2, 16_000, 2);
    let predict2 = example("predict")
        .arg(&model)
        .args(["--window", "3", "--hop", "1"])
        .arg(&wav2)
        .output()
        .unwrap();
    assert!(predict2.status.success(), "{predict2:?}");
    let mut listen2 = example("listen");
    listen2
        .arg(&model)
        .args(["--rate", "16000", "--channels", "2"]);
    let heard2 = with_input(listen2, s16le(&pcm2));
    assert!(heard2.status.success(), "{heard2:?}");
    assert_same_windows(&lines(&heard2), &lines(&predict2));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn listen_reports_bad_input_and_keeps_going_through_silence() {
    let dir = temp_dir("listen", "bad");
    let model = model_file(&dir);

    // A rate out of range is a usage error naming the range.
    let out = example("listen")
        .arg(&model)
        .args(["--rate", "10"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--rate") && err.contains("1000"), "{err}");

    // A --rate that disagrees with --file's.
    let wav = dir.join("short.wav");
    write_wav(&wav, &recording()[..5 * RATE as usize], RATE).unwrap();
    let out = example("listen")
        .arg(&model)
        .args(["--rate", "16000", "--file"])
        .arg(&wav)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("22050"));

    // An odd trailing byte: noted, and the complete frames predicted.
    let mut bytes = s16le(&quantize(&recording()[..5 * RATE as usize]));
    let mut listen = example("listen");
    listen.arg(&model).args(["--rate", "22050"]);
    let whole = with_input(listen, bytes.clone());
    bytes.push(0x7f);
    let mut listen = example("listen");
    listen.arg(&model).args(["--rate", "22050"]);
    let odd = with_input(listen, bytes);
    assert!(odd.status.success(), "{odd:?}");
    let err = String::from_utf8_lossy(&odd.stderr);
    assert!(err.contains("middle of a frame"), "{err}");
    assert_eq!(lines(&odd).len(), 3);
    assert_eq!(odd.stdout, whole.stdout);

    // NaN in float input: a typed error naming the sample, exit 1.
    let mut floats: Vec<u8> = std::iter::repeat_n(0.1f32, 1000)
        .flat_map(f32::to_le_bytes)
        .collect();
    floats.extend(f32::NAN.to_le_bytes());
    let mut listen = example("listen");
    listen
        .arg(&model)
        .args(["--format", "f32le", "--rate", "8000"]);
    let nan = with_input(listen, floats);
    assert_eq!(nan.status.code(), Some(1));
    let err = String::from_utf8_lossy(&nan.stderr);
    assert!(err.contains("non-finite") && err.contains("1000"), "{err}");

    // Three minutes of silence: a speech:false line per window, promptly.
    let started = std::time::Instant::now();
    let mut listen = example("listen");
    listen.arg(&model);
    let silent = with_input(listen, vec![0u8; 180 * 16_000 * 2]);
    assert!(silent.status.success(), "{silent:?}");
    let got = lines(&silent);
    assert_eq!(got.len(), 178);
    assert!(
        got.iter()
            .all(|l| l["speech"] == false && l["emotion"].is_null())
    );
    assert_eq!(got[177]["end"], 180.0);
    assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(dir);
}

/// Ctrl-C is a clean stop: with standard input still open, SIGINT flushes the last, partial
/// window and exits 0, printing what closing the input would have printed.
#[cfg(unix)]
#[test]
fn ctrl_c_flushes_the_last_window() {
    use std::io::{BufRead, BufReader};
    let dir = temp_dir("listen", "ctrl-c");
    let model = model_file(&dir);
    let pcm = s16le(&quantize(&recording()[..RATE as usize * 9 / 2]));
    let mut closed = example("listen");
    closed.arg(&model).args(["--rate", "22050"]);
    let want = lines(&with_input(closed, pcm.clone()));
    assert_eq!(want.len(), 3, "{want:?}");
    assert_eq!(want[2]["end"], 4.5);

    let mut child = example("listen")
        .arg(&model)
        .args(["--rate", "22050"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&pcm).unwrap();
        stdin // kept open: only Ctrl-C ends the stream
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    while got.len() < 2 {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "listen ended early"
        );
        got.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    // The window [1, 4) is out, so all but the last 0.5 s was read; give it time for the rest.
    let stdin = writer.join().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    for line in stdout.lines() {
        got.push(serde_json::from_str::<Value>(&line.unwrap()).unwrap());
    }
    let status = child.wait().unwrap();
    drop(stdin);
    assert!(status.success(), "{status:?}");
    assert_same_windows(&got, &want);
    let _ = std::fs::remove_dir_all(dir);
}
