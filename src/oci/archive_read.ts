/**
 * Reading image archives into verified images: `docker save` archives (the legacy form
 * skopeo writes, with `<v1id>/layer.tar` symlinks, and Docker ≥25's form that is also an
 * OCI layout) and OCI image layouts (oci-layout, index.json, blobs/sha256/…), with gzip
 * or plain layers. Every blob is checked against the digest that names it, and every
 * layer's uncompressed digest against the config's diff_ids, before anything is returned.
 */
import { decompressLayer, indexTar, type TarEntry } from "../tar/mod.ts";
import { parseConfig, type ImageConfig } from "./config.ts";
import { DigestMismatchError, digestHex, sha256, verifyDigest } from "./digest.ts";
import { checkLayerEntries } from "./layer_check.ts";
import { parseIndex, parseManifest } from "./manifest.ts";
import { CONTAINERD_IMAGE_NAME, OCI_INDEX, DOCKER_MANIFEST_LIST, REF_NAME } from "./media_types.ts";
import { arr, obj, OciFormatError, optStrings, parseJson, str } from "./_json.ts";

export interface LoadedLayer {
  diffId: string;
  /** The uncompressed layer tar. */
  tar: Uint8Array;
  /** Its entries (views into `tar`). */
  entries: TarEntry[];
  /** The digest of the blob as it was in the archive (compressed or not). */
  blobDigest: string;
  blobSize: number;
}

export interface LoadedImage {
  /** Image id: the digest of the config bytes. */
  id: string;
  configBytes: Uint8Array;
  config: ImageConfig;
  layers: LoadedLayer[];
  /** Tags as the archive gives them ("demo:v2", "127.0.0.1:5000/x:v1", or a bare tag from an OCI layout). */
  repoTags: string[];
}

export interface ReadArchiveOptions {
  /** Names the archive in errors. */
  name?: string;
  /** Cap on a layer's uncompressed size. */
  maxLayerBytes?: number;
}

/** Read every image of an archive (a tar of a docker-save archive or of an OCI layout). */
export async function readImageArchive(bytes: Uint8Array, opts: ReadArchiveOptions = {}): Promise<LoadedImage[]> {
  const name = opts.name ?? "image archive";
  const files = new Map<string, TarEntry>();
  for (const e of indexTar(bytes, { name })) files.set(e.path, e); // a later duplicate wins, as tar does
  const read = (path: string, why: string): Uint8Array => readFile(files, path, name, why);
  if (files.has("manifest.json")) return await readDockerArchive(read, name, opts);
  if (files.has("index.json")) return await readOciLayout(read, name, opts);
  throw new OciFormatError(name, "", "neither manifest.json (docker save) nor index.json (OCI layout) is in the archive");
}

function readFile(files: Map<string, TarEntry>, path: string, archive: string, why: string, hops = 0): Uint8Array {
  const e = files.get(path);
  if (!e) throw new OciFormatError(archive, why, `missing blob "${path}"`);
  if (e.type === "symlink" || e.type === "hardlink") {
    if (hops > 8) throw new OciFormatError(archive, why, `too many links at "${path}"`);
    const target = e.type === "hardlink" ? e.linkname : joinPath(path, e.linkname);
    return readFile(files, target, archive, why, hops + 1);
  }
  if (e.type !== "file") throw new OciFormatError(archive, why, `"${path}" is a ${e.type}, not a file`);
  return e.data;
}

function joinPath(from: string, target: string): string {
  const parts = target.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const p of target.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}

type Read = (path: string, why: string) => Uint8Array;

async function readDockerArchive(read: Read, name: string, opts: ReadArchiveOptions): Promise<LoadedImage[]> {
  const items = parseJson(read("manifest.json", "manifest.json"), `${name} manifest.json`);
  if (!Array.isArray(items)) throw new OciFormatError(`${name} manifest.json`, "", "must be an array");
  const images: LoadedImage[] = [];
  for (const [i, raw] of items.entries()) {
    const doc = `${name} manifest.json[${i}]`;
    const item = obj(raw, doc, "");
    const configPath = str(item, "Config", doc);
    const configBytes = read(configPath, `manifest.json[${i}].Config`);
    const id = await sha256(configBytes);
    const named = configPath.match(/([a-f0-9]{64})(\.json)?$/);
    if (named && named[1] !== digestHex(id)) await verifyDigest(configBytes, `sha256:${named[1]}`, `config "${configPath}" of ${name}`);
    const config = parseConfig(configBytes, `${name} ${configPath}`);
    const layerPaths = arr(item, "Layers", doc).map((p, j) => (typeof p === "string" ? p : str({}, `Layers[${j}]`, doc)));
    if (layerPaths.length !== config.rootfs.diff_ids.length) {
      throw new OciFormatError(doc, "Layers", `lists ${layerPaths.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
    }
    const layers: LoadedLayer[] = [];
    for (const [j, path] of layerPaths.entries()) {
      const blob = read(path, `manifest.json[${i}].Layers[${j}]`);
      const hex = path.match(/^blobs\/sha256\/([a-f0-9]{64})$/)?.[1];
      layers.push(await loadLayer(blob, hex ? `sha256:${hex}` : undefined, config.rootfs.diff_ids[j]!, `${name} ${path}`, opts));
    }
    images.push({ id, configBytes, config, layers, repoTags: optStrings(item, "RepoTags", doc) ?? [] });
  }
  return images;
}

async function readOciLayout(read: Read, name: string, opts: ReadArchiveOptions): Promise<LoadedImage[]> {
  const index = parseIndex(read("index.json", "index.json"), `${name} index.json`);
  const images: LoadedImage[] = [];
  const visit = async (descs: typeof index.manifests, where: string, depth: number): Promise<void> => {
    for (const [i, d] of descs.entries()) {
      const blob = await readBlob(read, d.digest, `${where}[${i}]`, name);
      if (d.mediaType === OCI_INDEX || d.mediaType === DOCKER_MANIFEST_LIST) {
        if (depth > 4) throw new OciFormatError(name, where, "indexes nest too deep");
        await visit(parseIndex(blob, `${name} ${d.digest}`).manifests, `${d.digest}.manifests`, depth + 1);
        continue;
      }
      const manifest = parseManifest(blob, `${name} manifest ${d.digest}`);
      const configBytes = await readBlob(read, manifest.config.digest, `manifest ${d.digest} config`, name);
      const config = parseConfig(configBytes, `${name} config ${manifest.config.digest}`);
      if (manifest.layers.length !== config.rootfs.diff_ids.length) {
        throw new OciFormatError(`${name} manifest ${d.digest}`, "layers", `lists ${manifest.layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
      }
      const layers: LoadedLayer[] = [];
      for (const [j, l] of manifest.layers.entries()) {
        const lblob = await readBlob(read, l.digest, `manifest ${d.digest} layers[${j}]`, name);
        layers.push(await loadLayer(lblob, l.digest, config.rootfs.diff_ids[j]!, `${name} layer ${l.digest}`, opts));
      }
      const ref = d.annotations?.[CONTAINERD_IMAGE_NAME] ?? d.annotations?.[REF_NAME];
      images.push({ id: manifest.config.digest, configBytes, config, layers, repoTags: ref ? [ref] : [] });
    }
  };
  await visit(index.manifests, "index.json manifests", 0);
  return images;
}

async function readBlob(read: Read, digest: string, why: string, name: string): Promise<Uint8Array> {
  const bytes = read(`blobs/sha256/${digestHex(digest)}`, why);
  await verifyDigest(bytes, digest, `blob ${digest} of ${name}`);
  return bytes;
}

async function loadLayer(blob: Uint8Array, blobDigest: string | undefined, diffId: string, what: string, opts: ReadArchiveOptions): Promise<LoadedLayer> {
  // Hash the blob (WebCrypto, off the main thread where the platform can) while it
  // inflates; a wrong digest is reported before any decompression error it caused.
  const [hashed, inflated] = await Promise.allSettled([sha256(blob), decompressLayer(blob, { name: what, maxBytes: opts.maxLayerBytes })]);
  if (hashed.status === "rejected") throw hashed.reason;
  const actualBlob = hashed.value;
  if (blobDigest && actualBlob !== blobDigest) throw new DigestMismatchError(what, blobDigest, actualBlob);
  if (inflated.status === "rejected") throw inflated.reason;
  const tar = inflated.value;
  const diffHash = tar === blob ? Promise.resolve(actualBlob) : sha256(tar);
  let entries: TarEntry[] | undefined, indexError: unknown;
  try {
    entries = indexTar(tar, { name: what });
    checkLayerEntries(entries, what);
  } catch (err) {
    indexError = err;
  }
  const actualDiff = await diffHash;
  if (actualDiff !== diffId) throw new DigestMismatchError(`${what} (uncompressed, against the config's diff_ids)`, diffId, actualDiff);
  if (indexError !== undefined) throw indexError;
  return { diffId, tar, entries: entries!, blobDigest: actualBlob, blobSize: blob.length };
}
