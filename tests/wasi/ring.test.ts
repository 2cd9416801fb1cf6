/**
 * A ring's doorbell (src/wasi/_ring.ts): the consumer's wait ends at a ring that came
 * after it last drained, even one that came before it began to wait, and at frames pushed
 * with a wake; a ring from another ring's producer (a shared worker's filesystem journal
 * ringing its processes' journals) is one of those. Before the doorbell the consumer
 * waited on the ring's head, and a ring while it was busy was lost until its timeout.
 * Timeouts here bound a hang (a lost ring would wait the full minute), not a speed.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Ring } from "../../src/wasi/_ring.ts";
import { until } from "../_wait.ts";

const t = suite("a ring's doorbell");
const MINUTE = 60_000;

t("a ring after the consumer's last drain ends its next wait, though it came before the wait began", async () => {
  const ring = new Ring(1024);
  const seen = ring.bell(); // as the consumer takes it, before it drains
  ring.drain();
  ring.wake(); // another thread rings while the consumer is busy (here: before it waits)
  await until(ring.waitForData(MINUTE, seen), { what: "the wait to see the ring that came before it" });
});

t("a ring while the consumer waits ends the wait; with none, the wait goes on", async () => {
  const ring = new Ring(1024);
  let woke = false;
  const waiting = ring.waitForData(MINUTE).then(() => void (woke = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.is(woke, false, "nothing rang and nothing is in the ring");
  ring.wake();
  await until(waiting, { what: "the wait to end at the ring" });
});

t("frames pushed with a wake end a wait; frames already waiting end it before it starts", async () => {
  const ring = new Ring(1024);
  const waiting = ring.waitForData(MINUTE);
  ring.push(new Uint8Array([1, 2, 3]), 7);
  await until(waiting, { what: "the wait to end at the pushed frame" });
  const quiet = new Ring(1024);
  quiet.push(new Uint8Array([4]), 7, false); // no wake: the producer rings later, or not
  await until(quiet.waitForData(MINUTE), { what: "a wait with a frame already there" });
  assert.equal(quiet.drain().map((f) => [f.kind, [...f.bytes]]), [[7, [4]]]);
});

t("a filesystem journal's producer, finding it full, rings the pump of another ring", async () => {
  // As worker_serve.ts links them: the journal's onFull rings the process's own journal,
  // whose pump (the engine) drains the filesystem journal with it.
  const fsJournal = new Ring(64), runJournal = new Ring(1024);
  const seen = runJournal.bell();
  fsJournal.push(new Uint8Array(40), 1, false);
  const pushed = new Promise<void>((resolve) => queueMicrotask(() => {
    // A frame that does not fit: the producer rings, then blocks until room is made. Here it
    // cannot block (one thread): the ring is what is under test, so room is made at once.
    try {
      fsJournal.push(new Uint8Array(40), 1, false, () => {
        runJournal.wake();
        fsJournal.drain();
      });
    } finally {
      resolve();
    }
  }));
  await pushed;
  await until(runJournal.waitForData(MINUTE, seen), { what: "the process's pump to be rung by the full filesystem journal" });
  assert.is(fsJournal.drain().length, 1, "the frame that waited for room went in");
});

t.run();
