//! The resampler's time per clip (issue 15) beside its measured quality, so no speed can come
//! from a shorter filter: for each rate pair, 3 s of noise resampled whole
//! (`Resampler::process_into`) and as a stream in 20 ms pieces (`ResampleStream`), and, printed
//! before the timings, the pass-band ripple (largest |gain| of tones up to 0.9 × the lower
//! Nyquist) and the stop-band attenuation (weakest rejection of the alias or image of a tone
//! in the stop band), both measured with 1 s tones fitted by least squares
//! (`Resampler::measure_response`; the same measurement, in Python, gives soxr HQ's figures).
//!
//! `cargo bench --bench resample -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ser::audio::Resampler;

/// The rate pairs of the issue: TESS's 24 414 Hz and the common 44.1/48 kHz to the study's
/// 22 050 Hz and to 16 kHz, and one upsampling pair.
const PAIRS: [(u32, u32); 5] = [
    (24_414, 22_050),
    (44_100, 22_050),
    (48_000, 16_000),
    (44_100, 16_000),
    (16_000, 22_050),
];

/// Deterministic white noise in [-0.1, 0.1).
fn noise(len: usize) -> Vec<f32> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    for (from, to) in PAIRS {
        let plan = Resampler::new(from, to).expect("valid rates");
        let q = plan.measure_response();
        println!(
            "resample {from} -> {to} Hz: pass-band ripple {:.2e} dB, stop-band attenuation \
             {:.1} dB",
            q.ripple_db, q.stop_band_db
        );
        let input = noise(3 * from as usize);
        let piece = from as usize / 50;
        let mut out = Vec::with_capacity(plan.output_len(input.len()));
        let mut group = c.benchmark_group(format!("resample_{from}_{to}"));
        group.bench_function("whole_3s", |b| {
            b.iter(|| {
                plan.process_into(black_box(&input), &mut out);
                black_box(out.len())
            })
        });
        group.bench_function("stream_3s_in_20ms", |b| {
            b.iter(|| {
                out.clear();
                let mut stream = plan.stream();
                for p in black_box(&input).chunks(piece) {
                    stream.push(p, &mut out);
                }
                stream.finish(&mut out);
                black_box(out.len())
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
