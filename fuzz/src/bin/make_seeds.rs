//! Seed corpora for the fuzz targets (run by `fuzz/seed.sh`; corpora are not committed).
//!
//! `make_seeds audio FIXTURES OUT` writes small audio files: each `FIXTURES/*.wav` trimmed to
//! its first 4 KiB of samples (sizes rewritten), the same samples relabelled at 4 kHz so that a
//! ≤ 16 KiB file outlasts the study's 0.5 s offset, and the same signal re-encoded as AIFF,
//! AIFF-C (`sowt`, `fl32`, `ulaw`, `alaw`), WAV float64, µ-law, A-law, WAVE_FORMAT_EXTENSIBLE
//! and with odd-length `LIST` chunks, so every decoder branch has a seed.
//!
//! `make_seeds models OUT` writes small valid model files (SVM one-vs-one and one-vs-rest,
//! KNN, with and without a scaler, and a tiny LSTM).

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use ser_models::lstm::Lstm;
use ser_models::{
    AnyModel, FeatureConfig, FeatureSpec, Fit, Knn, LinearSvm, ModelFile, MultiClass,
    StandardScaler, TrainSet,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["audio", fixtures, out] => audio(Path::new(fixtures), Path::new(out)),
        ["models", out] => models(Path::new(out)),
        _ => Err("usage: make_seeds audio FIXTURES OUT | make_seeds models OUT".into()),
    }
}

/// `fmt ` fields and the `data` bytes of a plain WAV file.
struct Wav {
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: Vec<u8>,
}

fn read_wav(bytes: &[u8]) -> Option<Wav> {
    let le16 = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let le32 = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut pos = 12;
    let mut fmt = None;
    while pos + 8 <= bytes.len() {
        let size = le32(bytes, pos + 4) as usize;
        let body = &bytes[pos + 8..(pos + 8 + size).min(bytes.len())];
        match &bytes[pos..pos + 4] {
            b"fmt " => fmt = Some((le16(body, 0), le16(body, 2), le32(body, 4), le16(body, 14))),
            b"data" => {
                let (tag, channels, rate, bits) = fmt?;
                return Some(Wav {
                    tag,
                    channels,
                    rate,
                    bits,
                    data: body.to_vec(),
                });
            }
            _ => {}
        }
        pos += 8 + size + size % 2;
    }
    None
}

fn chunk(id: &[u8; 4], body: &[u8], big: bool) -> Vec<u8> {
    let n = body.len() as u32;
    let mut out = id.to_vec();
    out.extend_from_slice(&if big {
        n.to_be_bytes()
    } else {
        n.to_le_bytes()
    });
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn wav_bytes(
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
    extra: &[Vec<u8>],
) -> Vec<u8> {
    let align = channels * bits.div_ceil(8);
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&(if tag == 0xFFFE { 0xFFFE } else { tag }).to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    fmt.extend_from_slice(&align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    if tag == 0xFFFE {
        // cbSize 22, valid bits, channel mask, PCM sub-format GUID.
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        fmt.extend_from_slice(&4u32.to_le_bytes());
        fmt.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", &fmt, false));
    for c in extra {
        body.extend_from_slice(c);
    }
    body.extend(chunk(b"data", data, false));
    chunk(b"RIFF", &body, false)
}

fn extended(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    let shift = rate.leading_zeros();
    out[0..2].copy_from_slice(&((16383 + 31 - shift) as u16).to_be_bytes());
    out[2..10].copy_from_slice(&((u64::from(rate)) << (32 + shift)).to_be_bytes());
    out
}

fn aiff_bytes(
    compression: Option<&[u8; 4]>,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
) -> Vec<u8> {
    let width = usize::from(bits.div_ceil(8));
    let frames = (data.len() / width / usize::from(channels)) as u32;
    let mut comm = Vec::new();
    comm.extend_from_slice(&channels.to_be_bytes());
    comm.extend_from_slice(&frames.to_be_bytes());
    comm.extend_from_slice(&bits.to_be_bytes());
    comm.extend_from_slice(&extended(rate));
    let mut body = Vec::new();
    if let Some(c) = compression {
        body.extend_from_slice(b"AIFC");
        body.extend(chunk(b"FVER", &0xA280_5140u32.to_be_bytes(), true));
        comm.extend_from_slice(c);
        comm.extend_from_slice(b"\x00"); // empty pascal string, padded
        comm.push(0);
    } else {
        body.extend_from_slice(b"AIFF");
    }
    body.extend(chunk(b"COMM", &comm, true));
    let mut ssnd = vec![0u8; 8];
    ssnd.extend_from_slice(data);
    body.extend(chunk(b"SSND", &ssnd, true));
    chunk(b"FORM", &body, true)
}

/// 16-bit little-endian samples of a clip as f32 in [-1, 1).
fn to_f32(w: &Wav) -> Vec<f32> {
    let width = usize::from(w.bits.div_ceil(8));
    w.data
        .chunks_exact(width)
        .step_by(usize::from(w.channels))
        .map(|s| match (w.tag, width) {
            (3, 4) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
            (_, 1) => (f32::from(s[0]) - 128.0) / 128.0,
            (_, 2) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
            (_, 3) => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
            _ => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
        })
        .collect()
}

fn write(out: &Path, name: &str, bytes: &[u8]) -> Res<()> {
    std::fs::write(out.join(name), bytes)?;
    Ok(())
}

fn audio(fixtures: &Path, out: &Path) -> Res<()> {
    std::fs::create_dir_all(out)?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    names.sort();
    let mut speech = Vec::new();
    for path in &names {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("clip")
            .to_string();
        let Some(w) = read_wav(&std::fs::read(path)?) else {
            continue;
        };
        let align = usize::from(w.channels * w.bits.div_ceil(8));
        let keep = (4096 / align) * align;
        let trimmed = &w.data[..keep.min(w.data.len())];
        write(
            out,
            &format!("{stem}_4k.wav"),
            &wav_bytes(w.tag, w.channels, w.rate, w.bits, trimmed, &[]),
        )?;
        // The same bytes relabelled at 4 kHz: ~0.6 s or more, past the study's offset.
        let keep = ((16_000 - 200) / align).min(w.data.len() / align) * align;
        let long = &w.data[..keep];
        write(
            out,
            &format!("{stem}_4khz.wav"),
            &wav_bytes(w.tag, w.channels, 4000, w.bits, long, &[]),
        )?;
        if speech.is_empty() && w.channels == 1 {
            speech = to_f32(&w);
        }
    }
    // 1 s at 3 kHz of the first mono clip in every other encoding.
    let rate = 3000;
    let s: Vec<f32> = speech.iter().copied().skip(2000).take(3000).collect();
    let i16s: Vec<i16> = s.iter().map(|v| (v * 32767.0) as i16).collect();
    let le16: Vec<u8> = i16s.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be16: Vec<u8> = i16s.iter().flat_map(|v| v.to_be_bytes()).collect();
    let be_f32: Vec<u8> = s.iter().flat_map(|v| v.to_be_bytes()).collect();
    let le_f64: Vec<u8> = s.iter().flat_map(|v| f64::from(*v).to_le_bytes()).collect();
    // Crude 8-bit companded bytes: any byte is a valid G.711 code, the seed only needs the header.
    let law: Vec<u8> = i16s.iter().map(|v| (v >> 8) as u8).collect();
    write(
        out,
        "aiff_pcm16.aiff",
        &aiff_bytes(None, 1, rate, 16, &be16),
    )?;
    write(
        out,
        "aifc_none.aifc",
        &aiff_bytes(Some(b"NONE"), 1, rate, 16, &be16),
    )?;
    write(
        out,
        "aifc_sowt.aifc",
        &aiff_bytes(Some(b"sowt"), 1, rate, 16, &le16),
    )?;
    write(
        out,
        "aifc_fl32.aifc",
        &aiff_bytes(Some(b"fl32"), 1, rate, 32, &be_f32),
    )?;
    write(
        out,
        "aifc_ulaw.aifc",
        &aiff_bytes(Some(b"ulaw"), 1, rate, 8, &law),
    )?;
    write(
        out,
        "aifc_alaw.aifc",
        &aiff_bytes(Some(b"alaw"), 1, rate, 8, &law),
    )?;
    write(
        out,
        "aiff_stereo8.aiff",
        &aiff_bytes(None, 2, rate / 2, 8, &law),
    )?;
    write(
        out,
        "wav_f64.wav",
        &wav_bytes(3, 1, rate, 64, &le_f64[..16_000.min(le_f64.len())], &[]),
    )?;
    write(out, "wav_mulaw.wav", &wav_bytes(7, 1, rate, 8, &law, &[]))?;
    write(out, "wav_alaw.wav", &wav_bytes(6, 1, rate, 8, &law, &[]))?;
    write(
        out,
        "wav_extensible.wav",
        &wav_bytes(0xFFFE, 1, rate, 16, &le16, &[]),
    )?;
    let odd = chunk(b"LIST", b"INFOISFT\x03\x00\x00\x00ab\x00", false);
    let mut unpadded = b"LIST".to_vec();
    unpadded.extend_from_slice(&5u32.to_le_bytes());
    unpadded.extend_from_slice(b"INFOx");
    let fact = chunk(b"fact", &[0u8; 12], false);
    write(
        out,
        "wav_chunks.wav",
        &wav_bytes(1, 1, rate, 16, &le16, &[odd, fact, unpadded]),
    )?;
    Ok(())
}

fn models(out: &Path) -> Res<()> {
    std::fs::create_dir_all(out)?;
    // 12 rows of 40 features (the mfcc40 width), 3 classes.
    let x = Array2::from_shape_fn((12, 40), |(i, j)| {
        let c = (i % 3) as f32;
        let base = if j == 0 { -300.0 } else { 0.0 };
        base + 10.0 * c + ((i * 7 + j * 3) as f32 * 0.61).sin()
    });
    let y: Array1<usize> = (0..12).map(|i| i % 3).collect();
    let scaler = StandardScaler::fit(x.view())?;
    let xs = scaler.transform(x.view())?;
    let train = TrainSet::new(xs.view(), y.view(), 3)?;
    let classes: Vec<String> = ["angry", "happy", "sad"].map(String::from).to_vec();
    let config = FeatureConfig::study(FeatureSpec::Mfcc40Mean);
    let ovr = LinearSvm::params().multi_class(MultiClass::OneVsRest);
    // A tiny LSTM (40 steps of 1 value, 4 units, one dense layer of 4, two epochs).
    let lstm = Lstm::params()
        .hidden(4)
        .dense_layers(&[4])
        .epochs(2)
        .batch_size(4)
        .validation_split(0.0);
    let models: [(&str, AnyModel, bool); 5] = [
        ("svm_ovo", LinearSvm::params().fit(&train)?.into(), true),
        ("svm_ovr", ovr.fit(&train)?.into(), false),
        ("knn", Knn::params().k(3).fit(&train)?.into(), true),
        (
            "knn_noscaler",
            Knn::params().k(1).fit(&train)?.into(),
            false,
        ),
        ("lstm", lstm.fit(&train)?.into(), false),
    ];
    for (name, model, with_scaler) in models {
        let scaler = with_scaler.then(|| scaler.clone());
        ModelFile::new(config.clone(), scaler, classes.clone(), model)?
            .save(out.join(format!("{name}.json")))?;
    }
    Ok(())
}
