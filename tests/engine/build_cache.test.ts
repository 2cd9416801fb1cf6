/**
 * The classic builder's cache (tests/build/cache/Dockerfile): a second build of the same
 * steps on the same parent takes every step from the cache and adds no image or layer;
 * a changed COPY source rebuilds from that step on; --no-cache rebuilds all; a changed
 * build arg busts a RUN that sees it; the cache survives the engine (it is in the store).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { build, contextOf, steps } from "./_build.ts";
import { run, sampleEngine } from "./_samples.ts";

const t = suite("docker build: the cache");
const cached = (output: string) => steps(output).map((s) => s.includes(" ---> Using cache"));

t("a second build of an unchanged Dockerfile takes every step from the cache and adds no image or layer", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const first = await build(engine, contextOf("cache"), { tags: ["c:1"] });
  assert.equal(cached(first.output), [false, false, false, false, false]);
  const images = (await engine.images.list({ all: true })).length, blobs = (await engine.store.listBlobs()).length;
  const second = await build(engine, contextOf("cache"), { tags: ["c:2"] });
  assert.equal(cached(second.output), [false, true, true, true, true], second.output); // FROM is never a cache probe
  assert.is(second.id, first.id);
  assert.not.match(second.output, /Running in/);
  assert.is((await engine.images.list({ all: true })).length, images);
  assert.is((await engine.store.listBlobs()).length, blobs);
  assert.equal((await engine.images.inspect("c:2")).RepoTags.sort(), ["c:1", "c:2"]);
});

t("a changed COPY source rebuilds from that step on, and the image has the new content", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const first = await build(engine, contextOf("cache"), { tags: ["c"] });
  const changed = await build(engine, contextOf("cache", { "data.txt": "data v2\n" }), { tags: ["c"] });
  assert.equal(cached(changed.output), [false, true, false, false, false], changed.output);
  assert.is.not(changed.id, first.id);
  const before = (await engine.images.history(first.id!)).map((h) => h.Id), after = (await engine.images.history("c")).map((h) => h.Id);
  assert.equal(after.slice(3), before.slice(3), "the steps before the COPY are the same images");
  assert.is((await run(engine, { Image: "c" })).stdout, "before\ndata v2\ndata v2\n");
  // Back to the first content: every step is cached again (the first build's images are its children).
  const back = await build(engine, contextOf("cache"));
  assert.equal(cached(back.output), [false, true, true, true, true]);
  assert.is(back.id, first.id);
});

t("a file's mode is part of what COPY's key sums, its mtime is not", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf("cache"));
  const touched = await build(engine, contextOf("cache", { "data.txt": { path: "", type: "file", mode: 0o644, mtime: 1_800_000_000, data: new TextEncoder().encode("data v1\n") } }));
  assert.equal(cached(touched.output), [false, true, true, true, true]);
  const chmod = await build(engine, contextOf("cache", { "data.txt": { path: "", type: "file", mode: 0o600, data: new TextEncoder().encode("data v1\n") } }));
  assert.equal(cached(chmod.output), [false, true, false, false, false]);
});

t("--no-cache runs every step again; build args a RUN sees are in its key", async () => {
  const engine = await sampleEngine(["toolbox"]);
  await build(engine, contextOf("cache"));
  const fresh = await build(engine, contextOf("cache"), { noCache: true });
  assert.equal(cached(fresh.output), [false, false, false, false, false]);
  const df = "FROM toolbox\nARG V=1\nRUN echo $V > /v\n";
  await build(engine, contextOf(null, { Dockerfile: df }));
  assert.equal(cached((await build(engine, contextOf(null, { Dockerfile: df }))).output), [false, true, true]);
  const other = await build(engine, contextOf(null, { Dockerfile: df }), { buildArgs: { V: "2" } });
  assert.equal(cached(other.output), [false, true, false], other.output);
  assert.match(other.output, /Step 3\/3 : RUN echo \$V > \/v\n ---> Running in/);
});

t("the cache is in the store: an engine opened again on it finds it", async () => {
  const store = new MemoryStore();
  const a = await createEngine({ store });
  const { readFileSync } = await import("node:fs");
  await a.images.load(new Uint8Array(readFileSync(new URL("../../rootfs-samples/toolbox.tar", import.meta.url))));
  const first = await build(a, contextOf("cache"));
  const b = await createEngine({ store });
  const again = await build(b, contextOf("cache"));
  assert.equal(cached(again.output), [false, true, true, true, true]);
  assert.is(again.id, first.id);
});

t("intermediate images are hidden from the list, and rmi of the image removes them with it", async () => {
  const engine = await sampleEngine(["toolbox"]);
  const all = (await engine.images.list({ all: true })).length;
  const b = await build(engine, contextOf("cache"), { tags: ["c"] });
  assert.equal((await engine.images.list()).map((i) => i.RepoTags[0]).sort(), ["c:latest", "toolbox:latest"]);
  assert.is((await engine.images.list({ all: true })).length, all + 4);
  assert.is((await engine.images.inspect("c")).Parent.length, 71);
  const [kind, message] = await engine.images.remove((await engine.images.inspect("c")).Parent).then(() => ["none", ""], (e) => [e.kind, e.message]);
  assert.equal([kind, message.replace(/[a-f0-9]{12}/, "ID")], ["conflict", "conflict: unable to delete ID (cannot be forced) - image has dependent child images"]);
  const removed = await engine.images.remove("c");
  assert.equal(removed.filter((r) => r.Deleted?.startsWith("sha256:") && !r.Deleted.includes(b.id!.slice(7))).length >= 3, true);
  assert.is((await engine.images.list({ all: true })).length, all);
});

t.run();
