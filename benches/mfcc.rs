//! 40 MFCCs of a 3 s clip at 22050 Hz (66150 samples → 130 frames) beside the floor: the same 130
//! bare realfft 2048-point forward transforms. Goal: MFCC ≤ 1.3 × floor.
//!
//! `cargo bench --bench mfcc -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use realfft::RealFftPlanner;
use ser_features::{Mfcc, MfccParams};

const SR: usize = 22050;
const LEN: usize = 3 * SR;

/// The peer's input (`mfcc_peer.py`): a slowly wobbling 180 Hz tone plus a little noise, from a
/// seeded generator.
fn clip() -> Vec<f32> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..LEN)
        .map(|i| {
            let t = i as f64 / SR as f64;
            let tone = 0.3
                * (2.0 * std::f64::consts::PI * 180.0 * t * (1.0 + 0.1 * (3.0 * t).sin())).sin();
            // Sum of 4 uniforms, centred and scaled to unit variance: near-Gaussian noise.
            let noise = ((0..4).map(|_| uniform()).sum::<f64>() - 2.0) * 3f64.sqrt();
            (tone + 0.05 * noise) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let signal = clip();
    let mfcc = Mfcc::new(&MfccParams::study()).expect("study parameters are valid");
    let frames = mfcc.n_frames(signal.len());
    assert_eq!(frames, 130);

    let mut group = c.benchmark_group("mfcc_3s_22050");

    // Floor: 130 bare forward transforms of 2048 real samples (each copies its frame in, since
    // realfft uses the input as scratch).
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(2048);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    group.bench_function("fft_floor_130x2048", |b| {
        b.iter(|| {
            for t in 0..frames {
                let start = (t * 512).min(signal.len() - 2048);
                input.copy_from_slice(&signal[start..start + 2048]);
                fft.process_with_scratch(&mut input, &mut output, &mut scratch)
                    .expect("buffer sizes come from the plan");
            }
            black_box(&output);
        })
    });

    let mut mfcc_scratch = mfcc.make_scratch();
    let mut out = Array2::zeros((40, frames));
    group.bench_function("mfcc40_process_into", |b| {
        b.iter(|| {
            mfcc.process_into(black_box(&signal), &mut mfcc_scratch, out.view_mut())
                .expect("valid clip");
            black_box(&out);
        })
    });

    group.bench_function("mfcc40_process", |b| {
        b.iter(|| black_box(mfcc.process(black_box(&signal)).expect("valid clip")))
    });

    group.bench_function("mfcc40_mean_with_scratch", |b| {
        b.iter(|| {
            black_box(
                mfcc.mean_with_scratch(black_box(&signal), &mut mfcc_scratch)
                    .expect("valid clip"),
            )
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: the plotters backend needs a system font this machine may not have.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
