/**
 * Bad input through `ImageStore.load()`: each error names the archive, the entry and the
 * offset or field, and the store is exactly as it was before the load.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ImageStore } from "../../src/engine/images.ts";
import { encodeConfig, sha256, writeDockerArchive } from "../../src/oci/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { gzip, type TarInput, writeTar } from "../../src/tar/mod.ts";
import { dir, file, link } from "../tar/_fixtures.ts";
import { makeImage } from "../oci/_images.ts";

const t = suite("image load refuses bad input and leaves the store as it was");
const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

async function loaded() {
  const store = new MemoryStore();
  const images = new ImageStore(store);
  await images.load(await writeDockerArchive([await makeImage([[dir("bin"), file("bin/sh", "wasm")]], ["toolbox"])]));
  return { store, images };
}

async function snapshot(store: MemoryStore) {
  const records = await Promise.all(["image", "tag", "layer"].map((k) => store.listRecords(k)));
  return { blobs: await store.listBlobs(), records };
}

/** Load `archive` into a store that already holds an image; the error must match, the store must not change. */
async function refuses(archive: Uint8Array, pattern: RegExp, opts: { maxLayerBytes?: number } = {}): Promise<Error> {
  const { store, images } = await loaded();
  const before = await snapshot(store);
  let error: Error | undefined;
  try {
    await images.load(archive, { name: "bad.tar", ...opts });
  } catch (err) {
    error = err as Error;
  }
  assert.ok(error, "the load must fail");
  assert.match(error!.message, pattern);
  assert.equal(await snapshot(store), before, "the store changed");
  assert.equal((await images.list()).map((i) => i.RepoTags), [["toolbox:latest"]]);
  return error!;
}

/** A docker archive whose only layer is exactly these bytes (the config's diff_id matches them). */
async function withLayer(layer: Uint8Array): Promise<Uint8Array> {
  const diffId = await sha256(layer);
  const configBytes = encodeConfig({ architecture: "wasm", os: "wasip1", config: {}, rootfs: { type: "layers", diff_ids: [diffId] }, history: [] });
  return await writeDockerArchive([{ configBytes, layers: [{ diffId, tar: layer }], repoTags: ["bad:1"] }]);
}

/** An OCI layout archive with one layer blob as given (gzip or not) and a chosen diff_id. */
async function ociWith(blob: Uint8Array, diffId: string, edit: (files: Map<string, Uint8Array>) => void = () => {}) {
  const configBytes = encodeConfig({ architecture: "wasm", os: "wasip1", config: {}, rootfs: { type: "layers", diff_ids: [diffId] }, history: [] });
  const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: await sha256(configBytes), size: configBytes.length };
  const layerDesc = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: await sha256(blob), size: blob.length };
  const manifest = json({ schemaVersion: 2, config, layers: [layerDesc] });
  const md = await sha256(manifest);
  const files = new Map<string, Uint8Array>([
    ["oci-layout", json({ imageLayoutVersion: "1.0.0" })],
    ["index.json", json({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "v1" } }] })],
    [`blobs/sha256/${md.slice(7)}`, manifest],
    [`blobs/sha256/${config.digest.slice(7)}`, configBytes],
    [`blobs/sha256/${layerDesc.digest.slice(7)}`, blob],
  ]);
  edit(files);
  return { archive: writeTar([...files].map(([path, data]): TarInput => ({ path, type: "file", data })), { sort: true }), md, config, layerDesc };
}

function fixChecksum(bytes: Uint8Array, at: number) {
  bytes.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += bytes[i]!;
  bytes.set(enc.encode(sum.toString(8).padStart(6, "0") + "\u0000 "), at + 148);
}

t("a truncated archive names the archive, the entry and the offset", async () => {
  const archive = await writeDockerArchive([await makeImage([[file("a", "x".repeat(3000))]], ["demo"])]);
  await refuses(archive.subarray(0, 1700), /^Cannot read bad.tar: truncated (body: size \d+ but \d+ bytes left in entry "[^"]+"|header \(\d+ of 512 bytes\)) at offset \d+$/);
});

t("a layer with a bad header checksum names the layer blob and the offset", async () => {
  const layer = writeTar([file("a", "1"), file("b", "2")]);
  layer[1024 + 5] ^= 1;
  const diffId = await sha256(layer);
  await refuses(await withLayer(layer), new RegExp(`^Cannot read bad.tar blobs/sha256/${diffId.slice(7)}: bad header checksum at offset 1024$`));
});

t("a layer with an absurd size field names the field's offset and the entry", async () => {
  const layer = writeTar([file("huge", "1")]);
  layer.set([0xff, 0xff, 0xff, 0xff], 124); // negative base-256 size
  fixChecksum(layer, 0);
  await refuses(await withLayer(layer), /bad.tar blobs\/sha256\/[a-f0-9]{64}: absurd size field in entry "huge" at offset 124$/);
});

t("entry names with '..' or an absolute path are refused, naming the entry", async () => {
  for (const [name, why] of [["../../etc/passwd", /path "\.\.\/\.\.\/etc\/passwd" contains "\.\."/], ["/etc/passwd", /absolute path "\/etc\/passwd"/]] as const) {
    const layer = writeTar([file("ok", "1"), file("placeholder", "x")]);
    layer.fill(0, 1024, 1124);
    layer.set(enc.encode(name), 1024);
    fixChecksum(layer, 1024);
    const err = await refuses(await withLayer(layer), why);
    assert.match(err.message, /unsafe entry name: .* in entry ".*" at offset 1024$/);
  }
});

t("a hard link whose target escapes the root is refused", async () => {
  await refuses(await withLayer(writeTar([file("a", "1"), link("b", "../../etc/shadow")])), /hard link target "\.\.\/\.\.\/etc\/shadow" escapes the archive root in entry "b" at offset 1024$/);
});

t("an empty whiteout name and a whiteout with children are refused", async () => {
  await refuses(await withLayer(writeTar([dir("etc"), file("etc/.wh.", "")])), /empty whiteout name in entry "etc\/\.wh\." at offset 512$/);
  await refuses(await withLayer(writeTar([file(".wh.x/y", "")])), /a whiteout cannot have children in entry "\.wh\.x\/y" at offset 0$/);
  await refuses(await withLayer(writeTar([file("a/.wh..wh.plnk", "")])), /unknown whiteout meta-file in entry "a\/\.wh\.\.wh\.plnk"/);
});

t("duplicate archive entries: the later one wins, as tar does", async () => {
  const good = await writeDockerArchive([await makeImage([[file("a", "1")]], ["dup:good"])]);
  const other = await writeDockerArchive([await makeImage([[file("a", "2")]], ["dup:other"])]);
  const { store, images } = await loaded();
  // Append other's entries after good's (the first archive's end blocks dropped): its manifest.json comes later.
  const joined = new Uint8Array(good.length - 1024 + other.length);
  joined.set(good.subarray(0, good.length - 1024));
  joined.set(other, good.length - 1024);
  const r = await images.load(joined, { name: "dup.tar" });
  assert.equal(r.images.map((i) => i.repoTags), [["dup:other"]]);
  assert.ok(await store.getRecord("tag", "dup:other"));
});

t("a gzip bomb stops at the configured cap", async () => {
  const bomb = await gzip(writeTar([file("zeros", "\0".repeat(4 << 20))]));
  const { archive, layerDesc } = await ociWith(bomb, await sha256(new Uint8Array(1)));
  await refuses(archive, new RegExp(`^Cannot read bad.tar layer ${layerDesc.digest}: it inflates past the limit of 1048576 bytes \\(at compressed offset \\d+\\)$`), { maxLayerBytes: 1 << 20 });
});

t("a zstd layer gets a clear unsupported media type error", async () => {
  const zstd = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4]);
  const { archive, layerDesc } = await ociWith(zstd, await sha256(zstd));
  await refuses(archive, new RegExp(`^Cannot read bad.tar layer ${layerDesc.digest}: unsupported media type application/vnd.oci.image.layer.v1.tar\\+zstd`));
});

t("a digest mismatch names the blob, the expected and the actual digest", async () => {
  const layer = writeTar([file("a", "1")]);
  const gz = await gzip(layer);
  const { archive, layerDesc } = await ociWith(gz, await sha256(layer), (files) => {
    const path = [...files.keys()].find((p) => files.get(p) === gz)!;
    files.set(path, new Uint8Array([...gz.subarray(0, gz.length - 1), gz[gz.length - 1]! ^ 1]));
  });
  await refuses(archive, new RegExp(`^Cannot verify blob ${layerDesc.digest} of bad.tar: digest mismatch, expected ${layerDesc.digest} but the content hashes to sha256:[a-f0-9]{64}$`));
  // The right gzip, but the config's diff_id is for other content.
  const wrong = await ociWith(gz, await sha256(enc.encode("not this")));
  await refuses(wrong.archive, /\(uncompressed, against the config's diff_ids\): digest mismatch/);
});

t("a missing blob names who referenced it", async () => {
  const layer = writeTar([file("a", "1")]);
  const { archive, config } = await ociWith(layer, await sha256(layer), (files) => {
    for (const p of files.keys()) if (files.get(p)![0] === 0x7b && p.startsWith("blobs") && new TextDecoder().decode(files.get(p)).includes('"rootfs"')) files.delete(p);
  });
  await refuses(archive, new RegExp(`^Cannot read bad.tar: field "manifest sha256:[a-f0-9]{64} config" missing blob "blobs/sha256/${config.digest.slice(7)}"$`));
});

t("invalid JSON and missing fields name the document and the field", async () => {
  const layer = writeTar([file("a", "1")]);
  const diffId = await sha256(layer);
  const notJson = await ociWith(layer, diffId, (files) => files.set("index.json", enc.encode("{\"schemaVersion\": 2,")));
  await refuses(notJson.archive, /^Cannot read bad.tar index.json: not valid JSON/);
  const noManifests = await ociWith(layer, diffId, (files) => files.set("index.json", json({ schemaVersion: 2 })));
  await refuses(noManifests.archive, /^Cannot read bad.tar index.json: field "manifests" is missing$/);
  const badDesc = await ociWith(layer, diffId, (files) => files.set("index.json", json({ schemaVersion: 2, manifests: [{ digest: "sha256:zz", size: 1 }] })));
  await refuses(badDesc.archive, /^Cannot read bad.tar index.json: field "manifests\[0\].digest" "sha256:zz" is not a sha256 digest$/);
  const cfg = json({ architecture: "wasm", os: "wasip1", rootfs: { type: "layers" } });
  const cfgPath = `blobs/sha256/${(await sha256(cfg)).slice(7)}`;
  const noDiffIds = writeTar([{ path: "manifest.json", type: "file", data: json([{ Config: cfgPath, RepoTags: ["x:1"], Layers: [] }]) }, { path: cfgPath, type: "file", data: cfg }]);
  await refuses(noDiffIds, new RegExp(`^Cannot read bad.tar ${cfgPath}: field "rootfs.diff_ids" is missing$`));
  const noConfig = writeTar([{ path: "manifest.json", type: "file", data: json([{ RepoTags: ["x:1"], Layers: [] }]) }]);
  await refuses(noConfig, /^Cannot read bad.tar manifest.json\[0\]: field "Config" is missing$/);
});

t("a RepoTag Docker refuses stops the load with Docker's message before anything is stored", async () => {
  const tagged = async (tag: string) => await writeDockerArchive([await makeImage([[file("x", "other")]], [tag])]);
  await refuses(await tagged("a".repeat(5000)), /^repository name must not be more than 255 characters$/);
  await refuses(await tagged("Toolbox:1"), /^invalid reference format: repository name \(library\/Toolbox\) must be lowercase$/);
  await refuses(await tagged("a..b"), /^invalid reference format$/);
});

t.run();
