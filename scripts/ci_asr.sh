#!/usr/bin/env bash
# CI for transcription (issue 7): installs CMU PocketSphinx and espeak-ng (test speech is
# synthesised at test time), then builds and tests ser-asr with its FFI compiled and linked,
# and checks the `asr` feature of `ser` (the transcribe example) builds and lints clean.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq libpocketsphinx-dev pocketsphinx-en-us espeak-ng >/dev/null
fi
cargo test -p ser-asr --features sphinx
cargo clippy -p ser-asr --all-targets --features sphinx -- -D warnings
cargo clippy -p ser --features asr --example transcribe -- -D warnings
