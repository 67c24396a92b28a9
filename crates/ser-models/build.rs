//! Feature `blas`: links the system OpenBLAS, whose cblas interface ndarray's `blas` feature
//! calls (Debian: libopenblas-dev). Without the feature nothing is linked.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_BLAS").is_some() {
        println!("cargo::rustc-link-lib=dylib=openblas");
    }
}
