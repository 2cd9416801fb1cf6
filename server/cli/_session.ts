/**
 * An attached session as the docker CLI runs one (its `hijackedIOStreamer` and
 * `tty.go`): with a TTY and our stdin attached, stdin goes raw (keys go to the container
 * as they are typed, Ctrl-C among them) behind the detach-keys proxy, the output is
 * copied as it is (else demultiplexed to stdout and stderr), the window's size is sent
 * at once and on every change, and the terminal is restored as soon as the stream ends
 * or the keys detach, on an error too.
 *
 * @example
 * const s = await openSession(ctx.io, { tty: true, stdin: true });
 * const att = await c.hijack(`/containers/${id}/attach`, { query, stdin: s.input });
 * s.begin();
 * try {
 *   s.followSize((h, w) => c.call("POST", `/containers/${id}/resize`, { query: { h, w } }));
 *   if (await s.pump(att) === "detached") return 0;
 * } finally {
 *   s.end();
 * }
 */
import { DEFAULT_DETACH_KEYS, detachable, DetachKeysError, detachKeys } from "./_detach_keys.ts";
import { demux, type HijackResult, RAW_STREAM } from "./_hijack.ts";
import type { Io } from "./_io.ts";
import { CliError } from "./_verb.ts";
import { DaemonError } from "./client.ts";

interface SessionOptions {
  /** The container or exec has a TTY: its output is raw, and our stdin may go raw. */
  tty: boolean;
  /** Our stdin goes to the program. */
  stdin: boolean;
  /** `--detach-keys` (else ctrl-p,ctrl-q). */
  detachKeys?: string;
}

/** How a session ended: the program's stream closed, or the detach keys were typed. */
type SessionEnd = "ended" | "detached";

/** Docker's `CheckTty`: a TTY session that reads stdin needs a terminal as stdin. */
export function checkTty(io: Io, o: { stdin: boolean; tty: boolean }): void {
  if (o.tty && o.stdin && !io.stdinTTY) throw new CliError("the input device is not a TTY", 1);
}

/** The size to create a TTY with (`ConsoleSize: [rows, columns]`), when stdout is a terminal. */
export function consoleSize(io: Io, tty: boolean): [number, number] | undefined {
  return tty ? io.ttySize() : undefined;
}

/** A session on `io`; an invalid `--detach-keys` is warned about and the default used, as the docker CLI does. */
export async function openSession(io: Io, o: SessionOptions): Promise<Session> {
  let keys: Uint8Array = DEFAULT_DETACH_KEYS;
  if (o.detachKeys && o.tty && o.stdin) {
    try {
      keys = detachKeys(o.detachKeys);
    } catch (err) {
      if (!(err instanceof DetachKeysError)) throw err;
      await io.err(`strata: invalid detach escape keys, using default: ${err.message}\n`);
    }
  }
  return new Session(io, o, keys);
}

/** Attempts of the first resize (the program may not have started yet), as docker's initTtySize. */
const RESIZE_TRIES = 10;

export class Session {
  /** What the hijack sends as stdin: null when stdin is not attached. */
  readonly input: AsyncIterable<Uint8Array> | null;
  readonly #detached: Promise<void>;
  #raw = false;
  #stopFollowing: (() => void) | undefined;

  constructor(private readonly io: Io, private readonly o: SessionOptions, keys: Uint8Array) {
    if (!o.stdin) {
      this.input = null;
      this.#detached = new Promise<void>(() => {});
    } else if (o.tty) {
      ({ input: this.input, detached: this.#detached } = detachable(io.stdin(), keys));
    } else {
      this.input = io.stdin();
      this.#detached = new Promise<void>(() => {});
    }
  }

  /** Stdin is raw (so no signal comes from the keyboard: a signal proxy is not wanted). */
  get raw(): boolean {
    return this.#raw;
  }

  /** Put stdin in raw mode if the session is a TTY reading a terminal (NORAW set keeps it cooked, as Docker). */
  begin(): void {
    if (!this.o.tty || !this.o.stdin || !this.io.stdinTTY || this.io.env["NORAW"]) return;
    this.io.setRawMode(true);
    this.#raw = true;
  }

  /**
   * Send the window's size now and whenever it changes (only for a TTY on a terminal).
   * `bump` first sends one row and column more, so a program that is already running
   * redraws (docker attach does this). Failures are retried at first, then reported once.
   */
  followSize(resize: (rows: number, columns: number) => Promise<unknown>, o: { bump?: boolean } = {}): void {
    if (!this.o.tty || !this.io.ttySize()) return;
    const now = () => this.io.ttySize();
    const send = async (size = now()) => (size ? await _tried(() => resize(size[0], size[1])) : true);
    void (async () => {
      const first = now()!;
      if (o.bump) await send([first[0] + 1, first[1] + 1]);
      for (let i = 0; i < RESIZE_TRIES; i++) {
        if (await send()) return;
        await new Promise((r) => setTimeout(r, (i + 1) * 10));
      }
      await this.io.err("failed to resize tty, using default size\n");
    })();
    this.#stopFollowing = this.io.onResize(() => void send());
  }

  /** Copy the output until the stream ends, or until the detach keys (then the connection is closed). */
  async pump(att: HijackResult): Promise<SessionEnd> {
    const raw = this.o.tty || att.contentType === RAW_STREAM;
    const copied = demux(att.output, raw, (s, d) => (s === 2 ? this.io.err(d) : this.io.out(d)));
    const how = await Promise.race([copied.then(() => "ended" as const), this.#detached.then(() => "detached" as const)]);
    this.end(); // the terminal back as soon as the stream is over, before anything else is printed
    if (how === "detached") {
      att.close();
      await copied;
    }
    return how;
  }

  /** Restore the terminal and stop following its size; again is nothing. */
  end(): void {
    this.#stopFollowing?.();
    this.#stopFollowing = undefined;
    if (this.#raw) this.io.setRawMode(false);
    this.#raw = false;
  }
}

/** Run a resize; false when the server refused it or could not be reached (Docker only logs those). */
async function _tried(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof DaemonError || err instanceof TypeError) return false; // TypeError: fetch's network failure
    throw err;
  }
}
