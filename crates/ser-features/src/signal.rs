//! Checks every entry point applies to an input signal.

use crate::error::{FeatureError, Result};

/// The largest sample magnitude accepted: beyond it a 2048-point power spectrum could overflow
/// `f32` (audio is normally within ±1).
pub const MAX_SAMPLE_MAGNITUDE: f32 = 1.0e12;

/// Rejects an empty signal, a non-finite sample or one beyond [`MAX_SAMPLE_MAGNITUDE`].
pub fn check_signal(signal: &[f32]) -> Result<()> {
    if signal.is_empty() {
        return Err(FeatureError::EmptyInput);
    }
    // Fast path: a branch-free pass per block (vectorises); NaN and ±inf fail `<=`. Locate the
    // culprit only when a block fails.
    let clean = signal.chunks(256).all(|block| {
        block
            .iter()
            .fold(true, |ok, x| ok & (x.abs() <= MAX_SAMPLE_MAGNITUDE))
    });
    if clean {
        return Ok(());
    }
    for (index, &value) in signal.iter().enumerate() {
        if !value.is_finite() {
            return Err(FeatureError::NonFiniteSample { index, value });
        }
        if value.abs() > MAX_SAMPLE_MAGNITUDE {
            return Err(FeatureError::SampleOutOfRange {
                index,
                value,
                limit: MAX_SAMPLE_MAGNITUDE,
            });
        }
    }
    Ok(())
}
