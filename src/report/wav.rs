//! 16-bit PCM WAV encoding in memory, for audio players embedded in the report.

use super::ReportError;

/// Size of the RIFF/WAVE header written by [`wav_bytes`].
const HEADER: usize = 44;

/// Encodes mono `samples` (nominally in [-1, 1]; louder ones are clipped) at `sample_rate` Hz
/// as a 16-bit PCM WAV file in memory: a 44-byte RIFF header, then little-endian samples
/// scaled by 32767 and rounded.
///
/// # Errors
/// [`ReportError::InvalidAudio`] for a zero sample rate, a NaN or infinite sample, or a clip
/// too long for a WAV file (more than about 2³¹ bytes).
pub fn wav_bytes(samples: &[f32], sample_rate: u32) -> Result<Vec<u8>, ReportError> {
    if sample_rate == 0 {
        return Err(ReportError::InvalidAudio {
            reason: "the sample rate must be positive, got 0".to_string(),
        });
    }
    if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
        return Err(ReportError::InvalidAudio {
            reason: format!("sample {i} is {}", samples[i]),
        });
    }
    let data_len = samples
        .len()
        .checked_mul(2)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n <= u32::MAX - HEADER as u32)
        .ok_or_else(|| ReportError::InvalidAudio {
            reason: format!("{} samples do not fit in a WAV file", samples.len()),
        })?;
    let byte_rate = sample_rate
        .checked_mul(2)
        .ok_or_else(|| ReportError::InvalidAudio {
            reason: format!("sample rate {sample_rate} is too high for a WAV header"),
        })?;
    let mut out = Vec::with_capacity(HEADER + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }

    #[test]
    fn header_fields_match_the_wav_format() {
        let b = wav_bytes(&[0.0, 0.5, -0.5, 1.0, -1.0], 16000).expect("encodes");
        assert_eq!(b.len(), 44 + 10);
        assert_eq!(&b[0..4], b"RIFF");
        assert_eq!(u32_at(&b, 4), 36 + 10);
        assert_eq!(&b[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(&b, 16), 16);
        assert_eq!(u16_at(&b, 20), 1, "PCM");
        assert_eq!(u16_at(&b, 22), 1, "mono");
        assert_eq!(u32_at(&b, 24), 16000);
        assert_eq!(u32_at(&b, 28), 32000, "byte rate");
        assert_eq!(u16_at(&b, 32), 2, "block align");
        assert_eq!(u16_at(&b, 34), 16, "bits");
        assert_eq!(&b[36..40], b"data");
        assert_eq!(u32_at(&b, 40), 10);
    }

    #[test]
    fn samples_are_scaled_rounded_and_clipped() {
        let b = wav_bytes(&[0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0], 8000).expect("encodes");
        let samples: Vec<i16> = b[44..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        // 0.5 × 32767 = 16383.5 rounds away from zero.
        assert_eq!(
            samples,
            vec![0, 16384, -16384, 32767, -32767, 32767, -32767]
        );
    }

    #[test]
    fn bad_audio_is_rejected() {
        assert!(matches!(
            wav_bytes(&[0.1], 0),
            Err(ReportError::InvalidAudio { .. })
        ));
        match wav_bytes(&[0.1, f32::NAN], 8000) {
            Err(ReportError::InvalidAudio { reason }) => assert!(reason.contains("sample 1")),
            other => panic!("expected InvalidAudio, got {other:?}"),
        }
        // An empty clip is a valid (silent) file.
        assert_eq!(wav_bytes(&[], 8000).expect("encodes").len(), 44);
    }
}
