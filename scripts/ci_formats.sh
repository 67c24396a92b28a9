#!/usr/bin/env bash
# CI for real-world input (issue 19), in release mode, after the study wrote its synthetic
# corpus: (1) the corpus re-encoded as a mix of WAV, FLAC, MP3, Ogg Vorbis and AAC in M4A goes
# through eda, train and predict like the WAV corpus; (2) 2-hour MP3 and FLAC recordings go
# through `predict --segments` within 256 MB of peak RSS; (3) one hour of live input (16 kHz
# s16le from ffmpeg) through `listen`, its memory flat (the hour's peak RSS within 4 MB of six
# minutes') and its real-time factor printed (issue 16). Needs ffmpeg (installed here) and
# python3 (to compare the JSON).
#
#   bash scripts/ci_formats.sh CORPUS_DIR [FEATURES]   # e.g. target/ci-study/synthetic-corpus asr
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "$1")
features=${2:-}
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1 && ! { command -v ffmpeg && [ -x /usr/bin/time ]; } >/dev/null; then
  apt-get install -y -qq ffmpeg time >/dev/null
fi
cargo build --release ${features:+--features "$features"} --example eda --example train --example predict \
  --example listen
bin=target/release/examples
work=target/ci-formats
rm -rf "$work" && mkdir -p "$work/mixed"
work=$(realpath "$work")

echo "-- the corpus as mixed formats"
i=0
while IFS= read -r f; do
  rel=${f#"$corpus"/}
  stem=$work/mixed/${rel%.wav}
  mkdir -p "$(dirname "$stem")"
  case $((i % 5)) in
    0) cp "$f" "$stem.wav" ;;
    1) ffmpeg -nostdin -v error -i "$f" -c:a flac "$stem.flac" ;;
    2) ffmpeg -nostdin -v error -i "$f" -c:a libmp3lame -b:a 128k "$stem.mp3" ;;
    3) ffmpeg -nostdin -v error -i "$f" -c:a libvorbis -q:a 5 "$stem.ogg" ;;
    4) ffmpeg -nostdin -v error -i "$f" -c:a aac -b:a 128k "$stem.m4a" ;;
  esac
  i=$((i + 1))
done < <(find "$corpus" -name '*.wav' | sort)
echo "$i files re-encoded"

"$bin/eda" "$corpus" > "$work/eda-wav.json"
"$bin/eda" "$work/mixed" > "$work/eda-mixed.json"
"$bin/train" --data "$corpus" --out "$work/wav.model.json" > "$work/train-wav.json"
"$bin/train" --data "$work/mixed" --out "$work/mixed.model.json" > "$work/train-mixed.json"
find "$corpus" -name '*.wav' | sort > "$work/wav-files.txt"
find "$work/mixed" -type f | sort > "$work/mixed-files.txt"
"$bin/predict" "$work/wav.model.json" < "$work/wav-files.txt" \
  > "$work/predict-wav.jsonl" 2>/dev/null
"$bin/predict" "$work/mixed.model.json" < "$work/mixed-files.txt" \
  > "$work/predict-mixed.jsonl" 2>/dev/null
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
load = lambda n: json.load(open(os.path.join(work, n)))
wav, mixed = load("eda-wav.json"), load("eda-mixed.json")
assert wav["by_emotion"] == mixed["by_emotion"], (wav["by_emotion"], mixed["by_emotion"])
assert wav["by_speaker"] == mixed["by_speaker"], (wav["by_speaker"], mixed["by_speaker"])
# Mixed formats are oddities (kept); nothing may be left out.
left_out = [f for f in mixed["faulty"] if not f["kept"]]
assert not left_out, left_out[:3]
tw, tm = load("train-wav.json"), load("train-mixed.json")
print(f"train: held-out UAR wav {tw['uar']:.3f}, mixed {tm['uar']:.3f}; "
      f"speaker-independent wav {tw['speaker_independent_uar']:.3f}, "
      f"mixed {tm['speaker_independent_uar']:.3f}")
assert abs(tw["uar"] - tm["uar"]) <= 0.05, "held-out UAR differs by more than 5 points"
stem = lambda p: os.path.splitext(os.path.basename(p))[0]
pw = {stem(l["file"]): l for l in map(json.loads, open(os.path.join(work, "predict-wav.jsonl")))}
pm = {stem(l["file"]): l for l in map(json.loads, open(os.path.join(work, "predict-mixed.jsonl")))}
assert pw.keys() == pm.keys() and len(pw) > 0
errors = [l for l in pm.values() if "error" in l]
assert not errors, errors[:3]
same = sum(pw[k]["emotion"] == pm[k]["emotion"] for k in pw)
print(f"predict: {same} of {len(pw)} files get the same emotion from the mixed-format corpus")
assert same >= 0.9 * len(pw), "fewer than 90 % of the predictions agree"
PY

echo "-- 2-hour recordings through predict --segments"
list=$work/concat.txt
: > "$list"
mapfile -t clips < <(find "$corpus" -name '*.wav' | sort)
ffmpeg -nostdin -v error -i "${clips[0]}" -af "volume=0,apad" -t 0.8 "$work/gap.wav"
for f in "${clips[@]:0:40}"; do
  printf "file '%s'\nfile '%s'\n" "$f" "$work/gap.wav" >> "$list"
done
ffmpeg -nostdin -v error -f concat -safe 0 -i "$list" -ar 22050 -ac 1 -c:a pcm_s16le "$work/base.wav"
ffmpeg -nostdin -v error -stream_loop -1 -i "$work/base.wav" -t 7200 -c:a libmp3lame -b:a 64k "$work/long.mp3"
ffmpeg -nostdin -v error -stream_loop -1 -i "$work/base.wav" -t 7200 -c:a flac "$work/long.flac"
for f in long.mp3 long.flac; do
  /usr/bin/time -v "$bin/predict" "$work/wav.model.json" --segments "$work/$f" \
    > "$work/$f.jsonl" 2> "$work/$f.time"
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$f.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/$f.time")
  lines=$(wc -l < "$work/$f.jsonl")
  echo "$f: $(du -h "$work/$f" | cut -f1), $lines segments, peak RSS ${rss} kB, wall $wall"
  [ "$lines" -gt 1000 ] || { echo "too few segments"; exit 1; }
  [ "$rss" -le 262144 ] || { echo "peak RSS above 256 MB"; exit 1; }
  tail -n 1 "$work/$f.jsonl" | python3 -c 'import json,sys; l=json.load(sys.stdin); assert l["end"] > 7100, l'
done
rm -f "$work/long.mp3" "$work/long.flac"

echo "-- one hour of live input through listen"
for seconds in 360 3600; do
  ffmpeg -nostdin -v error -stream_loop -1 -i "$work/base.wav" -t "$seconds" -f s16le -ac 1 \
    -ar 16000 - |
    /usr/bin/time -v "$bin/listen" "$work/wav.model.json" --rate 16000 \
      > "$work/listen-$seconds.jsonl" 2> "$work/listen-$seconds.time"
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/listen-$seconds.time")
  user=$(awk -F': ' '/User time/ {print $2}' "$work/listen-$seconds.time")
  lines=$(wc -l < "$work/listen-$seconds.jsonl")
  rtf=$(python3 -c "print(f'{$user / $seconds:.4f}')")
  echo "listen, $seconds s at 16 kHz: $lines predictions, peak RSS $rss kB, user $user s," \
    "real-time factor $rtf"
  [ "$lines" -ge $((seconds - 3)) ] || { echo "too few predictions"; exit 1; }
  eval "rss_$seconds=$rss"
done
[ "$rss_3600" -le $((rss_360 + 4096)) ] || { echo "listen's memory grows with the stream"; exit 1; }
rm -f "$work/base.wav"
echo "formats, long recordings and the live stream: ok"
