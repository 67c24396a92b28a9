//! Golden vectors for the clip functionals ([`ser_features::Functionals`]).
//!
//! The fixture `tests/fixtures/functionals_golden.json` was written by the study's functionals
//! as they were when they moved into this crate (copied verbatim, before they were rebuilt on
//! this crate's spectrogram, summaries and pitch plan), so this test pins that rebuild and any
//! later one: every value of every signal must stay within [`REL_TOL`] relative (with an absolute
//! floor of [`ABS_FLOOR`] for values near zero).
//!
//! The signals are synthesised here, deterministically (a seeded LCG for noise). To regenerate
//! the fixture after an intended change of the maths:
//!
//! `SER_REGEN_GOLDEN=1 cargo test -p ser-features --test functionals_golden`
#![allow(clippy::unwrap_used)]

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

use ser_features::functionals::{Functionals, FunctionalsParams, names};
use ser_features::{FeatureSpec, Result};

/// Largest relative deviation accepted.
const REL_TOL: f64 = 1e-4;
/// Absolute floor of the tolerance, for values at or near zero: a value passes when
/// `|got − want| ≤ REL_TOL · |want| + ABS_FLOOR`. Some values are differences of nearly equal
/// ones (the 10–90 range of a steady tone's energy, about 45 dB, is 0.0096 dB): one `f32` ulp of
/// the operands (3.8e-6 at 45) moves them, so the floor is a few such ulps.
const ABS_FLOOR: f64 = 1e-5;

/// The fixture's file.
fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/functionals_golden.json")
}

/// A tiny seeded LCG (Knuth's MMIX constants): uniform values in `[-1, 1)`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 40) as f64 / (1u64 << 23) as f64 - 1.0
    }
}

/// `secs` of silence at `rate`.
fn silence(secs: f64, rate: u32) -> Vec<f64> {
    vec![0.0; (secs * rate as f64).round() as usize]
}

/// A harmonic tone (harmonics 1–8 at `1/h`) whose f0 at time `t` (s) is `f0(t)`, with 30 ms
/// raised-cosine fades at both ends and peak amplitude about `amp`.
fn harmonic(secs: f64, rate: u32, amp: f64, f0: impl Fn(f64) -> f64) -> Vec<f64> {
    let n = (secs * rate as f64).round() as usize;
    let fade = (0.03 * rate as f64) as usize;
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            phase += TAU * f0(t) / rate as f64;
            let edge = i.min(n - 1 - i);
            let env = if edge < fade {
                0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
            } else {
                1.0
            };
            let tone: f64 = (1..=8)
                .map(|h| (h as f64 * phase).sin() / h as f64)
                .sum::<f64>();
            amp * env * tone / 2.0
        })
        .collect()
}

fn to_f32(x: Vec<f64>) -> Vec<f32> {
    x.into_iter().map(|v| v as f32).collect()
}

/// The test signals: name, sample rate, samples.
fn signals() -> Vec<(&'static str, u32, Vec<f32>)> {
    let mut out = Vec::new();

    // 2.5 s at 160 Hz with a 5.5 Hz, ±4 % vibrato and a slow tremolo, 0.4 s silence before and
    // 0.3 s after.
    let rate = 22_050;
    let mut x = silence(0.4, rate);
    let mut tone = harmonic(2.5, rate, 0.5, |t| {
        160.0 * (1.0 + 0.04 * (TAU * 5.5 * t).sin())
    });
    for (i, v) in tone.iter_mut().enumerate() {
        *v *= 1.0 + 0.3 * (TAU * 1.7 * i as f64 / rate as f64).sin();
    }
    x.extend(tone);
    x.extend(silence(0.3, rate));
    out.push(("vibrato_tone_22050", rate, to_f32(x)));

    // The same kind of tone at 220 Hz in white noise (about 6 dB SNR), and a faint noise floor
    // in the pauses around it.
    let mut lcg = Lcg(0x5EED_0001);
    let mut x = silence(0.25, rate);
    x.extend(harmonic(2.0, rate, 0.4, |t| {
        220.0 * (1.0 + 0.03 * (TAU * 4.0 * t).sin())
    }));
    x.extend(silence(0.25, rate));
    let n = x.len();
    for (i, v) in x.iter_mut().enumerate() {
        let inside = i >= rate as usize / 4 && i < n - rate as usize / 4;
        *v += if inside { 0.08 } else { 0.001 } * lcg.next();
    }
    out.push(("noisy_tone_22050", rate, to_f32(x)));

    // An exponential glide of f0 from 90 to 500 Hz over 2 s, no silence.
    let x = harmonic(2.0, rate, 0.6, |t| 90.0 * (500.0f64 / 90.0).powf(t / 2.0));
    out.push(("chirp_22050", rate, to_f32(x)));

    // Five 0.3 s "syllables" with falling f0 (200 → 140 Hz overall), a 0.15 s noise burst
    // ("fricative") after each, at 0.5 of the syllables' level.
    let mut lcg = Lcg(0x5EED_0002);
    let mut x = silence(0.1, rate);
    for s in 0..5 {
        let start = 200.0 - 15.0 * s as f64;
        x.extend(harmonic(0.3, rate, 0.5, move |t| start - 20.0 * t));
        let burst = (0.15 * rate as f64) as usize;
        x.extend((0..burst).map(|i| {
            let env = (std::f64::consts::PI * i as f64 / burst as f64).sin();
            0.15 * env * lcg.next()
        }));
    }
    x.extend(silence(0.1, rate));
    out.push(("syllables_22050", rate, to_f32(x)));

    // 2 s at 120 Hz (±5 % vibrato at 6 Hz) at 16 kHz, 0.25 s silence each side, a little noise.
    let rate = 16_000;
    let mut lcg = Lcg(0x5EED_0003);
    let mut x = silence(0.25, rate);
    x.extend(harmonic(2.0, rate, 0.5, |t| {
        120.0 * (1.0 + 0.05 * (TAU * 6.0 * t).sin())
    }));
    x.extend(silence(0.25, rate));
    x.iter_mut().for_each(|v| *v += 0.005 * lcg.next());
    out.push(("vibrato_tone_16000", rate, to_f32(x)));

    // 1 s of white noise: nothing voiced.
    let rate = 22_050;
    let mut lcg = Lcg(0x5EED_0004);
    let x: Vec<f64> = (0..rate).map(|_| 0.3 * lcg.next()).collect();
    out.push(("noise_22050", rate, to_f32(x)));

    // 0.2 s of 250 Hz: a clip shorter than the pitch tracker's reach at the ends.
    let x = harmonic(0.2, rate, 0.5, |_| 250.0);
    out.push(("short_22050", rate, to_f32(x)));

    out
}

/// One signal's golden vector.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Golden {
    name: String,
    sample_rate: u32,
    samples: usize,
    values: Vec<f32>,
}

/// The fixture.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Fixture {
    about: String,
    names: Vec<String>,
    signals: Vec<Golden>,
}

fn compute(rate: u32, x: &[f32]) -> Result<Vec<f32>> {
    Functionals::new(&FunctionalsParams::default().sample_rate(rate))?.extract(x)
}

fn regenerate() {
    let signals = signals()
        .into_iter()
        .map(|(name, rate, x)| Golden {
            name: name.into(),
            sample_rate: rate,
            samples: x.len(),
            values: compute(rate, &x).unwrap(),
        })
        .collect();
    let fixture = Fixture {
        about: "ser-features functionals of the synthetic signals in tests/functionals_golden.rs; \
                regenerate with SER_REGEN_GOLDEN=1"
            .into(),
        names: names(),
        signals,
    };
    let text = serde_json::to_string(&fixture).unwrap();
    let path = fixture_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Written beside, then renamed: the other test may be reading the fixture meanwhile.
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, text + "\n").unwrap();
    std::fs::rename(&partial, &path).unwrap();
    eprintln!("wrote {}", path.display());
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_path())
        .unwrap_or_else(|e| panic!("{}: {e}", fixture_path().display()));
    serde_json::from_str(&text).unwrap()
}

/// Recomputes every signal's vector and compares it with the fixture, value by value; prints the
/// values closest to their tolerance.
#[test]
fn functionals_match_the_golden_vectors() {
    if std::env::var_os("SER_REGEN_GOLDEN").is_some_and(|v| v == "1") {
        regenerate();
    }
    let fixture = load();
    assert_eq!(fixture.names, names(), "the value names changed");
    let signals = signals();
    assert_eq!(fixture.signals.len(), signals.len());
    // (diff / tolerance, diff / |want|, description) of every value.
    let mut seen = Vec::new();
    for ((name, rate, x), golden) in signals.iter().zip(&fixture.signals) {
        assert_eq!(
            (*name, *rate, x.len()),
            (golden.name.as_str(), golden.sample_rate, golden.samples)
        );
        let got = compute(*rate, x).unwrap();
        assert_eq!(got.len(), golden.values.len(), "{name}");
        for ((g, w), value) in got.iter().zip(&golden.values).zip(&fixture.names) {
            let (g, w) = (*g as f64, *w as f64);
            assert!(g.is_finite(), "{name} {value}: {g}");
            let diff = (g - w).abs();
            let tol = REL_TOL * w.abs() + ABS_FLOOR;
            let rel = if w == 0.0 { diff } else { diff / w.abs() };
            seen.push((
                diff / tol,
                rel,
                format!("{name} {value}: {g} vs golden {w} (diff {diff:e})"),
            ));
        }
    }
    seen.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ratio, rel, what) in seen.iter().take(8) {
        eprintln!("{ratio:.3} of tolerance, {rel:.2e} relative: {what}");
    }
    let failed: Vec<&String> = seen.iter().filter(|s| s.0 > 1.0).map(|s| &s.2).collect();
    assert!(
        failed.is_empty(),
        "{} values off:\n{failed:#?}",
        failed.len()
    );
}

/// The spec's cached plan gives the golden vectors too.
#[test]
fn the_spec_extracts_the_golden_vectors() {
    let fixture = load();
    for ((name, rate, x), golden) in signals().iter().zip(&fixture.signals) {
        let got = FeatureSpec::Functionals.extract(x, *rate).unwrap();
        for ((g, w), value) in got.iter().zip(&golden.values).zip(&fixture.names) {
            let (g, w) = (*g as f64, *w as f64);
            assert!(
                (g - w).abs() <= REL_TOL * w.abs() + ABS_FLOOR,
                "{name} {value}: {g} vs golden {w}"
            );
        }
    }
}
