//! Model files: arbitrary bytes written to a scratch file and read with `ModelFile::load`
//! (the only reader the crate offers; the file round trip costs microseconds on tmpfs).
//!
//! Checks: no panic; an error names the file; a file that loads predicts on zero rows of the
//! width it declares, giving one finite score per class per row, each row summing to 1.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use ser_models::{ModelFile, Predict};

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from("/dev/shm");
        let dir = if dir.is_dir() {
            dir
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("ser-fuzz-model-{}.json", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("scratch file");
    match ModelFile::load(path) {
        Ok(file) => {
            let x = Array2::<f32>::zeros((2, file.n_features()));
            let scores = file
                .predict_scores(x.view())
                .unwrap_or_else(|e| panic!("a loaded model refused rows of its own width: {e}"));
            assert_eq!(scores.dim(), (2, file.n_classes()));
            for row in scores.rows() {
                assert!(row.iter().all(|s| s.is_finite()), "non-finite score {row}");
                let sum: f32 = row.sum();
                assert!((sum - 1.0).abs() < 1e-3, "scores sum to {sum}");
            }
            let again = file.to_json().expect("a loaded model serialises");
            std::fs::write(path, again).expect("scratch file");
            let reloaded = ModelFile::load(path).expect("a saved model reloads");
            assert_eq!(reloaded.classes, file.classes);
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(&*path.to_string_lossy()),
                "message lacks the file: {text}"
            );
        }
    }
});
