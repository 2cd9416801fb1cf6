/** The command's terminal: stdout/stderr writes that respect backpressure, stdin as bytes, TTY facts. */

export interface Io {
  out(data: string | Uint8Array): Promise<void>;
  err(data: string | Uint8Array): Promise<void>;
  /** stdin as chunks (read once). */
  stdin(): AsyncIterable<Uint8Array>;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  stdinTTY: boolean;
  columns: number;
  env: Record<string, string | undefined>;
}

type Stream = { write(d: string | Uint8Array, cb?: (e?: Error | null) => void): boolean; isTTY?: boolean; columns?: number };

function _writer(s: Stream): (d: string | Uint8Array) => Promise<void> {
  return (d) => new Promise<void>((resolve, reject) => {
    s.write(d, (e) => (e ? reject(e) : resolve()));
  });
}

/** The process's own terminal (Node, and Deno's node compatibility). */
export function processIo(): Io {
  const out = process.stdout as unknown as Stream, err = process.stderr as unknown as Stream;
  return {
    out: _writer(out),
    err: _writer(err),
    stdin: () => (async function* () {
      for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) yield new Uint8Array(chunk);
    })(),
    stdoutTTY: !!out.isTTY,
    stderrTTY: !!err.isTTY,
    stdinTTY: !!(process.stdin as { isTTY?: boolean }).isTTY,
    columns: err.columns ?? out.columns ?? 80,
    env: process.env,
  };
}
