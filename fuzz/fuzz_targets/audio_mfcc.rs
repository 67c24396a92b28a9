//! Bytes → study load (22050 Hz, mono, 0.5 s + 3 s) → the study's MFCC plan (40 × frames and
//! the 40-mean), and bytes → native-rate load → a plan built for the file's own rate.
//!
//! Checks: no panic; when features are returned they have the documented shape and are finite.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ser_audio::{LoadOptions, load_bytes};
use ser_features::{FeatureExtractor, FeatureSpec, Mfcc, MfccParams};

fn study_plan() -> &'static Mfcc {
    static PLAN: OnceLock<Mfcc> = OnceLock::new();
    PLAN.get_or_init(|| Mfcc::new(&MfccParams::study()).expect("the study's plan builds"))
}

fuzz_target!(|data: &[u8]| {
    let name = Path::new("fuzz-input.wav");
    if let Ok(audio) = load_bytes(data, name, &LoadOptions::study()) {
        let plan = study_plan();
        if let Ok(m) = plan.process(&audio.samples) {
            assert_eq!(m.dim(), (40, 1 + audio.samples.len() / 512));
            assert!(m.iter().all(|v| v.is_finite()), "non-finite MFCC");
        }
        if let Ok(v) = FeatureSpec::Mfcc40Mean.extract(&audio.samples, 22_050) {
            assert_eq!(v.len(), 40);
            assert!(v.iter().all(|v| v.is_finite()), "non-finite mean MFCC");
        }
    }
    if let Ok(audio) = load_bytes(data, name, &LoadOptions::native())
        && let Ok(x) = FeatureExtractor::new(FeatureSpec::Mfcc40Mean, audio.sample_rate)
        && let Ok(v) = x.extract(&audio.samples)
    {
        assert_eq!(v.len(), 40);
        assert!(
            v.iter().all(|v| v.is_finite()),
            "non-finite mean MFCC at {} Hz",
            audio.sample_rate
        );
    }
});
