/** The conformance suite's cases that change the filesystem (a read-only view answers EROFS to them instead; see _vfs_suite.ts). */
import * as assert from "uvu/assert";
import { type Case, code, DIR, enc, listAll, O, readAll, RW, SEC, text, withFd } from "./_vfs_cases.ts";
import { put } from "./_view.ts";

/** Cases that change the filesystem (a read-only view answers EROFS to them instead). */
export const CHANGES: Record<string, Case> = {
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
