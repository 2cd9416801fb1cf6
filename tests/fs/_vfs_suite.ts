/**
 * One conformance suite for every `FileSystem` (src/fs/types.ts), in the manner of
 * containerd's snapshotter suite (core/snapshots/testsuite): `vfsSuite(name, factory,
 * caps)` runs the same cases over an implementation, and the flat `MemVfs` is the oracle
 * (the random operation lists must give its results and its tree).
 *
 * The factory makes a fresh filesystem holding `BASE` for each case. It returns a
 * `Subject`: `fs` is what the operations go to; `check`, when given, is the object the
 * results are read back from after the operations (default: `fs` itself). That is the
 * seam for "make a filesystem; run these operations through some channel; read back from
 * another object": a union whose upper is serialized and restored, a MemVfs snapshot, or
 * (later) changes made in a worker thread and read back in the engine. `done` releases
 * what the factory made (a temporary directory).
 *
 * `caps` says what the implementation is: a read-only view (`writable: false`) must
 * answer EROFS to every change, through a path or a handle, and keep its tree; a host
 * directory resolves beneath its root (`beneath`: a symlink leading out is EXDEV, so
 * random symlinks stay inside); `differs` names cases that are known to differ, each
 * with its reason, which is printed and the case skipped for that implementation.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { FileSystem, FsHandle, OpenOptions } from "../../src/fs/mod.ts";
import { MemVfs } from "../../src/wasi/mod.ts";
import { dir, file, link, symlink } from "../tar/_fixtures.ts";
import type { TarInput } from "../../src/tar/mod.ts";
import { apply, type Op, put, view } from "./_view.ts";

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

export interface Subject {
  /** The filesystem the operations go to. */
  fs: FileSystem;
  /** The filesystem to read the results back from, after the operations (default `fs`). */
  check?: () => FileSystem;
  /** Release what the factory made. */
  done?: () => void;
}

export interface Capabilities {
  /** false: a read-only view; every change fails with EROFS. Default true. */
  writable?: boolean;
  /** Resolution beneath the root (openat2 RESOLVE_BENEATH): a symlink out of the root is EXDEV, not resolved inside it. */
  beneath?: string;
  /** Cases known to differ here, by name, with the reason (printed; the case is skipped). */
  differs?: Record<string, string>;
}

const enc = new TextEncoder(), dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);
const O: OpenOptions = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true };
const RW: OpenOptions = { ...O, write: true };
const DIR: OpenOptions = { ...O, directory: true };
const SEC = 1_000_000_000n;
const MODES = { modes: true };

function code(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** `fn` on an fd of `path`, closed after whatever `fn` does. */
function withFd<T>(fs: FileSystem, path: string, opts: OpenOptions, fn: (h: FsHandle) => T): T {
  const h = fs.open(path, opts);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}

function readAll(h: FsHandle): string {
  const buf = new Uint8Array(h.size());
  return text(buf.subarray(0, h.read(buf, 0)));
}

/** Every entry of a directory handle, read `step` at a time from cookie 0. */
function listAll(h: FsHandle, step: number): string[] {
  const names: string[] = [];
  for (let cookie = 0n; ;) {
    const batch = h.readdir(cookie, step);
    if (!batch.length) return names;
    for (const e of batch) names.push(e.name), cookie = e.next;
  }
}

type Case = (fs: FileSystem, seen: () => FileSystem) => void;

/** Cases that change the filesystem (a read-only view answers EROFS to them instead). */
const CHANGES: Record<string, Case> = {
  "write and read go through an fd whose name was renamed": (fs, seen) => {
    const h = fs.open("/a/x", RW);
    fs.rename("/a/x", "/b/y");
    h.write(enc.encode("NEW"), 0);
    assert.is(readAll(h), "NEWer-x");
    h.close();
    assert.is(text(seen().readFile("/b/y")), "NEWer-x");
    assert.is(code(() => seen().lstat("/a/x")), "ENOENT");
  },
  "an fd keeps its file after the name is unlinked, and the name is gone": (fs, seen) => {
    const h = fs.open("/a/x", RW);
    fs.unlink("/a/x");
    h.write(enc.encode("still"), 0);
    assert.is(readAll(h), "still-x");
    assert.is(h.stat().nlink, 0n);
    assert.is(code(() => fs.stat("/a/x")), "ENOENT");
    h.close();
    assert.equal(seen().readdir("/a").map((e) => e.name), ["d"]);
  },
  "truncate through an fd grows with zeros and shrinks; O_TRUNC through a path empties": (fs, seen) => {
    const h = fs.open("/a/x", RW);
    h.truncate(3);
    assert.is(h.size(), 3);
    h.truncate(5);
    assert.equal([...fs.readFile("/a/x")], [...enc.encode("low"), 0, 0]);
    h.close();
    fs.open("/a/d/z", { ...RW, truncate: true }).close();
    assert.is(seen().stat("/a/d/z").size, 0n);
    assert.is(seen().stat("/a/x").size, 5n);
  },
  "O_APPEND writes at the end whatever the position, and append() says where": (fs, seen) => {
    const h = fs.open("/a/x", { ...RW, append: true });
    h.write(enc.encode("+1"), 0);
    assert.is(h.append(enc.encode("+2")), 9);
    h.close();
    assert.is(text(seen().readFile("/a/x")), "lower-x+1+2");
  },
  "chmod through a path and an fd sets the permission bits": (fs, seen) => {
    fs.chmod("/a/x", 0o600);
    assert.is(fs.stat("/a/x").mode & 0o777, 0o600);
    const h = fs.open("/a/d", DIR);
    h.chmod(0o700);
    h.close();
    fs.chmod("/s", 0o750); // follows the link: /a
    assert.is(seen().stat("/a/x").mode & 0o777, 0o600);
    assert.is(seen().stat("/a/d").mode & 0o777, 0o700);
    assert.is(seen().stat("/a").mode & 0o777, 0o750);
  },
  "chown through a path and an fd sets the owner": (fs, seen) => {
    fs.chown("/a/x", { uid: 1000, gid: 1001 });
    const h = fs.open("/b", DIR);
    h.chown({ uid: 7, gid: 8 });
    h.close();
    const x = seen().stat("/a/x"), b = seen().stat("/b");
    assert.equal([x.uid, x.gid, b.uid, b.gid], [1000, 1001, 7, 8]);
  },
  "utimes sets times through a path and an fd, takes now, and need not follow": (fs, seen) => {
    fs.utimes("/a/x", { atime: 1000n * SEC, mtime: 2000n * SEC });
    fs.utimes("/s", { atime: 3000n * SEC, mtime: 4000n * SEC }, { follow: false });
    withFd(fs, "/a/d/z", O, (h) => h.utimes({ atime: 5000n * SEC, mtime: 6000n * SEC }));
    const t0 = BigInt(Date.now() - 2000) * 1_000_000n;
    fs.utimes("/b", { mtime: "now" });
    const x = seen().stat("/a/x"), z = seen().stat("/a/d/z"), s = seen().lstat("/s");
    assert.equal([x.atim, x.mtim], [1000n * SEC, 2000n * SEC]);
    assert.equal([s.atim, s.mtim], [3000n * SEC, 4000n * SEC]);
    assert.equal([z.atim, z.mtim], [5000n * SEC, 6000n * SEC]);
    assert.ok(seen().stat("/b").mtim >= t0);
  },
  "utimes leaves a null or absent time as it was": (fs, seen) => {
    const before = seen().stat("/a/x");
    fs.utimes("/a/x", { atime: 1000n * SEC, mtime: null });
    withFd(fs, "/a/x", O, (h) => h.utimes({ atime: 1500n * SEC }));
    const x = seen().stat("/a/x");
    assert.equal([x.atim, x.mtim], [1500n * SEC, before.mtim]);
  },
  "a hard link made below stays one inode when written through one name": (fs, seen) => {
    const h = fs.open("/h1", { ...RW, truncate: true });
    h.write(enc.encode("both"), 0);
    h.close();
    assert.is(text(fs.readFile("/h2")), "both");
    const a = seen().stat("/h1"), b = seen().stat("/h2");
    assert.is(a.ino, b.ino);
    assert.is(a.nlink, 2n);
    assert.is(text(seen().readFile("/h2")), "both");
  },
  "an fd opened for reading before a copy-up reads what is written after it through another name": (fs, seen) => {
    const r = fs.open("/h1", O);
    withFd(fs, "/h2", RW, (w) => w.write(enc.encode("HL"), 0));
    fs.chmod("/h2", 0o600);
    assert.is(readAll(r), "HL");
    assert.is(r.stat().mode & 0o777, 0o600);
    r.close();
    assert.is(seen().stat("/h1").mode & 0o777, 0o600);
  },
  "an fd on a file replaced by a rename keeps the old bytes": (fs, seen) => {
    const old = fs.open("/a/d/z", O);
    fs.rename("/a/x", "/a/d/z");
    assert.is(readAll(old), "z");
    old.close();
    assert.is(text(seen().readFile("/a/d/z")), "lower-x");
  },
  "a directory fd keeps listing its directory after the directory is renamed": (fs, seen) => {
    const d = fs.open("/a/d", DIR);
    fs.rename("/a/d", "/b/moved");
    put(fs, "/b/moved/new", "n");
    assert.equal(listAll(d, 10).slice(2).sort(), ["new", "z"]);
    d.close();
    assert.equal(seen().readdir("/b/moved").map((e) => e.name), ["new", "z"]);
  },
  "a directory's link count is 2 plus its subdirectories, as mkdir, rmdir and rename change them": (fs, seen) => {
    fs.mkdir("/b/s1");
    fs.mkdir("/b/s2");
    fs.rename("/a/d", "/b/s3");
    fs.rmdir("/b/s1");
    assert.equal([seen().stat("/a").nlink, seen().stat("/b").nlink], [2n, 4n]);
  },
  "'..' after a symlink climbs from where the link leads, not from its name": (fs) => {
    fs.symlink("../a/d", "/b/l");
    assert.is(text(fs.readFile("/b/l/../x")), "lower-x");
    assert.is(fs.stat("/b/l/..").ino, fs.stat("/a").ino);
  },
  "symlinks: a loop is ELOOP, a create through a dangling one makes its target, an exclusive one fails": (fs, seen) => {
    fs.symlink("l2", "/l1");
    fs.symlink("l1", "/l2");
    assert.is(code(() => fs.stat("/l1")), "ELOOP");
    fs.symlink("b/made", "/dl");
    assert.is(code(() => fs.open("/dl", { ...RW, create: true, exclusive: true })), "EEXIST");
    assert.is(code(() => fs.mkdir("/dl")), "EEXIST");
    withFd(fs, "/dl", { ...RW, create: true }, (h) => h.write(enc.encode("via link"), 0));
    assert.is(text(seen().readFile("/b/made")), "via link");
    assert.is(seen().lstat("/dl").type, "symlink");
  },
  "a write past the end leaves zeros between": (fs, seen) => {
    withFd(fs, "/a/d/z", RW, (h) => h.write(enc.encode("!"), 4));
    assert.equal([...seen().readFile("/a/d/z")], [122, 0, 0, 0, 33]);
  },
  "link follows a symlink source only when asked": (fs, seen) => {
    fs.symlink("x", "/a/lx");
    fs.link("/a/lx", "/b/target", { follow: true });
    fs.link("/a/lx", "/b/itself");
    assert.is(seen().lstat("/b/target").ino, seen().lstat("/a/x").ino);
    assert.is(seen().lstat("/b/itself").type, "symlink");
    assert.is(seen().lstat("/b/itself").ino, seen().lstat("/a/lx").ino);
  },
  "a hard link made here shares the inode, and unlinking one name keeps the other": (fs, seen) => {
    fs.link("/a/x", "/b/x2");
    withFd(fs, "/b/x2", RW, (h) => h.write(enc.encode("L"), 0));
    fs.unlink("/a/x");
    assert.is(seen().stat("/b/x2").nlink, 1n);
    assert.is(text(seen().readFile("/b/x2")), "Lower-x");
  },
  "readdir cookies stay valid while the directory changes": (fs) => {
    for (const n of ["m1", "m2", "m3", "m4"]) put(fs, `/b/${n}`, n);
    const h = fs.open("/b", DIR);
    const first = h.readdir(0n, 3);
    assert.equal(first.slice(0, 2).map((e) => e.name), [".", ".."]);
    const gone = ["m1", "m2", "m3", "m4"].find((n) => n !== first[2]!.name)!;
    fs.unlink(`/b/${gone}`);
    put(fs, "/b/m5", "5");
    const rest: string[] = [];
    for (let cookie = first[2]!.next; ;) {
      const batch = h.readdir(cookie, 2);
      if (!batch.length) break;
      for (const e of batch) rest.push(e.name), cookie = e.next;
    }
    h.close();
    const names = [first[2]!.name, ...rest];
    assert.is(new Set(names).size, names.length, `no name twice: ${names}`);
    for (const n of ["m1", "m2", "m3", "m4"]) if (n !== gone) assert.ok(names.includes(n), `${n} listed: ${names}`);
  },
  "files made through open, writeFile, mkdir and symlink read back with their modes": (fs, seen) => {
    fs.mkdir("/n", { mode: 0o711 });
    fs.writeFile("/n/w", enc.encode("w"), { mode: 0o640 });
    const h = fs.open("/n/o", { ...RW, create: true, exclusive: true, mode: 0o600 });
    h.write(enc.encode("o"), 0);
    h.close();
    fs.symlink("w", "/n/l");
    const s = seen();
    assert.equal(s.readdir("/n").map((e) => `${e.name}:${e.type}`), ["l:symlink", "o:file", "w:file"]);
    assert.equal([s.stat("/n").mode & 0o777, s.stat("/n/w").mode & 0o777, s.stat("/n/o").mode & 0o777], [0o711, 0o640, 0o600]);
    assert.is(text(s.readFile("/n/l")), "w");
    assert.is(s.readlink("/n/l"), "w");
  },
  "changes fail with the errno POSIX gives": (fs) => {
    assert.is(code(() => fs.open("/a/x", { ...RW, create: true, exclusive: true })), "EEXIST");
    assert.is(code(() => fs.mkdir("/a")), "EEXIST");
    assert.is(code(() => fs.mkdir("/none/x")), "ENOENT");
    assert.is(code(() => fs.unlink("/a")), "EISDIR");
    assert.is(code(() => fs.rmdir("/a")), "ENOTEMPTY");
    assert.is(code(() => fs.rmdir("/a/x")), "ENOTDIR");
    assert.is(code(() => fs.rename("/a", "/a/d/in")), "EINVAL");
    assert.is(code(() => fs.rename("/a/x", "/b")), "EISDIR");
    assert.is(code(() => fs.rename("/b", "/a/x")), "ENOTDIR");
    assert.is(code(() => fs.rename("/b", "/a")), "ENOTEMPTY");
    assert.is(code(() => fs.link("/a", "/c")), "EPERM");
    assert.is(code(() => fs.link("/a/x", "/b")), "EEXIST");
    assert.is(code(() => fs.symlink("t", "/a/x")), "EEXIST");
    assert.is(code(() => fs.open("/a", RW)), "EISDIR");
    const ro = fs.open("/a/x", O);
    assert.is(code(() => ro.write(enc.encode("no"), 0)), "EBADF");
    ro.close();
  },
};

/** Cases that only read. */
const READS: Record<string, Case> = {
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

/** The operations of the random lists, on names that exist in BASE or can be made. */
const NAMES = ["/a", "/b", "/a/x", "/a/y", "/b/x", "/c", "/a/d", "/a/d/z"];
function opArb(targets: string[]): fc.Arbitrary<Op> {
  return fc.oneof(
    fc.tuple(fc.constant("write" as const), fc.constantFrom(...NAMES), fc.constantFrom("1", "22", "")),
    fc.tuple(fc.constant("mkdir" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("rmdir" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("unlink" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("rename" as const), fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("link" as const), fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("symlink" as const), fc.constantFrom(...NAMES), fc.constantFrom(...targets)),
    fc.tuple(fc.constant("chmod" as const), fc.constantFrom(...NAMES, "/h2"), fc.constantFrom(0o600, 0o751)),
    fc.tuple(fc.constant("fdopen" as const), fc.constantFrom(...NAMES, "/h1", "/h2"), fc.boolean()),
    fc.tuple(fc.constant("fdwrite" as const), fc.nat(2), fc.constantFrom("W", "long write")),
    fc.tuple(fc.constant("fdread" as const), fc.nat(2)),
    fc.tuple(fc.constant("fdtruncate" as const), fc.nat(2), fc.constantFrom(0, 2, 12)),
    fc.tuple(fc.constant("fdclose" as const), fc.nat(2)),
  );
}
/** Symlink targets: inside the root from anywhere ("../c" from the root climbs above it), or absolute. */
const TARGETS = ["a", "/b", "../c"];
const TARGETS_BENEATH = ["a", "x", "d/z"];

/** Mutations through paths and handles, each of which a read-only view must refuse. */
const REFUSED: Array<[string, (fs: FileSystem) => unknown]> = [
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

/** Run the suite over one implementation. `factory` makes a fresh filesystem holding BASE. */
export function vfsSuite(name: string, factory: () => Subject, caps: Capabilities = {}): void {
  const t = suite(`FileSystem conformance: ${name}`);
  const writable = caps.writable ?? true;
  const run = (caseName: string, body: Case) => {
    const reason = caps.differs?.[caseName];
    if (reason) {
      console.log(`  skip "${caseName}" on ${name}: ${reason}`);
      return;
    }
    t(caseName, () => {
      const s = factory();
      try {
        body(s.fs, s.check ?? (() => s.fs));
      } finally {
        s.done?.();
      }
    });
  };
  for (const [n, body] of Object.entries(READS)) run(n, body);
  if (writable) {
    for (const [n, body] of Object.entries(CHANGES)) run(n, body);
    run("random operation lists give the oracle's results and tree", (fs, seen) => randomLists(fs, seen, caps, factory));
  } else {
    run("every change through a path or an fd fails with EROFS, and the tree stays", (fs, seen) => {
      for (const [what, change] of REFUSED) assert.is(code(() => change(fs)), "EROFS", what);
      assert.equal(view(seen(), MODES), view(oracle(), MODES));
    });
  }
  t.run();
}

/** The model-based case: random operation lists on a fresh subject and on the oracle; same answers, same tree. */
function randomLists(first: FileSystem, firstSeen: () => FileSystem, caps: Capabilities, factory: () => Subject): void {
  if (caps.beneath) console.log(`  random symlinks stay inside the root: ${caps.beneath}`);
  // The first run uses the case's subject (the caller releases it); the others make and release their own.
  let given: Subject | null = { fs: first, check: firstSeen };
  fc.assert(fc.property(fc.array(opArb(caps.beneath ? TARGETS_BENEATH : TARGETS), { maxLength: 25 }), (ops) => {
    const own = given === null;
    const s = given ?? factory();
    given = null;
    try {
      const model = oracle();
      const mine: Array<FsHandle | undefined> = [], its: Array<FsHandle | undefined> = [];
      try {
        for (const op of ops) assert.is(apply(s.fs, op, mine), apply(model, op, its), JSON.stringify(op));
      } finally {
        for (const h of [...mine, ...its]) h?.close();
      }
      assert.equal(view((s.check ?? (() => s.fs))(), MODES), view(model, MODES));
    } finally {
      if (own) s.done?.();
    }
  }), { numRuns: caps.beneath ? 60 : 150 });
}
