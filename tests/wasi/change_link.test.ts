/**
 * ChangeLink (src/wasi/change_link.ts) without threads: two "worker" copies of one
 * container's upper, made from the same snapshot as the engine's, each with its range of
 * inode numbers; each copy's records are applied to the engine's copy and forwarded to
 * the other's inbox, as _replay.ts does. Every copy must end the same, inode numbers
 * included, whatever names the files have by then.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  applyChange, decodeTagged, deserializeUpper, type FsHandle, Layer, serializeUpper, UnionFS, WritableLayer,
} from "../../src/fs/mod.ts";
import { ChangeLink } from "../../src/wasi/mod.ts";
import { Ring } from "../../src/wasi/_ring.ts";
import { writeTar } from "../../src/tar/mod.ts";
import { dir, file, link } from "../tar/_fixtures.ts";
import { view } from "../fs/_view.ts";

const t = suite("change link (records by inode between copies)");
const enc = new TextEncoder(), dec = new TextDecoder();
const W = { read: true, write: true, create: true, exclusive: false, truncate: false, directory: false, follow: true };
const RANGE = 1000;

function setup() {
  const lowers = [new Layer(writeTar([dir("tmp"), file("tmp/lower", "below"), file("h1", "linked"), link("h2", "h1")]))];
  const engine = new UnionFS({ lowers, upper: new WritableLayer() });
  engine.writeFile("/tmp/before", enc.encode("made before the runs"));
  const copies = [0, 1].map(() => {
    const upper = deserializeUpper(serializeUpper(engine.upper));
    const fs = new UnionFS({ lowers, upper });
    upper.nextIno = engine.upper.reserveInodes(RANGE);
    upper.inoEnd = upper.nextIno + RANGE;
    return { fs, inbox: new Ring(1 << 20), out: [] as Uint8Array[] };
  });
  const links = copies.map((c) => new ChangeLink(new Map([["root", c.fs.upper]]), (f) => void c.out.push(f), 1 << 12, c.inbox));
  /** What the engine's pump does: apply each copy's frames, forward them to the other copy. */
  const pump = () => {
    copies.forEach((c, i) => {
      for (const f of c.out.splice(0)) {
        applyChange(engine.upper, decodeTagged(f).rec);
        copies[1 - i]!.inbox.push(f, 0);
      }
    });
    links.forEach((l) => l.sync());
  };
  return { engine, copies, pump, a: copies[0]!.fs, b: copies[1]!.fs };
}

const text = (fs: UnionFS, path: string) => dec.decode(fs.readFile(path));

t("files renamed, unlinked or left under a hard link only while open reach the engine's copy exactly", () => {
  const { engine, pump, a } = setup();
  const h = a.open("/tmp/a", W);
  a.rename("/tmp/a", "/tmp/b"); // { mv /tmp/a /tmp/b; echo hello; } > /tmp/a
  h.write(enc.encode("hello\n"), 0);
  const spill = a.open("/tmp/spill", W);
  a.unlink("/tmp/spill"); // the temp-file pattern
  spill.write(enc.encode("x".repeat(10_000)), 0); // more than a frame: split
  const back = new Uint8Array(10_000);
  assert.is(spill.read(back, 0), 10_000);
  const s = a.open("/tmp/scratch", W);
  a.link("/tmp/scratch", "/tmp/kept");
  a.unlink("/tmp/scratch");
  s.write(enc.encode("under the link"), 0);
  const lower = a.open("/h2", { ...W, create: false }); // a hard-linked lower file, copied up through one name
  lower.write(enc.encode("L"), 0);
  pump();
  assert.equal([text(engine, "/tmp/b"), text(engine, "/tmp/kept"), text(engine, "/h1")], ["hello\n", "under the link", "Linked"]);
  assert.is(engine.upper.inodes.get(Number(spill.stat().ino))?.size, 10_000, "the unlinked file's bytes are on the engine's side while it is open");
  spill.close();
  pump();
  assert.not.ok(engine.upper.inodes.has(Number(spill.stat().ino)), "and forgotten once closed");
  assert.equal(view(engine), view(a));
});

t("two copies creating files at once never share an inode number, and all three copies end the same", () => {
  const { engine, pump, a, b } = setup();
  const handles: FsHandle[] = [];
  for (let i = 0; i < 5; i++) {
    a.writeFile(`/tmp/a${i}`, enc.encode(`a${i}`));
    b.writeFile(`/tmp/b${i}`, enc.encode(`b${i}`));
    handles.push(b.open(`/tmp/b${i}`, { ...W, create: false }));
    pump();
  }
  a.mkdir("/tmp/dir");
  b.rename("/tmp/b0", "/tmp/renamed"); // b moves a file a has seen
  pump();
  handles[0]!.write(enc.encode("B"), 0);
  pump();
  assert.equal(view(a), view(engine));
  assert.equal(view(b), view(engine));
  assert.is(text(a, "/tmp/renamed"), "B0");
  const inos = [...engine.readdir("/tmp")].map((e) => e.ino);
  assert.is(new Set(inos).size, inos.length);
});

t("a copy creates no inode past its range (ENOSPC), and the engine numbers after every range", () => {
  const { engine, a } = setup();
  a.upper.inoEnd = a.upper.nextIno + 2;
  a.writeFile("/tmp/1", enc.encode("1"));
  a.writeFile("/tmp/2", enc.encode("2"));
  assert.throws(() => a.writeFile("/tmp/3", enc.encode("3")), (e: Error & { code?: string }) => e.code === "ENOSPC");
  engine.writeFile("/tmp/e", enc.encode("e"));
  assert.ok(Number(engine.stat("/tmp/e").ino) >= a.upper.inoEnd);
});

t("what a run leaves of its range is given back when nothing was numbered after it", () => {
  const upper = new WritableLayer();
  upper.nextIno = 10;
  const base = upper.reserveInodes(100);
  upper.returnInodes(base, 100, 14);
  assert.is(upper.nextIno, 15);
  const first = upper.reserveInodes(100), second = upper.reserveInodes(100);
  upper.returnInodes(first, 100, -1); // another range was given after it: nothing comes back
  assert.is(upper.nextIno, second + 100);
});

t.run();
