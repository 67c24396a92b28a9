//! The study's LSTM network (LSTM(256) → Dropout → Dense 128 ReLU → Dropout → Dense 64 ReLU →
//! Dropout → Dense 7) on one batch of 64 sequences of 40 steps × 1 feature: forward alone, and
//! forward + backward (loss and every gradient). Threads come from rayon's global pool: run it
//! with `RAYON_NUM_THREADS=1` and `=2` (the label shows the setting).
//!
//! `lstm_study_epoch` is one training epoch of the study's network on the work of one epoch of
//! the PyTorch peer (`study_peer.py`: 1165 clips of 40 standardised values, 19 batches of
//! forward + backward + Adam, no validation), including building the network: `wall` is
//! elapsed time, `cpu` the process's user + system time (Linux `/proc/self/stat`) over the
//! same iterations, which stays meaningful when other jobs share the cores.
//!
//! `RAYON_NUM_THREADS=1 cargo bench --bench lstm -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2};
use ser_data::SeededRng;
use ser_models::lstm::{Lstm, Network, SeqBatch, Workspace};
use ser_models::{Fit, TrainSet};

const STEPS: usize = 40;
const BATCH: usize = 64;
const CLASSES: usize = 7;

fn bench(c: &mut Criterion) {
    let specs = Lstm::params().layer_specs(CLASSES);
    let Ok(net) = Network::<f32>::new(1, &specs, &mut SeededRng::splitmix64(42)) else {
        panic!("the study network builds");
    };
    let mut rng = SeededRng::splitmix64(7);
    // Standardised inputs, time-major: row t·64 + b is step t of sample b.
    let x = Array2::from_shape_simple_fn((STEPS * BATCH, 1), || rng.normal() as f32);
    let labels: Vec<usize> = (0..BATCH).map(|i| i % CLASSES).collect();
    let Ok(batch) = SeqBatch::new(x.view(), STEPS, None) else {
        panic!("a well-formed batch");
    };
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    let mut group = c.benchmark_group("lstm_study_batch64");
    group.sample_size(20);
    group.bench_function(format!("forward/threads={threads}"), |b| {
        b.iter(|| black_box(net.logits(black_box(&batch))))
    });
    // As in training: the large per-batch buffers are kept from one batch to the next.
    let mut ws = Workspace::default();
    group.bench_function(format!("forward_backward/threads={threads}"), |b| {
        b.iter(|| {
            let mut dropout = SeededRng::splitmix64(1);
            black_box(net.loss_and_grads_in(
                black_box(&batch),
                &labels,
                Some(&mut dropout),
                1.0 / BATCH as f32,
                &mut ws,
            ))
        })
    });
    group.finish();
}

/// User + system CPU seconds of this process (all threads), from `/proc/self/stat`; `None`
/// where that file is missing or unreadable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // Linux reports in USER_HZ, 100 per second on every supported architecture.
    Some(ticks / 100.0)
}

fn bench_epoch(c: &mut Criterion) {
    const CLIPS: usize = 1165;
    let mut rng = SeededRng::splitmix64(9);
    let x = Array2::from_shape_simple_fn((CLIPS, STEPS), || rng.normal() as f32);
    let y: Array1<usize> = (0..CLIPS).map(|i| i % CLASSES).collect();
    let Ok(train) = TrainSet::new(x.view(), y.view(), CLASSES) else {
        panic!("a well-formed training set");
    };
    let params = Lstm::params().epochs(1).validation_split(0.0);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into());
    let mut group = c.benchmark_group("lstm_study_epoch");
    group.sample_size(10);
    group.bench_function(format!("wall/threads={threads}"), |b| {
        b.iter(|| black_box(params.fit(black_box(&train))))
    });
    group.bench_function(format!("cpu/threads={threads}"), |b| {
        b.iter_custom(|iters| {
            let (c0, t0) = (cpu_seconds(), Instant::now());
            for _ in 0..iters {
                let _ = black_box(params.fit(black_box(&train)));
            }
            match (c0, cpu_seconds()) {
                (Some(a), Some(b)) => Duration::from_secs_f64(b - a),
                _ => t0.elapsed(),
            }
        })
    });
    group.finish();
}

// Plots off: with the workspace's plotters features, criterion's PDF plots find no font.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench, bench_epoch
}
criterion_main!(benches);
