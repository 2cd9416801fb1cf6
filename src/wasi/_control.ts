/**
 * The shared words through which the engine reaches a running process: stop, kill, the
 * terminal's signals (^C, ^\\) and size, and a doorbell on which a blocked read or a sleep
 * waits. A stop request wakes a sleeping or reading process at once; a process checks
 * the words at every system call and exits 143 (the SIGTERM analogue), 130/131 for a
 * signal it does not catch. Atomics.wait blocks without burning a CPU; where it is not
 * allowed (a browser's main thread) waiting falls back to a spin. A kill, a timeout or
 * the memory cap ends the process by throwing ProcessKilled.
 */
import { WASIProcExit } from "@bjorn3/browser_wasi_shim";
import { Meter, METER_SLOTS } from "./_meter.ts";

const STOP = 0;
/** Output bytes posted to the engine and not yet taken by a sink (worker mode). */
export const OUT_INFLIGHT = 1;
/**
 * A kill: the process ends (137) at its next system call or wait, so that a worker that
 * makes system calls ends in a moment, without waiting for its thread's teardown.
 */
const KILL = 2;
/**
 * The doorbell: bumped (and notified) by the engine whenever there is something for the
 * process to look at — stdin arrived, a signal, a stop, a kill. A blocked read or a
 * sleep waits on it, so one wait answers all of them without spinning.
 */
const WAKE = 3;
/** How many ^C (interrupts) and ^\ (quits) the terminal sent; the process counts what it took. */
const INTR = 4, QUIT = 5;
/** The terminal's size (0 until known). */
const ROWS = 6, COLS = 7;
/**
 * A pause (`docker pause`): non-zero while the process is to hold still. It waits at its
 * next system call or preemption point (_preempt.ts), or in the wait it is in, until the
 * word is zero again, a kill or a stop.
 */
const PAUSE = 8;
/**
 * Who ended the run first: 0 while neither has; the program's exit status + 1 once it
 * ended by itself (recorded as run_sync.ts decides its outermost program's end); -1 once
 * the engine claimed a kill. Set once, by compare-and-swap, so a kill that comes after
 * the program's end (a container's pid 1 ended, which ends its execs) leaves that end's
 * status as it was, as the kernel does for a process that exited before its SIGKILL.
 */
const ENDED = 9;
/** Int32 words, then the meter's Float64 slots (_meter.ts) from an 8-byte boundary. */
const WORDS = 10;

type WaitAsync = (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string };
// deno-lint-ignore no-explicit-any
const waitAsync = (Atomics as any).waitAsync as WaitAsync | undefined;

/** A pending terminal signal: 2 (SIGINT) or 3 (SIGQUIT); 0 for none. */
type PendingSignal = 0 | 2 | 3;

/** Thrown through the whole call stack (children included) to end a process: kill, timeout, out of memory. */
export class ProcessKilled extends Error {
  constructor(readonly reason: "timeout" | "oom" | "kill") {
    super(`process killed: ${reason}`);
    this.name = "ProcessKilled";
  }
}

export class Control {
  readonly words: Int32Array;
  /** Wall-clock deadline (ms since the epoch) after which the process is killed; checked at system calls. */
  deadline = Infinity;
  #canWait = true;
  /** The process's side: the interrupts and quits it has taken. */
  #took = [0, 0];
  /**
   * The process's side: for each program running in this thread, outermost first (a
   * child started through spawn is pushed over its parent), whether it catches
   * interrupts (strata.catch_interrupts). Only the innermost one runs, so it is the one a
   * signal reaches.
   */
  readonly catching: boolean[] = [];
  /** What the process uses (CPU, memory, file I/O, its programs), in the same shared memory. */
  readonly meter: Meter;
  /**
   * The process runs inline and suspendable (_suspend.ts): a pause is held by awaiting
   * (_preempt.ts), never by Atomics.wait, which would hold the whole thread.
   */
  holdsBySuspending = false;
  /**
   * The process runs suspendable in a worker shared with other processes (_shared_workers.ts):
   * the engine rings from another thread, so a suspended wait is `Atomics.waitAsync` on the doorbell.
   */
  crossThread = false;
  /** Suspended waits on this thread (`wake`), answered at the next ring. */
  #wakers = new Set<() => void>();
  /** The countdowns of this thread's programs (_preempt.ts), ended at each ring so they look at once. */
  readonly pokes = new Set<() => void>();

  /**
   * Inline (no worker to share with), a page that is not cross-origin isolated has no
   * SharedArrayBuffer: the words are then a plain ArrayBuffer (Atomics work on it; waits
   * fall back to the spin, as on a browser's main thread).
   */
  constructor(buffer?: SharedArrayBuffer, byteOffset = 0) {
    const sab = buffer ?? (typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(Control.BYTES) : new ArrayBuffer(Control.BYTES));
    this.words = new Int32Array(sab, byteOffset, WORDS);
    this.meter = new Meter(new Float64Array(sab, byteOffset + WORDS * 4, METER_SLOTS));
  }

  /** The shared memory the words and the meter take (at an offset that is a multiple of 8 in a larger buffer). */
  static readonly BYTES = WORDS * 4 + METER_SLOTS * 8;

  /** Zero every word but the doorbell, and the meter (a pooled worker's next run). */
  reset(): void {
    for (let i = 0; i < WORDS; i++) if (i !== WAKE) Atomics.store(this.words, i, 0);
    this.meter.reset();
  }

  /** The engine's side: hold the process at its next system call (`docker pause`). */
  pause(): void {
    Atomics.store(this.words, PAUSE, 1);
    this.ring(); // a process in a wait looks again, and holds there
  }

  /** The engine's side: let a paused process go on. */
  resume(): void {
    Atomics.store(this.words, PAUSE, 0);
    Atomics.notify(this.words, PAUSE);
    this.ring();
  }

  get paused(): boolean {
    return Atomics.load(this.words, PAUSE) !== 0;
  }

  /**
   * The process's side: wait while paused; a kill or a stop ends the wait (and then the
   * process). The wait is not CPU time. Inline, this thread must not wait: a suspendable
   * process is held by suspending at its next point (_preempt.ts), and where processes
   * cannot suspend the engine refuses a pause.
   */
  #holdWhilePaused(): void {
    if (!this.#canWait || this.holdsBySuspending) return;
    this.meter.idle();
    try {
      while (Atomics.load(this.words, PAUSE) !== 0 && !this.killRequested && !this.stopRequested) {
        Atomics.wait(this.words, PAUSE, 1, 1000);
      }
    } catch {
      this.#canWait = false;
    } finally {
      this.meter.busy();
    }
  }

  get stopRequested(): boolean {
    return Atomics.load(this.words, STOP) !== 0;
  }

  requestStop(): void {
    Atomics.store(this.words, STOP, 1);
    Atomics.notify(this.words, STOP);
    Atomics.notify(this.words, PAUSE);
    this.ring();
  }

  /** The engine's side: wake the process to look again (stdin arrived, a signal, a stop). */
  ring(): void {
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
    for (const w of [...this.#wakers]) w();
    for (const p of this.pokes) p();
  }

  /** The engine's side: the terminal sent ^C ("INT") or ^\ ("QUIT") to the foreground program. */
  signal(sig: "INT" | "QUIT"): void {
    Atomics.add(this.words, sig === "INT" ? INTR : QUIT, 1);
    this.ring();
  }

  /** The terminal's size as the process reads it (strata.winsize); 0 for unknown. */
  setSize(rows: number, cols: number): void {
    Atomics.store(this.words, ROWS, rows);
    Atomics.store(this.words, COLS, cols);
  }

  get size(): { rows: number; cols: number } {
    return { rows: Atomics.load(this.words, ROWS), cols: Atomics.load(this.words, COLS) };
  }

  /** The process's side: the signal sent and not yet taken (an interrupt before a quit). */
  get pendingSignal(): PendingSignal {
    if (Atomics.load(this.words, INTR) !== this.#took[0]) return 2;
    if (Atomics.load(this.words, QUIT) !== this.#took[1]) return 3;
    return 0;
  }

  /** The process's side: take the pending signal (0 when none). */
  takeSignal(): PendingSignal {
    const sig = this.pendingSignal;
    if (sig) this.#took[sig - 2]!++;
    return sig;
  }

  /** Does the program running now catch interrupts? */
  get catchesInterrupts(): boolean {
    return this.catching[this.catching.length - 1] ?? false;
  }

  /**
   * The process's side, at every system call and in every wait: a stop, a kill or a
   * deadline ends it; a signal ends the running program (130 for ^C, 131 for ^\) unless
   * it catches interrupts. Returns true when an interrupt is for the program to see as
   * EINTR (it catches them); a quit is then ignored, as an interactive shell ignores it.
   */
  check(): boolean {
    this.#ends();
    const sig = this.pendingSignal;
    if (!sig) return false;
    if (!this.catchesInterrupts) {
      this.takeSignal();
      throw new WASIProcExit(128 + sig);
    }
    if (sig === 3) return this.takeSignal(), false;
    return true;
  }

  /**
   * The process's side, at a preemption point (_preempt.ts): as `check`, except that an
   * interrupt the program catches stays pending for its next system call (EINTR is an
   * answer a system call gives; a point between two instructions has none to give).
   */
  preempt(): void {
    if (this.catchesInterrupts && this.pendingSignal) this.#ends();
    else this.check();
  }

  /** A pause holds here; a kill, a stop or the deadline ends the process. */
  #ends(): void {
    if (Atomics.load(this.words, PAUSE) !== 0) this.#holdWhilePaused();
    if (this.killRequested) throw new ProcessKilled("kill");
    if (this.stopRequested) throw new WASIProcExit(143);
    if (this.deadline !== Infinity && Date.now() > this.deadline) throw new ProcessKilled("timeout");
  }

  /** The process's side: wait until the doorbell rings after `seq` (the value read before looking), at most `ms`. */
  waitForWake(seq: number, ms: number): void {
    if (this.#canWait) {
      this.meter.idle();
      try {
        Atomics.wait(this.words, WAKE, seq, ms);
        return;
      } catch {
        this.#canWait = false; // main thread of a browser: Atomics.wait is not allowed
      } finally {
        this.meter.busy();
      }
    }
  }

  /**
   * The process's side, suspended (_suspend.ts): resolves when the doorbell rings after
   * `seq`, or after `ms` (Infinity: only at a ring). Inline the engine rings from this
   * thread (`#wakers`); in a shared worker (`crossThread`) the doorbell's notify answers.
   */
  wake(seq: number, ms: number): Promise<void> {
    if (this.wakeSeq !== seq) return Promise.resolve();
    this.meter.idle();
    return new Promise<void>((resolve) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        this.#wakers.delete(done);
        this.meter.busy();
        resolve();
      };
      // setTimeout takes at most 2^31 - 1 ms; a longer sleep looks again then.
      const most = Math.min(Math.max(0, ms), 2 ** 31 - 1);
      // In a worker shared by many processes the engine rings from its own thread: the
      // doorbell's notify answers. The sleep's end is a timer all the same (a waitAsync's
      // own timeout came 70 ms late in a Deno worker whose programs compute, a timer
      // 20 ms), which then notifies the doorbell itself, so no waiter is left behind.
      const waited = this.crossThread ? waitAsync?.(this.words, WAKE, seq, Infinity) : undefined;
      if (waited && !waited.async) return done();
      if (waited) void (waited.value as Promise<string>).then(done);
      if (ms !== Infinity) {
        timer = setTimeout(() => {
          done();
          if (waited) Atomics.notify(this.words, WAKE);
        }, most);
      }
      this.#wakers.add(done);
    });
  }

  get wakeSeq(): number {
    return Atomics.load(this.words, WAKE);
  }

  get killRequested(): boolean {
    return Atomics.load(this.words, KILL) !== 0;
  }

  /** The process's side: the run ended by itself with `exitCode`. False when the engine had already claimed a kill. */
  recordEnd(exitCode: number): boolean {
    return Atomics.compareExchange(this.words, ENDED, 0, (exitCode & 0xff) + 1) === 0;
  }

  /**
   * The engine's side, before a kill: claims the run's end for the kill. False when the
   * program had already ended by itself (its end message is on its way) or the end was
   * claimed before.
   */
  claimKill(): boolean {
    return Atomics.compareExchange(this.words, ENDED, 0, -1) === 0;
  }

  /** Wake whatever the process waits on (a sleep, a full output pipe), to end with 137. */
  requestKill(): void {
    Atomics.store(this.words, KILL, 1);
    Atomics.notify(this.words, STOP);
    Atomics.notify(this.words, OUT_INFLIGHT);
    Atomics.notify(this.words, PAUSE);
    this.ring();
  }
}
