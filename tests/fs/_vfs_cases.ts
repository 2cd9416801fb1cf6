/**
 * The conformance suite's starting tree (`BASE`), its oracle, the helpers its cases share,
 * the cases that only read, and the changes a read-only view must refuse. See
 * _vfs_suite.ts for how they run.
 */
import * as assert from "uvu/assert";
import type { FileSystem, FsHandle, OpenOptions } from "../../src/fs/mod.ts";
import { MemVfs } from "../../src/wasi/mod.ts";
import { dir, file, link, symlink } from "../tar/_fixtures.ts";
import type { TarInput } from "../../src/tar/mod.ts";
import { put, view } from "./_view.ts";

/** The starting tree of every case: tar entries, so a union can hold them in its layers. `/h1` and `/h2` are one inode. */
export const BASE: TarInput[] = [
  dir("a"), file("a/x", "lower-x"), dir("a/d"), file("a/d/z", "z"), dir("b"), symlink("s", "a"), file("h1", "hl"), link("h2", "h1"),
];

/** BASE written through any filesystem's own calls (a host directory, a MemVfs). */
export function writeBase(fs: FileSystem): void {
  for (const e of BASE) {
    const path = `/${e.path}`;
    if (e.type === "dir") fs.mkdir(path, { mode: e.mode });
    else if (e.type === "file") put(fs, path, (e as { data: Uint8Array }).data, { mode: e.mode });
    else if (e.type === "symlink") fs.symlink(e.linkname!, path);
    else if (e.type === "hardlink") fs.link(`/${e.linkname}`, path);
  }
}

/** The oracle: BASE in a flat MemVfs. */
export function oracle(): MemVfs {
  const m = new MemVfs();
  writeBase(m);
  return m;
}

export const enc = new TextEncoder(), dec = new TextDecoder();
export const text = (b: Uint8Array) => dec.decode(b);
export const O: OpenOptions = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true };
export const RW: OpenOptions = { ...O, write: true };
export const DIR: OpenOptions = { ...O, directory: true };
export const SEC = 1_000_000_000n;
export const MODES = { modes: true };

export function code(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** `fn` on an fd of `path`, closed after whatever `fn` does. */
export function withFd<T>(fs: FileSystem, path: string, opts: OpenOptions, fn: (h: FsHandle) => T): T {
  const h = fs.open(path, opts);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}

export function readAll(h: FsHandle): string {
  const buf = new Uint8Array(h.size());
  return text(buf.subarray(0, h.read(buf, 0)));
}

/** Every entry of a directory handle, read `step` at a time from cookie 0. */
export function listAll(h: FsHandle, step: number): string[] {
  const names: string[] = [];
  for (let cookie = 0n; ;) {
    const batch = h.readdir(cookie, step);
    if (!batch.length) return names;
    for (const e of batch) names.push(e.name), cookie = e.next;
  }
}

export type Case = (fs: FileSystem, seen: () => FileSystem) => void;

/** Cases that only read. */
export const READS: Record<string, Case> = {
  "starts as the oracle's tree": (_fs, seen) => {
    assert.equal(view(seen(), MODES), view(oracle(), MODES));
  },
  "stat follows a symlink and lstat does not; reads fail with the errno POSIX gives": (fs) => {
    assert.is(fs.stat("/s").type, "dir");
    assert.is(fs.lstat("/s").type, "symlink");
    assert.is(fs.readlink("/s"), "a");
    assert.is(text(fs.readFile("/s/x")), "lower-x");
    assert.is(fs.stat("/a/x").size, 7n);
    assert.is(code(() => fs.stat("/nope")), "ENOENT");
    assert.is(code(() => fs.stat("/a/x/y")), "ENOTDIR");
    assert.is(code(() => fs.readlink("/a/x")), "EINVAL");
    assert.is(code(() => fs.readFile("/a")), "EISDIR");
    assert.is(code(() => fs.readdir("/a/x")), "ENOTDIR");
    assert.is(code(() => fs.open("/a/x", DIR)), "ENOTDIR");
    assert.is(code(() => fs.open("/s", { ...O, follow: false })), "ELOOP");
  },
  "an fd reads at any position, and a directory fd lists . and .. first": (fs) => {
    const h = fs.open("/a/x", O);
    const buf = new Uint8Array(3);
    assert.is(h.read(buf, 2), 3);
    assert.is(text(buf), "wer");
    assert.is(h.read(buf, 7), 0);
    assert.equal([h.kind, h.ino, h.size()], ["file", fs.stat("/a/x").ino, 7]);
    h.close();
    const d = fs.open("/a", DIR);
    assert.equal(listAll(d, 1).slice(0, 2), [".", ".."]);
    assert.equal(listAll(d, 100).slice(2).sort(), ["d", "x"]);
    assert.is(d.kind, "dir");
    d.close();
    assert.equal(fs.readdir("/").map((e) => e.name), ["a", "b", "h1", "h2", "s"]);
  },
  "a trailing slash asks for a directory": (fs) => {
    assert.is(fs.stat("/a/").type, "dir");
    assert.is(fs.stat("/s/").type, "dir");
    assert.is(code(() => fs.stat("/a/x/")), "ENOTDIR");
    assert.is(code(() => fs.lstat("/a/x/")), "ENOTDIR");
    assert.is(code(() => fs.open("/a/x/", O)), "ENOTDIR");
    assert.is(code(() => fs.readFile("/a/x/")), "ENOTDIR");
  },
  "names longer than 255 bytes are ENAMETOOLONG": (fs) => {
    assert.is(code(() => fs.stat(`/${"n".repeat(256)}`)), "ENAMETOOLONG");
    assert.is(code(() => fs.stat(`/a/${"é".repeat(128)}`)), "ENAMETOOLONG");
    assert.is(code(() => fs.stat(`/${"n".repeat(255)}`)), "ENOENT");
  },
  "directory entries agree with lstat on type and inode": (fs) => {
    for (const dir of ["/", "/a"]) {
      for (const e of fs.readdir(dir)) {
        const st = fs.lstat(`${dir === "/" ? "" : dir}/${e.name}`);
        assert.equal([e.name, e.type, e.ino], [e.name, st.type, st.ino]);
      }
    }
    assert.is(fs.lstat("/s").size, 1n);
    assert.is(fs.stat("/a").nlink, 3n);
  },
};

/** Mutations through paths and handles, each of which a read-only view must refuse. */
export const REFUSED: Array<[string, (fs: FileSystem) => unknown]> = [
  ["open for writing", (fs) => fs.open("/a/x", RW)],
  ["O_TRUNC", (fs) => fs.open("/a/x", { ...O, truncate: true })],
  ["O_APPEND", (fs) => fs.open("/a/x", { ...O, append: true })],
  ["O_CREAT of a new name", (fs) => fs.open("/a/new", { ...O, create: true })],
  ["writeFile", (fs) => fs.writeFile("/a/x", enc.encode("no"))],
  ["mkdir", (fs) => fs.mkdir("/n")],
  ["rmdir", (fs) => fs.rmdir("/b")],
  ["unlink", (fs) => fs.unlink("/a/x")],
  ["rename", (fs) => fs.rename("/a/x", "/b/x")],
  ["link", (fs) => fs.link("/a/x", "/b/x")],
  ["symlink", (fs) => fs.symlink("a", "/n")],
  ["utimes", (fs) => fs.utimes("/a/x", { mtime: 0n })],
  ["chmod", (fs) => fs.chmod("/a/x", 0o600)],
  ["chown", (fs) => fs.chown("/a/x", { uid: 1, gid: 1 })],
  ["an fd's write", (fs) => withFd(fs, "/a/x", O, (h) => h.write(enc.encode("no"), 0))],
  ["an fd's append", (fs) => withFd(fs, "/a/x", O, (h) => h.append(enc.encode("no")))],
  ["an fd's truncate", (fs) => withFd(fs, "/a/x", O, (h) => h.truncate(0))],
  ["an fd's utimes", (fs) => withFd(fs, "/a/x", O, (h) => h.utimes({ mtime: 0n }))],
  ["an fd's chmod", (fs) => withFd(fs, "/a/x", O, (h) => h.chmod(0o600))],
  ["an fd's chown", (fs) => withFd(fs, "/b", DIR, (h) => h.chown({ uid: 1, gid: 1 }))],
];
