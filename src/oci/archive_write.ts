/**
 * Writing images out: `writeDockerArchive` makes what Docker ≥25's `docker save` makes —
 * one tar that is both an OCI image layout and a docker-save archive (moby
 * `tarexport/save.go`): oci-layout, index.json, blobs/sha256/{manifest, config,
 * uncompressed layers}, manifest.json and repositories, all timestamps 0 — so skopeo
 * reads it as `docker-archive:` and as `oci-archive:`. `writeOciArchive` is the OCI
 * layout alone, and `ociLayoutFiles` its files (for a `skopeo … oci:` or umoci directory).
 */
import { type TarInput, writeTar } from "../tar/mod.ts";
import { digestHex, sha256 } from "./digest.ts";
import { CONTAINERD_IMAGE_NAME, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, REF_NAME } from "./media_types.ts";

export interface ExportLayer {
  diffId: string;
  /** The uncompressed layer tar; its digest is diffId. */
  tar: Uint8Array;
}

export interface ExportImage {
  configBytes: Uint8Array;
  layers: ExportLayer[];
  /** Familiar references ("demo:v2"); may be empty. */
  repoTags: string[];
}

export interface LayoutFile {
  path: string;
  data: Uint8Array;
}

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

/** The files of an OCI image layout holding `images` (uncompressed layers, deduplicated). */
export async function ociLayoutFiles(images: readonly ExportImage[]): Promise<LayoutFile[]> {
  const blobs = new Map<string, Uint8Array>();
  const manifests: object[] = [];
  for (const image of images) {
    const configDigest = await sha256(image.configBytes);
    blobs.set(configDigest, image.configBytes);
    for (const l of image.layers) blobs.set(l.diffId, l.tar);
    const manifest = json({
      schemaVersion: 2, mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: image.configBytes.length },
      layers: image.layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.diffId, size: l.tar.length })),
    });
    const manifestDigest = await sha256(manifest);
    blobs.set(manifestDigest, manifest);
    const refs = image.repoTags.length ? image.repoTags : [undefined];
    for (const ref of refs) {
      const annotations = ref ? { [CONTAINERD_IMAGE_NAME]: fullName(ref), [REF_NAME]: ref.slice(ref.lastIndexOf(":") + 1) } : undefined;
      manifests.push({ mediaType: OCI_MANIFEST, digest: manifestDigest, size: manifest.length, ...(annotations ? { annotations } : {}) });
    }
  }
  const files: LayoutFile[] = [
    { path: "oci-layout", data: json({ imageLayoutVersion: "1.0.0" }) },
    { path: "index.json", data: json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }) },
  ];
  for (const [digest, data] of blobs) files.push({ path: `blobs/sha256/${digestHex(digest)}`, data });
  return files;
}

/** A `docker save` archive (Docker ≥25 form) of `images`. */
export async function writeDockerArchive(images: readonly ExportImage[]): Promise<Uint8Array> {
  const files = await ociLayoutFiles(images);
  const manifestJson = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const id = digestHex(await sha256(image.configBytes));
    manifestJson.push({
      Config: `blobs/sha256/${id}`,
      RepoTags: image.repoTags.length ? image.repoTags : null,
      Layers: image.layers.map((l) => `blobs/sha256/${digestHex(l.diffId)}`),
    });
    for (const ref of image.repoTags) {
      const colon = ref.lastIndexOf(":");
      (repositories[ref.slice(0, colon)] ??= {})[ref.slice(colon + 1)] = id;
    }
  }
  files.push({ path: "manifest.json", data: json(manifestJson) });
  if (Object.keys(repositories).length) files.push({ path: "repositories", data: json(repositories) });
  return filesTar(files);
}

/**
 * An OCI image layout of `images` as one tar (what skopeo calls `oci-archive:`; unpacked
 * into a directory it is an `oci:` layout for skopeo and umoci). No manifest.json.
 */
export async function writeOciArchive(images: readonly ExportImage[]): Promise<Uint8Array> {
  return filesTar(await ociLayoutFiles(images));
}

/** A deterministic tar of layout files: sorted, mtime 0, the blob directories included. */
function filesTar(files: readonly LayoutFile[]): Uint8Array {
  const entries: TarInput[] = [{ path: "blobs", type: "dir", mode: 0o755 }, { path: "blobs/sha256", type: "dir", mode: 0o755 }];
  for (const f of files) entries.push({ path: f.path, type: "file", mode: 0o644, data: f.data });
  return writeTar(entries, { sort: true, mtime: 0 });
}

/** "demo:v2" → "docker.io/library/demo:v2"; names with a registry host stay as they are. */
function fullName(ref: string): string {
  const first = ref.split("/")[0]!;
  if (ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return ref;
  return ref.includes("/") ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}
