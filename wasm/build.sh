#!/usr/bin/env bash
# Builds the WASI programs of the sample images with Debian's clang and wasi-libc,
# reproducibly (no debug info, no paths, stripped), into wasm/dist/ (or $1).
#   npm run build:wasm          rebuild wasm/dist/
#   bash wasm/build.sh --check  rebuild into a temp dir and compare byte for byte
set -euo pipefail
cd "$(dirname "$0")"
out=dist
if [ "${1:-}" = "--check" ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi

CFLAGS=(--target=wasm32-wasi ${WASI_SYSROOT:+--sysroot="$WASI_SYSROOT"} -O2 -Wall -Wno-unused-result -ffile-prefix-map="$PWD"=. -Wl,--strip-all)
mkdir -p "$out"
clang "${CFLAGS[@]}" -o "$out/toolbox.wasm" src/main.c src/sh.c src/applets_fs.c src/applets_misc.c
for p in hello spin spam alloc fsops; do clang "${CFLAGS[@]}" -o "$out/$p.wasm" "src/probes/$p.c"; done
if [ "$out" != dist ]; then
  for f in dist/*.wasm; do cmp -s "$f" "$out/$(basename "$f")" || { echo "wasm/$f differs from a fresh build"; exit 1; }; done
  echo "wasm/dist matches a fresh build"
fi
