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
# Reproducible: no debug info, build paths mapped to ".", no compiler ident, stripped.
TARGET=(--target=wasm32-wasi ${WASI_SYSROOT:+--sysroot="$WASI_SYSROOT"})
BASE=("${TARGET[@]}" -O2 -g0 -std=c11 -D_GNU_SOURCE -ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=. -fno-ident)
LINK=(-Wl,--strip-all -Wl,--no-export-dynamic)
WARN=(-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers)
CFLAGS=("${BASE[@]}" "${WARN[@]}" "${LINK[@]}")
# the toolbox stack: the shell runs deep recursions (nested $(...), functions);
# the three WASI calls that can answer EINTR go through src/toolbox/tty.c, which makes a
# ^C caught by an interactive sh end the applet running in-process (no setjmp in WASI)
TOOLBOX_LDFLAGS=(-Wl,-z,stack-size=1048576
  -Wl,--wrap=__wasi_fd_read -Wl,--wrap=__wasi_fd_write -Wl,--wrap=__wasi_poll_oneoff)

# The SQLite shell, from the upstream amalgamation in src/sqlite/ (its README says which).
# Features: what upstream's own `./configure && make` gives the sqlite3 CLI by default
# (autosetup/sqlite-config.tcl: OPT_SHELL, plus math, percentile and carray).
SQLITE_FEATURES=(-DSQLITE_DQS=0 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_EXPLAIN_COMMENTS
  -DSQLITE_ENABLE_UNKNOWN_SQL_FUNCTION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_ENABLE_DBPAGE_VTAB
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_BYTECODE_VTAB -DSQLITE_ENABLE_OFFSET_SQL_FUNC
  -DSQLITE_ENABLE_PERCENTILE -DSQLITE_STRICT_SUBTYPE=1 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_CARRAY)
# What WASI needs. sqlite3.h sees __wasi__ and sets SQLITE_WASI itself, which drops mmap,
# WAL's shared memory, fchmod/fchown and getpid, and makes "unix-dotfile" (a NAME.lock
# directory, since preview1 has no fcntl locks) the default VFS. On top of that:
#   SQLITE_THREADSAFE=0          no threads in wasm32-wasi (SQLITE_WASI implies it too)
#   SQLITE_OMIT_LOAD_EXTENSION   no dlopen (also implied)
#   SQLITE_EXTRA_INIT=...        src/sqlite/wasi_locks.c: a dot-file lock on a read-only
#                                filesystem succeeds without its directory, so a database on
#                                a :ro bind can be read, as on Linux
SQLITE_WASI=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_EXTRA_INIT=strata_sqlite_init)
# The shell (shell.c) only:
#   SQLITE_NOHAVE_SYSTEM          no system()/popen(): .system, .shell, .once -e, "|cmd" say so
#   _WASI_EMULATED_SIGNAL         shell.c includes <signal.h> and installs a SIGINT handler
#   _WASI_EMULATED_PROCESS_CLOCKS .timer uses getrusage() (the wall clock stands in)
#   _WASI_EMULATED_GETPID         SQLITE_DEBUG_BREAK prints getpid()
#   -include wasi_compat.h        chmod() and realpath(), which wasi-libc leaves out
#                                 (src/sqlite/wasi_compat.c defines them)
# HAVE_READLINE and HAVE_EDITLINE stay undefined (0): line editing comes from the terminal.
SQLITE_SHELL=(-DSQLITE_NOHAVE_SYSTEM -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS
  -D_WASI_EMULATED_GETPID -include src/sqlite/wasi_compat.h)
SQLITE_LIBS=(-lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-getpid)
# 1 MiB of stack, as the toolbox: SQLite's parser and expression walkers recurse (up to
# SQLITE_MAX_EXPR_DEPTH=1000 levels); wasm-ld's default is 64 KiB.
SQLITE_LDFLAGS=(-Wl,-z,stack-size=1048576)

# sqlite3.c takes most of the time: it compiles in the background while the rest builds.
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
"$CC" "${BASE[@]}" "${SQLITE_WASI[@]}" "${SQLITE_FEATURES[@]}" -c -o "$obj/sqlite3.o" src/sqlite/sqlite3.c &
sqlite_lib=$!

"$CC" "${CFLAGS[@]}" "${TOOLBOX_LDFLAGS[@]}" -o "$out/toolbox.wasm" src/toolbox/*.c
for p in hello spin spam alloc fsops escape bigfile tmpsort; do
  "$CC" "${CFLAGS[@]}" -o "$out/$p.wasm" "src/probes/$p.c"
done
"$CC" "${BASE[@]}" "${SQLITE_WASI[@]}" "${SQLITE_FEATURES[@]}" "${SQLITE_SHELL[@]}" -c -o "$obj/shell.o" src/sqlite/shell.c
"$CC" "${BASE[@]}" "${WARN[@]}" -c -o "$obj/wasi_compat.o" src/sqlite/wasi_compat.c
"$CC" "${BASE[@]}" "${WARN[@]}" -c -o "$obj/wasi_locks.o" src/sqlite/wasi_locks.c
wait "$sqlite_lib"
"$CC" "${TARGET[@]}" "${LINK[@]}" "${SQLITE_LDFLAGS[@]}" -o "$out/sqlite3.wasm" \
  "$obj/shell.o" "$obj/sqlite3.o" "$obj/wasi_compat.o" "$obj/wasi_locks.o" "${SQLITE_LIBS[@]}"
ls -l "$out"/*.wasm | awk '{ printf "%8d  %s\n", $5, $NF }'
