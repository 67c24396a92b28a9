//! Streaming equals offline: [`FrameStream`], [`StftStream`], [`MfccStream`] and [`LldStream`]
//! fed random chunkings (one sample to several seconds) of random signals (sines and noise,
//! silence, both with gaps) give the frames, power spectra, MFCCs and frame rows of the whole
//! signal, and the clip functionals from the rows are [`Functionals::extract`]'s.
//!
//! Tolerances: frames, power spectra, log-mel spectra, LLD rows and the functionals vector are
//! compared bit for bit (the same per-frame arithmetic on the same samples). Streamed MFCCs are
//! compared with [`Mfcc::process`] within [`MFCC_TOL`]` · (1 + max |MFCC|)`: the offline path
//! takes the mel projection and the DCT as matrix products over all frames, summed in another
//! order than the stream's per-frame dot products.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use ser_features::functionals::{Functionals, FunctionalsParams, Lld};
use ser_features::spectrogram::Spectrogram;
use ser_features::stft::{Stft, frame_count};
use ser_features::stream::{FrameStream, LldStream, MfccStream, StftStream};
use ser_features::{FeatureError, Mfcc, MfccParams};

/// Relative bound of streamed against offline MFCCs (see the module docs).
const MFCC_TOL: f32 = 1e-5;

/// Kinds of test signal.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Two sines (a harmonic pair) and a little noise.
    Tones,
    /// Digital silence.
    Silence,
    /// Tones with stretches of silence (and a level change).
    Gapped,
    /// Noise only.
    Noise,
}

/// A deterministic signal of `len` samples at `rate`.
fn signal(kind: Kind, len: usize, seed: u64, rate: u32) -> Vec<f32> {
    let mut s = seed;
    let f0 = 90.0 + (seed % 300) as f32;
    (0..len)
        .map(|i| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let t = i as f32 / rate as f32;
            let tones = 0.3 * (std::f32::consts::TAU * f0 * t).sin()
                + 0.1 * (std::f32::consts::TAU * 2.0 * f0 * t).sin();
            match kind {
                Kind::Tones => tones + 0.02 * noise,
                Kind::Silence => 0.0,
                Kind::Noise => 0.5 * noise,
                Kind::Gapped => {
                    let block = i / 2900;
                    if block % 3 == 1 {
                        0.0
                    } else {
                        (0.2 + 0.8 * (block % 2) as f32) * tones + 0.01 * noise
                    }
                }
            }
        })
        .collect()
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::Tones),
        1 => Just(Kind::Silence),
        2 => Just(Kind::Gapped),
        1 => Just(Kind::Noise),
    ]
}

/// Chunk sizes, cycled over the signal: tiny, about a hop, about a frame or a few, seconds.
fn chunking() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![1usize..=4, 1usize..=600, 1usize..=5_000, 1usize..=100_000,],
        1..12,
    )
}

/// `x` cut into chunks of the sizes in `sizes`, cycled (empty chunks in between too).
fn chunks<'a>(x: &'a [f32], sizes: &'a [usize]) -> Vec<&'a [f32]> {
    let mut out = Vec::new();
    let mut rest = x;
    for &n in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = n.min(rest.len());
        out.push(&rest[..n]);
        if n % 7 == 0 {
            out.push(&rest[..0]);
        }
        rest = &rest[n..];
    }
    out
}

/// The frames `Stft` windows, cut from the whole zero-padded signal.
fn offline_frames(x: &[f32], n_fft: usize, hop: usize) -> Vec<Vec<f32>> {
    let pad = n_fft / 2;
    let mut padded = vec![0.0f32; pad];
    padded.extend_from_slice(x);
    padded.extend(std::iter::repeat_n(0.0, pad));
    (0..frame_count(x.len(), n_fft, hop))
        .map(|t| padded[t * hop..t * hop + n_fft].to_vec())
        .collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Streamed power spectra (frame-major) of `x` in the given chunks, then `finish`.
fn stream_power(stft: &Stft, parts: &[&[f32]]) -> Vec<f32> {
    let mut stream = StftStream::new(stft);
    let mut out = Vec::new();
    let mut frames = 0;
    for part in parts {
        frames += stream.push(part, &mut out).unwrap();
    }
    frames += stream.finish(&mut out).unwrap();
    assert_eq!(out.len(), frames * stft.n_bins());
    out
}

/// Streamed LLD rows.
fn stream_llds(plan: &Functionals, parts: &[&[f32]]) -> Vec<Lld> {
    let mut stream = LldStream::new(plan);
    let mut rows = Vec::new();
    for part in parts {
        let before = rows.len();
        let n = stream.push(part, &mut rows).unwrap();
        assert_eq!(rows.len(), before + n);
    }
    stream.finish(&mut rows).unwrap();
    assert_eq!(stream.rows_emitted(), rows.len());
    rows
}

/// `|a − b| ≤ tol · (1 + max |b|)` elementwise.
fn assert_close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = 1.0 + b.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}[{i}]: {x} vs {y} (scale {scale})"
        );
    }
}

/// `n_mfcc × frames` (librosa's orientation) → frame-major.
fn frame_major(m: &ndarray::Array2<f32>) -> Vec<f32> {
    m.t().iter().copied().collect()
}

/// The MFCCs of floored log-mel frames (`frames × n_mels`, frame-major), in `f64`.
fn dct_f64(plan: &Mfcc, log_mel: &[f32]) -> Vec<f32> {
    let n_mels = plan.params().n_mels;
    let dct = plan.dct();
    log_mel
        .chunks(n_mels)
        .flat_map(|frame| {
            dct.rows()
                .into_iter()
                .map(|d| {
                    d.iter()
                        .zip(frame)
                        .map(|(&a, &v)| a as f64 * v as f64)
                        .sum::<f64>() as f32
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any frame size and hop (odd, even, hop beyond the frame), any length (0 included).
    #[test]
    fn frames_are_the_offline_frames(
        n_fft in 1usize..300,
        hop in 1usize..400,
        len in 0usize..3_000,
        seed in any::<u64>(),
        sizes in chunking(),
        k in kind(),
    ) {
        let x = signal(k, len, seed, 16_000);
        let mut stream = FrameStream::new(n_fft, hop).unwrap();
        let mut got: Vec<Vec<f32>> = Vec::new();
        for part in chunks(&x, &sizes) {
            let before = got.len();
            let n = stream.push(part, |t, f| {
                assert_eq!(t, got.len());
                got.push(f.to_vec());
            }).unwrap();
            prop_assert_eq!(got.len(), before + n);
            prop_assert_eq!(stream.frames_emitted(), got.len());
        }
        let finished = stream.finish(|t, f| {
            assert_eq!(t, got.len());
            got.push(f.to_vec());
        });
        if len == 0 {
            prop_assert_eq!(finished, Err(FeatureError::EmptyInput));
            prop_assert!(got.is_empty());
        } else {
            finished.unwrap();
            let want = offline_frames(&x, n_fft, hop);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(bits(g), bits(w));
            }
        }
        prop_assert_eq!(stream.finish(|_, _| panic!("a second finish emits nothing")), Ok(0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Power spectra bit for bit, for small odd/even FFTs and librosa's 2048 / 512.
    #[test]
    fn power_spectra_are_the_offline_columns(
        small in (2usize..200, 1usize..250),
        librosa in any::<bool>(),
        len in 1usize..12_000,
        seed in any::<u64>(),
        sizes in chunking(),
        k in kind(),
    ) {
        let (n_fft, hop) = if librosa { (2048, 512) } else { small };
        let stft = Stft::new(n_fft, hop).unwrap();
        let x = signal(k, len, seed, 22_050);
        let got = stream_power(&stft, &chunks(&x, &sizes));
        let want = stft.power_spectrogram(&x).unwrap();
        prop_assert_eq!(bits(&got), bits(&frame_major(&want)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// MFCCs of a plan without `top_db`: `Mfcc::process` within the stated rounding; with the
    /// running floor: the causal reference exactly as documented.
    #[test]
    fn mfccs_are_the_offline_mfccs(
        rate in prop_oneof![Just(16_000u32), Just(22_050u32)],
        len in 1usize..30_000,
        seed in any::<u64>(),
        sizes in chunking(),
        k in kind(),
        n_mfcc in prop_oneof![Just(13usize), Just(40usize)],
    ) {
        let x = signal(k, len, seed, rate);
        let parts = chunks(&x, &sizes);
        let params = MfccParams::default().sample_rate(rate).n_mfcc(n_mfcc);

        // top_db None: Mfcc::process.
        let plan = Mfcc::new(&params.clone().top_db(None)).unwrap();
        let mut stream = MfccStream::new(&plan).unwrap();
        let mut got = Vec::new();
        for part in &parts {
            stream.push(part, &mut got).unwrap();
        }
        stream.finish(&mut got).unwrap();
        let want = frame_major(&plan.process(&x).unwrap());
        assert_close(&got, &want, MFCC_TOL, "mfcc");

        // top_db 80, floored at the running maximum: the same as flooring the offline
        // (bit-exact, sparse-path) log-mel frames at the running maximum.
        let plan80 = Mfcc::new(&params.top_db(Some(80.0))).unwrap();
        prop_assert!(MfccStream::new(&plan80).is_err());
        let mut stream = MfccStream::with_running_top_db(&plan80);
        let mut running = Vec::new();
        for part in &parts {
            stream.push(part, &mut running).unwrap();
        }
        stream.finish(&mut running).unwrap();
        let spec = Spectrogram::compute(plan.stft(), &x, rate).unwrap();
        let log_mel = plan.log_mel_spectrogram(&spec).unwrap(); // n_mels × T, no floor
        let mut floored: Vec<f32> = Vec::new();
        let mut max = f32::NEG_INFINITY;
        let mut argmax = 0;
        for (t, frame) in log_mel.columns().into_iter().enumerate() {
            let frame_max = frame.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if frame_max > max {
                (max, argmax) = (frame_max, t);
            }
            floored.extend(frame.iter().map(|&v| v.max(max - 80.0)));
        }
        assert_close(&running, &dct_f64(&plan, &floored), MFCC_TOL, "running top_db");
        // From the frame holding the maximum on, the offline clip floor's MFCCs.
        let offline80 = frame_major(&plan80.process(&x).unwrap());
        let from = argmax * n_mfcc;
        assert_close(&running[from..], &offline80[from..], MFCC_TOL, "after the maximum");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// LLD rows bit for bit, and the clip vector from them is `extract`'s, bit for bit, at
    /// rates where the pitch decision comes before (8–22 kHz) and after (48 kHz) the STFT frame.
    #[test]
    fn lld_rows_and_functionals_are_the_offline_ones(
        rate in prop_oneof![Just(8_000u32), Just(16_000u32), Just(22_050u32), Just(48_000u32)],
        secs in 0.0f32..1.5,
        seed in any::<u64>(),
        sizes in chunking(),
        k in kind(),
    ) {
        let len = 1 + (secs * rate as f32) as usize;
        let x = signal(k, len, seed, rate);
        let plan = Functionals::new(&FunctionalsParams::default().sample_rate(rate)).unwrap();
        let rows = stream_llds(&plan, &chunks(&x, &sizes));
        let want = plan.llds(&x).unwrap();
        prop_assert_eq!(rows.len(), 1 + len / 512);
        prop_assert!(rows == want, "rows differ");
        let v = plan.from_llds(&rows).unwrap();
        prop_assert_eq!(bits(&v), bits(&plan.extract(&x).unwrap()));
    }
}

/// Signals of 0 to a little over one frame, in one chunk and sample by sample.
#[test]
fn short_signals_and_empty_streams() {
    let plan = Functionals::new(&FunctionalsParams::default()).unwrap();
    let stft = Stft::new(2048, 512).unwrap();
    let mfcc = Mfcc::new(&MfccParams::study().top_db(None)).unwrap();
    for len in [
        0usize, 1, 2, 3, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049,
    ] {
        let x = signal(Kind::Tones, len, 5, 22_050);
        let singles: Vec<&[f32]> = x.chunks(1).collect();
        for parts in [vec![&x[..]], singles] {
            // FrameStream: no frame before the first n_fft/2 + ... samples; all at finish.
            let mut frames = FrameStream::new(2048, 512).unwrap();
            let mut got = Vec::new();
            for part in &parts {
                frames.push(part, |_, f| got.push(f.to_vec())).unwrap();
            }
            // Frame t is complete once signal sample t·512 + 1023 is in.
            assert_eq!(
                got.len(),
                (len + 512).saturating_sub(1024) / 512,
                "len {len}"
            );
            let mut stft_stream = StftStream::new(&stft);
            let mut mfcc_stream = MfccStream::new(&mfcc).unwrap();
            let mut lld_stream = LldStream::new(&plan);
            let (mut power, mut coefficients, mut rows) = (Vec::new(), Vec::new(), Vec::new());
            for part in &parts {
                stft_stream.push(part, &mut power).unwrap();
                mfcc_stream.push(part, &mut coefficients).unwrap();
                lld_stream.push(part, &mut rows).unwrap();
            }
            if len == 0 {
                assert_eq!(frames.finish(|_, _| ()), Err(FeatureError::EmptyInput));
                assert_eq!(
                    stft_stream.finish(&mut power),
                    Err(FeatureError::EmptyInput)
                );
                assert_eq!(
                    mfcc_stream.finish(&mut coefficients),
                    Err(FeatureError::EmptyInput)
                );
                assert_eq!(lld_stream.finish(&mut rows), Err(FeatureError::EmptyInput));
                assert!(power.is_empty() && coefficients.is_empty() && rows.is_empty());
                assert_eq!(plan.from_llds(&rows), Err(FeatureError::EmptyInput));
                // Finished all the same.
                assert_eq!(frames.finish(|_, _| ()), Ok(0));
                assert_eq!(
                    lld_stream.push(&[0.0], &mut rows),
                    Err(FeatureError::StreamFinished)
                );
                continue;
            }
            frames.finish(|_, f| got.push(f.to_vec())).unwrap();
            assert_eq!(got, offline_frames(&x, 2048, 512), "len {len}");
            stft_stream.finish(&mut power).unwrap();
            assert_eq!(
                bits(&power),
                bits(&frame_major(&stft.power_spectrogram(&x).unwrap()))
            );
            mfcc_stream.finish(&mut coefficients).unwrap();
            assert_close(
                &coefficients,
                &frame_major(&mfcc.process(&x).unwrap()),
                MFCC_TOL,
                "short mfcc",
            );
            lld_stream.finish(&mut rows).unwrap();
            assert!(rows == plan.llds(&x).unwrap(), "len {len}");
            assert_eq!(
                bits(&plan.from_llds(&rows).unwrap()),
                bits(&plan.extract(&x).unwrap())
            );
        }
    }
}

/// `finish` twice emits nothing; `push` after `finish` is an error; `reset` starts again.
#[test]
fn finish_twice_push_after_finish_and_reset() {
    let plan = Functionals::new(&FunctionalsParams::default().sample_rate(16_000)).unwrap();
    let x = signal(Kind::Gapped, 20_000, 9, 16_000);
    let stft = Stft::new(512, 160).unwrap();
    let mfcc = Mfcc::new(&MfccParams::default().sample_rate(16_000).top_db(None)).unwrap();

    let mut frames = FrameStream::for_stft(&stft);
    let mut n = frames.push(&x, |_, _| ()).unwrap();
    n += frames.finish(|_, _| ()).unwrap();
    assert_eq!(n, stft.n_frames(x.len()));
    assert!(frames.is_finished());
    assert_eq!(frames.finish(|_, _| panic!("no frame")), Ok(0));
    assert_eq!(
        frames.push(&x, |_, _| panic!("no frame")),
        Err(FeatureError::StreamFinished)
    );
    assert_eq!(
        frames.push(&[], |_, _| ()),
        Err(FeatureError::StreamFinished)
    );
    assert_eq!(frames.samples_pushed(), x.len());

    let mut stft_stream = StftStream::new(&stft);
    let mut first = Vec::new();
    stft_stream.push(&x, &mut first).unwrap();
    stft_stream.finish(&mut first).unwrap();
    let len = first.len();
    assert_eq!(stft_stream.finish(&mut first), Ok(0));
    assert_eq!(
        stft_stream.push(&x, &mut first),
        Err(FeatureError::StreamFinished)
    );
    assert_eq!(first.len(), len);
    stft_stream.reset();
    assert!(!stft_stream.is_finished());
    let mut again = Vec::new();
    stft_stream.push(&x[..7_777], &mut again).unwrap();
    stft_stream.push(&x[7_777..], &mut again).unwrap();
    stft_stream.finish(&mut again).unwrap();
    assert_eq!(bits(&first), bits(&again));

    let mut mfcc_stream = MfccStream::new(&mfcc).unwrap();
    let mut first = Vec::new();
    mfcc_stream.push(&x, &mut first).unwrap();
    mfcc_stream.finish(&mut first).unwrap();
    assert_eq!(mfcc_stream.finish(&mut first), Ok(0));
    assert_eq!(
        mfcc_stream.push(&x, &mut first),
        Err(FeatureError::StreamFinished)
    );
    mfcc_stream.reset();
    let mut again = Vec::new();
    mfcc_stream.push(&x, &mut again).unwrap();
    mfcc_stream.finish(&mut again).unwrap();
    assert_eq!(bits(&first), bits(&again));
    assert_eq!(
        first.len(),
        mfcc_stream.frames_emitted() * mfcc_stream.n_mfcc()
    );

    let mut lld_stream = LldStream::new(&plan);
    let mut first = Vec::new();
    lld_stream.push(&x, &mut first).unwrap();
    lld_stream.finish(&mut first).unwrap();
    assert_eq!(lld_stream.finish(&mut first), Ok(0));
    assert_eq!(
        lld_stream.push(&x, &mut first),
        Err(FeatureError::StreamFinished)
    );
    lld_stream.reset();
    let mut again = Vec::new();
    for part in x.chunks(1_234) {
        lld_stream.push(part, &mut again).unwrap();
    }
    lld_stream.finish(&mut again).unwrap();
    assert!(first == again);
    assert!(first == plan.llds(&x).unwrap());
}

/// A bad sample refuses its chunk (index counted from the start of the stream); the stream
/// goes on as if the chunk had not been pushed.
#[test]
fn bad_samples_refuse_the_chunk_and_the_stream_goes_on() {
    let plan = Functionals::new(&FunctionalsParams::default()).unwrap();
    let stft = Stft::new(2048, 512).unwrap();
    let x = signal(Kind::Tones, 30_000, 4, 22_050);
    let mut bad = x[..500].to_vec();
    bad[321] = f32::NAN;
    let mut huge = x[..10].to_vec();
    huge[3] = 1e13;

    let mut frames = FrameStream::for_stft(&stft);
    let mut stft_stream = StftStream::new(&stft);
    let mut lld_stream = LldStream::new(&plan);
    let (mut got_frames, mut power, mut rows) = (0, Vec::new(), Vec::new());
    for (i, part) in x.chunks(4_000).enumerate() {
        got_frames += frames.push(part, |_, _| ()).unwrap();
        stft_stream.push(part, &mut power).unwrap();
        lld_stream.push(part, &mut rows).unwrap();
        if i == 2 {
            let at = 3 * 4_000;
            let (p, r) = (power.len(), rows.len());
            assert!(matches!(
                frames.push(&bad, |_, _| panic!("refused")),
                Err(FeatureError::NonFiniteSample { index, value }) if index == at + 321 && value.is_nan()
            ));
            assert!(matches!(
                stft_stream.push(&bad, &mut power),
                Err(FeatureError::NonFiniteSample { index, value }) if index == at + 321 && value.is_nan()
            ));
            assert!(matches!(
                lld_stream.push(&bad, &mut rows),
                Err(FeatureError::NonFiniteSample { index, .. }) if index == at + 321
            ));
            assert!(matches!(
                lld_stream.push(&huge, &mut rows),
                Err(FeatureError::SampleOutOfRange { index, value, .. })
                    if index == at + 3 && value == 1e13
            ));
            assert_eq!((power.len(), rows.len()), (p, r), "nothing emitted");
            assert_eq!(lld_stream.samples_pushed(), at);
        }
    }
    got_frames += frames.finish(|_, _| ()).unwrap();
    stft_stream.finish(&mut power).unwrap();
    lld_stream.finish(&mut rows).unwrap();
    assert_eq!(got_frames, stft.n_frames(x.len()));
    assert_eq!(
        bits(&power),
        bits(&frame_major(&stft.power_spectrogram(&x).unwrap()))
    );
    assert!(rows == plan.llds(&x).unwrap());
}

/// Bad plans are refused when a stream is built, not later.
#[test]
fn bad_parameters_are_refused() {
    assert!(matches!(
        FrameStream::new(0, 1),
        Err(FeatureError::InvalidParameter { name: "n_fft", .. })
    ));
    assert!(matches!(
        FrameStream::new(8, 0),
        Err(FeatureError::InvalidParameter {
            name: "hop_length",
            ..
        })
    ));
    let with_top_db = Mfcc::new(&MfccParams::default()).unwrap();
    assert!(matches!(
        MfccStream::new(&with_top_db),
        Err(FeatureError::InvalidParameter { name: "top_db", .. })
    ));
}
