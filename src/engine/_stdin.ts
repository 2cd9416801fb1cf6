/**
 * The stdin of one run of a process (a container's, or an exec's), as Docker's stdin
 * model has it. Clients that attach feed it (`feed`), concurrently if several do; the
 * process reads `stream` as the bytes arrive (worker mode; inline mode reads it whole,
 * src/wasi). With a terminal (-t) the bytes go through the line discipline (pty.ts):
 * echo and the program's output reach the screen (`screen`: the container's log, so
 * every attached client sees them), ^C and ^\ reach the program, and the detach keys
 * end the client's attach without stopping anything.
 *
 * When a client's input ends: without a terminal and with StdinOnce (`once`) stdin
 * closes, and the program reads its end of file; otherwise only that client's attach
 * ends (moby's container/stream/attach.go does the same). An engine without threads
 * (inline) cannot wait for input, so there it always closes.
 */
import type { ProcessHandle } from "../wasi/mod.ts";
import { DetachScanner } from "./_detach_keys.ts";
import { Pty } from "./pty.ts";

/** Bytes the process has not read yet before a client waits (a Linux pipe holds 64 KiB). */
const HIGH_WATER = 64 * 1024;

/** How a client's feed ended: its input ended, it typed the detach keys, or stdin closed (the process ended). */
type FeedEnd = "eof" | "detached" | "closed";

interface ProcessStdinOptions {
  tty: boolean;
  /** StdinOnce (an exec's stdin always is). */
  once: boolean;
  /** The engine runs programs inline: a client's end always closes stdin. */
  inline: boolean;
  /** Where a terminal's screen goes (echo, and output after \n → \r\n). */
  screen?: (bytes: Uint8Array) => void;
  size?: { rows: number; cols: number };
}

export class ProcessStdin {
  readonly stream: ReadableStream<Uint8Array>;
  /** The running process, for the terminal's signals and size (set at start). */
  proc: ProcessHandle | null = null;
  /** Clients feeding it now. */
  feeding = 0;
  readonly pty: Pty | null;
  #ctl!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #room: Array<() => void> = [];
  #ends = new Set<() => void>();
  readonly #o: ProcessStdinOptions;

  constructor(o: ProcessStdinOptions) {
    this.#o = o;
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#ctl = c),
      pull: () => this.#wake(),
      cancel: () => this.close(),
    }, { highWaterMark: HIGH_WATER, size: (c) => Math.max(1, c.byteLength) });
    this.pty = o.tty
      ? new Pty({
        read: (line) => this.#enqueue(line ?? new Uint8Array(0)), // an empty chunk: the terminal's end of file (src/wasi)
        screen: (b) => o.screen?.(b),
        signal: (sig) => this.proc?.signal(sig),
      }, o.size)
      : null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The program's output on its way to the screen (a terminal only: \n → \r\n). */
  output(bytes: Uint8Array): void {
    this.pty?.output(bytes);
  }

  resize(rows: number, cols: number): void {
    this.pty?.resize(rows, cols);
    this.proc?.resize(rows, cols);
  }

  /** Copy a client's input in until it ends, detaches, or stdin closes. */
  async feed(src: ReadableStream<Uint8Array>, detachKeys?: Uint8Array): Promise<FeedEnd> {
    const reader = src.getReader();
    const scanner = this.pty && detachKeys ? new DetachScanner(detachKeys) : null;
    let closedWhileReading!: () => void;
    const closed = new Promise<{ done: true; value: undefined; closed: true }>((r) => (closedWhileReading = () => r({ done: true, value: undefined, closed: true })));
    this.#ends.add(closedWhileReading);
    this.feeding++;
    try {
      for (;;) {
        if (this.#closed) return "closed";
        const r = await Promise.race([reader.read().catch(() => ({ done: true as const, value: undefined })), closed]);
        if ("closed" in r || this.#closed) return "closed";
        if (r.done) break;
        if (scanner) {
          const { pass, detached } = scanner.push(r.value);
          if (pass.length) this.#input(pass);
          if (detached) return "detached";
        } else this.#input(r.value);
        // A process that does not read holds the client back, as a full pipe does.
        while (!this.#closed && (this.#ctl.desiredSize ?? 1) <= 0) await new Promise<void>((r) => this.#room.push(r));
      }
      if (this.#o.inline || (this.#o.once && !this.#o.tty)) this.close();
      return "eof";
    } finally {
      this.feeding--;
      this.#ends.delete(closedWhileReading);
      // cancel() rejects only with the client's own stream error (a reset), which already ended this feed.
      void reader.cancel().catch(() => {});
    }
  }

  /** The end of input for good: the program reads its end of file; feeds stop. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#ctl.close();
    } catch {
      // already cancelled by the process's end
    }
    this.#wake();
    for (const end of this.#ends) end();
  }

  #input(bytes: Uint8Array): void {
    if (this.pty) this.pty.input(bytes);
    else this.#enqueue(bytes);
  }

  #enqueue(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#ctl.enqueue(bytes.slice());
  }

  #wake(): void {
    for (const r of this.#room.splice(0)) r();
  }
}
