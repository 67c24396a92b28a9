//! Links CMU PocketSphinx only when the `sphinx` feature is on, so the default build needs no
//! system library. The Debian packages (libpocketsphinx-dev 0.8+5prealpha) put both libraries
//! in the default search path; `SER_ASR_LIB_DIR` adds another directory for other systems.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_SPHINX");
    println!("cargo:rerun-if-env-changed=SER_ASR_LIB_DIR");
    if std::env::var_os("CARGO_FEATURE_SPHINX").is_none() {
        return;
    }
    if let Some(dir) = std::env::var_os("SER_ASR_LIB_DIR") {
        println!("cargo:rustc-link-search=native={}", dir.to_string_lossy());
    }
    println!("cargo:rustc-link-lib=dylib=pocketsphinx");
    println!("cargo:rustc-link-lib=dylib=sphinxbase");
}
