//! The study's enriched extraction (189 values: 40 MFCC, 12 chroma, 128 mel, 7 contrast, ZCR,
//! RMS means) of a 3 s clip at 22050 Hz, beside the MFCC-40 mean and the clip functionals (128
//! values, with the autocorrelation pitch tracker) of the same clip.
//! librosa's figure for the same work is `study_peer.py`'s "enriched".
//!
//! `cargo bench --bench features -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ser_features::{FeatureSet, FeatureSpec};

const SR: usize = 22050;

/// A slowly wobbling 180 Hz tone with harmonics plus seeded noise: 3 s at 22050 Hz.
fn clip() -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..3 * SR)
        .map(|i| {
            let t = i as f64 / SR as f64;
            let phase = 2.0 * std::f64::consts::PI * 180.0 * t * (1.0 + 0.1 * (3.0 * t).sin());
            let tone = 0.3 * phase.sin() + 0.1 * (2.0 * phase).sin() + 0.05 * (3.0 * phase).sin();
            (tone + 0.05 * (uniform() - 0.5)) as f32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let signal = clip();
    let mut group = c.benchmark_group("features_3s_22050");
    let enriched = FeatureSpec::Enriched.extractor(22050).expect("valid rate");
    let mut scratch = enriched.make_scratch();
    group.bench_function("enriched_189", |b| {
        b.iter(|| {
            black_box(
                enriched
                    .extract_with_scratch(black_box(&signal), &mut scratch)
                    .expect("valid clip"),
            )
        })
    });
    let mfcc = FeatureSpec::Mfcc40Mean
        .extractor(22050)
        .expect("valid rate");
    let mut scratch = mfcc.make_scratch();
    group.bench_function("mfcc40_mean", |b| {
        b.iter(|| {
            black_box(
                mfcc.extract_with_scratch(black_box(&signal), &mut scratch)
                    .expect("valid clip"),
            )
        })
    });
    // The clip-vector sets, each through its extractor with reused scratch.
    for (spec, name) in [
        (FeatureSpec::Functionals, "functionals_128"),
        (FeatureSpec::Paralinguistic, "paralinguistic_220"),
        (
            FeatureSpec::ParalinguisticFrames,
            "paralinguistic_frames_2236",
        ),
        (FeatureSpec::Compare, "compare_4224"),
    ] {
        let extractor = spec.extractor(22050).expect("valid rate");
        let mut scratch = extractor.make_scratch();
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    extractor
                        .extract_with_scratch(black_box(&signal), &mut scratch)
                        .expect("valid clip"),
                )
            })
        });
    }
    let egemaps = FeatureSet::egemaps_like()
        .extractor(22050)
        .expect("valid rate");
    group.bench_function("egemaps_like_frames", |b| {
        b.iter(|| black_box(egemaps.compute(black_box(&signal)).expect("valid clip")))
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
