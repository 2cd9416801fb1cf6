/**
 * `docker run --read-only` (HostConfig.ReadonlyRootfs) and `--tmpfs` (HostConfig.Tmpfs,
 * `--mount type=tmpfs`): the root filesystem refuses changes with EROFS while volumes and
 * tmpfs mounts stay writable; a tmpfs is an empty in-memory directory that is not in the
 * container's layer and is gone at the next start. Inline and in workers alike.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeHost } from "../../server/platform/mod.ts";
import { failure, heldOpen, run, sampleEngine } from "./_samples.ts";

const { workerHost, platform } = runtimeHost();
const t = suite("read-only rootfs and tmpfs mounts");
t.after(() => closeWorkers(workerHost));

const WRITES = "touch /x; echo a > /etc/y; mkdir /d; rm /etc/motd; echo v > /vol/f && cat /vol/f; echo t > /t/f && cat /t/f; echo b > /host/f && cat /host/f";

for (const [mode, opts] of [["inline", {}], ["in workers", { workerHost }]] as const) {
  t(`--read-only: writes to the rootfs fail with "Read-only file system"; a volume, a bind and a tmpfs stay writable (${mode})`, async () => {
    const host = mkdtempSync(join(tmpdir(), "strata-ro-bind-"));
    try {
      const engine = await sampleEngine(["toolbox"], { ...opts, platform });
      const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", WRITES], HostConfig: { ReadonlyRootfs: true, Binds: ["data:/vol", `${host}:/host`], Tmpfs: { "/t": "" } } });
      assert.is(r.stdout, "v\nt\nb\n");
      assert.is(readFileSync(join(host, "f"), "utf8"), "b\n");
      assert.is(r.stderr, [
        "touch: cannot touch '/x': Read-only file system",
        "sh: can't create /etc/y: Read-only file system",
        "mkdir: cannot create directory '/d': Read-only file system",
        "rm: cannot remove '/etc/motd': Read-only file system",
      ].join("\n") + "\n");
      assert.equal((await engine.containers.changes(r.id)).map((c) => c.Path), ["/host", "/t", "/vol"]); // only the mount points Docker makes
      const touch = await run(engine, { Image: "toolbox", Cmd: ["touch", "/x"], HostConfig: { ReadonlyRootfs: true } });
      assert.equal([touch.code, touch.stderr], [1, "touch: cannot touch '/x': Read-only file system\n"]);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  t(`--tmpfs: an empty directory over the image's path, with its options in /proc/mounts, not in diff or commit (${mode})`, async () => {
    const engine = await sampleEngine(["toolbox"], opts);
    const cmd = "ls /etc | wc -l; ls /t; echo kept > /t/f; cat /t/f; grep tmpfs /proc/mounts | grep -v /dev";
    const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", cmd], HostConfig: { Tmpfs: { "/etc": "size=64k,mode=700,noexec", "/t": "" } } });
    // Over a tmpfs at /etc, the container's own /etc files are mounted still, as Docker mounts them after the tmpfs.
    assert.is(r.stdout.replace(/^ +/, ""), "3\nkept\n" +
      "tmpfs /etc tmpfs rw,nosuid,nodev,noexec,relatime,size=64k,mode=700 0 0\ntmpfs /t tmpfs rw,nosuid,nodev,noexec,relatime,mode=1777 0 0\n");
    assert.equal(await engine.containers.changes(r.id), [{ Path: "/t", Kind: 1 }]); // the mount point, not what the tmpfs held
    const image = await engine.containers.commit(r.id, { repo: "committed" });
    const again = await run(engine, { Image: image.Id, Cmd: ["sh", "-c", "ls /t; ls /etc | wc -l"] });
    assert.match(again.stdout.trim(), /^\d+$/); // /t is empty in the image
    assert.ok(Number(again.stdout.trim()) > 0, "the image's /etc is there without the tmpfs");
  });
}

t("--mount type=tmpfs shows in inspect's Mounts; --tmpfs does not (as in Docker); a running container's tmpfs has its mode", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const held = await heldOpen(engine, { HostConfig: { Tmpfs: { "/run/x": "mode=750" }, Mounts: [{ Type: "tmpfs", Target: "/cache", TmpfsOptions: { Mode: 0o700 } }] } });
  const c = await engine.containers.inspect(held.id);
  assert.equal(c.Mounts, [{ Type: "tmpfs", Source: "", Destination: "/cache", Mode: "", RW: true, Propagation: "" }]);
  assert.equal(c.HostConfig.Tmpfs, { "/run/x": "mode=750" });
  assert.is((await engine.containers.statPath(held.id, "/run/x")).mode & 0o7777, 0o750);
  assert.is((await engine.containers.statPath(held.id, "/cache")).mode & 0o7777, 0o700);
  held.release();
  await engine.containers.wait(held.id);
});

t("a tmpfs is empty again at each start", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "ls /t; echo x > /t/f"], HostConfig: { Tmpfs: { "/t": "" } } });
  assert.is(r.stdout, "");
  await engine.containers.start(r.id);
  await engine.containers.wait(r.id);
  let out = "";
  for await (const e of engine.containers.logs(r.id)) out += new TextDecoder().decode(e.data);
  assert.is(out, ""); // the second run's ls found nothing either
});

t("bad tmpfs options and targets are refused at create in Docker's words; nothing is stored", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const create = (HostConfig: Record<string, unknown>) => failure(engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig }));
  assert.equal(await create({ Tmpfs: { "/t": "bogus" } }), ["invalid", `invalid tmpfs option ["bogus"] for /t`]);
  assert.equal(await create({ Tmpfs: { "/t": "mode=999" } }), ["invalid", "invalid tmpfs option mode=999: a mode is octal (755, 1777)"]);
  assert.equal(await create({ Tmpfs: { "/t": "size=lots" } }), ["invalid", "invalid tmpfs option size=lots: a size is a number of bytes with an optional k, m or g"]);
  assert.equal(await create({ Tmpfs: { "t": "" } }), ["invalid", "invalid mount config: mount path must be absolute: t"]);
  assert.equal(await create({ Tmpfs: { "/": "" } }), ["invalid", "invalid specification: destination can't be '/'"]);
  assert.equal(await create({ Tmpfs: { "/data": "" }, Binds: ["v:/data"] }), ["invalid", "Duplicate mount point: /data"]);
  assert.equal(await create({ Mounts: [{ Type: "tmpfs", Source: "x", Target: "/t" }] }), ["invalid", `invalid mount config for type "tmpfs": field Source must not be specified`]);
  assert.equal(await engine.containers.list({ all: true }), []);
});

t.run();
