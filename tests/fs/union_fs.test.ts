import { suite } from "uvu";
import * as assert from "uvu/assert";
import { diff, exportMerged, exportUpper, Layer, sizes, UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import { dir, file, link, symlink, text } from "../tar/_fixtures.ts";
import { commit, unionOf, view } from "./_view.ts";
import { code } from "./_vfs_cases.ts";

const t = suite("the union filesystem");
const enc = new TextEncoder();
const W = { read: true, write: true, create: true, exclusive: false, truncate: false, directory: false, follow: true };
const D = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: true, follow: true };


const image = () => unionOf(
  [dir("usr"), dir("usr/bin"), file("usr/bin/sh", "sh"), symlink("bin", "usr/bin"), dir("etc"), file("etc/hosts", "h"), symlink("loop", "loop")],
  [symlink("etc/abs", "/usr/bin/sh"), symlink("etc/up", "../../../../usr/bin/sh"), file("etc/passwd", "root")],
);

t("symlinks resolve inside the root: absolute targets and .. past the root stay in it", () => {
  const fs = image();
  assert.is(text(fs.readFile("/bin/sh")), "sh");
  assert.is(text(fs.readFile("/etc/abs")), "sh");
  assert.is(text(fs.readFile("/etc/up")), "sh");
  assert.is(text(fs.readFile("/../../etc/passwd")), "root");
  assert.is(fs.lstat("/bin").type, "symlink");
  assert.is(fs.stat("/bin/").type, "dir");
});

t("the resolver gives ELOOP, ENAMETOOLONG, ENOTDIR and ENOENT as POSIX does", () => {
  const fs = image();
  assert.is(code(() => fs.stat("/loop")), "ELOOP");
  assert.is(fs.lstat("/loop").type, "symlink");
  assert.is(code(() => fs.stat(`/${"x".repeat(256)}`)), "ENAMETOOLONG");
  // The limits count UTF-8 bytes: 128 two-byte letters are 256 bytes, 127 of them fit.
  assert.is(code(() => fs.stat(`/${"é".repeat(128)}`)), "ENAMETOOLONG");
  assert.is(code(() => fs.stat(`/${"é".repeat(127)}`)), "ENOENT");
  assert.is(code(() => fs.stat(`/${"😀".repeat(64)}`)), "ENAMETOOLONG");
  assert.is(code(() => fs.stat(`/${"a/".repeat(2100)}`)), "ENAMETOOLONG");
  assert.is(code(() => fs.stat("/etc/passwd/x")), "ENOTDIR");
  assert.is(code(() => fs.stat("/etc/passwd/")), "ENOTDIR");
  assert.is(code(() => fs.stat("/nope/x")), "ENOENT");
  assert.is(code(() => fs.stat("")), "ENOENT");
  assert.is(code(() => fs.open("/etc/new/", W)), "EISDIR");
  assert.is(code(() => fs.open("/loop", { ...W, create: false, follow: false })), "ELOOP");
  assert.is(fs.stat("/etc/.").type, "dir");
  assert.is(fs.stat("/etc/..").ino, fs.stat("/").ino);
});

t("41 chained symlinks are too many; 40 resolve", () => {
  const chain = (n: number) => [file("f0", "end"), ...Array.from({ length: n }, (_, i) => symlink(`f${i + 1}`, `f${i}`))];
  assert.is(text(unionOf(chain(40)).readFile("/f40")), "end");
  assert.is(code(() => unionOf(chain(41)).readFile("/f41")), "ELOOP");
});

t("a relative path starts at the root, and .. stops there", () => {
  const fs = image();
  assert.is(text(fs.readFile("etc/passwd")), "root");
  assert.is(text(fs.readFile("../../../usr/bin/sh")), "sh");
  fs.writeFile("etc/made", enc.encode("m"));
  assert.is(text(fs.readFile("/etc/made")), "m");
});

t("an unlinked file lives until its last handle closes, a read-only one opened before the copy-up included", () => {
  const fs = image();
  const R = { ...W, write: false, create: false };
  const ro = fs.open("/etc/hosts", R); // on the lower inode
  const other = fs.open("/usr/bin/sh", R);
  const w = fs.open("/etc/hosts", W); // copies up
  w.write(enc.encode("new"), 0);
  fs.unlink("/etc/hosts");
  w.close();
  const ino = Number(ro.ino);
  assert.ok(fs.upper.inodes.has(ino), "released while a handle was open");
  const buf = new Uint8Array(8);
  assert.is(text(buf.subarray(0, ro.read(buf, 0))), "new");
  other.close();
  assert.ok(fs.upper.inodes.has(ino), "released when another file's handle closed");
  ro.close();
  assert.is(fs.upper.inodes.has(ino), false);
});

t("a read-only fd on a lower file whose only name is unlinked sees nlink 0 and still reads it", () => {
  const fs = unionOf([file("f", "lower bytes")]);
  const h = fs.open("/f", { ...W, write: false, create: false });
  fs.unlink("/f");
  const buf = new Uint8Array(11);
  assert.equal([h.stat().nlink, h.read(buf, 0), text(buf)], [0n, 11, "lower bytes"]);
  h.close();
  assert.equal([...fs.upper.inodes.keys()], [fs.root.ino], "forgotten once closed");
});

t("an open file keeps working after it is unlinked, and a rename keeps its inode", () => {
  const fs = image();
  const ino = fs.stat("/etc/hosts").ino;
  const h = fs.open("/etc/hosts", W);
  fs.rename("/etc/hosts", "/hosts2");
  assert.is(fs.stat("/hosts2").ino, ino);
  fs.unlink("/hosts2");
  h.write(enc.encode("more"), 1);
  const buf = new Uint8Array(8);
  assert.is(text(buf.subarray(0, h.read(buf, 0))), "hmore");
  assert.is(h.stat().nlink, 0n);
  h.close();
  assert.is(code(() => fs.stat("/hosts2")), "ENOENT");
});

t("a handle appends, reports its size, truncates and sets times (now and omit)", () => {
  const fs = image();
  const h = fs.open("/etc/passwd", { ...W, append: true });
  h.write(enc.encode(":x"), 0);
  assert.is(h.append(enc.encode("!")), 6);
  assert.is(h.size(), 7);
  assert.is(text(fs.readFile("/etc/passwd")), "root:x!");
  h.truncate(2);
  assert.is(text(fs.readFile("/etc/passwd")), "ro");
  const before = h.stat();
  h.utimes({ atime: 7n, mtime: null });
  assert.is(h.stat().atim, 7n);
  assert.is(h.stat().mtim, before.mtim);
  fs.utimes("/etc/passwd", { mtime: "now" });
  assert.ok(fs.stat("/etc/passwd").mtim >= BigInt(Date.now() - 5000) * 1_000_000n);
  const ro = fs.open("/etc/hosts", { ...W, write: false, create: false });
  assert.is(code(() => ro.write(enc.encode("x"), 0)), "EBADF");
});

t("hard links stay linked after copy-up, and unlink counts them down", () => {
  const fs = unionOf([file("a", "same"), link("b", "a")]);
  assert.is(fs.stat("/a").nlink, 2n);
  fs.writeFile("/a", enc.encode("changed"));
  assert.is(text(fs.readFile("/b")), "changed");
  assert.is(fs.stat("/a").ino, fs.stat("/b").ino);
  fs.link("/b", "/c");
  assert.is(fs.stat("/c").nlink, 3n);
  fs.unlink("/a");
  assert.is(fs.stat("/b").nlink, 2n);
  assert.equal(view(commit(fs)), view(fs));
});

t("a whole lower directory renames across layers, keeping inode numbers", () => {
  const fs = unionOf([dir("d"), file("d/x", "1"), dir("d/sub"), file("d/sub/y", "2")]);
  const ino = fs.stat("/d").ino, x = fs.stat("/d/x").ino;
  fs.rename("/d", "/e");
  assert.is(fs.stat("/e").ino, ino);
  assert.is(fs.stat("/e/x").ino, x);
  assert.equal(view(fs), ["/e dir", "/e/sub dir", "/e/sub/y file \"2\"", "/e/x file \"1\""]);
  assert.is(code(() => fs.rename("/e", "/e/sub/in")), "EINVAL");
  assert.equal(view(commit(fs)), view(fs));
  assert.equal(diff(fs).map((c) => `${c.Kind} ${c.Path}`), ["2 /d", "1 /e", "1 /e/sub", "1 /e/sub/y", "1 /e/x"]);
});

t("a metadata change through a read-only handle copies up, and export keeps it", () => {
  const fs = unionOf([dir("etc"), file("etc/conf", "c", 0o644)]);
  const h = fs.open("/etc/conf", { ...W, write: false, create: false });
  h.chmod(0o600);
  h.close();
  assert.is(fs.stat("/etc/conf").mode, 0o600);
  assert.equal(diff(fs), [{ Path: "/etc", Kind: 0 }, { Path: "/etc/conf", Kind: 0 }]);
  assert.is(commit(fs).stat("/etc/conf").mode, 0o600);
});

/** Every inode of the upper that has a name is named by the upper tree (copy-up enters each copy: UnionFS.copyUpInode). */
function everyCopyNamed(fs: UnionFS): void {
  const named = new Set<number>();
  const walk = (d: import("../../src/fs/inode.ts").Inode) => {
    for (const e of d.entries!.values()) if (typeof e === "object") named.add(e.ino), e.kind === "dir" && walk(e);
  };
  walk(fs.root);
  for (const n of fs.upper.inodes.values()) if (n !== fs.root && n.nlink > 0) assert.ok(named.has(n.ino), `inode ${n.ino} has no name in the upper tree`);
}

t("a copy-up through a handle or of a hard link's other names is named in the upper tree at every name that shows it", () => {
  const fs = unionOf([dir("a"), dir("b"), file("a/one", "linked"), link("b/two", "a/one"), link("b/three", "a/one"), file("plain", "p")]);
  const h = fs.open("/b/two", { ...W, write: false, create: false });
  h.chmod(0o600); // through a handle: the copy has no path of its own
  h.close();
  everyCopyNamed(fs);
  assert.equal(diff(fs).map((c) => `${c.Kind} ${c.Path}`), ["0 /a", "0 /a/one", "0 /b", "0 /b/three", "0 /b/two"]);
  fs.unlink("/b/three"); // one name of a lower hard link goes: the others carry the copy with its count
  const p = fs.open("/plain", { ...W, write: false, create: false });
  p.utimes({ mtime: 7n });
  p.close();
  everyCopyNamed(fs);
  assert.equal([fs.stat("/a/one").nlink, fs.stat("/b/two").mode, fs.stat("/plain").mtim], [2n, 0o600, 7n]);
  assert.equal(diff(fs).map((c) => `${c.Kind} ${c.Path}`), ["0 /a", "0 /a/one", "0 /b", "2 /b/three", "0 /b/two", "0 /plain"]);
  assert.equal(view(commit(fs)), view(fs));
});

t("readdir cookies stay stable while the directory changes during a listing", () => {
  const fs = unionOf([dir("d"), file("d/a"), file("d/b"), file("d/c")]);
  const h = fs.open("/d", D);
  const first = h.readdir(0n, 3);
  assert.equal(first.map((e) => e.name), [".", "..", "a"]);
  fs.unlink("/d/b");
  fs.writeFile("/d/0", enc.encode(""));
  assert.equal(h.readdir(first[2]!.next, 10).map((e) => e.name), ["b", "c"]);
  assert.equal(h.readdir(0n, 10).map((e) => e.name), [".", "..", "0", "a", "c"]);
});

t("sizes: SizeRw counts the upper, SizeRootFs the merged view", () => {
  const fs = unionOf([file("big", "x".repeat(1000)), file("small", "abc")]);
  assert.equal(sizes(fs), { sizeRw: 0, sizeRootFs: 1003 });
  fs.writeFile("/new", enc.encode("12345"));
  fs.unlink("/big");
  assert.equal(sizes(fs), { sizeRw: 5, sizeRootFs: 8 });
});

t("two containers of one image never see each other's writes", () => {
  const lowers = [new Layer(writeTar([dir("etc"), file("etc/motd", "hi")]))];
  const a = new UnionFS({ lowers, upper: new WritableLayer() });
  const b = new UnionFS({ lowers, upper: new WritableLayer() });
  const ha = a.open("/etc/motd", W);
  ha.write(enc.encode("A!"), 0);
  b.chmod("/etc/motd", 0o600);
  b.rename("/etc", "/etc2");
  assert.is(text(a.readFile("/etc/motd")), "A!");
  assert.is(a.stat("/etc/motd").mode, 0o644);
  assert.is(text(b.readFile("/etc2/motd")), "hi");
  assert.is(text(lowers[0]!.entries.find((e) => e.path === "etc/motd")!.data), "hi");
});

t("a layer exports the exact bytes it came from, and a SharedArrayBuffer layer works", () => {
  const tar = writeTar([dir("d"), file("d/f", "shared")]);
  const sab = new Uint8Array(new SharedArrayBuffer(tar.length));
  sab.set(tar);
  const layer = new Layer(sab);
  assert.is(layer.exportTar(), sab);
  const fs = new UnionFS({ lowers: [layer], upper: new WritableLayer() });
  assert.is(text(fs.readFile("/d/f").slice()), "shared");
  fs.writeFile("/d/f", enc.encode("mine"));
  assert.is(text(fs.readFile("/d/f")), "mine");
  assert.is(text(layer.entries[1]!.data.slice()), "shared");
});

t("exportUpper() is sorted, with whiteouts and link entries, and re-imports to the same view", () => {
  const fs = unionOf([dir("a"), file("a/x", "1"), file("a/y", "2")]);
  fs.unlink("/a/x");
  fs.writeFile("/z", enc.encode("z"));
  fs.link("/z", "/a/l");
  const entries = indexTar(exportUpper(fs));
  assert.equal(entries.map((e) => `${e.type} ${e.path}`), ["dir a", "file a/.wh.x", "file a/l", "hardlink z"]);
  assert.equal(entries.map((e) => e.path), [...entries.map((e) => e.path)].sort());
  assert.ok(entries.some((e) => e.path === "a/.wh.x" && e.mode === 0));
  assert.ok(entries.some((e) => e.type === "hardlink" && e.path === "z" && e.linkname === "a/l"));
  assert.equal(view(commit(fs)), view(fs));
  assert.equal(indexTar(exportMerged(fs)).map((e) => e.path), ["a", "a/l", "a/y", "z"]);
});

t.run();
