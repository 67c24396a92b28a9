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
# Manifests and label maps: a few small ones written here.
mkdir -p corpus/manifest corpus/vad
printf 'path,label,speaker,split\na.wav,angry,s1,train\n"b, c.wav",calm-ish,s2,test\n' > corpus/manifest/csv
printf 'path\tlabel\tcorpus\r\nx/y.flac\thappy\tmine\r\n' > corpus/manifest/tsv
printf 'from,to\nps,surprise\ncalm,\n' > corpus/manifest/label_map
# The segmenter: a block size, then 16-bit samples (a short burst of noise in silence).
head -c 2 /dev/zero > corpus/vad/silence
dd if=/dev/urandom bs=1 count=16000 2>/dev/null | cat <(printf '\x00\x02') <(head -c 8000 /dev/zero) - \
    > corpus/vad/burst
for t in audio_bytes audio_decode audio_mfcc model_file manifest vad; do
    echo "$t: $(ls corpus/$t | wc -l) seeds, $(du -sk corpus/$t | cut -f1) KiB"
done
