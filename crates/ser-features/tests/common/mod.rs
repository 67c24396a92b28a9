//! Test helpers: a small `.npy` reader (little-endian `f32`, C order) and the fixtures' location.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// `tests/fixtures` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The clips with feature arrays.
pub const CLIPS: [&str; 3] = ["speech_24414", "speech_16000", "short_22050"];

/// A loaded `.npy` array: its shape and its values in C order.
#[derive(Debug)]
pub struct Npy {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Npy {
    /// As an `ndarray` of dimension 2 (a 1-D array becomes one row).
    pub fn array2(&self) -> ndarray::Array2<f32> {
        let (r, c) = match self.shape.as_slice() {
            [n] => (1, *n),
            [r, c] => (*r, *c),
            other => panic!("unexpected shape {other:?}"),
        };
        ndarray::Array2::from_shape_vec((r, c), self.data.clone()).unwrap()
    }
}

/// Reads `fixtures()/clip/name.npy`.
pub fn load(clip: &str, name: &str) -> Npy {
    read_npy(&fixtures().join(clip).join(format!("{name}.npy")))
}

/// Reads a version 1–3 `.npy` file holding `<f4` data in C order.
pub fn read_npy(path: &Path) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{}: not an npy file",
        path.display()
    );
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => panic!("{}: npy version {v}", path.display()),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap();
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let body = &bytes[start + header_len..];
    let n: usize = shape.iter().product();
    assert_eq!(body.len(), 4 * n, "{}: size mismatch", path.display());
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Npy { shape, data }
}

/// Largest absolute difference between two equally long slices.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Largest absolute value.
pub fn max_abs(a: &[f32]) -> f32 {
    a.iter().map(|x| x.abs()).fold(0.0, f32::max)
}
