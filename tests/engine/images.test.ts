import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ImageStore, type LoadProgress } from "../../src/engine/images.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { writeDockerArchive } from "../../src/oci/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import { dir, file } from "../tar/_fixtures.ts";
import { makeImage } from "../oci/_images.ts";

const t = suite("image store");
const base = [dir("bin"), file("bin/toolbox", "wasm")];

async function setup() {
  const store = new MemoryStore();
  const images = new ImageStore(store);
  const toolbox = await makeImage([base], ["toolbox"]);
  const demo = await makeImage([base, [file("etc/motd", "hi")]], ["demo:latest"], { Cmd: ["/demo.sh"], WorkingDir: "/srv", Env: ["A=1"] });
  return { store, images, toolbox, demo };
}

t("load() stores a shared layer once and reports 'Already exists' for it", async () => {
  const { store, images, toolbox, demo } = await setup();
  const seen: LoadProgress[] = [];
  await images.load(await writeDockerArchive([toolbox]), { onProgress: (p) => seen.push(p) });
  await images.load(await writeDockerArchive([demo]), { onProgress: (p) => seen.push(p) });
  assert.equal(seen.map((p) => p.status), ["Loading layer", "Already exists", "Loading layer"]);
  assert.is((await store.listBlobs()).length, 2 + 2); // 2 layers + 2 configs
  const list = await images.list();
  assert.equal(list.map((i) => i.RepoTags).sort(), [["demo:latest"], ["toolbox:latest"]]);
});

t("inspect() is shaped like docker image inspect, and 'toolbox' means 'toolbox:latest'", async () => {
  const { images, demo } = await setup();
  await images.load(await writeDockerArchive([demo]));
  const info = await images.inspect("demo");
  assert.is(info.RepoTags[0], "demo:latest");
  assert.equal(info.Config.Cmd, ["/demo.sh"]);
  assert.is(info.Config.WorkingDir, "/srv");
  assert.is(info.RootFS.Type, "layers");
  assert.equal(info.RootFS.Layers, demo.layers.map((l) => l.diffId));
  assert.ok(info.Size > 0);
  assert.equal(await images.inspect("docker.io/library/demo:latest"), info);
  assert.equal((await images.inspect(info.Id.slice(7, 19))).Id, info.Id);
});

t("a failed load leaves the store exactly as it was", async () => {
  const { store, images, toolbox, demo } = await setup();
  await images.load(await writeDockerArchive([toolbox]));
  const before = { blobs: await store.listBlobs(), tags: await store.listRecords("tag"), layers: await store.listRecords("layer") };
  const archive = await writeDockerArchive([demo]);
  const layerPath = `blobs/sha256/${demo.layers[1]!.diffId.slice(7)}`;
  const broken = writeTar(indexTar(archive).map((e) => (e.path === layerPath ? { ...e, data: writeTar([file("evil", "x")]) } : e)));
  try {
    await images.load(broken, { name: "demo.tar" });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /digest mismatch/);
  }
  assert.equal({ blobs: await store.listBlobs(), tags: await store.listRecords("tag"), layers: await store.listRecords("layer") }, before);
});

t("remove() untags when other tags remain, and refuses an image a container uses", async () => {
  const { images, toolbox } = await setup();
  await images.load(await writeDockerArchive([toolbox]));
  await images.tag("toolbox", "mine:v1");
  assert.equal(await images.remove("mine:v1"), [{ Untagged: "mine:v1" }]);
  try {
    await images.remove("toolbox", { inUse: () => "c0ffee0000000000" });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, EngineError);
    assert.is((err as EngineError).kind, "conflict");
    assert.match((err as Error).message, /container c0ffee000000 is using its referenced image/);
  }
  const out = await images.remove("toolbox");
  assert.equal(out[0], { Untagged: "toolbox:latest" });
  assert.ok(out.some((o) => o.Deleted?.startsWith("sha256:")));
  assert.equal(await images.list(), []);
  try {
    await images.inspect("toolbox");
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, "No such image: toolbox:latest");
  }
});

t("history() lists layers newest first with the image id on top", async () => {
  const { images, demo } = await setup();
  const { images: [loaded] } = await images.load(await writeDockerArchive([demo]));
  const h = await images.history("demo");
  assert.is(h.length, 2);
  assert.is(h[0]!.Id, loaded!.id);
  assert.is(h[1]!.Id, "<missing>");
  assert.is(h[0]!.CreatedBy, "layer 1");
});

t("save() writes an archive that load() takes back with the same id", async () => {
  const { images, demo } = await setup();
  const { images: [loaded] } = await images.load(await writeDockerArchive([demo]));
  const other = new ImageStore(new MemoryStore());
  const { images: [again] } = await other.load(await images.save(["demo"]));
  assert.is(again!.id, loaded!.id);
  assert.equal(again!.repoTags, ["demo:latest"]);
});

t.run();
