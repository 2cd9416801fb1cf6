/**
 * `strata.preempt`, the import a program's preemption points call (_preempt_rewrite.ts
 * puts them in): every FUEL checks, so a program that makes no system call still meets
 * its process's control words. A stop, a kill, a deadline or a signal it does not catch
 * ends it there, as at a system call (Control.check); a pause holds it there (in a
 * worker by Atomics.wait; inline and suspendable by suspending until the resume; inline
 * otherwise the engine offers no pause). A signal it catches waits for its next system
 * call, which sees EINTR.
 *
 * Suspendable (_suspend.ts), the import also shares the thread: once the program has
 * run for SLICE_MS since this thread last took a program up, it suspends until the
 * event loop has gone round once (a task, not a microtask, so timers, I/O and other
 * requests are served), then goes on. Inline without JSPI it cannot let go of the thread,
 * and only the deadline can end it (nothing else runs to ask for a stop).
 */
import type { Control } from "./_control.ts";

/** Checks between two calls of the import: a few microseconds of a tight loop. */
const FUEL = 20_000;

/** How long a suspendable program runs before it lets the others have the thread. */
const SLICE_MS = 5;

const now: () => number = typeof performance === "object" && performance?.now ? () => performance.now() : Date.now;

/** When this thread last took up a program (after a yield of any of them). */
let sliceStart = now();

/**
 * Once round the event loop: a message (unclamped, unlike setTimeout) or setImmediate. A
 * shared worker's programs (`Control.crossThread`) yield through a message: a Deno worker
 * whose programs yielded through setImmediate took the engine's messages 150 to 200 ms
 * late (1 to 6 ms through a MessageChannel). Inline, on the engine's thread, setImmediate
 * where there is one: there a MessageChannel kept Deno's timers and requests waiting
 * (p99 of the API 100 ms beside 4 spinners, against 22 ms).
 */
function macrotask(message: boolean): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (!(message && typeof MessageChannel === "function") && typeof g.setImmediate === "function") return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        port2.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Suspended while paused: resume, a stop or a kill rings the doorbell. */
async function held(control: Control): Promise<void> {
  while (control.paused && !control.killRequested && !control.stopRequested) await control.wake(control.wakeSeq, Infinity);
}

/** The import for a process: synchronous, or (`suspend`) one that may answer with a promise, to be made suspending. */
export function preemptImport(control: Control, suspend: boolean, onYield?: () => void): () => number | Promise<number> {
  if (!suspend) {
    return () => {
      control.preempt();
      return FUEL;
    };
  }
  return () => {
    control.preempt();
    if (!control.paused && now() - sliceStart < SLICE_MS) return FUEL;
    onYield?.();
    return (async () => {
      control.meter.idle();
      try {
        if (!control.paused) await macrotask(control.crossThread);
        if (control.paused) await held(control); // also when the pause came while it let others run
      } finally {
        control.meter.busy();
      }
      control.preempt();
      sliceStart = now();
      return FUEL;
    })();
  };
}
