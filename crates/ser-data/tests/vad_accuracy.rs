//! Accuracy of `ser_features::vad` on a recording with known truth: synthetic utterances
//! (`ser_data::synth`, four speakers, TESS's seven emotions, 22050 Hz) joined by silences of
//! 0.3–2 s into 60 s, with white or pink noise added at a set signal-to-noise ratio against
//! the speech's active power.
//!
//! The truth of each utterance is its own active extent, measured on the clean utterance:
//! from its first to its last 10 ms frame within 35 dB of its loudest frame (and 6 dB above
//! its faint synthesised background). Outside that extent the utterance is zeroed (its own
//! background would be a second noise floor, stepping up and down), and each utterance is
//! scaled to an active level of −26 dBFS, so that the SNR holds for every utterance (the
//! emotions' loudness differs by up to 18 dB; one row of the table shows natural levels).
//!
//! Metrics: median absolute boundary error over the true boundaries that have a detected
//! boundary of the same kind (start or end) within 250 ms; missed speech (share of the true
//! speech not covered); false speech (share of the non-speech covered).
//!
//! The defaults were tuned on recordings of seeds 7 and 23; this one (seed 19) was kept out.
//! `cargo test -p ser-data --test vad_accuracy -- --nocapture` prints the tables of
//! `docs/SEGMENTS.md`.

#![allow(clippy::unwrap_used)] // tests panic on failure

use std::sync::OnceLock;

use ser_data::SeededRng;
use ser_data::emotion::Emotion;
use ser_data::synth::{SynthParams, SynthSpeaker, synthesize};
use ser_features::vad::{Segment, VadParams, segments};

const SR: u32 = 22_050;
/// Length of the constructed recording, seconds (at least).
const SECONDS: f64 = 60.0;
/// Seed of the recording's choices (utterances, gaps) and of its noise.
const SEED: u64 = 19;
/// A detected boundary further than this from a true one does not match it, seconds.
const MATCH_S: f64 = 0.25;

/// A clean recording and its true speech extents (samples, end exclusive).
struct Recording {
    clean: Vec<f32>,
    truth: Vec<(usize, usize)>,
}

fn frame_levels(x: &[f32], frame: usize) -> Vec<f64> {
    x.chunks(frame)
        .map(|c| {
            let e = c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / c.len() as f64;
            10.0 * (e + 1e-20).log10()
        })
        .collect()
}

/// The active extent of a clean utterance (samples).
fn active_extent(x: &[f32]) -> (usize, usize) {
    let frame = SR as usize / 100;
    let levels = frame_levels(x, frame);
    let peak = levels.iter().copied().fold(f64::MIN, f64::max);
    let mut sorted = levels.clone();
    sorted.sort_by(f64::total_cmp);
    let background = sorted[sorted.len() / 10];
    let threshold = (peak - 35.0).max(background + 6.0);
    let first = levels.iter().position(|&l| l > threshold).unwrap();
    let last = levels.iter().rposition(|&l| l > threshold).unwrap();
    (first * frame, ((last + 1) * frame).min(x.len()))
}

/// The synthetic recording of `seed`.
fn recording(seed: u64, equalise: bool) -> Recording {
    let params = SynthParams {
        seed,
        speakers: SynthSpeaker::defaults(4),
        sample_rate: SR,
        ..SynthParams::default()
    };
    let mut rng = SeededRng::new(seed);
    let mut index = 0;
    join(seed, equalise, || {
        let speaker = rng.index(params.speakers.len());
        let emotion = Emotion::TESS[rng.index(Emotion::TESS.len())];
        index += 1;
        synthesize(&params, speaker, emotion, index - 1)
            .unwrap()
            .samples
    })
}

/// Utterances from `next` joined by silences of 0.3–2 s until [`SECONDS`] are filled; each
/// reduced to its active extent (the rest zeroed) and, if `equalise`, scaled to an active
/// level of −26 dBFS.
fn join(seed: u64, equalise: bool, mut next: impl FnMut() -> Vec<f32>) -> Recording {
    let mut rng = SeededRng::new(seed ^ 0x5EC5);
    let mut clean = Vec::new();
    let mut truth = Vec::new();
    let gap = |rng: &mut SeededRng| vec![0.0f32; (rng.uniform(0.3, 2.0) * f64::from(SR)) as usize];
    clean.extend(gap(&mut rng));
    while (clean.len() as f64) < SECONDS * f64::from(SR) {
        let mut u = next();
        let (a, b) = active_extent(&u);
        // Only the utterance's active extent: the background it was recorded with would be
        // a second, stepping noise floor.
        u[..a].fill(0.0);
        u[b..].fill(0.0);
        if equalise {
            let p = u[a..b].iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / (b - a) as f64;
            let k = (10f64.powf(-26.0 / 10.0) / p).sqrt() as f32;
            u.iter_mut().for_each(|v| *v *= k);
        }
        truth.push((clean.len() + a, clean.len() + b));
        clean.extend(&u);
        clean.extend(gap(&mut rng));
    }
    Recording { clean, truth }
}

/// The 60 s recording of the tests, built once.
fn the_recording() -> &'static Recording {
    static REC: OnceLock<Recording> = OnceLock::new();
    REC.get_or_init(|| recording(SEED, true))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Noise {
    White,
    Pink,
}

/// `len` samples of `kind` noise of unit power.
fn noise(kind: Noise, len: usize, seed: u64) -> Vec<f64> {
    let mut rng = SeededRng::new(seed);
    let mut noise: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
    if kind == Noise::Pink {
        // Paul Kellet's refined pink filter (−3 dB/octave within 0.05 dB above 9 Hz at 44.1 kHz).
        let mut b = [0.0f64; 7];
        for v in &mut noise {
            let w = *v;
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            *v = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
        }
    }
    let p = noise.iter().map(|v| v * v).sum::<f64>() / len.max(1) as f64;
    noise.iter_mut().for_each(|v| *v /= p.sqrt());
    noise
}

/// `rec` plus `kind` noise at `snr_db` against the power of the true speech.
fn noisy(rec: &Recording, kind: Noise, snr_db: f64, seed: u64) -> Vec<f32> {
    let (mut energy, mut count) = (0.0f64, 0usize);
    for &(a, b) in &rec.truth {
        energy += rec.clean[a..b]
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum::<f64>();
        count += b - a;
    }
    let k = (energy / count as f64 / 10f64.powf(snr_db / 10.0)).sqrt();
    rec.clean
        .iter()
        .zip(noise(kind, rec.clean.len(), seed))
        .map(|(&s, n)| s + (k * n) as f32)
        .collect()
}

/// Accuracy of `found` against `truth` on a recording of `total` samples.
#[derive(Debug, Clone, Copy)]
struct Scores {
    /// Median absolute error of the matched boundaries, ms.
    median_ms: f64,
    /// Share of the true boundaries matched, %.
    matched: f64,
    /// Missed speech, %.
    missed: f64,
    /// False speech, %.
    false_alarm: f64,
    /// Segments found.
    found: usize,
}

fn covered(spans: &[(usize, usize)], total: usize) -> Vec<bool> {
    let mut mask = vec![false; total];
    for &(a, b) in spans {
        mask[a.min(total)..b.min(total)].fill(true);
    }
    mask
}

fn score(truth: &[(usize, usize)], found: &[Segment], total: usize) -> Scores {
    let detected: Vec<(usize, usize)> = found.iter().map(|s| (s.start, s.end)).collect();
    let (t, d) = (covered(truth, total), covered(&detected, total));
    let speech = t.iter().filter(|&&v| v).count();
    let missed = t.iter().zip(&d).filter(|&(&t, &d)| t && !d).count();
    let false_alarm = t.iter().zip(&d).filter(|&(&t, &d)| !t && d).count();
    let tolerance = MATCH_S * f64::from(SR);
    let mut errors = Vec::new();
    for &(a, b) in truth {
        let nearest = |want: usize, got: &mut dyn Iterator<Item = usize>| {
            got.map(|g| (g as f64 - want as f64).abs())
                .fold(f64::INFINITY, f64::min)
        };
        for e in [
            nearest(a, &mut detected.iter().map(|s| s.0)),
            nearest(b, &mut detected.iter().map(|s| s.1)),
        ] {
            if e <= tolerance {
                errors.push(e / f64::from(SR) * 1000.0);
            }
        }
    }
    let matched = 100.0 * errors.len() as f64 / (2 * truth.len()) as f64;
    errors.sort_by(f64::total_cmp);
    let median_ms = if errors.is_empty() {
        f64::NAN
    } else {
        let n = errors.len();
        if n % 2 == 1 {
            errors[n / 2]
        } else {
            0.5 * (errors[n / 2 - 1] + errors[n / 2])
        }
    };
    Scores {
        median_ms,
        matched,
        missed: 100.0 * missed as f64 / speech as f64,
        false_alarm: 100.0 * false_alarm as f64 / (total - speech) as f64,
        found: found.len(),
    }
}

fn measure(rec: &Recording, kind: Noise, snr_db: f64, params: &VadParams) -> Scores {
    let x = noisy(rec, kind, snr_db, SEED ^ snr_db.to_bits());
    let found = segments(&x, SR, params).unwrap();
    score(&rec.truth, &found, x.len())
}

#[test]
fn the_recording_is_as_described() {
    let rec = the_recording();
    let seconds = rec.clean.len() as f64 / f64::from(SR);
    assert!((SECONDS..SECONDS + 5.0).contains(&seconds), "{seconds}");
    assert!(rec.truth.len() >= 20, "{}", rec.truth.len());
    for w in rec.truth.windows(2) {
        let gap = (w[1].0 - w[0].1) as f64 / f64::from(SR);
        assert!(gap >= 0.3, "{gap}");
    }
    for &(a, b) in &rec.truth {
        let len = (b - a) as f64 / f64::from(SR);
        assert!((0.5..3.0).contains(&len), "{len}");
    }
}

#[test]
fn goal_at_10_20_30_db() {
    let rec = the_recording();
    let params = VadParams::default();
    for kind in [Noise::White, Noise::Pink] {
        for snr in [10.0, 20.0, 30.0] {
            let s = measure(rec, kind, snr, &params);
            assert!(
                s.median_ms <= 50.0 && s.missed <= 5.0 && s.false_alarm <= 5.0,
                "{kind:?} noise at {snr} dB: {s:?}"
            );
            assert!(s.matched >= 90.0, "{kind:?} noise at {snr} dB: {s:?}");
        }
    }
}

#[test]
fn streaming_equals_whole_on_the_recording() {
    let x = noisy(the_recording(), Noise::White, 10.0, 1);
    let params = VadParams::default();
    let whole = segments(&x, SR, &params).unwrap();
    for block in [7, 4096] {
        let mut vad = ser_features::vad::Vad::new(SR, &params).unwrap();
        let mut found = Vec::new();
        for chunk in x.chunks(block) {
            found.extend(vad.push(chunk).unwrap());
        }
        found.extend(vad.finish());
        assert_eq!(found, whole, "block {block}");
    }
}

#[test]
fn pure_noise_has_no_speech() {
    for kind in [Noise::White, Noise::Pink] {
        for level in [0.3, 0.01, 1e-4] {
            let x: Vec<f32> = noise(kind, 10 * SR as usize, 3)
                .iter()
                .map(|v| (level * v) as f32)
                .collect();
            let found = segments(&x, SR, &VadParams::default()).unwrap();
            assert!(found.is_empty(), "{kind:?} noise of RMS {level}: {found:?}");
        }
    }
}

#[test]
fn table() {
    let rec = the_recording();
    let params = VadParams::default();
    println!(
        "recording: {:.1} s, {} utterances (= true segments), {:.1} s of speech",
        rec.clean.len() as f64 / f64::from(SR),
        rec.truth.len(),
        rec.truth.iter().map(|(a, b)| b - a).sum::<usize>() as f64 / f64::from(SR)
    );
    println!(
        "| noise | SNR dB | median boundary error ms | boundaries matched % | missed % | false % | segments |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for kind in [Noise::White, Noise::Pink] {
        for snr in [0.0, 5.0, 10.0, 20.0, 30.0] {
            let s = measure(rec, kind, snr, &params);
            println!(
                "| {kind:?} | {snr} | {:.0} | {:.0} | {:.1} | {:.1} | {} |",
                s.median_ms, s.matched, s.missed, s.false_alarm, s.found
            );
        }
    }
    // What each part of the design buys, at 10 dB.
    let d = VadParams::default();
    let off = |p: VadParams| {
        let off_db = p.off_db;
        p.edge_db(off_db)
    };
    let variants = [
        ("default (two bands, weak edges)", d.clone(), true),
        (
            "one band 300-3400 Hz",
            d.clone().bands_hz(vec![[300.0, 3400.0]]),
            true,
        ),
        (
            "one band, whole spectrum",
            d.clone().bands_hz(vec![[0.0, 1e6]]),
            true,
        ),
        ("two bands, edges at off_db", off(d.clone()), true),
        (
            "one band 300-3400 Hz, edges at off_db",
            off(d.clone().bands_hz(vec![[300.0, 3400.0]])),
            true,
        ),
        ("default, padding 50 ms", d.clone().padding_ms(50.0), true),
        (
            "default, on/off 6/3 dB",
            d.clone().thresholds_db(6.0, 3.0),
            true,
        ),
        ("default, utterance levels not equalised", d.clone(), false),
    ];
    let natural = recording(SEED, false);
    println!();
    println!(
        "| at 10 dB | white: median ms | missed % | false % | pink: median ms | missed % | false % |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, p, equalised) in &variants {
        let r = if *equalised { rec } else { &natural };
        let (w, k) = (
            measure(r, Noise::White, 10.0, p),
            measure(r, Noise::Pink, 10.0, p),
        );
        println!(
            "| {name} | {:.0} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} |",
            w.median_ms, w.missed, w.false_alarm, k.median_ms, k.missed, k.false_alarm
        );
    }
}
