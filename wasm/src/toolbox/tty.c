/* The terminal: interrupts (^C) and the window size, through strata's host imports
 * (docs/wasi-host.md), and how an interrupt unwinds an applet that runs in-process.
 *
 * WASI has no signals and wasm32-wasi (LLVM 14, no exception handling) has no setjmp, so
 * an interrupt cannot jump out of an applet. Instead it becomes sticky: the first EINTR
 * the host gives fd_read, fd_write or poll_oneoff sets `tb_intr`, and from then on every
 * one of those calls fails with EINTR at once, without asking the host. stdio turns that
 * into EOF and write errors, so whatever the applet does next ends it quickly, as a
 * SIGINT would have: reads see the end, output is dropped, sleep returns. The shell then
 * turns the command's status into 130, skips the rest of the command line, and clears
 * the flag (tb_interrupt_done) before it prints anything.
 *
 * The three WASI calls are wrapped at link time (wasm/build.sh: -Wl,--wrap=...), so
 * every path through wasi-libc (read, readv, fread, fgets, write, nanosleep, poll) is
 * seen. Without catch_interrupts(1) the host never answers EINTR (it ends the program)
 * and the wrappers change nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <wasi/api.h>
#include "toolbox.h"

__attribute__((import_module("strata"), import_name("catch_interrupts")))
int32_t strata_catch_interrupts(int32_t on);
__attribute__((import_module("strata"), import_name("take_interrupt")))
int32_t strata_take_interrupt(void);
__attribute__((import_module("strata"), import_name("winsize")))
int32_t strata_winsize(uint16_t *out);

int tb_intr;
static int catching;

__wasi_errno_t __real___wasi_fd_read(__wasi_fd_t fd, const __wasi_iovec_t *iovs, size_t n, __wasi_size_t *got);
__wasi_errno_t __real___wasi_fd_write(__wasi_fd_t fd, const __wasi_ciovec_t *iovs, size_t n, __wasi_size_t *put);
__wasi_errno_t __real___wasi_poll_oneoff(const __wasi_subscription_t *in, __wasi_event_t *out, __wasi_size_t n, __wasi_size_t *got);

static __wasi_errno_t seen(__wasi_errno_t e) {
  if (e == __WASI_ERRNO_INTR) tb_intr = 1;
  return e;
}

__wasi_errno_t __wrap___wasi_fd_read(__wasi_fd_t fd, const __wasi_iovec_t *iovs, size_t n, __wasi_size_t *got) {
  return tb_intr ? __WASI_ERRNO_INTR : seen(__real___wasi_fd_read(fd, iovs, n, got));
}

__wasi_errno_t __wrap___wasi_fd_write(__wasi_fd_t fd, const __wasi_ciovec_t *iovs, size_t n, __wasi_size_t *put) {
  return tb_intr ? __WASI_ERRNO_INTR : seen(__real___wasi_fd_write(fd, iovs, n, put));
}

__wasi_errno_t __wrap___wasi_poll_oneoff(const __wasi_subscription_t *in, __wasi_event_t *out, __wasi_size_t n, __wasi_size_t *got) {
  return tb_intr ? __WASI_ERRNO_INTR : seen(__real___wasi_poll_oneoff(in, out, n, got));
}

void tb_catch_interrupts(void) {
  if (catching) return;
  strata_catch_interrupts(1);
  catching = 1;
}

int tb_catching(void) { return catching; }

/* A pending interrupt found by polling is this process's SIGINT: when nothing catches it,
 * the program ends as the host would have ended it (130; 131 for a quit). */
int tb_interrupted(void) {
  if (tb_intr) return 1;
  int32_t sig = strata_take_interrupt();
  if (sig == 2 && catching) tb_intr = 1;
  else if (sig == 2 || sig == 3) _Exit(sig == 2 ? 130 : 131);
  return tb_intr;
}

void tb_interrupt_done(void) {
  tb_intr = 0;
  while (strata_take_interrupt() == 2) {} /* the same ^C, also left pending for this program */
  clearerr(stdin);
  clearerr(stdout);
  clearerr(stderr);
}

int tb_winsize(int *rows, int *cols) {
  uint16_t ws[2];
  if (strata_winsize(ws) != 0) return -1;
  *rows = ws[0];
  *cols = ws[1];
  return 0;
}
