/**
 * Ring sets carved out of large shared buffers (src/wasi/_ring_sets.ts): sets of both
 * kinds never overlap, a ring at an offset wraps within its own bytes, the worker's view
 * (`setAt` on the same buffer) sees what the engine's pushes, a message names a set's
 * place and slab only the first time, and a slab goes when its last set is let go; a
 * shared worker's idle sets outlive a burst, until a trim finds them unused
 * (src/wasi/_shared_workers.ts); what the engine sets aside for a worker rides with its
 * next run, and the worker (worker_serve.ts) handles it before that run.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RingSets, setAt, setLayout } from "../../src/wasi/_ring_sets.ts";
import { Control } from "../../src/wasi/_control.ts";
import { closeSharedWorkers, giveSet, postRun, shareWorker, takeSet, tellAside, trimIdleSets } from "../../src/wasi/_shared_workers.ts";
import type { WorkerHost } from "../../src/wasi/mod.ts";
import { serveProcessWorker } from "../../src/wasi/worker_serve.ts";

const t = suite("ring sets in slabs");

t("sets of both kinds lie side by side; each ring wraps within its own bytes", () => {
  const sets = new RingSets();
  const made = [sets.carve("run"), sets.carve("fs"), sets.carve("run"), sets.carve("fs")];
  // Fill every ring of every set several times round with frames that name it.
  const name = (i: number, ring: string, n: number) => new TextEncoder().encode(`${i}:${ring}:${n}:`.padEnd(40 + (n % 7) * 100, "x"));
  for (let round = 0; round < 3; round++) {
    for (const [i, s] of made.entries()) {
      for (const ring of ["journal", "inbox", "stdin"] as const) {
        const r = s[ring];
        for (let n = 0; ; n++) {
          const frame = name(i, ring, n);
          if (frame.length > r.maxFrame || !r.tryPush(frame, 7)) break;
        }
      }
    }
    for (const [i, s] of made.entries()) {
      for (const ring of ["journal", "inbox", "stdin"] as const) {
        const frames = s[ring].drain();
        frames.forEach((f, n) => {
          assert.is(f.kind, 7);
          assert.equal(f.bytes, name(i, ring, n), `set ${i}, ${ring}, frame ${n}, round ${round}`);
        });
      }
    }
  }
  // Control words: each set's own.
  made.forEach((s, i) => s.control.setSize(10 + i, 20 + i));
  made.forEach((s, i) => assert.equal(s.control.size, { rows: 10 + i, cols: 20 + i }));
});

t("a set starts a page; its control words and its three rings' headers share that page; frames follow, apart", () => {
  for (const kind of ["run", "fs"] as const) {
    const l = setLayout(kind);
    const rings = [l.journal, l.inbox, l.stdin];
    assert.ok(Control.BYTES <= Math.min(...rings.map((r) => r.header)), `${kind}: the headers come after the control words`);
    for (const r of rings) assert.ok(r.header + 16 <= 4096, `${kind}: a header at ${r.header} is past the first page`);
    const spans = [[0, Control.BYTES], ...rings.map((r) => [r.header, r.header + 16]), ...rings.map((r) => [r.offset, r.offset + r.capacity])].sort((a, b) => a[0]! - b[0]!);
    spans.slice(1).forEach((s, i) => assert.ok(s[0]! >= spans[i]![1]!, `${kind}: ${JSON.stringify(spans[i])} overlaps ${JSON.stringify(s)}`));
    assert.ok(l.bytes >= spans.at(-1)![1]! && l.bytes % 4096 === 0, `${kind}: ${l.bytes} bytes, a whole number of pages from the set's start`);
  }
  // A ring at its place works: the header the view reads is the one the writer moved.
  const sets = new RingSets(), a = sets.carve("fs"), d = sets.describe(a);
  a.inbox.push(new TextEncoder().encode("apart"), 2);
  assert.equal(setAt(d.slab!.sab, d.setAt!).inbox.drain().map((f) => new TextDecoder().decode(f.bytes)), ["apart"]);
});

t("the worker's view of a set is the same memory; a message places a set and its slab only the first time", () => {
  const sets = new RingSets();
  const a = sets.carve("run"), b = sets.carve("fs");
  const first = sets.describe(a);
  assert.ok(first.setAt && first.slab, "the first message places the set and sends the slab");
  assert.equal(sets.describe(a), { ringSet: a.id });
  const second = sets.describe(b);
  assert.ok(second.setAt && !second.slab, "the slab went already");
  const view = setAt(first.slab!.sab, first.setAt!);
  a.journal.push(new TextEncoder().encode("from the worker's side"), 3);
  assert.equal(view.journal.drain().map((f) => new TextDecoder().decode(f.bytes)), ["from the worker's side"]);
  assert.ok(a.journal.empty, "one ring, two views");
  const words = new Control(first.slab!.sab, view.controlAt);
  a.control.setSize(33, 44);
  assert.equal(words.size, { rows: 33, cols: 44 });
});

t("a slab is let go with its last set, and a new one is carved after it", () => {
  const sets = new RingSets();
  const a = sets.carve("run"), b = sets.carve("run");
  const slab = sets.describe(a).slab!.id;
  sets.describe(b);
  assert.is(sets.letGo(a), undefined, "b still holds the slab");
  assert.is(sets.letGo(b), slab, "the worker is to drop it");
  const c = sets.carve("fs");
  const next = sets.describe(c);
  assert.ok(next.slab && next.slab.id !== slab, "a new slab, sent anew");
  // Sets enough to fill more than one slab: all of them distinct places.
  const many = Array.from({ length: 400 }, () => sets.carve("run"));
  const places = new Set(many.map((s) => `${s.place.slab}:${s.place.offset}`));
  assert.is(places.size, 400);
  assert.ok(new Set(many.map((s) => s.place.slab)).size >= 2, "past 64 MiB a second slab");
});

t("a burst's idle sets serve the next burst; a trim lets go only those no run took since the last", async () => {
  // A host whose one worker records what it is told (no thread: the sets are the engine's
  // business); what is set aside for a run goes in batches at the next turn.
  type Told = { type: string; ringSet?: number; slab?: number; messages?: Told[] };
  const told: Told[] = [];
  const host: WorkerHost = {
    spawn: () => ({ postMessage: (m) => void told.push(...((m as Told).messages ?? [m as Told])), onMessage() {}, onError() {}, terminate() {} }),
  };
  const turn = () => new Promise((r) => setTimeout(r, 0));
  const w = shareWorker(host);
  try {
    const burst = (n: number) => {
      const taken = Array.from({ length: n }, () => takeSet(w, "run"));
      taken.forEach((s) => w.sets.describe(s)); // each went to the worker with its run
      taken.forEach((s) => giveSet(w, s, true));
      return taken;
    };
    const first = burst(300);
    assert.is(w.free.run.length, 300, "every set of the burst is kept idle");
    assert.equal(told, [], "and the worker is told to let go of none");
    // The next burst reuses them: no set is carved anew, and each comes back emptied.
    first[0]!.journal.push(new TextEncoder().encode("left from the last run"), 1);
    const again = burst(300);
    assert.equal(new Set(again.map((s) => s.id)), new Set(first.map((s) => s.id)), "the same 300 sets");
    assert.ok(first[0]!.journal.empty, "a reused set's rings start empty");
    // A trim lets go only of what sat idle since the trim was set: none here, as the
    // second burst took every one.
    trimIdleSets(w);
    assert.is(w.free.run.length, 300, "none sat idle through the trim's time");
    // 50 are taken and given back before the next trim: they stay, the 185 others past 64 go.
    const used = new Set(burst(50).map((s) => s.id));
    assert.ok(trimIdleSets(w), "more than 64 are still idle");
    assert.is(w.free.run.length, 114);
    assert.ok([...used].every((id) => w.free.run.some((s) => s.id === id)), "the sets used since the last trim are kept");
    await turn();
    assert.is(told.filter((m) => m.type === "forget" && m.ringSet !== undefined).length, 186, "the worker is told of each set let go");
    assert.not.ok(trimIdleSets(w), "down to the 64 kept for good");
    assert.is(w.free.run.length, 64);
    // A slab is let go with its last set: the sets left hold one slab at most.
    assert.is(new Set(w.free.run.map((s) => s.place.slab)).size, 1);
    await turn();
    assert.ok(told.some((m) => m.type === "forget" && m.slab !== undefined), "the worker is told to drop the slabs no set holds");
  } finally {
    await closeSharedWorkers(host);
  }
});

t("what can wait goes with the worker's next run, in order, or alone at the next turn", async () => {
  const posted: Array<Record<string, unknown>> = [];
  const host: WorkerHost = {
    spawn: () => ({ postMessage: (m) => void posted.push(m as Record<string, unknown>), onMessage() {}, onError() {}, terminate() {} }),
  };
  const w = shareWorker(host);
  try {
    tellAside(w, { type: "drop", key: "fs1", ringSet: 1 });
    tellAside(w, { type: "forget", ringSet: 2 });
    postRun(w, { type: "run", run: 7 });
    assert.equal(posted, [{ type: "run", run: 7, aside: [{ type: "drop", key: "fs1", ringSet: 1 }, { type: "forget", ringSet: 2 }] }], "one message");
    postRun(w, { type: "run", run: 8 });
    assert.equal(posted[1], { type: "run", run: 8 }, "nothing set aside since");
    tellAside(w, { type: "drop", key: "fs2", ringSet: 3 });
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(posted[2], { type: "aside", messages: [{ type: "drop", key: "fs2", ringSet: 3 }] }, "no run came: it went alone");
    assert.is(posted.length, 3);
  } finally {
    await closeSharedWorkers(host);
  }
});

t("the worker handles what was set aside before the run it came with, and a batch that came alone", async () => {
  // A worker served in this thread: a run that names no rootfs fails after its ring set is
  // known, so the next run's error says whether the set was forgotten first.
  let listener: (m: unknown) => void = () => {};
  const done: Array<{ run: number; error?: string }> = [];
  serveProcessWorker({ postMessage: (m) => void done.push({ run: (m as { run: number }).run, error: (m as { result?: { error?: string } }).result?.error }), onMessage: (l) => void (listener = l) });
  const turn = () => new Promise((r) => setTimeout(r, 10));
  const run = (n: number, more: Record<string, unknown>) =>
    listener({ type: "run", run: n, argv: ["x"], env: [], cwd: "/", tty: false, stdin: new Uint8Array(0), outputCap: 1024, inodes: {}, ...more });
  const sab = new SharedArrayBuffer(1 << 20);
  const placed = (set: number, offset: number) => ({ ringSet: set, setAt: { slab: 7001, offset, kind: "run" } });
  run(1, { ...placed(7001, 0), slab: { id: 7001, sab } });
  run(2, placed(7002, 512 * 1024));
  run(3, { ringSet: 7001 }); // known: fails further on
  run(4, { ringSet: 7001, aside: [{ type: "forget", ringSet: 7001 }] });
  listener({ type: "aside", messages: [{ type: "forget", ringSet: 7002 }] });
  run(5, { ringSet: 7002 });
  await turn();
  const forgotten = (set: number) => new RegExp(`ring set ${set} was never sent`);
  const error = (n: number) => done.find((d) => d.run === n)?.error ?? "";
  assert.not.match(error(3), forgotten(7001), "the set was known before the forget");
  assert.match(error(4), forgotten(7001));
  assert.match(error(5), forgotten(7002));
});

t.run();
