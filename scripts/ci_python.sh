#!/usr/bin/env bash
# Python bindings (bindings/python): build the abi3 wheel with maturin, install it in a fresh
# venv under target/, run its pytest suite. Run from the repository root; exits non-zero if
# anything fails. The last line reads `python bindings: N passed, N failed[, N skipped]`.
#
# The round-trip tests against the Rust `predict`/`train`/`features` examples run when those
# binaries exist in target/release/examples (or SER_EXAMPLES_DIR); otherwise they are skipped
# with the reason. SER_BUILD_EXAMPLES=1 builds them first (several minutes more).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
venv="$root/target/py-venv"
export CARGO_TARGET_DIR="$root/target/python"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q maturin numpy pyarrow pandas pytest librosa soundfile "dask[distributed]"

if [[ "${SER_BUILD_EXAMPLES:-0}" == "1" ]]; then
    # The root workspace's own target dir, where the tests look for the examples.
    CARGO_TARGET_DIR="$root/target" cargo build --release --example predict --example train --example features
fi

rm -rf "$root/target/wheels"
"$venv/bin/maturin" build --release -m bindings/python/Cargo.toml -o "$root/target/wheels"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$root"/target/wheels/ser-*.whl

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
# Run from outside the source tree so the installed wheel (not bindings/python/python) is tested.
(cd "$root/target" && "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider \
    -c "$root/bindings/python/pyproject.toml" --rootdir "$root/bindings/python" \
    "$root/bindings/python/tests") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary="$(grep -E '[0-9]+ (passed|failed|error)' "$log" | tail -n 1 || true)"
passed=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
errors=$(grep -oE '[0-9]+ errors?' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -oE '[0-9]+ skipped' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
echo "ci_python.sh: $(( $(date +%s) - start )) s"
echo "python bindings: ${passed} passed, $(( failed + errors )) failed, ${skipped} skipped"
if [[ $status -ne 0 || $(( failed + errors )) -ne 0 || $passed -eq 0 ]]; then
    exit 1
fi
