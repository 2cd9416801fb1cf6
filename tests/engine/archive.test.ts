/**
 * `docker cp` in the engine (src/engine/archive.ts): statPath, getArchive and putArchive
 * on created, running and exited containers, through volumes and binds, with moby's
 * names and semantics; hostile archives refused with nothing written; a failure part way
 * undone. The real docker CLI and dockerode drive the same verbs in tests/integration.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileSystem, FsError, type FsHandle } from "../../src/fs/mod.ts";
import { gzip, indexTar, type TarEntry, type TarInput, writeTar } from "../../src/tar/mod.ts";
import { closeWorkers, MemVfs } from "../../src/wasi/mod.ts";
import type { Engine } from "../../src/engine/mod.ts";
import { nodePlatform, runtimeHost } from "../../server/platform/mod.ts";
import { DiskStore } from "../../server/store/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { shWaitFor, until } from "../_wait.ts";
import { failure, heldOpen, output, outputUntil, run, sampleEngine } from "./_samples.ts";

const t = suite("docker cp in the engine (the archive verbs)");
const { workerHost } = runtimeHost();
t.after(() => closeWorkers(workerHost));
const enc = new TextEncoder(), dec = new TextDecoder();

const file = (path: string, text: string, o: Partial<TarInput> = {}): TarInput => ({ path, type: "file", data: enc.encode(text), mode: 0o644, mtime: 1_700_000_000, ...o });
const dir = (path: string, o: Partial<TarInput> = {}): TarInput => ({ path, type: "dir", mode: 0o755, mtime: 1_700_000_000, ...o });

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
async function entriesOf(engine: Engine, id: string, path: string): Promise<TarEntry[]> {
  return indexTar(await bytesOf((await engine.containers.getArchive(id, path)).tar));
}
/** A file's text in the container, through getArchive. */
async function textOf(engine: Engine, id: string, path: string): Promise<string> {
  const [e] = await entriesOf(engine, id, path);
  return dec.decode(e!.data);
}
/** Everything the container's view holds (volumes and binds included: names, kinds, modes, owners, times, bytes) and its diff: equal before and after means nothing was written. */
async function everything(engine: Engine, id: string): Promise<[string[], unknown]> {
  const all = indexTar(await bytesOf((await engine.containers.getArchive(id, "/.")).tar)); // "/" names its entries "/bin"…, which indexTar refuses
  return [all.map((e) => `${e.type} ${e.path} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.mtime} ${e.linkname} ${e.size} ${dec.decode(e.data)}`), await engine.containers.changes(id)];
}
/** A created container that has run `sh -c script` to its end. */
async function ran(engine: Engine, script: string, o: Record<string, unknown> = {}): Promise<string> {
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", script], ...o });
  assert.is(r.code, 0, r.stderr);
  return r.id;
}

t("statPath answers moby's stat: base name, size, Go FileMode bits, RFC 3339 mtime, a symlink's target resolved in the container", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "mkdir /tmp/d; ln -s d /tmp/rel; ln -s /etc/hostname /tmp/abs; ln -s /nowhere/x /tmp/dangling; ln -s /tmp/loop1 /tmp/loop2; ln -s /tmp/loop2 /tmp/loop1");
  await engine.containers.putArchive(id, "/tmp", writeTar([file("f", "hi\n", { mode: 0o4755 })]));
  const f = await engine.containers.statPath(id, "/tmp/f");
  assert.equal({ ...f, mtime: "" }, { name: "f", size: 3, mode: 0o755 + 2 ** 23, mtime: "", linkTarget: "" });
  assert.match(f.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.is((await engine.containers.statPath(id, "/tmp/d")).mode, 2 ** 31 + 0o755);
  assert.equal(await engine.containers.statPath(id, "/tmp/rel").then((s) => [s.mode, s.linkTarget]), [2 ** 27 + 0o777, "/tmp/d"]);
  assert.is((await engine.containers.statPath(id, "/tmp/abs")).linkTarget, "/etc/hostname");
  assert.is((await engine.containers.statPath(id, "/tmp/dangling")).linkTarget, "/nowhere/x"); // as far as it goes, then as written
  assert.is((await engine.containers.statPath(id, "tmp/rel/")).mode, 2 ** 31 + 0o755); // a trailing slash follows the link
  assert.is((await engine.containers.statPath(id, "/")).name, "/");
  assert.equal(await failure(engine.containers.statPath(id, "/tmp/nope")), ["not-found", "Could not find the file /tmp/nope in container " + id]);
  assert.equal(await failure(engine.containers.statPath(id, "/tmp/f/x")), ["internal", "lstat /tmp/f/x: not a directory"]);
  assert.equal(await failure(engine.containers.statPath(id, "/tmp/loop1/x")), ["internal", "lstat /tmp/loop1/x: too many levels of symbolic links"]);
  assert.equal(await failure(engine.containers.statPath("nope", "/")), ["not-found", "No such container: nope"]);
});

t("getArchive names entries as moby does: a directory by its base name, dir/. as ./, a file or symlink as itself, a second name as a hard link", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "mkdir -p /srv/d/sub; echo a > /srv/d/a; ln /srv/d/a /srv/d/hard; ln -s a /srv/d/link; echo b > /srv/d/sub/b");
  const names = async (p: string) => (await entriesOf(engine, id, p)).map((e) => `${e.type}:${e.path}${e.linkname ? `>${e.linkname}` : ""}`);
  assert.equal(await names("/srv/d"), ["dir:d", "file:d/a", "hardlink:d/hard>d/a", "symlink:d/link>a", "dir:d/sub", "file:d/sub/b"]);
  assert.equal(await names("/srv/d/."), ["dir:", "file:a", "hardlink:hard>a", "symlink:link>a", "dir:sub", "file:sub/b"]); // "./", "./a"… (the reader drops "./")
  assert.equal(await names("/srv/d/sub/b"), ["file:b"]);
  assert.equal(await names("/srv/d/link"), ["symlink:link>a"]);
  const raw = await bytesOf((await engine.containers.getArchive(id, "/srv/d/.")).tar);
  assert.is(dec.decode(raw.subarray(0, 2)), "./"); // the names as written
  const { stat } = await engine.containers.getArchive(id, "/srv/d");
  assert.equal([stat.name, stat.mode], ["d", 2 ** 31 + 0o755]);
  assert.equal(await failure(engine.containers.getArchive(id, "/srv/none")), ["not-found", `Could not find the file /srv/none in container ${id}`]);
  const events: string[] = [];
  engine.events.subscribe((e) => events.push(e.Action));
  await engine.containers.getArchive(id, "/srv");
  assert.ok(events.includes("archive-path"));
});

t("getArchive streams: a large file arrives in slices and whole, its header's size and mode intact", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
  const big = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i % 251);
  await engine.containers.putArchive(Id, "/tmp", writeTar([{ path: "big", type: "file", data: big, mode: 0o600 }]));
  const { tar } = await engine.containers.getArchive(Id, "/tmp/big");
  const reader = tar.getReader();
  const sizes: number[] = [];
  const parts: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.length), parts.push(r.value);
  assert.ok(Math.max(...sizes) <= 64 * 1024, `a chunk of ${Math.max(...sizes)} bytes`);
  const [e] = indexTar(await bytesOf(new Blob(parts as BlobPart[]).stream()));
  assert.equal([e!.path, e!.size, e!.mode], ["big", big.length, 0o600]);
  assert.ok(e!.data.every((b, i) => b === i % 251));
});

t("putArchive extracts files, directories, symlinks and hard links with the archive's modes, owners and times", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "cat /opt/app/conf /opt/app/same; ls /opt/app/bin"] });
  await engine.containers.putArchive(Id, "/opt", writeTar([
    dir("app", { mode: 0o750, uid: 7, gid: 8 }), file("app/conf", "conf\n", { mode: 0o640, uid: 1000, gid: 1001, mtime: 1_600_000_000 }),
    // A link's header carries its file's metadata (moby applies it to the inode).
    { path: "app/same", type: "hardlink", linkname: "app/conf", mode: 0o640, uid: 1000, gid: 1001 },
    { path: "app/bin", type: "symlink", linkname: "/bin" }, file("app/x/y", "deep\n"),
  ]), { noOverwriteDirNonDir: true });
  const es = await entriesOf(engine, Id, "/opt/app");
  const by = new Map(es.map((e) => [e.path, e]));
  assert.equal([by.get("app")!.mode, by.get("app")!.uid, by.get("app")!.gid], [0o750, 7, 8]);
  const conf = by.get("app/conf")!;
  assert.equal([conf.mode, conf.uid, conf.gid, conf.mtime, dec.decode(conf.data)], [0o640, 1000, 1001, 1_600_000_000, "conf\n"]);
  assert.equal([by.get("app/same")!.type, by.get("app/same")!.linkname], ["hardlink", "app/conf"]);
  assert.equal([by.get("app/bin")!.type, by.get("app/bin")!.linkname], ["symlink", "/bin"]);
  assert.is(by.get("app/x")!.mode, 0o755); // an implied parent
  assert.is(by.get("app")!.mtime, 1_700_000_000); // directories' times are set last
  await engine.containers.start(Id);
  assert.is((await engine.containers.wait(Id)).StatusCode, 0);
  assert.match((await output(engine, Id)).stdout, /^conf\nconf\n.*toolbox/s);
});

t("a copy into a created container is there at its start, into an exited one after its run, into a running one for its process", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id: created } = await engine.containers.create({ Image: "toolbox", Cmd: ["cat", "/tmp/in"] });
  await engine.containers.putArchive(created, "/tmp", writeTar([file("in", "before start\n")]));
  await engine.containers.start(created);
  await engine.containers.wait(created);
  assert.is((await output(engine, created)).stdout, "before start\n");
  await engine.containers.putArchive(created, "/tmp", writeTar([file("in", "after exit\n")]));
  assert.is(await textOf(engine, created, "/tmp/in"), "after exit\n");
  await engine.containers.start(created);
  await engine.containers.wait(created);
  assert.is((await output(engine, created)).stdout, "before start\nafter exit\n");
  // Running: the inline program starts once its stdin ends, and reads the file then.
  const held = await heldOpen(engine, { Cmd: ["sh", "-c", "cat > /dev/null; cat /tmp/in"] });
  assert.is((await engine.containers.inspect(held.id)).State.Status, "running");
  await engine.containers.putArchive(held.id, "/tmp", writeTar([file("in", "while running\n")]));
  held.release();
  await engine.containers.wait(held.id);
  assert.is((await output(engine, held.id)).stdout, "while running\n");
});

t("the extraction point must be a directory: a missing one is 404, a file 400, a symlink to a directory is extracted into", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "ln -s /srv /tmp/to-srv; echo x > /tmp/file");
  const tar = writeTar([file("n", "n\n")]);
  assert.equal(await failure(engine.containers.putArchive(id, "/nope", tar)), ["not-found", `Could not find the file /nope in container ${id}`]);
  assert.equal(await failure(engine.containers.putArchive(id, "/tmp/file", tar)), ["invalid", "extraction point is not a directory"]);
  await engine.containers.putArchive(id, "/tmp/to-srv", tar);
  assert.is(await textOf(engine, id, "/srv/n"), "n\n");
  const events: string[] = [];
  engine.events.subscribe((e) => events.push(e.Action));
  await engine.containers.putArchive(id, "tmp", tar); // relative: from the root, as moby reads it
  assert.is(await textOf(engine, id, "/tmp/n"), "n\n");
  assert.ok(events.includes("extract-to-dir"));
});

t("an existing entry is replaced; directories merge; with noOverwriteDirNonDir a conflict is refused with moby's words and nothing extracted", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "mkdir -p /w/dir/keep; echo old > /w/file; echo k > /w/dir/keep/k");
  await engine.containers.putArchive(id, "/w", writeTar([file("file", "new\n"), dir("dir", { mode: 0o700 }), file("dir/added", "a\n")]), { noOverwriteDirNonDir: true });
  assert.is(await textOf(engine, id, "/w/file"), "new\n");
  assert.equal((await entriesOf(engine, id, "/w/dir")).map((e) => e.path), ["dir", "dir/added", "dir/keep", "dir/keep/k"]);
  assert.is((await engine.containers.statPath(id, "/w/dir")).mode, 2 ** 31 + 0o700);
  const before = await everything(engine, id);
  const fileOverDir = writeTar([file("a1", "1"), dir("d2"), file("d2/x", "x"), file("dir", "a file where a directory is")]);
  assert.equal(await failure(engine.containers.putArchive(id, "/w", fileOverDir, { noOverwriteDirNonDir: true })),
    ["invalid", `cannot overwrite directory "/w/dir" with non-directory "/w"`]);
  assert.equal(await failure(engine.containers.putArchive(id, "/w", writeTar([file("a1", "1"), dir("file")]), { noOverwriteDirNonDir: true })),
    ["invalid", `cannot overwrite non-directory "/w/file" with directory "/w"`]);
  assert.equal(await everything(engine, id), before);
  // Without the option (the API's default) the other kind replaces it.
  await engine.containers.putArchive(id, "/w", writeTar([file("dir", "now a file\n"), dir("file")]));
  assert.is(await textOf(engine, id, "/w/dir"), "now a file\n");
  assert.is((await engine.containers.statPath(id, "/w/file")).mode, 2 ** 31 + 0o755);
});

t("copies land in a volume and a bind mount when the path is inside one, on a created, an exited and a running container", async () => {
  const host = mkdtempSync(join(tmpdir(), "strata-cp-bind-"));
  try {
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "cat /data/v /mnt/b"], HostConfig: { Binds: ["vol:/data", `${host}:/mnt`] } });
    await engine.containers.putArchive(Id, "/", writeTar([file("data/v", "in the volume\n"), file("mnt/b", "in the bind\n")]));
    assert.is(readFileSync(join(host, "b"), "utf8"), "in the bind\n");
    await engine.containers.start(Id);
    await engine.containers.wait(Id);
    assert.is((await output(engine, Id)).stdout, "in the volume\nin the bind\n");
    assert.equal(await engine.containers.changes(Id), [{ Path: "/data", Kind: 1 }, { Path: "/mnt", Kind: 1 }]); // mount points only
    await engine.containers.putArchive(Id, "/data", writeTar([file("v2", "second\n")]));
    const other = await run(engine, { Image: "toolbox", Cmd: ["cat", "/x/v2"], HostConfig: { Binds: ["vol:/x"] } });
    assert.is(other.stdout, "second\n"); // stored in the volume, seen by another container
    assert.is(await textOf(engine, Id, "/mnt/b"), "in the bind\n");
    const held = await heldOpen(engine, { Cmd: ["sh", "-c", "cat > /dev/null; cat /data/v3"], HostConfig: { Binds: ["vol:/data"] } });
    await engine.containers.putArchive(held.id, "/data", writeTar([file("v3", "running\n")]));
    held.release();
    await engine.containers.wait(held.id);
    assert.is((await output(engine, held.id)).stdout, "running\n");
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

t("read-only mounts refuse: moby's words for the extraction point, the entry's name for a mount below it; nothing is extracted", async () => {
  const host = mkdtempSync(join(tmpdir(), "strata-cp-ro-"));
  try {
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: ["rov:/ro:ro", `${host}:/rb:ro`] } });
    assert.equal(await failure(engine.containers.putArchive(Id, "/ro", writeTar([file("x", "x")]))), ["invalid", "mounted volume is marked read-only"]);
    assert.equal(await failure(engine.containers.putArchive(Id, "/rb", writeTar([file("x", "x")]))), ["invalid", "mounted volume is marked read-only"]);
    const before = await everything(engine, Id);
    const [kind, msg] = await failure(engine.containers.putArchive(Id, "/", writeTar([file("tmp/ok", "ok"), file("rb/x", "x")])));
    assert.equal([kind, msg], ["invalid", `Cannot extract "rb/x" into / in container ${Id}: read-only file system (/rb/x); nothing was extracted`]);
    assert.equal(await everything(engine, Id), before);
    assert.equal(existsSync(join(host, "x")), false);
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

t("hostile archives are refused naming the entry, and nothing is written", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "mkdir /w; echo secret > /etc/secret");
  const before = await everything(engine, id);
  const ok = [dir("fine"), file("fine/a", "a")]; // good entries first: they must not land either
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["../ traversal", writeTar([...ok, file("../escape", "x")]), /unsafe entry name: path "\.\.\/escape" contains "\.\." in entry "\.\.\/escape"/],
    ["a deeper ../", writeTar([...ok, file("a/../../escape", "x")]), /contains "\.\."/],
    ["an absolute name", writeTar([...ok, file("/etc/passwd", "x")]), /unsafe entry name: absolute path "\/etc\/passwd"/],
    ["a symlink out, then written through", writeTar([...ok, { path: "out", type: "symlink", linkname: "../../../../" }, file("out/etc/passwd", "x")]),
      /entry "out\/etc\/passwd" would be written through the symlink "out" that the archive itself makes/],
    ["an absolute symlink written through", writeTar([...ok, { path: "etc", type: "symlink", linkname: "/etc" }, file("etc/secret", "x")]), /written through the symlink "etc"/],
    ["a hard link out", writeTar([...ok, { path: "h", type: "hardlink", linkname: "../etc/secret" }]), /hard link target "\.\.\/etc\/secret" escapes the archive root/],
    ["a hard link to a directory", writeTar([...ok, { path: "h", type: "hardlink", linkname: "fine" }]), /entry "h" is a hard link to the directory "fine"/],
    ["a hard link to nothing", writeTar([...ok, { path: "h", type: "hardlink", linkname: "nothing/here" }]), /Cannot extract "h" into \/w .*: no such file or directory/],
    ["a device", writeTar([...ok, { path: "null", type: "char", devmajor: 1, devminor: 3 }]), /entry "null" is a char device: strata's filesystems hold no device nodes or fifos/],
    ["below a file it makes", writeTar([...ok, file("f", "f"), file("f/x", "x")]), /entry "f\/x" is below "f", which the archive makes a non-directory/],
    ["a truncated archive", writeTar([...ok, file("big", "y".repeat(4000))]).subarray(0, 2560), /truncated body/],
    ["a body that is no tar", enc.encode("<html>not a tar</html>".repeat(40)), /Cannot read the archive: bad header checksum at offset 0/],
    ["bzip2", new Uint8Array([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26]), /compressed with bzip2, which strata does not read/],
    ["a name too long", writeTar([...ok, file("n".repeat(300), "x")]), /file name too long/],
  ];
  for (const [what, tar, expected] of cases) {
    const [kind, msg] = await failure(engine.containers.putArchive(id, "/w", tar));
    assert.is(kind === "invalid" || kind === "TarSyntaxError" || kind === "TarRangeError", true, `${what}: ${kind} ${msg}`);
    assert.match(msg, expected, what);
    assert.equal(await everything(engine, id), before, `${what} wrote something`);
  }
  const huge = writeTar([...ok, file("big", "z".repeat(200_000))]);
  const [, tooBig] = await failure(engine.containers.putArchive(id, "/w", huge, { maxBytes: 100_000 }));
  assert.match(tooBig, /past the archive's cap of 100000 bytes|exceeds the cap of 100000 bytes/);
  assert.equal(await everything(engine, id), before);
  // A gzip archive is read as moby reads it.
  await engine.containers.putArchive(id, "/w", await gzip(writeTar([file("z", "gz\n")])));
  assert.is(await textOf(engine, id, "/w/z"), "gz\n");
});

t("a file over an existing hard link replaces the name, never writes through it; a symlink in the container leads inside its own root", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const id = await ran(engine, "mkdir /w; echo secret > /etc/secret; ln /etc/secret /w/h; ln -s / /data; ln -s ../../../../../etc /w/up");
  await engine.containers.putArchive(id, "/w", writeTar([file("h", "replaced\n")]));
  assert.is(await textOf(engine, id, "/etc/secret"), "secret\n");
  assert.is(await textOf(engine, id, "/w/h"), "replaced\n");
  // /data -> / : the container's root (chroot rules), never the host's.
  await engine.containers.putArchive(id, "/data", writeTar([file("at-root", "r\n")]));
  assert.is(await textOf(engine, id, "/at-root"), "r\n");
  // A link climbing out of the root stays at the root: /w/up is the container's /etc.
  await engine.containers.putArchive(id, "/w", writeTar([file("up/added", "e\n")]));
  assert.is(await textOf(engine, id, "/etc/added"), "e\n");
});

t("links in a bind mount lead into the container, never out of the bind on the host", async () => {
  const root = mkdtempSync(join(tmpdir(), "strata-cp-esc-"));
  const host = join(root, "bind"), outside = join(root, "outside");
  mkdirSync(host);
  mkdirSync(outside);
  symlinkSync(outside, join(host, "abs")); // an absolute host path
  symlinkSync("../outside", join(host, "rel")); // climbs out of the bind
  try {
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: [`${host}:/mnt`] } });
    await engine.containers.putArchive(Id, "/mnt", writeTar([file("abs/x", "1"), file("rel/y", "2")]));
    assert.equal(existsSync(join(outside, "x")) || existsSync(join(outside, "y")), false);
    // In the container: /mnt/abs -> <root>/outside is that path in the container's root; /mnt/rel -> /outside.
    assert.is(await textOf(engine, Id, `${outside}/x`), "1");
    assert.is(await textOf(engine, Id, "/outside/y"), "2");
    assert.equal([lstatSync(join(host, "abs")).isSymbolicLink(), readlinkSync(join(host, "rel"))], [true, "../outside"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

t("copyUIDGID gives everything the container's user's ids; without a user the archive's own", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"], User: "nobody" });
  await engine.containers.putArchive(Id, "/tmp", writeTar([dir("d", { uid: 5, gid: 6 }), file("d/f", "f", { uid: 5, gid: 6 })]), { copyUIDGID: true });
  assert.equal((await entriesOf(engine, Id, "/tmp/d")).map((e) => [e.uid, e.gid]), [[65534, 65534], [65534, 65534]]);
  const { Id: plain } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
  await engine.containers.putArchive(plain, "/tmp", writeTar([file("f", "f", { uid: 5, gid: 6 })]), { copyUIDGID: true });
  assert.equal((await entriesOf(engine, plain, "/tmp/f")).map((e) => [e.uid, e.gid]), [[5, 6]]);
  const { Id: ghost } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"], User: "ghost" });
  assert.equal(await failure(engine.containers.putArchive(ghost, "/tmp", writeTar([file("f", "f")]), { copyUIDGID: true })),
    ["invalid", "unable to find user ghost: no matching entries in passwd file"]);
});

t("uploads share a memory budget: past it the copy is refused at once, nothing extracted, and the budget is whole again after", async () => {
  const engine = await sampleEngine(["toolbox"], { archiveMemoryBytes: 512 * 1024 });
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
  const before = await everything(engine, Id);
  const [kind, msg] = await failure(engine.containers.putArchive(Id, "/tmp", writeTar([file("big", "b".repeat(1024 * 1024))])));
  assert.equal(kind, "invalid");
  assert.match(msg, /memory budget for archives being copied in of 524288 bytes/);
  assert.equal(await everything(engine, Id), before);
  await engine.containers.putArchive(Id, "/tmp", writeTar([file("small", "s".repeat(200 * 1024))]));
  await engine.containers.putArchive(Id, "/tmp", writeTar([file("small2", "s".repeat(200 * 1024))])); // the first gave its share back
});

t("on the disk store an upload's bodies wait on disk, past the memory budget, and go when it ends; a spool a killed engine left goes at the next open", async () => {
  const home = mkdtempSync(join(tmpdir(), "strata-cp-disk-"));
  const spool = join(home, "files", "archive", "uploads");
  mkdirSync(spool, { recursive: true });
  writeFileSync(join(spool, "left-by-a-crash"), "x".repeat(1000));
  const engine = await createEngine({ store: DiskStore.open(home, { spillThreshold: 64 * 1024, onWarning: () => {} }), archiveMemoryBytes: 256 * 1024 });
  try {
    assert.equal(existsSync(spool) ? readdirSync(spool) : [], []);
    await engine.images.load(new Uint8Array(readFileSync(new URL("../../rootfs-samples/toolbox.tar", import.meta.url))));
    const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
    const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7) % 256);
    let seen: string[] = [];
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
    const put = engine.containers.putArchive(Id, "/tmp", body);
    const tar = writeTar([{ path: "big", type: "file", data: big }, file("after", "a")]);
    ctl.enqueue(tar.subarray(0, tar.length - 2048)); // all of big's body, not the end
    await until(() => existsSync(spool) && (seen = readdirSync(spool)).length === 1, { what: "the spool file" });
    ctl.enqueue(tar.subarray(tar.length - 2048));
    ctl.close();
    await put;
    assert.equal(existsSync(spool) ? readdirSync(spool) : [], [], `the spool file ${seen[0]} is removed`);
    const [e] = await entriesOf(engine, Id, "/tmp/big");
    assert.ok(e!.size === big.length && e!.data.every((b, i) => b === big[i]));
  } finally {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  }
});

/** A host-like directory (MemVfs) whose file writes fail with ENOSPC once `limit` bytes went in. */
class FullDisk extends MemVfs {
  used = 0;
  constructor(readonly limit: number) {
    super();
  }
  override open(path: string, o: Parameters<FileSystem["open"]>[1]): FsHandle {
    const h = super.open(path, o);
    const write = h.write.bind(h);
    h.write = (data, pos) => {
      if ((this.used += data.length) > this.limit) throw new FsError("ENOSPC", "", "write");
      return write(data, pos);
    };
    return h;
  }
}

t("a failure part way (a full disk) undoes everything: new names gone, replaced ones back, in the layer and in the mount", async () => {
  const disk = new FullDisk(10);
  const engine = await sampleEngine(["toolbox"], { platform: { bindDir: () => disk } });
  const id = await ran(engine, "mkdir -p /w/d; echo old > /w/keep; echo d > /w/d/x", { HostConfig: { Binds: ["/host:/mnt"] } });
  disk.writeFile("/before", enc.encode("host"));
  const before = await everything(engine, id);
  const [kind, msg] = await failure(engine.containers.putArchive(id, "/", writeTar([
    file("w/keep", "new"), file("w/d", "replaces a dir"), dir("w/n"), file("w/n/f", "f"), file("mnt/first", "12345"), file("mnt/second", "1234567890"),
  ])));
  assert.equal([kind, msg], ["internal", `Cannot extract "mnt/second" into / in container ${id}: no space left on device; nothing was extracted`]);
  assert.equal((await everything(engine, id))[0], before[0]);
  assert.equal(dec.decode(disk.readFile("/before")), "host");
  assert.equal(disk.readdir("/").map((e) => e.name), ["before"]);
});

t("engine-level GET while a PUT waits: PUTs to one container go one at a time, each whole", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["true"] });
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const slow = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  const first = engine.containers.putArchive(Id, "/tmp", slow);
  const second = engine.containers.putArchive(Id, "/tmp", writeTar([file("f", "second\n")]));
  ctl.enqueue(writeTar([file("f", "first\n")]));
  ctl.close();
  await Promise.all([first, second]);
  assert.is(await textOf(engine, Id, "/tmp/f"), "second\n");
});

t("in a worker: a running program sees what is copied in at its next call, and what it wrote is copied out", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const { Id } = await engine.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", `echo mine > /tmp/out; echo ready; ${shWaitFor("/tmp/go")}; cat /tmp/in /tmp/go`] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready");
  assert.is(await textOf(engine, Id, "/tmp/out"), "mine\n"); // the worker's write, in the engine's copy
  await engine.containers.putArchive(Id, "/tmp", writeTar([file("in", "copied in\n"), file("go", "go\n")]));
  assert.equal(await engine.containers.wait(Id), { StatusCode: 0, Error: null });
  assert.is((await output(engine, Id)).stdout, "ready\ncopied in\ngo\n");
});

t("in a worker: a file a running program holds open may be replaced; its writes go on to the old file and the run ends well", async () => {
  const engine = await sampleEngine(["toolbox"], { workerHost });
  const { Id } = await engine.containers.create({
    Image: "toolbox", Cmd: ["sh", "-c", `echo old > /tmp/x; { echo ready >&2; ${shWaitFor("/tmp/go")}; echo appended; } >> /tmp/x; cat /tmp/x`],
  });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready");
  await engine.containers.putArchive(Id, "/tmp", writeTar([file("x", "new\n"), file("go", "")]));
  // Without the engine holding the replaced inode for the worker, its write would not apply (exit 255).
  assert.equal(await engine.containers.wait(Id), { StatusCode: 0, Error: null });
  assert.is((await output(engine, Id)).stdout, "new\n");
  assert.is(await textOf(engine, Id, "/tmp/x"), "new\n");
});

t.run();
