//! The voice-activity segmenter: arbitrary bytes as 16-bit samples at 8 kHz, segmented whole
//! and as a stream in blocks whose size the first bytes choose.
//!
//! Checks: no panic; the stream gives exactly the whole signal's segments; segments are
//! non-empty, in order, disjoint and within the signal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ser_features::vad::{Vad, VadParams, segments};

fuzz_target!(|data: &[u8]| {
    let Some((&[a, b], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let block = usize::from(u16::from_le_bytes([a, b])).max(1);
    let samples: Vec<f32> = rest
        .chunks_exact(2)
        .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
        .collect();
    let params = VadParams::default();
    let whole = segments(&samples, 8_000, &params).expect("finite samples in range");
    let mut vad = Vad::new(8_000, &params).expect("default parameters");
    let mut streamed = Vec::new();
    for piece in samples.chunks(block) {
        streamed.extend(vad.push(piece).expect("finite samples in range"));
    }
    streamed.extend(vad.finish());
    assert_eq!(whole, streamed, "block size {block}");
    let mut last_end = 0;
    for s in &whole {
        assert!(s.start < s.end, "empty segment {s:?}");
        assert!(s.start >= last_end, "overlap at {s:?}");
        assert!(s.end <= samples.len(), "{s:?} beyond {}", samples.len());
        last_end = s.end;
    }
});
