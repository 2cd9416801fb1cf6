import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodePlatform } from "../../server/platform/mod.ts";
import { failure, run, sampleEngine } from "./_samples.ts";

const t = suite("volumes");

t("a named volume is shared by containers, outlives them, and is a conflict to remove while used", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo kept > /data/note"], HostConfig: { Binds: ["data:/data"] } });
  assert.is(a.code, 0);
  const b = await run(engine, { Image: "toolbox", Cmd: ["cat", "/data/note"], HostConfig: { Mounts: [{ Type: "volume", Source: "data", Target: "/data" }] } });
  assert.is(b.stdout, "kept\n");
  assert.equal(await engine.containers.changes(b.id), [{ Path: "/data", Kind: 1 }]); // the mount point, not the volume's files
  assert.equal(await failure(engine.volumes.remove("data")), ["conflict", `remove data: volume is in use - [${a.id}, ${b.id}]`]);
  await engine.containers.remove(a.id);
  await engine.containers.remove(b.id);
  const c = await run(engine, { Image: "toolbox", Cmd: ["cat", "/data/note"], HostConfig: { Binds: ["data:/data"] } });
  assert.is(c.stdout, "kept\n");
  await engine.containers.remove(c.id);
  await engine.volumes.remove("data");
  assert.equal(await failure(engine.volumes.inspect("data")), ["not-found", "get data: no such volume"]);
});

t("create, list, inspect and prune look like docker volume", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const v = await engine.volumes.create({ Name: "v1", Labels: { team: "a" } });
  assert.equal({ Name: v.Name, Driver: v.Driver, Scope: v.Scope, Labels: v.Labels }, { Name: "v1", Driver: "local", Scope: "local", Labels: { team: "a" } });
  assert.is((await engine.volumes.create({ Name: "v1" })).CreatedAt, v.CreatedAt); // existing name: the same volume
  assert.equal((await engine.volumes.list({ filters: { label: ["team=a"] } })).Volumes.map((x) => x.Name), ["v1"]);
  assert.equal(await failure(engine.volumes.create({ Name: "/abs" })), ["invalid",
    'create /abs: "/abs" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path']);
  const anon = await engine.volumes.create();
  assert.match(anon.Name, /^[a-f0-9]{64}$/);
  const pruned = await engine.volumes.prune();
  assert.equal(pruned.VolumesDeleted, [anon.Name]); // named volumes stay unless all
  assert.equal((await engine.volumes.prune({ all: true })).VolumesDeleted, ["v1"]);
});

t("anonymous volumes come from Volumes, start with the image's content, and go with rm -v", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const a = await run(engine, { Image: "toolbox", Volumes: { "/etc": {} }, Cmd: ["sh", "-c", "cat /etc/motd; echo x > /etc/new"] });
  assert.is(a.stdout, "Welcome to the strata toolbox.\n"); // the image's /etc/motd, copied into the new volume
  const [m] = (await engine.containers.inspect(a.id)).Mounts;
  assert.is(m!.Type, "volume");
  assert.is(m!.Destination, "/etc");
  assert.ok((await engine.volumes.list()).Volumes.some((v) => v.Name === m!.Name));
  assert.match((await run(engine, { Image: "toolbox", Cmd: ["cat", "/etc/new"] })).stderr, /No such file/); // not in the container's layer
  const b = await run(engine, { Image: "toolbox", Cmd: ["cat", "/etc/new"], HostConfig: { Binds: [`${m!.Name}:/etc`] } });
  assert.is(b.stdout, "x\n"); // in the volume
  await engine.containers.remove(b.id);
  await engine.containers.remove(a.id, { v: true });
  assert.equal((await engine.volumes.list()).Volumes, []);
});

t("a read-only volume refuses writes, and a volume in use is not removed by rm -v of one user", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo x > /ro/f"], HostConfig: { Binds: ["shared:/ro:ro"] } });
  assert.is(r.code, 1);
  assert.match(r.stderr, /Read-only file system/);
  assert.is((await engine.containers.inspect(r.id)).Mounts[0]!.RW, false);
});

t("bind mounts reach a host directory through the platform, read-only when asked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-bind-"));
  try {
    writeFileSync(join(dir, "in.txt"), "from host\n");
    const engine = await sampleEngine(["toolbox"], { platform: nodePlatform() });
    const a = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "cat /h/in.txt; echo from container > /h/out.txt"], HostConfig: { Binds: [`${dir}:/h`] } });
    assert.is(a.stdout, "from host\n");
    assert.is(readFileSync(join(dir, "out.txt"), "utf8"), "from container\n");
    const b = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo no > /h/x"], HostConfig: { Binds: [`${dir}:/h:ro`] } });
    assert.is(b.code, 1);
    assert.match(b.stderr, /Read-only file system/);
    const c = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "cat /h/../etc/motd; ls /h"], HostConfig: { Binds: [`${dir}:/h`] } });
    assert.is(c.stdout, "Welcome to the strata toolbox.\nin.txt\nout.txt\n"); // ".." from the mount is the container's root, not the host's
    assert.equal((await failure(engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: [`${dir}/missing:/h`] } })))[0], "invalid");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t("without a platform (edge, browser) a bind mount is refused", async () => {
  const engine = await sampleEngine(["toolbox"]);
  assert.equal(await failure(engine.containers.create({ Image: "toolbox", Cmd: ["true"], HostConfig: { Binds: ["/etc:/h"] } })),
    ["invalid", "bind mounts of host directories are not available on this platform"]);
});

t.run();
