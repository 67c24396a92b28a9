//! The resampler's time per clip (issue 15) beside its measured quality, so no speed can come
//! from a shorter filter: for each rate pair, 3 s of noise resampled whole
//! (`Resampler::process_into`) and as a stream in 20 ms pieces (`ResampleStream`), and, printed
//! before the timings, the pass-band ripple (largest |gain| of tones up to 0.9 × the lower
//! Nyquist) and the stop-band attenuation (weakest rejection of the alias or image of a tone
//! in the stop band), both measured with 1 s tones fitted by least squares (the same
//! measurement, in Python, gives soxr HQ's figures).
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

fn tone(freq: f64, rate: u32, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin() as f32)
        .collect()
}

/// Amplitude of the sinusoid at `freq` Hz in `y` (sampled at `rate`), fitted by least
/// squares over all but `margin` samples at each end together with sinusoids at the `other`
/// frequencies (so that a strong tone near `freq` does not leak into it).
fn amplitude(y: &[f32], freq: f64, other: &[f64], rate: u32, margin: usize) -> f64 {
    let freqs: Vec<f64> = std::iter::once(freq).chain(other.iter().copied()).collect();
    let k = 2 * freqs.len();
    let mut a = vec![vec![0.0f64; k + 1]; k];
    let mut basis = vec![0.0f64; k];
    for (n, &v) in y.iter().enumerate().take(y.len() - margin).skip(margin) {
        for (j, f) in freqs.iter().enumerate() {
            let (s, c) = (2.0 * std::f64::consts::PI * f / f64::from(rate) * n as f64).sin_cos();
            basis[2 * j] = s;
            basis[2 * j + 1] = c;
        }
        for r in 0..k {
            for c in 0..k {
                a[r][c] += basis[r] * basis[c];
            }
            a[r][k] += basis[r] * f64::from(v);
        }
    }
    // Gauss-Jordan elimination with partial pivoting.
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let factor = row[col] / pivot_row[col];
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= factor * p;
                }
            }
        }
    }
    (a[0][k] / a[0][0]).hypot(a[1][k] / a[1][1])
}

/// (pass-band ripple in dB, stop-band attenuation in dB) of `plan`, with 1 s tones.
fn quality(plan: &Resampler) -> (f64, f64) {
    let (from, to) = (plan.from_rate(), plan.to_rate());
    let low = f64::from(from.min(to)) / 2.0;
    let len = from as usize;
    let margin = to as usize / 20;
    let mut ripple = 0f64;
    for i in 0..90 {
        let f = (0.01 + 0.89 * f64::from(i) / 89.0) * low;
        let y = plan.process(&tone(f, from, len));
        ripple = ripple.max(20.0 * amplitude(&y, f, &[], to, margin).log10().abs());
    }
    let mut worst = f64::INFINITY;
    // 119 tones from the Nyquist up (the top excluded), 120 when upsampling.
    for i in 0..119 + u32::from(to > from) {
        let (f, alias) = if to < from {
            // Input tones from the output's Nyquist to twice it (or the input's Nyquist).
            let top = (f64::from(from) / 2.0).min(f64::from(to)) / (f64::from(to) / 2.0);
            let f = (1.0 + (top - 1.0) * f64::from(i) / 119.0) * f64::from(to) / 2.0;
            (f, (f - f64::from(to) * (f / f64::from(to)).round()).abs())
        } else {
            // Tones below the input's Nyquist; their images at `from - f` inside the output band.
            let f = (0.02 + 0.979 * f64::from(i) / 119.0) * low;
            (f, f64::from(from) - f)
        };
        if alias >= f64::from(to) / 2.0 || f >= f64::from(from) / 2.0 {
            continue;
        }
        let y = plan.process(&tone(f, from, len));
        // When upsampling, the tone itself is in the output too: fitted with its image.
        let others = if to > from { vec![f] } else { Vec::new() };
        let level = amplitude(&y, alias, &others, to, margin).max(1e-15);
        worst = worst.min(-20.0 * level.log10());
    }
    (ripple, worst)
}

fn bench(c: &mut Criterion) {
    for (from, to) in PAIRS {
        let plan = Resampler::new(from, to).expect("valid rates");
        let (ripple, attenuation) = quality(&plan);
        println!(
            "resample {from} -> {to} Hz: pass-band ripple {ripple:.2e} dB, stop-band \
             attenuation {attenuation:.1} dB"
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
