#!/usr/bin/env bash
# Builds the WASI programs of the sample images with Debian's clang and wasi-libc,
# reproducibly (no debug info, no build paths, stripped), into wasm/dist/ (or $1).
#   npm run build:wasm            rebuild wasm/dist/
#   bash wasm/build.sh OUTDIR     build into OUTDIR (wasm/check.sh uses it)
# WASI_SYSROOT may point at a wasi-libc sysroot (Debian's clang finds its own).
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-dist}
mkdir -p "$out"

CC=${CC:-clang}
CFLAGS=(--target=wasm32-wasi ${WASI_SYSROOT:+--sysroot="$WASI_SYSROOT"} -O2 -g0 -std=c11 -D_GNU_SOURCE
  -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
  -ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=. -fno-ident
  -Wl,--strip-all -Wl,--no-export-dynamic)
# the toolbox stack: the shell runs deep recursions (nested $(...), functions)
TOOLBOX_LDFLAGS=(-Wl,-z,stack-size=1048576)

"$CC" "${CFLAGS[@]}" "${TOOLBOX_LDFLAGS[@]}" -o "$out/toolbox.wasm" src/toolbox/*.c
for p in hello spin spam alloc fsops escape bigfile tmpsort; do
  "$CC" "${CFLAGS[@]}" -o "$out/$p.wasm" "src/probes/$p.c"
done
ls -l "$out"/*.wasm | awk '{ printf "%8d  %s\n", $5, $NF }'
