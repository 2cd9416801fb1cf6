import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  applyChange, type ChangeRecord, deserializeUpper, exportUpper, type FsHandle, Layer, serializeUpper, UnionFS, WritableLayer,
} from "../../src/fs/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";
import { dir, link } from "../tar/_fixtures.ts";
import type { TarInput } from "../../src/tar/mod.ts";

const t = suite("file bytes after copy-up (pages copied on write)");
const W = { read: true, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true };
const R = { ...W, write: false };

const file = (path: string, data: Uint8Array): TarInput => ({ path, type: "file", mode: 0o644, data });

/** Bytes no two offsets of which repeat within a page, so a misplaced copy shows. */
function pattern(size: number, seed: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = (i * 7 + (i >> 8) * 13 + seed) & 0xff;
  return d;
}

type FOp = ["write", number, number, number] | ["truncate", number] | ["read", number, number];
const opArb = (max: number): fc.Arbitrary<FOp> => fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constant("write" as const), fc.nat(max), fc.nat(9000), fc.nat(255)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("truncate" as const), fc.nat(max)) },
  { weight: 3, arbitrary: fc.tuple(fc.constant("read" as const), fc.nat(max), fc.nat(12000)) },
);

/** The flat model: a plain byte array. */
function applyModel(m: Uint8Array, op: FOp): Uint8Array {
  if (op[0] === "write") {
    const [, pos, len, byte] = op;
    const out = new Uint8Array(Math.max(m.length, pos + len));
    out.set(m);
    out.fill(byte, pos, pos + len);
    return out;
  }
  if (op[0] === "truncate") {
    const out = new Uint8Array(op[1]);
    out.set(m.subarray(0, Math.min(m.length, op[1])));
    return out;
  }
  return m;
}

function readAll(h: FsHandle): Uint8Array {
  const out = new Uint8Array(h.size());
  assert.is(h.read(out, 0), out.length);
  return out;
}

t("random pwrite, truncate and pread on large lower files match a flat byte array, and the layer is untouched", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 40000 }), fc.array(opArb(45000), { maxLength: 30 }), (size, ops) => {
    const original = pattern(size, 3);
    const layer = new Layer(writeTar([dir("d"), file("d/big", original), link("d/other", "d/big")]));
    const records: ChangeRecord[] = [];
    const upper = new WritableLayer();
    const fs = new UnionFS({ lowers: [layer], upper });
    const start = serializeUpper(upper);
    upper.onChange = (rec) => records.push(rec.op === "write" ? { ...rec, data: rec.data.slice() } : rec);
    const before = fs.open("/d/big", R); // opened read-only before the copy-up: follows it
    const h = fs.open("/d/big", W);
    let model = original;
    for (const op of ops) {
      if (op[0] === "write") h.write(new Uint8Array(op[2]).fill(op[3]), op[1]);
      else if (op[0] === "truncate") h.truncate(op[1]);
      else {
        const into = new Uint8Array(op[2]).fill(0xee);
        const n = before.read(into, op[1]);
        const want = model.subarray(Math.min(op[1], model.length), Math.min(model.length, op[1] + op[2]));
        assert.is(n, want.length);
        assert.equal(into.subarray(0, n), want);
        assert.ok(into.subarray(n).every((b) => b === 0xee), "read wrote past its count");
      }
      model = applyModel(model, op);
    }
    assert.equal(readAll(h), model);
    assert.equal(readAll(fs.open("/d/other", R)), model); // the other name of the hard link
    assert.equal(fs.readFile("/d/big"), model);
    assert.equal(new UnionFS({ lowers: [layer], upper: new WritableLayer() }).readFile("/d/big"), original);
    // Serialized, replayed from the journal, exported as a layer: the same bytes.
    assert.equal(new UnionFS({ lowers: [layer], upper: deserializeUpper(serializeUpper(upper)) }).readFile("/d/big"), model);
    const replica = new UnionFS({ lowers: [layer], upper: deserializeUpper(start) });
    for (const rec of records) applyChange(replica.upper, rec);
    assert.equal(replica.readFile("/d/big"), model);
    assert.equal(new UnionFS({ lowers: [new Layer(exportUpper(fs)), layer], upper: new WritableLayer() }).readFile("/d/other"), model);
  }), { numRuns: 200 });
});

t("reads across copied pages and layer bytes give the written bytes in place", () => {
  const original = pattern(20000, 9);
  const fs = new UnionFS({ lowers: [new Layer(writeTar([file("f", original)]))], upper: new WritableLayer() });
  const h = fs.open("/f", W);
  h.write(new Uint8Array([1, 2, 3]), 4094); // spans pages 0 and 1
  h.write(new Uint8Array([9]), 12288); // the first byte of page 3
  const want = original.slice();
  want.set([1, 2, 3], 4094);
  want[12288] = 9;
  const into = new Uint8Array(20000);
  assert.is(h.read(into, 0), 20000);
  assert.equal(into, want);
  const mid = new Uint8Array(10);
  assert.is(h.read(mid, 4090), 10);
  assert.equal(mid, want.subarray(4090, 4100));
  assert.is(h.stat().size, 20000n);
});

t("a truncate to a shorter size then a grow reads zeros past the old end", () => {
  const original = pattern(30000, 1);
  const fs = new UnionFS({ lowers: [new Layer(writeTar([file("f", original)]))], upper: new WritableLayer() });
  const h = fs.open("/f", W);
  h.write(new Uint8Array([7]), 20000);
  h.truncate(10000);
  h.truncate(25000);
  const got = readAll(h);
  assert.equal(got.subarray(0, 10000), original.subarray(0, 10000));
  assert.ok(got.subarray(10000).every((b) => b === 0));
});

t.run();
