/**
 * A fake terminal for the node:wasi runs (_run.ts): the strata terminal imports
 * (catch_interrupts, take_interrupt, winsize; docs/wasi-host.md) with their semantics, and
 * a canonical-mode stdin that gives one typed line per read. fds 0-2 look like a terminal
 * to isatty() (fd_fdstat_get says character device, not seekable).
 */

/** The terminal a run gets; `caught` tells afterwards whether the program called catch_interrupts(1). */
export interface FakeTerminal {
  rows?: number;
  cols?: number;
  /**
   * What is typed, one read each: a line ("ls\n"), "\x04" (^D: that read returns 0 bytes),
   * "\x03" (^C: an interrupt, as the reader blocks). After the last one, reads see the end.
   */
  input?: string[];
  /** Presses ^C at the n-th call (from 1) of take_interrupt or poll_oneoff: a command that reads nothing. */
  interruptAt?: { call: "take_interrupt" | "poll_oneoff"; n: number };
  caught?: boolean;
}

const EINTR = 27;
const ENOTTY = 59;
type Fn = (...args: number[]) => number;

/** The wasi_snapshot_preview1 and strata imports of a run on the terminal t. */
export function terminalImports(
  wasi: Record<string, Fn>, strata: Record<string, Fn>, memory: () => WebAssembly.Memory, t: FakeTerminal | undefined,
): { wasi: Record<string, Fn>; strata: Record<string, Fn> } {
  if (!t) {
    return { wasi, strata: { ...strata, catch_interrupts: () => 0, take_interrupt: () => 0, winsize: () => -ENOTTY } };
  }
  const input = [...(t.input ?? [])];
  const counts = { take_interrupt: 0, poll_oneoff: 0 };
  let pending = false;
  let rest = new Uint8Array(0);
  const press = (call: "take_interrupt" | "poll_oneoff") => {
    if (t.interruptAt?.call === call && ++counts[call] === t.interruptAt.n) pending = true;
  };
  /** A pending interrupt at a blocking call: EINTR when caught, else the end of the program (130). */
  const deliver = (): number | undefined => {
    if (!pending) return undefined;
    pending = false;
    if (t.caught) return EINTR;
    wasi.proc_exit(130);
    return EINTR;
  };
  const readStdin = (iovs: number, n: number, nread: number): number => {
    if (!rest.length) {
      const next = input.shift();
      if (next === "\x03") pending = true;
      else if (next !== undefined && next !== "\x04") rest = new TextEncoder().encode(next);
    }
    const stop = deliver();
    if (stop !== undefined) return stop;
    const view = new DataView(memory().buffer);
    let got = 0;
    for (let i = 0; i < n && rest.length; i++) {
      const buf = view.getUint32(iovs + 8 * i, true), len = view.getUint32(iovs + 8 * i + 4, true);
      const k = Math.min(len, rest.length);
      new Uint8Array(memory().buffer, buf, k).set(rest.subarray(0, k));
      rest = rest.subarray(k);
      got += k;
    }
    view.setUint32(nread, got, true);
    return 0;
  };
  return {
    wasi: {
      ...wasi,
      fd_read: (fd, iovs, n, nread) => fd === 0 ? readStdin(iovs, n, nread) : deliver() ?? wasi.fd_read(fd, iovs, n, nread),
      fd_write: (fd, iovs, n, nwritten) => deliver() ?? wasi.fd_write(fd, iovs, n, nwritten),
      poll_oneoff: (inp, out, n, nevents) => (press("poll_oneoff"), deliver() ?? wasi.poll_oneoff(inp, out, n, nevents)),
      fd_fdstat_get: (fd, at) => {
        const r = wasi.fd_fdstat_get(fd, at);
        if (r !== 0 || fd > 2) return r;
        const view = new DataView(memory().buffer);
        view.setUint8(at, 2); // CHARACTER_DEVICE
        view.setBigUint64(at + 8, view.getBigUint64(at + 8, true) & ~((1n << 2n) | (1n << 5n)), true); // no seek, no tell
        return 0;
      },
    },
    strata: {
      ...strata,
      catch_interrupts: (on) => (t.caught = on === 1, 0),
      take_interrupt: () => (press("take_interrupt"), pending ? (pending = false, 2) : 0),
      winsize: (at) => {
        const view = new DataView(memory().buffer);
        view.setUint16(at, t.rows ?? 24, true);
        view.setUint16(at + 2, t.cols ?? 80, true);
        return 0;
      },
    },
  };
}
