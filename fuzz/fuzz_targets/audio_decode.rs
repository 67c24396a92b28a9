//! The parsers and decoders alone, fast: `probe_bytes` and `load_bytes` at the native rate
//! (channels kept and mixed to mono), no resampling. `audio_bytes` covers the same with
//! resampling, at tens of executions per second because nearly every input asks for a new rate
//! pair (a new filter table); this target runs about a hundred times faster, so the chunk
//! walker and decoders get millions of inputs.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ser_audio::{LoadOptions, load_bytes, probe_bytes};

fuzz_target!(|data: &[u8]| {
    let name = Path::new("fuzz-input.aiff");
    let probed = probe_bytes(data, name);
    let kept = load_bytes(data, name, &LoadOptions::native().mono(false));
    let mono = load_bytes(data, name, &LoadOptions::native());
    for e in [
        &probed.as_ref().err(),
        &kept.as_ref().err(),
        &mono.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(e.path(), name);
        assert!(e.to_string().contains("fuzz-input.aiff"), "{e}");
    }
    match (probed, kept, mono) {
        (Ok(info), Ok(kept), Ok(mono)) => {
            assert_eq!(
                (kept.sample_rate, kept.channels),
                (info.sample_rate, info.channels)
            );
            assert_eq!(kept.frames() as u64, info.frames);
            assert_eq!(mono.samples.len(), kept.frames());
            assert!(
                mono.samples.iter().all(|s| s.is_finite()),
                "non-finite mono sample"
            );
        }
        (Err(e), Ok(_), _) | (Err(e), _, Ok(_)) => panic!("probe failed ({e}) but a load worked"),
        (_, Ok(_), Err(e)) | (_, Err(e), Ok(_)) => panic!("one load failed: {e}"),
        _ => {}
    }
});
