#!/usr/bin/env bash
# Installs, from Debian's packages, the real tools the integration tests drive:
# umoci, skopeo, docker-registry, htpasswd (apache2-utils: the registry with auth),
# debootstrap (benchmarks), the WASI C toolchain, sqlite3 (the oracle the sqlite sample
# image is compared with), chromium (the web page's browser tests drive it through
# playwright-core), the Python docker SDK (python3-docker: a third API client), and Node 26
# (JSPI) into npm's cache for the JSPI suites (scripts/test.mjs).
# Does nothing for a tool already present; needs root (or sudo) for apt-get.
set -u
need=()
command -v umoci >/dev/null || need+=(umoci)
command -v skopeo >/dev/null || need+=(skopeo)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v clang >/dev/null || need+=(clang)
command -v chromium >/dev/null || need+=(chromium)
python3 -c "import docker" 2>/dev/null || need+=(python3-docker)
command -v wasm-ld >/dev/null || need+=(lld)
[ -d /usr/include/wasm32-wasi ] || [ -d /usr/share/wasi-sysroot ] || need+=(wasi-libc)
ls /usr/lib/llvm-14/lib/clang/14*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev-wasm32)
# Node 26 (JSPI), for the test command's JSPI suites: into npm's cache, not the project.
node26=$(node --input-type=module -e "import('$(cd "$(dirname "$0")" && pwd)/node26.mjs').then((m) => console.log(m.NODE26_PACKAGE))" 2>/dev/null)
[ -n "$node26" ] && { npm exec --yes --package="$node26" -- node --version >/dev/null 2>&1 || echo "note: $node26 could not be fetched; the JSPI suites under Node 26 will skip"; }
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
echo "installing from Debian: ${need[*]}"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
