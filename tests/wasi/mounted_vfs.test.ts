/**
 * What the mount table adds to the FileSystem contract (the rest is the conformance
 * suite's, tests/fs/conformance.test.ts): routing by the longest target, EXDEV across
 * mounts, EBUSY for a mount point, read-only mounts beside a writable root, a file or
 * directory of a filesystem mounted on its own (Docker's /etc/hosts), and mount points
 * listed in their directory when the filesystem beneath has no such name.
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

/** A root without /dev or /etc/hosts, and one small filesystem whose /hosts file and /shm directory are mounted apart. */
function fileMounts() {
  const root = new MemVfs(), own = new MemVfs(), dev = new MemVfs();
  put(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh");
  put(own, "/hosts", "127.0.0.1\tlocalhost\n");
  own.mkdir("/shm");
  put(dev, "/null", "");
  const fs = new MountedVfs(root, [
    { target: "/etc/hosts", fs: own, path: "/hosts" },
    { target: "/dev", fs: dev },
    { target: "/dev/shm", fs: own, path: "/shm" },
  ]);
  return { fs, root, own };
}
const RW = { read: true, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true };

t("a file mounted on its own is read, written and stat'ed at its target; the filesystem beneath never sees it", () => {
  const { fs, root, own } = fileMounts();
  assert.is(dec.decode(fs.readFile("/etc/hosts")), "127.0.0.1\tlocalhost\n");
  assert.is(fs.stat("/etc/hosts").ino, own.stat("/hosts").ino);
  const h = fs.open("/etc/hosts", RW);
  h.append(new TextEncoder().encode("10.0.0.5\tdb\n"));
  h.close();
  assert.is(dec.decode(own.readFile("/hosts")), "127.0.0.1\tlocalhost\n10.0.0.5\tdb\n");
  assert.is(code(() => root.stat("/etc/hosts")), "ENOENT");
  assert.is(code(() => fs.readdir("/etc/hosts")), "ENOTDIR");
  assert.is(code(() => fs.stat("/etc/hosts/x")), "ENOTDIR");
  fs.writeFile("/dev/shm/x", new TextEncoder().encode("x"));
  assert.is(dec.decode(own.readFile("/shm/x")), "x");
});

t("a mounted file cannot be unlinked, renamed over or linked over (EBUSY, EEXIST); two mounts of one filesystem are still two (EXDEV)", () => {
  const { fs } = fileMounts();
  put(fs, "/etc/new", "n");
  assert.is(code(() => fs.unlink("/etc/hosts")), "EBUSY");
  assert.is(code(() => fs.rename("/etc/new", "/etc/hosts")), "EBUSY");
  assert.is(code(() => fs.rename("/etc/hosts", "/etc/old")), "EBUSY");
  assert.is(code(() => fs.symlink("x", "/etc/hosts")), "EEXIST");
  assert.is(code(() => fs.link("/dev/shm/x", "/etc/hosts")), "EXDEV");
  put(fs, "/dev/shm/x", "x");
  assert.is(code(() => fs.rename("/dev/shm/x", "/etc/hosts2")), "EXDEV");
  assert.is(code(() => fs.link("/dev/shm/x", "/dev/null2")), "EXDEV");
});

t("a directory lists the mount points in it that the filesystem beneath lacks, by path and through a handle, with stable cookies", () => {
  const { fs } = fileMounts();
  const names = (dir: string) => fs.readdir(dir).map((e) => `${e.name}:${e.type}`);
  assert.equal(names("/"), ["dev:dir", "etc:dir"]);
  assert.equal(names("/etc"), ["hosts:file", "passwd:file"]);
  assert.equal(names("/dev"), ["null:file", "shm:dir"]);
  const h = fs.open("/etc", { ...RW, write: false, directory: true });
  const first = h.readdir(0n, 2);
  assert.equal(first.map((e) => e.name), [".", ".."]);
  put(fs, "/etc/added", "later"); // a listing is a snapshot taken at cookie 0
  const rest = h.readdir(first[1]!.next, 10);
  assert.equal(rest.map((e) => [e.name, e.type]), [["hosts", "file"], ["passwd", "file"]]);
  assert.equal(h.readdir(rest[0]!.next, 10).map((e) => e.name), ["passwd"]);
  assert.is(h.readdir(0n, 10).length, 5);
  h.close();
});

t.run();
