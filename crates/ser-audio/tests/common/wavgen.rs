//! Hand-written WAV and AIFF bytes for tests (std only, no encoder crate).

/// A deterministic test signal in [-0.9, 0.9]: two tones and a little hash noise.
pub fn signal(frames: usize, channels: usize) -> Vec<f32> {
    (0..frames * channels)
        .map(|i| {
            let (n, c) = ((i / channels) as f32, (i % channels) as f32);
            let noise = ((i as u32).wrapping_mul(2_654_435_761) >> 16) as f32 / 65_536.0 - 0.5;
            0.5 * (n * (0.031 + 0.01 * c)).sin() + 0.3 * (n * 0.2).cos() + 0.1 * noise
        })
        .collect()
}

/// Quantises to 16-bit integers (the values a 16-bit file holds).
pub fn to_i16(x: &[f32]) -> Vec<i16> {
    x.iter()
        .map(|v| (v * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16)
        .collect()
}

/// A RIFF/WAVE file from `(id, body)` chunks, pad bytes added after odd bodies.
pub fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, data) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A plain 16-byte `fmt ` body.
pub fn fmt(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let block = channels * bits.div_ceil(8);
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    b.extend_from_slice(&block.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

/// A 40-byte WAVE_FORMAT_EXTENSIBLE `fmt ` body for sub-format `tag`.
pub fn fmt_extensible(
    tag: u16,
    channels: u16,
    rate: u32,
    container_bits: u16,
    valid_bits: u16,
) -> Vec<u8> {
    let mut b = fmt(0xFFFE, channels, rate, container_bits);
    b.extend_from_slice(&22u16.to_le_bytes());
    b.extend_from_slice(&valid_bits.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes()); // channel mask
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]);
    b
}

/// A 16-bit PCM WAV of `samples` (interleaved).
pub fn wav_i16(samples: &[i16], channels: u16, rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    riff(&[(b"fmt ", fmt(1, channels, rate, 16)), (b"data", data)])
}

/// The 80-bit extended encoding of a whole sample rate.
pub fn extended(rate: u32) -> [u8; 10] {
    let shift = rate.leading_zeros();
    let exponent = 16_383 + 31 - shift;
    let mantissa = u64::from(rate) << (32 + shift);
    let mut out = [0u8; 10];
    out[0..2].copy_from_slice(&(exponent as u16).to_be_bytes());
    out[2..10].copy_from_slice(&mantissa.to_be_bytes());
    out
}

/// An AIFF (`compression == None`) or AIFF-C file holding `data` as given.
pub fn aiff(
    compression: Option<&[u8; 4]>,
    channels: u16,
    frames: u32,
    bits: u16,
    rate: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut comm = Vec::new();
    comm.extend_from_slice(&channels.to_be_bytes());
    comm.extend_from_slice(&frames.to_be_bytes());
    comm.extend_from_slice(&bits.to_be_bytes());
    comm.extend_from_slice(&extended(rate));
    if let Some(c) = compression {
        comm.extend_from_slice(c);
        comm.extend_from_slice(b"\x0bnot shown\0"); // pascal string, padded to even
    }
    let mut ssnd = vec![0u8; 8]; // offset 0, block size 0
    ssnd.extend_from_slice(data);
    let mut body = if compression.is_some() {
        b"AIFC".to_vec()
    } else {
        b"AIFF".to_vec()
    };
    if compression.is_some() {
        body.extend_from_slice(b"FVER");
        body.extend_from_slice(&4u32.to_be_bytes());
        body.extend_from_slice(&0xA280_5140u32.to_be_bytes());
    }
    for (id, chunk) in [(b"COMM", comm), (b"SSND", ssnd)] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
        body.extend_from_slice(&chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"FORM".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}
