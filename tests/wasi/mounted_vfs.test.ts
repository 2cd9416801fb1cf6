/**
 * What the mount table adds to the FileSystem contract (the rest is the conformance
 * suite's, tests/fs/conformance.test.ts): routing by the longest target, EXDEV across
 * filesystems, EBUSY for a mount point, read-only mounts beside a writable root.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MemVfs, MountedVfs } from "../../src/wasi/mod.ts";
import { put } from "../fs/_view.ts";
import { code } from "../fs/_vfs_cases.ts";

const t = suite("the mount table");
const dec = new TextDecoder();


function table() {
  const root = new MemVfs(), vol = new MemVfs(), inner = new MemVfs(), ro = new MemVfs();
  put(root, "/etc/hostname", "c1");
  put(root, "/data/hidden", "under the mount");
  put(vol, "/file", "in the volume");
  put(inner, "/deep", "in the inner mount");
  put(ro, "/conf", "read-only");
  root.mkdir("/data/inner");
  root.mkdir("/ro");
  const fs = new MountedVfs(root, [
    { target: "/data", fs: vol },
    { target: "/data/inner", fs: inner },
    { target: "/ro", fs: ro, readOnly: true },
  ]);
  vol.mkdir("/inner");
  return { fs, root, vol, inner, ro };
}

t("a path goes to the filesystem of the longest target that holds it", () => {
  const { fs, vol, inner } = table();
  assert.is(dec.decode(fs.readFile("/data/file")), "in the volume");
  assert.is(dec.decode(fs.readFile("/data/inner/deep")), "in the inner mount");
  assert.is(dec.decode(fs.readFile("/etc/hostname")), "c1");
  assert.is(code(() => fs.stat("/data/hidden")), "ENOENT"); // the root's file under the mount point is hidden
  assert.is(fs.stat("/data").ino, vol.stat("/").ino);
  assert.is(fs.stat("/data/inner/").ino, inner.stat("/").ino);
  fs.writeFile("/data/new", new TextEncoder().encode("n"));
  assert.is(dec.decode(vol.readFile("/new")), "n");
});

t("rename and link across two filesystems are EXDEV, as across mount points on Linux", () => {
  const { fs } = table();
  assert.is(code(() => fs.rename("/etc/hostname", "/data/hostname")), "EXDEV");
  assert.is(code(() => fs.rename("/data/file", "/data/inner/file")), "EXDEV");
  assert.is(code(() => fs.link("/data/file", "/etc/file")), "EXDEV");
  fs.rename("/data/file", "/data/moved");
  assert.is(dec.decode(fs.readFile("/data/moved")), "in the volume");
});

t("a mount point cannot be removed, renamed or made again", () => {
  const { fs } = table();
  assert.is(code(() => fs.rmdir("/data")), "EBUSY");
  assert.is(code(() => fs.rename("/data", "/elsewhere")), "EBUSY");
  assert.is(code(() => fs.mkdir("/data")), "EEXIST");
});

t("a read-only mount refuses changes through paths and fds while the rest stays writable", () => {
  const { fs, ro } = table();
  const O = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true };
  assert.is(code(() => fs.writeFile("/ro/conf", new Uint8Array(1))), "EROFS");
  assert.is(code(() => fs.chmod("/ro/conf", 0o600)), "EROFS");
  const h = fs.open("/ro/conf", O);
  assert.is(code(() => h.truncate(0)), "EROFS");
  h.close();
  assert.is(dec.decode(ro.readFile("/conf")), "read-only");
  fs.writeFile("/etc/motd", new TextEncoder().encode("hi"));
  fs.chmod("/etc/motd", 0o600);
  assert.is(fs.stat("/etc/motd").mode, 0o600);
});

t.run();
