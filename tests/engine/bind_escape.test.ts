/**
 * The red team's bind mounts: a hostile WASI program (wasm/src/probes/escape.c) and the
 * toolbox's shell try to reach host files outside the directories a container was given.
 * Each test checks the host itself, not only what the program says: nothing outside the
 * binds may appear, change, or be read.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { HostDirVfs, nodePlatform, runtimeHost } from "../../server/platform/mod.ts";
import { run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();
const t = suite("bind escapes");
t.after(() => closeWorkers(workerHost));

/** A host tree: rw/ and ro/ to bind, outside/ (with a secret) that no container may touch. */
function hostTree() {
  const top = mkdtempSync(join(tmpdir(), "strata-escape-"));
  const rw = join(top, "rw"), ro = join(top, "ro"), outside = join(top, "outside");
  for (const d of [rw, ro, outside]) mkdirSync(d);
  writeFileSync(join(outside, "secret"), "host secret\n");
  writeFileSync(join(ro, "file"), "read only\n");
  symlinkSync(outside, join(rw, "hostdir"));
  symlinkSync(outside, join(ro, "hostdir"));
  symlinkSync(join(outside, "pwned-ro"), join(ro, "dangling"));
  const old = new Date("2001-01-01T00:00:00Z");
  for (const p of [outside, join(outside, "secret"), join(ro, "file")]) utimesSync(p, old, old);
  return { top, rw, ro, outside, done: () => rmSync(top, { recursive: true, force: true }) };
}

/** What a host directory holds, with each entry's kind, size and mtime. */
function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((n) => {
    const s = lstatSync(join(dir, n));
    return `${n} ${s.isSymbolicLink() ? "link" : s.isDirectory() ? "dir" : "file"} ${s.size} ${s.mtimeMs}`;
  }).concat(`. ${statSync(dir).mtimeMs}`);
}

for (const mode of ["inline", "worker"] as const) {
  t(`the escape probe reaches nothing outside its binds (${mode})`, async () => {
    const h = hostTree();
    try {
      const before = { outside: snapshot(h.outside), ro: snapshot(h.ro) };
      const engine = await sampleEngine(["probes"], { platform: nodePlatform(), ...(mode === "worker" ? { workerHost } : {}) });
      const r = await run(engine, {
        Image: "probes", Cmd: ["escape", "/mnt", "/ro", h.outside],
        HostConfig: { Binds: [`${h.rw}:/mnt`, `${h.ro}:/ro:ro`] },
      });
      assert.equal(snapshot(h.outside), before.outside, "nothing outside the binds changed");
      assert.equal(snapshot(h.ro), before.ro, "the read-only bind did not change");
      assert.not.match(r.stdout, /ESCAPED/, r.stdout);
      assert.match(r.stdout, /^0 escapes$/m, r.stdout + r.stderr);
      assert.is(r.code, 0);
      // Each attack was refused with the errno a Linux program would see under openat2(RESOLVE_BENEATH).
      assert.match(r.stdout, /refused create through a dangling absolute link \(Cross-device link\)/);
      assert.match(r.stdout, /refused O_RDONLY\|O_CREAT through a dangling link in a read-only bind \((Read-only file system|Cross-device link)\)/);
      assert.match(r.stdout, /refused futimens on a read-only bind's file \(Read-only file system\)/);
      assert.match(r.stdout, /refused raw path_open of \.\.\/etc\/passwd \(Capabilities insufficient\)/);
    } finally {
      h.done();
    }
  });
}

t("the shell's ln -s out of a bind, then a write through it, creates nothing outside", async () => {
  const h = hostTree();
  try {
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const r = await run(engine, {
      Image: "toolbox", Cmd: ["sh", "-c", `ln -s ${h.outside}/pwned /mnt/evil; echo ESCAPED > /mnt/evil; cat /mnt/hostdir/secret; ls /mnt/hostdir`],
      HostConfig: { Binds: [`${h.rw}:/mnt`] },
    });
    assert.equal(readdirSync(h.outside), ["secret"]);
    assert.not.match(r.stdout, /host secret/);
    assert.ok(lstatSync(join(h.rw, "evil")).isSymbolicLink(), "the link itself is made inside the bind");
  } finally {
    h.done();
  }
});

t("links that stay inside a bind work: relative, through directories, up and back down", async () => {
  const h = hostTree();
  try {
    mkdirSync(join(h.rw, "a"));
    writeFileSync(join(h.rw, "a", "f"), "inside\n");
    symlinkSync("a", join(h.rw, "to-a"));
    symlinkSync("../a/f", join(h.rw, "a", "self"));
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const r = await run(engine, {
      Image: "toolbox", Cmd: ["sh", "-c", "cat /mnt/to-a/f /mnt/a/self; echo new > /mnt/to-a/g; cat /mnt/a/g; ln -s g /mnt/a/dangle; echo via > /mnt/a/dangle; cat /mnt/a/g"],
      HostConfig: { Binds: [`${h.rw}:/mnt`] },
    });
    assert.is(r.stderr, "");
    assert.is(r.stdout, "inside\ninside\nnew\nvia\n");
  } finally {
    h.done();
  }
});

t("HostDirVfs answers EXDEV for links out and ELOOP for loops, and holds read-only on handles", () => {
  const h = hostTree();
  try {
    const fs = new HostDirVfs(h.rw);
    const open = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true };
    const code = (f: () => unknown) => {
      try {
        f();
        return "ok";
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    assert.is(code(() => fs.stat("/hostdir/secret")), "EXDEV");
    assert.is(code(() => fs.lstat("/hostdir")), "ok"); // the link itself is inside
    assert.is(code(() => fs.open("/hostdir", { ...open, directory: true, follow: false })), "ENOTDIR"); // as Linux answers O_DIRECTORY|O_NOFOLLOW on a link
    symlinkSync("l2", join(h.rw, "l1")), symlinkSync("l1", join(h.rw, "l2"));
    assert.is(code(() => fs.readFile("/l1")), "ELOOP");
    symlinkSync("../../x", join(h.rw, "up"));
    assert.is(code(() => fs.open("/up", { ...open, write: true, create: true })), "EXDEV");
    assert.is(code(() => fs.stat("/missing/x")), "ENOENT");
    assert.is(code(() => fs.stat("/a\0b")), "EINVAL");
    const ro = new HostDirVfs(h.ro, { readOnly: true });
    const fh = ro.open("/file", open);
    assert.is(code(() => fh.utimes({ atime: 0n, mtime: 0n })), "EROFS");
    assert.is(code(() => fh.truncate(0)), "EROFS");
    fh.close();
    assert.is(code(() => ro.open("/new", { ...open, create: true })), "EROFS");
    assert.is(code(() => ro.utimes("/file", { atime: 0n, mtime: 0n })), "EROFS");
    assert.is(statSync(join(h.ro, "file")).mtimeMs, Date.parse("2001-01-01T00:00:00Z"));
  } finally {
    h.done();
  }
});

t.run();
