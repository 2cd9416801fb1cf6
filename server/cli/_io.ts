/**
 * The command's terminal: stdout/stderr writes that respect backpressure, stdin as bytes,
 * TTY facts, the window's size and its changes, and raw mode for `-t` sessions.
 */

export interface Io {
  out(data: string | Uint8Array): Promise<void>;
  err(data: string | Uint8Array): Promise<void>;
  /** stdin as chunks, each as soon as it is read (read once). */
  stdin(): AsyncIterable<Uint8Array>;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  stdinTTY: boolean;
  columns: number;
  env: Record<string, string | undefined>;
  /** The terminal's size as `[rows, columns]` when stdout is a terminal, else undefined (Docker's `Out().GetTtySize()`). */
  ttySize(): [number, number] | undefined;
  /**
   * Raw mode on stdin (a terminal) or back to how it was: in raw mode keys arrive one by
   * one, unechoed, and Ctrl-C is a byte, not a signal. The real terminal is put back
   * whatever ends the process while it is raw (exit, an uncaught exception, SIGTERM, SIGHUP).
   */
  setRawMode(on: boolean): void;
  /** Call `fn` whenever the terminal's size changes; returns what stops that. */
  onResize(fn: () => void): () => void;
}

type Stream = { write(d: string | Uint8Array, cb?: (e?: Error | null) => void): boolean; isTTY?: boolean; columns?: number; rows?: number };
type TtyIn = { isTTY?: boolean; setRawMode?(on: boolean): unknown };

function _writer(s: Stream): (d: string | Uint8Array) => Promise<void> {
  return (d) => new Promise<void>((resolve, reject) => {
    s.write(d, (e) => (e ? (_brokenPipe(e) ? _endForBrokenPipe() : reject(e)) : resolve()));
  });
}

const _brokenPipe = (e: Error) => (e as Error & { code?: string }).code === "EPIPE";

/**
 * The reader of our output went away (`strata export c | head -c 10`): end quietly with
 * 141, the status a shell shows for a program SIGPIPE killed, as the docker CLI (Go) ends
 * then. Node ignores SIGPIPE, so without this the write's EPIPE surfaced as an error.
 */
function _endForBrokenPipe(): never {
  process.exit(141);
}

/** Signals that end the process by default: raw mode is undone first, then the signal is raised again. */
const ENDING_SIGNALS = ["SIGTERM", "SIGHUP"] as const;

/**
 * Raw mode on the process's stdin with guards: while raw, process exit, an uncaught
 * exception and SIGTERM/SIGHUP put the terminal back (a signal is then raised again, so
 * the process ends as it would have).
 */
function _rawMode(stdin: TtyIn): (on: boolean) => void {
  let raw = false;
  const restore = () => {
    if (!raw) return;
    raw = false;
    stdin.setRawMode?.(false);
    process.off("exit", restore);
    process.off("uncaughtExceptionMonitor", restore);
    for (const [sig, fn] of onSignal) process.off(sig, fn);
  };
  const onSignal = ENDING_SIGNALS.map((sig) => [sig, () => {
    restore();
    process.kill(process.pid, sig);
  }] as const);
  return (on) => {
    if (!on) return restore();
    if (raw || !stdin.isTTY || !stdin.setRawMode) return;
    stdin.setRawMode(true);
    raw = true;
    process.on("exit", restore);
    process.on("uncaughtExceptionMonitor", restore);
    for (const [sig, fn] of onSignal) process.on(sig, fn);
  };
}

/** The process's own terminal (Node, and Deno's node compatibility). */
export function processIo(): Io {
  const out = process.stdout as unknown as Stream, err = process.stderr as unknown as Stream;
  // The stream's own 'error' for the same EPIPE would be an uncaught exception; any other error stays one.
  for (const s of [process.stdout, process.stderr]) {
    s.on("error", (e) => {
      if (_brokenPipe(e)) _endForBrokenPipe();
      throw e;
    });
  }
  const stdin = process.stdin as unknown as TtyIn;
  return {
    out: _writer(out),
    err: _writer(err),
    stdin: () => (async function* () {
      for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) yield new Uint8Array(chunk);
    })(),
    stdoutTTY: !!out.isTTY,
    stderrTTY: !!err.isTTY,
    stdinTTY: !!stdin.isTTY,
    columns: err.columns ?? out.columns ?? 80,
    env: process.env,
    ttySize: () => (out.isTTY && out.rows && out.columns ? [out.rows, out.columns] : undefined),
    setRawMode: _rawMode(stdin),
    onResize: (fn) => {
      process.stdout.on("resize", fn);
      return () => void process.stdout.off("resize", fn);
    },
  };
}
