//! The study's LSTM network (LSTM(256) → Dropout → Dense 128 ReLU → Dropout → Dense 64 ReLU →
//! Dropout → Dense 7) on one batch of 64 sequences of 40 steps × 1 feature: forward alone, and
//! forward + backward (loss and every gradient). Threads come from rayon's global pool: run it
//! with `RAYON_NUM_THREADS=1` and `=2` (the label shows the setting). An epoch of the PyTorch
//! peer (`study_peer.py`, 1165 samples = 19 batches) takes about 1.04 s on one thread, i.e.
//! about 55 ms per batch of forward + backward + Adam.
//!
//! `RAYON_NUM_THREADS=1 cargo bench --bench lstm -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use ser_models::lstm::{Lstm, Network, SeqBatch, SplitMix64, Workspace};

const STEPS: usize = 40;
const BATCH: usize = 64;
const CLASSES: usize = 7;

fn bench(c: &mut Criterion) {
    let specs = Lstm::params().layer_specs(CLASSES);
    let Ok(net) = Network::<f32>::new(1, &specs, &mut SplitMix64::new(42)) else {
        panic!("the study network builds");
    };
    let mut rng = SplitMix64::new(7);
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
            let mut dropout = SplitMix64::new(1);
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

// Plots off: with the workspace's plotters features, criterion's PDF plots find no font.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
