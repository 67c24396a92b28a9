//! Turning `f32` audio into the 16 kHz mono 16-bit PCM PocketSphinx expects.

use crate::AsrError;

/// The sample rate of the en-us acoustic model and of every slice given to
/// [`Transcriber::transcribe`](crate::Transcriber::transcribe).
pub const SAMPLE_RATE: u32 = 16_000;

/// Converts samples in [-1, 1] to 16-bit PCM: scaled by 32767, rounded, values beyond ±1
/// clipped (TESS holds a few), so `1.0 → 32767`, `-1.0 → -32767`, `0.5 → 16384`.
///
/// # Errors
/// [`AsrError::NonFiniteSample`] for the first NaN or infinite sample.
pub fn pcm16_from_f32(samples: &[f32]) -> Result<Vec<i16>, AsrError> {
    samples
        .iter()
        .enumerate()
        .map(|(index, &value)| {
            if value.is_finite() {
                // Clipped to ±32767 first, so the cast cannot saturate.
                Ok((value.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            } else {
                Err(AsrError::NonFiniteSample { index, value })
            }
        })
        .collect()
}

/// Brings mono `f32` audio at any rate to 16 kHz 16-bit PCM, calling `resample(samples,
/// from_hz, to_hz)` only when `sample_rate` is not already 16 kHz. Pass any resampler, e.g.
/// `ser_audio`'s band-limited one; this crate does not choose one for you.
///
/// # Errors
/// [`AsrError::InvalidSampleRate`] for a zero rate, [`AsrError::Resample`] wrapping the
/// resampler's error, [`AsrError::NonFiniteSample`] as in [`pcm16_from_f32`].
pub fn pcm16k_from_f32<F, E>(
    samples: &[f32],
    sample_rate: u32,
    resample: F,
) -> Result<Vec<i16>, AsrError>
where
    F: FnOnce(&[f32], u32, u32) -> Result<Vec<f32>, E>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if sample_rate == 0 {
        return Err(AsrError::InvalidSampleRate { rate: sample_rate });
    }
    if sample_rate == SAMPLE_RATE {
        return pcm16_from_f32(samples);
    }
    let resampled =
        resample(samples, sample_rate, SAMPLE_RATE).map_err(|e| AsrError::Resample {
            from: sample_rate,
            source: e.into(),
        })?;
    pcm16_from_f32(&resampled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_rounds_and_clips() {
        let pcm = pcm16_from_f32(&[0.0, 1.0, -1.0, 0.5, -0.25, 1.7, -3.0, 1.0 / 32767.0]).unwrap();
        assert_eq!(pcm, vec![0, 32767, -32767, 16384, -8192, 32767, -32767, 1]);
    }

    #[test]
    fn rejects_non_finite_samples_with_their_index() {
        let err = pcm16_from_f32(&[0.0, 0.1, f32::NAN]).unwrap_err();
        assert!(
            matches!(err, AsrError::NonFiniteSample { index: 2, .. }),
            "{err:?}"
        );
        let err = pcm16_from_f32(&[f32::NEG_INFINITY]).unwrap_err();
        assert!(
            matches!(err, AsrError::NonFiniteSample { index: 0, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn resampler_is_skipped_at_16k_and_called_otherwise() {
        let never = |_: &[f32], _: u32, _: u32| -> Result<Vec<f32>, std::io::Error> {
            Err(std::io::Error::other("must not be called"))
        };
        assert_eq!(pcm16k_from_f32(&[0.5], 16_000, never).unwrap(), vec![16384]);

        // A 2:1 decimator stands in for a real resampler: it must see the rates asked for.
        let halve = |x: &[f32], from: u32, to: u32| -> Result<Vec<f32>, std::io::Error> {
            assert_eq!((from, to), (32_000, 16_000));
            Ok(x.iter().step_by(2).copied().collect())
        };
        assert_eq!(
            pcm16k_from_f32(&[0.5, 9.0, -0.5, 9.0], 32_000, halve).unwrap(),
            vec![16384, -16384]
        );
    }

    #[test]
    fn reports_bad_rates_and_resampler_failures() {
        let ok = |x: &[f32], _: u32, _: u32| -> Result<Vec<f32>, std::io::Error> { Ok(x.to_vec()) };
        assert!(matches!(
            pcm16k_from_f32(&[0.0], 0, ok),
            Err(AsrError::InvalidSampleRate { rate: 0 })
        ));
        let failing = |_: &[f32], _: u32, _: u32| -> Result<Vec<f32>, std::io::Error> {
            Err(std::io::Error::other("ratio unsupported"))
        };
        let err = pcm16k_from_f32(&[0.0], 44_100, failing).unwrap_err();
        assert!(
            matches!(err, AsrError::Resample { from: 44_100, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("ratio unsupported"), "{err}");
    }
}
