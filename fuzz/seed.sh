#!/bin/sh
# Builds the fuzz corpora from tests/fixtures and crates/ser-audio/tests/fixtures (corpora are
# not committed).
#   fuzz/seed.sh            # then: cd fuzz && cargo +nightly fuzz run audio_bytes …
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
cargo +nightly run --quiet --bin make_seeds -- audio ../tests/fixtures corpus/audio_bytes
# The compressed containers (FLAC, MP3, Ogg, MP4, CAF, ADTS) as ser-audio's fixtures hold them
# (their README says how they were made); the WAV files there are decoded references.
for f in ../crates/ser-audio/tests/fixtures/*; do
    case "$f" in
    *.wav | */README) ;;
    *) cp "$f" "corpus/audio_bytes/ser-audio-$(basename "$f")" ;;
    esac
done
mkdir -p corpus/audio_mfcc
cp corpus/audio_bytes/* corpus/audio_mfcc/
cargo +nightly run --quiet --bin make_seeds -- models corpus/model_file
mkdir -p corpus/audio_decode
cp corpus/audio_bytes/* corpus/audio_decode/
for t in audio_bytes audio_decode audio_mfcc model_file; do
    echo "$t: $(ls corpus/$t | wc -l) seeds, $(du -sk corpus/$t | cut -f1) KiB"
done
