#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod chroma;
pub mod compare;
pub mod db;
pub mod dct;
pub mod delta;
pub mod egemaps;
mod error;
pub mod feature_set;
pub mod frames;
pub mod functionals;
pub mod mel;
pub mod mfcc;
pub mod pitch;
pub mod rhythm;
pub mod signal;
pub mod spec;
pub mod spectral;
pub mod spectrogram;
pub mod stft;
pub mod stream;
pub mod summary;
pub mod temporal;
pub mod vad;
pub mod voice;

pub use compare::Compare;
pub use egemaps::{Egemaps, VoiceLld};
pub use error::{FeatureError, Result};
pub use feature_set::{Feature, FeatureSet, FeatureSetExtractor, FrameFeatures};
pub use functionals::{Functionals, FunctionalsParams, Lld};
pub use mfcc::{Mfcc, MfccParams, MfccScratch};
pub use spec::{FeatureExtractor, FeatureSpec, FrameLayout};
pub use spectrogram::{PreciseStft, Spectrogram};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn plans_are_send_and_sync() {
        assert_send_sync::<crate::Mfcc>();
        assert_send_sync::<crate::stft::Stft>();
        assert_send_sync::<crate::mel::MelFilterbank>();
        assert_send_sync::<crate::MfccScratch>();
        assert_send_sync::<crate::FeatureExtractor>();
        assert_send_sync::<crate::PreciseStft>();
        assert_send_sync::<crate::FeatureSetExtractor>();
        assert_send_sync::<crate::Functionals>();
        assert_send_sync::<crate::functionals::FunctionalsScratch>();
        assert_send_sync::<crate::pitch::AutocorrPitch>();
        assert_send_sync::<crate::spec::ExtractorScratch>();
        assert_send_sync::<crate::Egemaps>();
        assert_send_sync::<crate::egemaps::EgemapsScratch>();
        assert_send_sync::<crate::Compare>();
        assert_send_sync::<crate::compare::CompareScratch>();
    }
}
