/**
 * How a program that lets the thread go at a preemption point goes round the event loop
 * (src/wasi/_preempt.ts `yieldBy`): setImmediate where there is one, and on Deno's own
 * thread, at least every 20 ms, a wait for another thread after it, since its setImmediate
 * does not poll its sockets (a request beside a spinner waited 200-300 ms under `deno
 * serve`; bench/inline.bench.ts measures it), and at least every 50 ms a timer instead
 * (the only wait that always makes it poll them: on a loaded machine the other thread's
 * answer can be there before Deno's thread goes idle); a message on a shared worker; a
 * timer where there is nothing else.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { yieldBy } from "../../src/wasi/_preempt.ts";

const t = suite("preemption points: how a yield goes round the event loop");
const node = { denoThread: false, immediate: true, channel: true };
const deno = { denoThread: true, immediate: true, channel: true };

t("Deno's thread: setImmediate, and a wait for another thread after it once 20 ms have passed since the last", () => {
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 0, sinceTimerMs: 0 }), "immediate");
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 19.9, sinceTimerMs: 19.9 }), "immediate");
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 20, sinceTimerMs: 20 }), "immediate+wait");
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 20, sinceTimerMs: 49.9 }), "immediate+wait");
});

t("Deno's thread: the wait is a timer once 50 ms have passed since the last timer", () => {
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 20, sinceTimerMs: 50 }), "immediate+timer");
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 5000, sinceTimerMs: 5000 }), "immediate+timer");
  assert.is(yieldBy({ ...deno, message: false, sinceWaitMs: 10, sinceTimerMs: 5000 }), "immediate", "no wait at all before 20 ms");
});

t("Node's thread polls its sockets at every turn: setImmediate always", () => {
  assert.is(yieldBy({ ...node, message: false, sinceWaitMs: 5000, sinceTimerMs: 5000 }), "immediate");
});

t("a shared worker's programs yield through a message, on Deno too; a page has no setImmediate", () => {
  assert.is(yieldBy({ ...deno, message: true, sinceWaitMs: 5000, sinceTimerMs: 5000 }), "message");
  assert.is(yieldBy({ ...node, message: true, sinceWaitMs: 5000, sinceTimerMs: 5000 }), "message");
  assert.is(yieldBy({ denoThread: false, immediate: false, channel: true, message: false, sinceWaitMs: 0, sinceTimerMs: 0 }), "message");
  assert.is(yieldBy({ denoThread: false, immediate: false, channel: false, message: false, sinceWaitMs: 0, sinceTimerMs: 0 }), "timer");
});

t.run();
