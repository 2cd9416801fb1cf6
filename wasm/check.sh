#!/usr/bin/env bash
# Rebuilds the WASI programs into a temporary directory and compares them byte for byte
# with the committed wasm/dist/. Exit 0 when identical, 1 when a file differs or is missing.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash build.sh "$tmp" >/dev/null
status=0
for f in "$tmp"/*.wasm; do
  name=$(basename "$f")
  if ! cmp -s "$f" "dist/$name"; then echo "wasm/dist/$name differs from a fresh build"; status=1; fi
done
for f in dist/*.wasm; do
  [ -e "$tmp/$(basename "$f")" ] || { echo "wasm/$f is not produced by the build"; status=1; }
done
[ $status -eq 0 ] && echo "wasm/dist matches a fresh build ($(ls dist/*.wasm | wc -l) files)"
exit $status
