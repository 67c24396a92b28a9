#!/usr/bin/env bash
# Check an HTML report (built with `ser::report`) in a real browser, then screenshot it.
#
# Usage: scripts/check_report.sh REPORT_HTML OUT_PNG
#
# 1. Opens REPORT_HTML in headless Chromium with --dump-dom after up to 3 s of virtual time,
#    and reads what the page's own load-time script wrote on <body>: every image must have
#    decoded (data-images-ok="N/N", at least one image), every audio player must have loaded
#    its clip (data-audio-ok="N/N"), and the DOM must hold at least one <table>.
# 2. Saves a screenshot of the whole page (1200 px wide, as tall as the page, capped at
#    16000 px) to OUT_PNG.
#
# Needs Chromium (Debian package `chromium`; set CHROMIUM=/path/to/binary to choose one).
# Installs nothing. Exit status: 0 all good, 1 a check failed, 2 bad usage or no browser.
set -euo pipefail

die() { echo "check_report: $*" >&2; exit 1; }
usage_error() { echo "check_report: $*" >&2; exit 2; }

[ "$#" -eq 2 ] || usage_error "usage: $0 REPORT_HTML OUT_PNG"
report=$1
out=$2
[ -f "$report" ] || usage_error "no such file: $report"

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
  done
fi
[ -n "$browser" ] || usage_error "no Chromium found (Debian: apt-get install -y chromium, or set CHROMIUM)"
command -v "$browser" >/dev/null 2>&1 || usage_error "CHROMIUM=$browser is not an executable"

page="file://$(realpath "$report")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A fresh profile per run; no network, no updates, no first-run UI.
run_browser() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --virtual-time-budget=3000 "$@" "$page"
}

# --- 1. DOM after the page's scripts ran -----------------------------------------------------
if ! run_browser --window-size=1200,2000 --dump-dom >"$work/dom.html" 2>"$work/dom.log"; then
  tail -n 20 "$work/dom.log" >&2
  die "Chromium failed to load $report"
fi
body=$(grep -o '<body[^>]*>' "$work/dom.html" | head -n 1 || true)
[ -n "$body" ] || die "no <body> in the DOM of $report"

attr() { # attr NAME -> value of data-NAME on <body>, or empty
  printf '%s\n' "$body" | sed -n "s/.* data-$1=\"\\([^\"]*\\)\".*/\\1/p"
}

[ "$(attr checked)" = "yes" ] ||
  die "the page's check script did not run (not a ser::report page, or scripts failed): $body"

failures=0
images=$(attr images-ok)
images_ok=${images%/*}
images_all=${images#*/}
if [ "${images_all:-0}" -lt 1 ]; then
  echo "check_report: FAIL: the page has no image" >&2; failures=$((failures + 1))
elif [ "$images_ok" != "$images_all" ]; then
  echo "check_report: FAIL: only $images_ok of $images_all images loaded" >&2
  failures=$((failures + 1))
fi

audio=$(attr audio-ok)
audio_ok=${audio%/*}
audio_all=${audio#*/}
if [ "$audio_ok" != "$audio_all" ]; then
  echo "check_report: FAIL: only $audio_ok of $audio_all audio clips loaded (playable: $(attr audio-playable))" >&2
  failures=$((failures + 1))
fi

tables=$({ grep -o '<table' "$work/dom.html" || true; } | wc -l)
if [ "$tables" -lt 1 ]; then
  echo "check_report: FAIL: the page has no table" >&2; failures=$((failures + 1))
fi

# --- 2. Screenshot of the whole page ---------------------------------------------------------
height=$(attr page-height)
case "$height" in ''|*[!0-9]*) height=2000 ;; esac
[ "$height" -ge 600 ] || height=600
[ "$height" -le 16000 ] || height=16000
rm -f "$out"
if ! run_browser --hide-scrollbars --window-size="1200,$height" --screenshot="$(realpath -m "$out")" \
  >"$work/shot.log" 2>&1; then
  tail -n 20 "$work/shot.log" >&2
  die "Chromium failed to take the screenshot"
fi
[ -s "$out" ] || die "no screenshot written to $out"

summary="images $images, audio $audio, tables $tables; screenshot $out (1200x$height)"
if [ "$failures" -gt 0 ]; then
  die "$report: $failures check(s) failed ($summary)"
fi
echo "check_report: OK: $report: $summary"
