import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ImageStore, type LoadProgress } from "../../src/engine/images.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { sha256, writeDockerArchive } from "../../src/oci/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { bytesStream, gzip, indexTar, writeTar } from "../../src/tar/mod.ts";
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

t("save({ format: 'oci' }) writes an OCI layout tar with no manifest.json, and it loads back", async () => {
  const { images, demo } = await setup();
  const { images: [loaded] } = await images.load(await writeDockerArchive([demo]));
  const oci = await images.save(["demo"], { format: "oci" });
  const paths = indexTar(oci).map((e) => e.path);
  assert.ok(paths.includes("oci-layout") && paths.includes("index.json"));
  assert.not.ok(paths.includes("manifest.json"));
  const other = new ImageStore(new MemoryStore());
  const { images: [again] } = await other.load(oci);
  assert.is(again!.id, loaded!.id);
  assert.equal(again!.repoTags, ["demo:latest"]);
});

t("load() takes a stream, and a gzip layer is stored once uncompressed with its compressed digest remembered", async () => {
  const { images, demo } = await setup();
  const archive = await writeDockerArchive([demo]);
  // Rewrite the top layer as gzip inside an OCI layout: the manifest names the gzip digest.
  const layer = demo.layers[1]!.tar;
  const gz = await gzip(layer);
  const files = new Map(indexTar(archive).filter((e) => e.type === "file").map((e) => [e.path, e.data]));
  const manifestPath = [...files.keys()].find((p) => p.startsWith("blobs/") && new TextDecoder().decode(files.get(p)).includes('"layers":['))!;
  const manifest = JSON.parse(new TextDecoder().decode(files.get(manifestPath)));
  manifest.layers[1] = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: await sha256(gz), size: gz.length };
  const mbytes = new TextEncoder().encode(JSON.stringify(manifest));
  const md = await sha256(mbytes);
  files.delete(manifestPath);
  files.delete("manifest.json");
  files.set(`blobs/sha256/${md.slice(7)}`, mbytes);
  files.set(`blobs/sha256/${(await sha256(gz)).slice(7)}`, gz);
  files.set("index.json", new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType, digest: md, size: mbytes.length, annotations: { "io.containerd.image.name": "docker.io/library/demo:gz" } }] })));
  const tar = writeTar([...files].map(([path, data]) => ({ path, type: "file" as const, data })));
  const r = await images.load(bytesStream(tar, 1000), { name: "demo-gz.tar" });
  assert.equal(r.images[0]!.repoTags, ["demo:gz"]);
  const layers = await images.layers("demo:gz");
  assert.equal(layers.map((l) => l.diffId), demo.layers.map((l) => l.diffId));
  assert.is(layers[1]!.blobDigest, await sha256(gz));
  assert.equal(await images.layerBytes(demo.layers[1]!.diffId), layer);
});

t("remove() by id refuses while a container uses the image, whatever the hook returns", async () => {
  const { images, toolbox } = await setup();
  const { images: [img] } = await images.load(await writeDockerArchive([toolbox]));
  try {
    await images.remove(img!.id, { inUse: (id) => id === img!.id });
    assert.unreachable();
  } catch (err) {
    assert.is((err as EngineError).kind, "conflict");
    assert.is((err as Error).message, `conflict: unable to delete ${img!.id.slice(7, 19)} (must be forced) - image is being used by stopped container`);
  }
  assert.is((await images.list()).length, 1);
});

t.run();
