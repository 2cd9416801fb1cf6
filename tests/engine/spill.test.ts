/**
 * Large files of a writable layer live on disk (src/fs/spill.ts, server/store/
 * spill_files.ts): a program writes a file past the spill threshold, in an inline and a
 * worker process; the stored snapshot names the file instead of carrying its bytes, the
 * file reads back whole after the engine reopens the store, and removing the container
 * removes its files. The threshold is set small here; the 2 GiB case is in bench/.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine } from "../../src/engine/mod.ts";
import { applyChange, decodeChange, encodeChange, Layer, type SpillFile, type SpillSpace, UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";
import { DiskStore } from "../../server/store/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { output, SAMPLES } from "./_samples.ts";

const { workerHost } = runtimeHost();
const t = suite("large files on disk (spill)");
t.after(() => closeWorkers(workerHost));

const THRESHOLD = 256 << 10;

async function engineOn(home: string, workers: boolean) {
  const engine = await createEngine({ store: DiskStore.open(home, { spillThreshold: THRESHOLD, onWarning: () => {} }), ...(workers ? { workerHost } : {}) });
  if (!(await engine.images.list()).length) await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}probes.tar`)));
  return engine;
}

for (const workers of [false, true]) {
  t(`a file past the threshold lives on disk, survives a reopen, and goes with its container (${workers ? "worker" : "inline"})`, async () => {
    const home = mkdtempSync(join(tmpdir(), "strata-spill-"));
    try {
      let engine = await engineOn(home, workers);
      const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["bigfile", "/big", "3"] });
      await engine.containers.start(Id);
      assert.is((await engine.containers.wait(Id)).StatusCode, 0);
      assert.is((await output(engine, Id)).stdout, "wrote 3145728 bytes\n");
      const files = join(home, "files");
      const spilled = readdirSync(files, { recursive: true }).filter((p) => /\/[0-9a-z]+-[0-9a-f-]{36}$/.test(String(p)));
      assert.is(spilled.length, 1, `one spill file: ${spilled.join(", ")}`);
      const snapshot = await engine.store.getBytes("upper", Id);
      assert.ok(snapshot!.length < THRESHOLD, `the snapshot names the file, it does not carry it (${snapshot!.length} bytes)`);
      await engine.store.close();

      engine = await engineOn(home, workers); // a new engine on the same home
      const { Id: image } = await engine.containers.commit(Id, { repo: "withbig", tag: "1" }); // exports the spilled file into a layer
      const { Id: reader } = await engine.containers.create({ Image: image, Cmd: ["bigfile", "/big", "3", "check"] });
      await engine.containers.start(reader);
      assert.is((await engine.containers.wait(reader)).StatusCode, 0);
      assert.is((await output(engine, reader)).stdout, "ok 3 MiB\n");
      await engine.containers.remove(Id);
      assert.not.ok(existsSync(join(files, "upper", encodeURIComponent(Id))), "its spill files went with it");
      await engine.store.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
}

/** A spill space in memory, for the journal's replay rules. */
function memorySpace(threshold: number): SpillSpace & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  let n = 0;
  const file = (name: string): SpillFile => ({
    name,
    read: (into, pos) => (into.fill(0), into.set(files.get(name)!.subarray(pos, pos + into.length)), into.length),
    write: (data, pos) => {
      const old = files.get(name)!;
      const grown = new Uint8Array(Math.max(old.length, pos + data.length));
      grown.set(old), grown.set(data, pos), files.set(name, grown);
    },
    truncate: (size) => {
      const grown = new Uint8Array(size);
      grown.set(files.get(name)!.subarray(0, size)), files.set(name, grown);
    },
    close: () => {},
  });
  return {
    locator: "memory", threshold, files,
    create: () => (files.set(`f${++n}`, new Uint8Array(0)), file(`f${n}`)),
    open: (name) => file(name),
    prune: (keep) => [...files.keys()].forEach((k) => keep.has(k) || files.delete(k)),
  };
}

t("a replay of the change records (spill, writes in place) ends with the same file, from the same spill space", () => {
  const space = memorySpace(64);
  const lowers = [new Layer(writeTar([{ path: "etc", type: "dir", mode: 0o755 }]))];
  const a = new UnionFS({ lowers, upper: new WritableLayer() });
  a.upper.spill = space;
  const records: Uint8Array[] = [];
  a.upper.onChange = (rec) => records.push(encodeChange(rec));
  const enc = new TextEncoder();
  a.writeFile("/f", enc.encode("small start;"));
  const h = a.open("/f", { read: false, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true });
  h.write(enc.encode("x".repeat(100)), 12); // crosses the threshold: spilled
  h.write(enc.encode("tail"), 200); // a gap of zeros, in place
  h.close();
  const b = new UnionFS({ lowers, upper: new WritableLayer() });
  b.upper.spill = space;
  for (const r of records) applyChange(b.upper, decodeChange(r));
  assert.equal(b.readFile("/f"), a.readFile("/f"));
  assert.is(b.stat("/f").size, 204n);
  assert.ok(records.every((r) => r.length < 200), "no record carries the spilled bytes");
});

t.run();
