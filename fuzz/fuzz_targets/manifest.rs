//! Manifests and label maps (CSV/TSV text): arbitrary bytes, read as text, parsed as both.
//!
//! Checks: no panic; an error names the file; usable manifest rows have a non-empty label,
//! distinct paths and line numbers within the text, in order; every reported row's line lies
//! within the text.
#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ser_data::labels::LabelMap;
use ser_data::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines as the reader counts them (a final line without newline counts; CR LF is one).
    let lines = text.split('\n').count().max(1);
    let name = Path::new("/nonexistent-ser-fuzz/manifest.csv");
    match Manifest::parse(&text, name) {
        Ok(m) => {
            let mut seen = HashSet::new();
            let mut last = 0;
            for row in &m.rows {
                assert!(!row.label.trim().is_empty(), "empty label kept: {row:?}");
                assert!(seen.insert(row.path.clone()), "duplicate path kept: {row:?}");
                assert!(row.line > last && row.line <= lines, "line {} of {lines}", row.line);
                last = row.line;
            }
            for bad in &m.bad_rows {
                assert!(bad.line >= 1 && bad.line <= lines, "bad row line {} of {lines}", bad.line);
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("manifest.csv"), "message lacks the file: {message}");
        }
    }
    let name = Path::new("/nonexistent-ser-fuzz/labels.csv");
    match LabelMap::parse(&text, name) {
        Ok(map) => {
            for bad in &map.bad_rows {
                assert!(bad.line >= 1 && bad.line <= lines, "bad row line {} of {lines}", bad.line);
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("labels.csv"), "message lacks the file: {message}");
        }
    }
});
