/**
 * Ring sets carved out of large shared buffers (src/wasi/_ring_sets.ts): sets of both
 * kinds never overlap, a ring at an offset wraps within its own bytes, the worker's view
 * (`setAt` on the same buffer) sees what the engine's pushes, a message names a set's
 * place and slab only the first time, and a slab goes when its last set is let go.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RingSets, setAt } from "../../src/wasi/_ring_sets.ts";
import { Control } from "../../src/wasi/_control.ts";

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

t.run();
