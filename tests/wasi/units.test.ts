import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { wasi } from "@bjorn3/browser_wasi_shim";
import { errnoOf, toErrno, WasiError, MemVfs, Filestat, fileDigest } from "../../src/wasi/mod.ts";
import { resolveAt } from "../../src/wasi/_path.ts";
import { importMemory } from "../../src/wasi/_memory_cap.ts";
import { moduleInfo } from "../../src/wasi/module_info.ts";
import { sha256Hex } from "../../src/wasi/_sha256.ts";
import { fixture } from "./_helpers.ts";
import { put } from "../fs/_view.ts";

const units = suite("wasi pieces");

units("errno names map to WASI errnos, EACCES included", () => {
  assert.is(errnoOf("ENOENT"), wasi.ERRNO_NOENT);
  assert.is(errnoOf("EACCES"), wasi.ERRNO_ACCES);
  assert.is(toErrno(new WasiError("EXDEV")), wasi.ERRNO_XDEV);
});

units("an error without an errno name is rethrown, never hidden as EIO", () => {
  assert.throws(() => toErrno(new TypeError("bug")), /bug/);
  assert.throws(() => errnoOf("EWHATEVER"), /Cannot map errno name "EWHATEVER"/);
});

units("WASI paths may not be absolute or climb above their directory", () => {
  assert.equal(resolveAt("/", "a/./b/../c/"), { path: "/a/c", trailingSlash: true });
  assert.throws(() => resolveAt("/d", "../x"), (e: WasiError) => e.code === "ENOTCAPABLE");
  assert.throws(() => resolveAt("/", "/etc"), (e: WasiError) => e.code === "ENOTCAPABLE");
});

units("filestat times are written at offsets 40, 48 and 56", () => {
  const view = new DataView(new ArrayBuffer(64));
  new Filestat({ dev: 1n, ino: 2n, type: "file", nlink: 3n, size: 4n, atim: 5n, mtim: 6n, ctim: 7n, mode: 0o644, uid: 0, gid: 0 }).write_bytes(view, 0);
  assert.equal([24, 32, 40, 48, 56].map((o) => view.getBigUint64(o, true)), [3n, 4n, 5n, 6n, 7n]);
});

units("readdir cookies stay valid when the directory changes during a listing", () => {
  const vfs = new MemVfs();
  for (const n of ["a", "b", "c"]) put(vfs, `/d/${n}`, n);
  const h = vfs.open("/d", { read: true, write: false, create: false, exclusive: false, truncate: false, directory: true, follow: true });
  const first = h.readdir(0n, 3); // ".", "..", "a"
  vfs.unlink("/d/a");
  put(vfs, "/d/e", "e");
  assert.equal(h.readdir(first[2].next, 10).map((e) => e.name), ["b", "c", "e"]);
});

units("hard links share an inode and count links", () => {
  const vfs = new MemVfs();
  put(vfs, "/x", "1");
  vfs.link("/x", "/y");
  assert.is(vfs.lstat("/y").ino, vfs.lstat("/x").ino);
  assert.is(vfs.lstat("/x").nlink, 2n);
});

units("symlinks resolve inside the root, and 41 hops are ELOOP", () => {
  const vfs = new MemVfs();
  put(vfs, "/etc/f", "x");
  vfs.symlink("/etc", "/lnk");
  vfs.symlink("../../../../etc/f", "/etc/up");
  assert.is(vfs.stat("/lnk/f").type, "file");
  assert.is(vfs.stat("/etc/up").type, "file");
  vfs.symlink("loop", "/loop");
  assert.throws(() => vfs.stat("/loop"), (e: WasiError) => e.code === "ELOOP");
});

units("importMemory makes the module's memory an import, so one compiled module runs under any cap", () => {
  const module = new WebAssembly.Module(importMemory(fixture("hello"))! as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module);
  assert.equal(imports.filter((i) => i.kind === "memory"), [{ module: "env", name: "memory", kind: "memory" }]);
  const stubs = Object.fromEntries(imports.filter((i) => i.kind === "function").map((i) => [i.name, () => 0]));
  const initial = moduleInfo(fixture("hello")).memory!.initial;
  for (const [maximum, grows] of [[initial + 4, false], [initial + 64, true]] as const) {
    const memory = new WebAssembly.Memory({ initial, maximum });
    const inst = new WebAssembly.Instance(module, { wasi_snapshot_preview1: stubs, env: { memory } });
    assert.is(inst.exports.memory, memory, "the module exports the memory it was given");
    let grew = true;
    try {
      memory.grow(8);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      grew = false;
    }
    assert.is(grew, grows, `grow by 8 pages under a maximum of ${maximum}`);
  }
});

units("the synchronous sha256 matches node:crypto", () => {
  for (const n of [0, 55, 56, 64, 1000]) {
    const d = new Uint8Array(n).map((_, i) => i * 13);
    assert.is(sha256Hex(d), createHash("sha256").update(d).digest("hex"));
  }
  const bytes = fixture("hello");
  assert.is(fileDigest(bytes), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
});

units.run();
