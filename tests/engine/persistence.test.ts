import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { heldOpen, output, run, SAMPLES } from "./_samples.ts";

const t = suite("state that survives");

async function engineOn(store: MemoryStore, load = false) {
  const engine = await createEngine({ store });
  if (load) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}toolbox.tar`)));
  return engine;
}

t("an engine opened again on the store finds containers, layers, logs, volumes and images", async () => {
  const store = new MemoryStore();
  const a = await engineOn(store, true);
  const r = await run(a, { Image: "toolbox", name: "kept", Cmd: ["sh", "-c", "echo out; echo data > /tmp/d; echo v > /vol/f"], HostConfig: { Binds: ["vol:/vol"] } });
  await a.containers.create({ Image: "toolbox", name: "idle", Cmd: ["true"] });
  const b = await engineOn(store);
  assert.equal((await b.containers.list({ all: true })).map((c) => [c.Names[0], c.State]), [["/idle", "created"], ["/kept", "exited"]]);
  assert.is((await output(b, r.id)).stdout, "out\n");
  assert.equal(await b.containers.changes("kept"), [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/d", Kind: 1 }, { Path: "/vol", Kind: 1 }]);
  assert.is((await run(b, { Image: "toolbox", Cmd: ["cat", "/v/f"], HostConfig: { Binds: ["vol:/v"] } })).stdout, "v\n");
  assert.equal((await b.images.list()).map((i) => i.RepoTags), [["toolbox:latest"]]);
  await b.containers.start("kept");
  await b.containers.wait("kept");
  assert.is((await output(b, r.id)).stdout, "out\nout\n"); // the log continues
});

t("a container running when its engine died comes back exited (255) with its completed writes", async () => {
  const store = new MemoryStore();
  const a = await engineOn(store, true);
  const held = await heldOpen(a, { name: "live" });
  const ex = a.exec.create(held.id, { Cmd: ["sh", "-c", "echo one > /tmp/1; mkdir /tmp/dir; echo two > /tmp/dir/2; rm /etc/motd"] });
  assert.is(await a.exec.start(ex.Id), 0);
  await a.sync(); // acknowledged: in the store's journal
  const b = await engineOn(store); // engine a never closed: as after a SIGKILL
  const s = (await b.containers.inspect("live")).State;
  assert.equal([s.Status, s.ExitCode, s.Running], ["exited", 255, false]);
  assert.equal(await b.containers.changes("live"), [
    { Path: "/etc", Kind: 0 }, { Path: "/etc/motd", Kind: 2 }, { Path: "/tmp", Kind: 0 }, { Path: "/tmp/1", Kind: 1 }, { Path: "/tmp/dir", Kind: 1 }, { Path: "/tmp/dir/2", Kind: 1 },
  ]);
  await b.containers.commit("live", { repo: "snap" });
  const r = await run(b, { Image: "snap", Cmd: ["cat", "/tmp/1", "/tmp/dir/2"] });
  assert.is(r.stdout, "one\ntwo\n");
  held.release();
});

t("a torn last journal frame is ignored and the writes before it are kept", async () => {
  const store = new MemoryStore();
  const a = await engineOn(store, true);
  const held = await heldOpen(a, { name: "torn" });
  await a.exec.start(a.exec.create(held.id, { Cmd: ["sh", "-c", "echo a > /tmp/a"] }).Id);
  await a.sync();
  await store.appendBytes("upper-journal", `${held.id}.0`, new Uint8Array([200, 0, 0, 0, 1, 2, 3])); // a crash mid-append
  const b = await engineOn(store);
  assert.equal(await b.containers.changes("torn"), [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/a", Kind: 1 }]);
  held.release();
});

t.run();
