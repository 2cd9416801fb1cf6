import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  applyChange, type ChangeRecord, decodeChange, deserializeUpper, encodeChange, type FsHandle, Layer, serializeUpper, UnionFS, WritableLayer,
} from "../../src/fs/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";
import { dir, file, link, symlink } from "../tar/_fixtures.ts";
import { view } from "./_view.ts";

const t = suite("the change journal and upper snapshots");
const enc = new TextEncoder();

const lowers = [
  new Layer(writeTar([symlink("s", "a"), file("a/x", "top-x")])),
  new Layer(writeTar([dir("a/d"), file("a/d/z", "z"), file("h1", "linked"), link("h2", "h1")])),
  new Layer(writeTar([dir("a"), file("a/x", "lower-x"), dir("b"), file("b/y", "y")])),
];

const NAMES = ["/a", "/b", "/a/x", "/b/y", "/a/d", "/a/d/z", "/h1", "/h2", "/c", "/s/x"];
type JOp =
  | ["write" | "append", string, string] | ["mkdir" | "rmdir" | "unlink", string] | ["rename" | "link", string, string]
  | ["symlink", string, string] | ["chmod", string, number] | ["utimes", string, "now" | null | bigint]
  | ["truncate", string, number] | ["orphan", string, string] | ["fchmod", string, number];

const name = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<JOp> = fc.oneof(
  fc.tuple(fc.constantFrom("write" as const, "append" as const), name, fc.constantFrom("1", "22", "")),
  fc.tuple(fc.constantFrom("mkdir" as const, "rmdir" as const, "unlink" as const), name),
  fc.tuple(fc.constantFrom("rename" as const, "link" as const), name, name),
  fc.tuple(fc.constant("symlink" as const), name, fc.constantFrom("a", "/b", "../c")),
  fc.tuple(fc.constant("chmod" as const), name, fc.constantFrom(0o600, 0o755)),
  fc.tuple(fc.constant("utimes" as const), name, fc.constantFrom("now" as const, null, 5_000_000_000n)),
  fc.tuple(fc.constant("truncate" as const), name, fc.constantFrom(0, 3, 9000)),
  fc.tuple(fc.constant("orphan" as const), name, fc.constantFrom("w", "ww")),
  fc.tuple(fc.constant("fchmod" as const), name, fc.constantFrom(0o400, 0o711)),
);

const W = { read: true, write: true, create: true, exclusive: false, truncate: false, directory: false, follow: true };

function run(fs: UnionFS, op: JOp): void {
  let h: FsHandle | undefined;
  try {
    switch (op[0]) {
      case "write": fs.writeFile(op[1], enc.encode(op[2])); break;
      case "append": h = fs.open(op[1], { ...W, append: true }); h.write(enc.encode(op[2]), 0); break;
      case "mkdir": fs.mkdir(op[1]); break;
      case "rmdir": fs.rmdir(op[1]); break;
      case "unlink": fs.unlink(op[1]); break;
      case "rename": fs.rename(op[1], op[2]); break;
      case "link": fs.link(op[1], op[2]); break;
      case "symlink": fs.symlink(op[2], op[1]); break;
      case "chmod": fs.chmod(op[1], op[2]); break;
      case "utimes": fs.utimes(op[1], { atime: op[2], mtime: "now" }); break;
      case "truncate": h = fs.open(op[1], { ...W, create: false }); h.truncate(op[2]); break;
      case "orphan": // open, unlink, then keep writing through the handle
        h = fs.open(op[1], W);
        fs.unlink(op[1]);
        h.write(enc.encode(op[2]), 1);
        break;
      case "fchmod": h = fs.open(op[1], { ...W, write: false, create: false }); h.chmod(op[2]); break;
    }
  } catch (err) {
    if (!(err as { code?: string }).code) throw err;
  } finally {
    h?.close();
  }
}

t("an upper replayed from its journal is identical to the original, inode numbers included", () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 12 }), fc.array(opArb, { maxLength: 25 }), (before, ops) => {
    const start = new UnionFS({ lowers, upper: new WritableLayer() });
    for (const op of before) run(start, op);
    const snapshot = serializeUpper(start.upper);
    const a = new UnionFS({ lowers, upper: deserializeUpper(snapshot) });
    const frames: Uint8Array[] = [];
    a.upper.onChange = (rec) => frames.push(encodeChange(rec)); // bytes, as a shared-memory ring carries them
    for (const op of ops) run(a, op);
    const b = new UnionFS({ lowers, upper: deserializeUpper(snapshot) });
    for (const f of frames) applyChange(b.upper, decodeChange(f));
    assert.equal(serializeUpper(b.upper), serializeUpper(a.upper));
    assert.equal(view(b), view(a));
    assert.is(b.upper.nextIno, a.upper.nextIno);
  }), { numRuns: 200 });
});

t("every change is reported as it happens, as plain data", () => {
  const fs = new UnionFS({ lowers, upper: new WritableLayer() });
  const seen: ChangeRecord[] = [];
  fs.upper.onChange = (rec) => seen.push(structuredClone(rec));
  const h = fs.open("/a/x", W);
  assert.equal(seen.map((r) => r.op), ["copyUp", "entry", "copyUp", "entry"]); // /a copied up and placed, then /a/x
  seen.length = 0;
  h.write(enc.encode("new"), 0);
  assert.is(seen.length, 1);
  const w = seen[0]!;
  assert.is(w.op, "write");
  if (w.op === "write") assert.equal([...w.data], [...enc.encode("new")]);
  h.close();
});

t("a write through a handle whose file was unlinked still reaches the replica", () => {
  const a = new UnionFS({ lowers, upper: new WritableLayer() });
  const b = new UnionFS({ lowers, upper: new WritableLayer() });
  a.upper.onChange = (rec) => applyChange(b.upper, decodeChange(encodeChange(rec)));
  const h = a.open("/tmpfile", W);
  a.unlink("/tmpfile");
  h.write(enc.encode("still here"), 0);
  const into = new Uint8Array(10);
  assert.is(h.read(into, 0), 10);
  assert.equal(b.upper.inodes.get(Number(h.ino))!.size, 10);
  h.close();
  assert.is(a.upper.inodes.has(Number(h.ino)), false);
  assert.is(b.upper.inodes.has(Number(h.ino)), false);
});

t("deserializeUpper() refuses bytes that are not a serialized upper", () => {
  try {
    deserializeUpper(new Uint8Array([1, 2, 3]));
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code?: string }).code, "EINVAL");
  }
});

t("a restored upper not yet mounted serializes to the bytes it came from", () => {
  const fs = new UnionFS({ lowers, upper: new WritableLayer() });
  fs.writeFile("/b/new", enc.encode("n"));
  const bytes = serializeUpper(fs.upper);
  assert.equal(serializeUpper(deserializeUpper(bytes)), bytes);
});

t.run();
