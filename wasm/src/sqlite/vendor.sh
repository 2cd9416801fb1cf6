#!/usr/bin/env bash
# Re-vendors SQLite's amalgamation (sqlite3.c, sqlite3.h, shell.c) from the npm package
# `sqlite3`, which ships sqlite.org's autoconf tarball under deps/: fetches the package
# with `npm pack` (no install, so no native build), checks its registry integrity, unpacks
# the three files here and checks them against SHA256SUMS. Update PKG, INTEGRITY,
# AUTOCONF and SHA256SUMS together to move to another release.
set -euo pipefail
cd "$(dirname "$0")"
PKG=sqlite3@6.0.1
INTEGRITY=sha512-X0czUUMG2tmSqJpEQa3tCuZSHKIx8PwM53vLZzKp/o6Rpy25fiVfjdbnZ988M8+O3ZWR1ih0K255VumCb3MAnQ==
AUTOCONF=sqlite-autoconf-3520000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tgz=$(cd "$tmp" && npm pack "$PKG" --silent)
got=$(node -e 'const c=require("crypto");process.stdout.write("sha512-"+c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tgz")
[ "$got" = "$INTEGRITY" ] || { echo "$PKG: integrity $got, expected $INTEGRITY" >&2; exit 1; }
tar -xzf "$tmp/$tgz" -C "$tmp" "package/deps/$AUTOCONF.tar.gz"
tar -xzf "$tmp/package/deps/$AUTOCONF.tar.gz" -C "$tmp" "$AUTOCONF/sqlite3.c" "$AUTOCONF/sqlite3.h" "$AUTOCONF/shell.c"
cp "$tmp/$AUTOCONF/sqlite3.c" "$tmp/$AUTOCONF/sqlite3.h" "$tmp/$AUTOCONF/shell.c" .
sha256sum -c SHA256SUMS
