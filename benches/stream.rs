//! The live recognizer's cost per hop (issue 16): a `StreamRecognizer` with the robust
//! preset's pipeline (functionals, per-speaker normalisation, SVM ensemble), 3 s windows every
//! 1 s, fed 16 kHz mono speech.
//!
//! - `hop_1s_robust`: one second of input whose last sample completes a window, pushed at
//!   once: the time from a hop's last sample to its prediction (the latency a caller sees),
//!   and, divided by the second of audio, the real-time factor per core.
//! - `chunk_20ms_no_window`: a 20 ms piece that completes no window (mixing and resampling
//!   only), the cost of the pieces between two predictions (the pieces that do complete one
//!   are left out of the timing).
//!
//! `cargo bench --bench stream -- --warm-up-time 2 --measurement-time 5`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ser::audio::resample;
use ser::pipeline::{StreamOptions, StreamRecognizer};

#[path = "../tests/common/mod.rs"]
#[allow(missing_docs)]
mod common;

const INPUT_RATE: u32 = 16_000;

/// About 40 s of synthetic speech at 16 kHz: every clip of both speakers, back to back.
fn speech() -> Vec<f32> {
    let mut x = Vec::new();
    for s in 0..2 {
        for &e in &common::EMOTIONS {
            for i in 0..4 {
                x.extend(common::clip(s, e, i));
            }
        }
    }
    resample(&x, common::RATE, INPUT_RATE).expect("16 kHz")
}

fn bench(c: &mut Criterion) {
    let pipeline = common::fit_pipeline().without_self_training();
    let audio = speech();
    let hop = INPUT_RATE as usize;
    let options = StreamOptions::default();
    let mut recognizer =
        StreamRecognizer::new(pipeline, INPUT_RATE, 1, &options).expect("valid stream");
    let mut out = Vec::new();
    // Past the warm-up: the stream's own statistics are in use.
    let warm = (options.warmup_windows + 3) * hop;
    for piece in audio[..warm].chunks(hop) {
        recognizer.push(piece, &mut out).expect("speech");
    }
    assert!(!out.is_empty());
    let mut group = c.benchmark_group("stream_16k_robust");
    let mut at = warm;
    group.bench_function("hop_1s_robust", |b| {
        b.iter(|| {
            if at + hop > audio.len() {
                at = 0;
            }
            out.clear();
            recognizer
                .push(black_box(&audio[at..at + hop]), &mut out)
                .expect("speech");
            at += hop;
            black_box(out.len())
        })
    });
    // 20 ms pieces one after another; only those that complete no window are timed (a
    // window completes a little after its last input sample: the resampler's delay).
    let piece = INPUT_RATE as usize / 50;
    group.bench_function("chunk_20ms_no_window", |b| {
        b.iter_custom(|iters| {
            let mut spent = std::time::Duration::ZERO;
            let mut done = 0;
            while done < iters {
                if at + piece > audio.len() {
                    at = 0;
                }
                out.clear();
                let t = std::time::Instant::now();
                recognizer
                    .push(black_box(&audio[at..at + piece]), &mut out)
                    .expect("speech");
                let dt = t.elapsed();
                at += piece;
                if out.is_empty() {
                    spent += dt;
                    done += 1;
                }
            }
            spent
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: plotters' PDF backend finds no font on these machines.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
