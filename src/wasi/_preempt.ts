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
 * How often, at least, a yield on Deno's own thread also waits for another thread. Deno's
 * setImmediate (and a MessageChannel message) go round its event loop without polling its
 * sockets: beside one spinning container, the edge bundle under `deno serve` answered a
 * request 200-300 ms late, and a stop took as long (bench/inline.bench.ts). The loop polls
 * them when it has nothing to run but waits, as on a timer (a lone shell loop then took
 * 12% longer: a timer costs a millisecond or two where nothing else is ready) or on an
 * async op run on another thread, as WebCrypto's digest is: a SHA-256 of no bytes, a few
 * microseconds there, after the immediate (timers keep their turn). With it, requests were
 * answered within about 25 ms, and the shell loop took 0-5% longer.
 *
 * The digest alone is not enough on a loaded machine. When the other thread answers
 * before this one has gone idle, the loop finds the answer ready and polls nothing. Deno's
 * runtime (tokio) then polls the sockets only every 61 turns of its loop: every 300 ms at
 * a turn per 5 ms slice. Beside a spinning container, with a process spinning on the
 * other core, requests waited 300 ms again (5 answered in 1.5 s, CI saw it). A timer
 * cannot fire without the loop polling, so at least every TIMER_MS the wait is a timer
 * instead: requests were then answered within about 50 ms under that load. Its cost is a
 * timer's 4 ms (one set from a timer's callback is clamped so) every 50 ms: measured on
 * programs computing inline, alternating in one process, 1-5% more time than the digest
 * alone (a timer at every wait: 10-15% more).
 */
const SOCKETS_MS = 20;
const TIMER_MS = 50;

/** When a yield last waited for another thread, and for a timer (Deno's thread). */
let lastWait = now(), lastTimer = now();

const NOTHING = new Uint8Array(0);

const denoThread = "Deno" in globalThis && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "undefined";

/**
 * Once round the event loop: a message (unclamped, unlike setTimeout) or setImmediate. A
 * shared worker's programs (`Control.crossThread`) yield through a message: a Deno worker
 * whose programs yielded through setImmediate took the engine's messages 150 to 200 ms
 * late (1 to 6 ms through a MessageChannel). Inline, on the engine's thread, setImmediate
 * where there is one: there a MessageChannel kept Deno's timers and requests waiting
 * (p99 of the API 100 ms beside 4 spinners, against 22 ms); and on Deno's thread, at
 * least every SOCKETS_MS, a wait for another thread (or a timer) after it, so its sockets are polled.
 */
function macrotask(message: boolean): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  const t = now();
  const how = yieldBy({
    message, denoThread, sinceWaitMs: t - lastWait, sinceTimerMs: t - lastTimer,
    immediate: typeof g.setImmediate === "function", channel: typeof MessageChannel === "function",
  });
  if (how === "immediate") return new Promise((resolve) => g.setImmediate!(resolve));
  if (how === "immediate+wait" || how === "immediate+timer") {
    lastWait = t;
    const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
    const timer = how === "immediate+timer" || !subtle;
    if (timer) lastTimer = t;
    const wait = () => timer ? new Promise<void>((r) => setTimeout(r, 0)) : subtle!.digest("SHA-256", NOTHING).then(() => {}, () => {});
    return new Promise((resolve) => g.setImmediate!(() => void wait().then(resolve)));
  }
  if (how === "message") return messageTurn();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A turn of the event loop by a message to a channel of its own, closed as it arrives (an
 * open port would keep Node and Deno alive): a task, without a zero-delay timer's clamp
 * (1 ms a turn in Node; in Deno 2.3 ms a turn in a chain, as timers set from a timer's
 * task wait at least 4 ms once nested five deep). A turn took 0.05–0.14 ms here.
 */
export function messageTurn(): Promise<void> {
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

/**
 * How a yield goes round the event loop (see `macrotask`): what the thread is and has, and
 * how long since a yield last waited for another thread, and for a timer.
 */
export function yieldBy(o: {
  message: boolean;
  denoThread: boolean;
  sinceWaitMs: number;
  sinceTimerMs: number;
  immediate: boolean;
  channel: boolean;
}): "immediate" | "immediate+wait" | "immediate+timer" | "message" | "timer" {
  if (!(o.message && o.channel) && o.immediate) {
    if (!o.denoThread || o.message || o.sinceWaitMs < SOCKETS_MS) return "immediate";
    return o.sinceTimerMs >= TIMER_MS ? "immediate+timer" : "immediate+wait";
  }
  return o.channel ? "message" : "timer";
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
