//! Inputs found by fuzzing (`fuzz/`, see docs/RELIABILITY.md) or while writing the fuzz
//! targets' invariants, kept as regression tests.

mod common;

use std::path::Path;

use common::wavgen::{fmt, riff};
use ser_audio::{LoadOptions, load_bytes};

/// Float samples are kept as stored, so they may be as large as `f32::MAX`; averaging two or
/// more such channels in `f32` overflowed to infinity, and a mono load returned `inf` from a
/// file of finite samples (the crate refuses non-finite samples everywhere else).
#[test]
fn mono_mix_of_huge_finite_floats_stays_finite() {
    let frames: [[f32; 2]; 3] = [
        [f32::MAX, f32::MAX],
        [-f32::MAX, -f32::MAX],
        [f32::MAX, -f32::MAX],
    ];
    let data: Vec<u8> = frames
        .iter()
        .flatten()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let bytes = riff(&[(b"fmt ", fmt(3, 2, 16_000, 32)), (b"data", data)]);
    let mono = load_bytes(&bytes, Path::new("huge.wav"), &LoadOptions::native()).expect("load");
    assert_eq!(mono.samples, [f32::MAX, -f32::MAX, 0.0]);
    // Ordinary values are averaged exactly as before: sum in f32, then divide.
    let small: Vec<u8> = [0.1f32, 0.2, 0.3, 0.7]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let bytes = riff(&[(b"fmt ", fmt(3, 2, 16_000, 32)), (b"data", small)]);
    let mono = load_bytes(&bytes, Path::new("small.wav"), &LoadOptions::native()).expect("load");
    assert_eq!(mono.samples, [(0.1f32 + 0.2) / 2.0, (0.3f32 + 0.7) / 2.0]);
}
