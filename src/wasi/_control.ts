/**
 * The shared words through which a process is stopped, and on which it sleeps. A stop
 * request wakes a sleeping process at once; a process checks it at every system call
 * and exits 143 (the SIGTERM analogue). Atomics.wait blocks without burning a CPU; where
 * it is not allowed (a browser's main thread) sleeping falls back to a spin. A kill,
 * a timeout or the memory cap ends the process by throwing ProcessKilled.
 */
export const STOP = 0;
/** Output bytes posted to the engine and not yet taken by a sink (worker mode). */
export const OUT_INFLIGHT = 1;
/**
 * A kill: the process ends (137) at its next system call or wait, so that a worker that
 * makes system calls ends in a moment, without waiting for its thread's teardown.
 */
export const KILL = 2;
const WORDS = 4;

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

  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer(WORDS * 4));
  }

  get stopRequested(): boolean {
    return Atomics.load(this.words, STOP) !== 0;
  }

  requestStop(): void {
    Atomics.store(this.words, STOP, 1);
    Atomics.notify(this.words, STOP);
  }

  get killRequested(): boolean {
    return Atomics.load(this.words, KILL) !== 0;
  }

  /** Wake whatever the process waits on (a sleep, a full output pipe), to end with 137. */
  requestKill(): void {
    Atomics.store(this.words, KILL, 1);
    Atomics.notify(this.words, STOP);
    Atomics.notify(this.words, OUT_INFLIGHT);
  }

  /** Sleep up to `ms`, waking early on a stop request. */
  sleep(ms: number): void {
    const end = performance.now() + ms;
    while (!this.stopRequested && !this.killRequested) {
      const left = end - performance.now();
      if (left <= 0) return;
      if (this.#canWait) {
        try {
          Atomics.wait(this.words, STOP, 0, left);
          continue;
        } catch {
          this.#canWait = false; // main thread of a browser: Atomics.wait is not allowed
        }
      }
    }
  }

  /** Block while `index` holds `value` (at most `ms`). */
  waitWhile(index: number, value: number, ms: number): void {
    if (this.#canWait) {
      try {
        Atomics.wait(this.words, index, value, ms);
        return;
      } catch {
        this.#canWait = false;
      }
    }
  }
}
