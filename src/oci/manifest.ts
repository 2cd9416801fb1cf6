/** Image manifests and indexes (OCI image-spec manifest.md, image-index.md; Docker v2s2), validated. */
import { isDigest } from "./digest.ts";
import { arr, obj, OciFormatError, parseJson, str } from "./_json.ts";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  /** An index entry's platform (image-index.md). */
  platform?: { os: string; architecture: string; variant?: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

function descriptor(v: unknown, document: string, field: string): Descriptor {
  const o = obj(v, document, field);
  const digest = str(o, "digest", document, `${field}.`);
  if (!isDigest(digest)) throw new OciFormatError(document, `${field}.digest`, `"${digest}" is not a sha256 digest`);
  const size = o["size"];
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new OciFormatError(document, `${field}.size`, "must be a non-negative integer");
  const mediaType = typeof o["mediaType"] === "string" ? o["mediaType"] : "";
  const out: Descriptor = { mediaType, digest, size };
  if (o["annotations"] !== undefined) out.annotations = obj(o["annotations"], document, `${field}.annotations`) as Record<string, string>;
  if (o["platform"] !== undefined) {
    const p = obj(o["platform"], document, `${field}.platform`);
    const os = str(p, "os", document, `${field}.platform.`), architecture = str(p, "architecture", document, `${field}.platform.`);
    out.platform = typeof p["variant"] === "string" && p["variant"] ? { os, architecture, variant: p["variant"] } : { os, architecture };
  }
  return out;
}

/** Parse a manifest. Errors: OciFormatError naming the document and field. */
export function parseManifest(bytes: Uint8Array, document: string): Manifest {
  const o = obj(parseJson(bytes, document), document, "");
  if (o["schemaVersion"] !== 2) throw new OciFormatError(document, "schemaVersion", "must be 2");
  const layers = arr(o, "layers", document).map((l, i) => descriptor(l, document, `layers[${i}]`));
  return {
    schemaVersion: 2,
    mediaType: typeof o["mediaType"] === "string" ? o["mediaType"] : undefined,
    config: descriptor(o["config"], document, "config"),
    layers,
    annotations: o["annotations"] as Record<string, string> | undefined,
  };
}

/** Parse an index (index.json or a manifest list). */
export function parseIndex(bytes: Uint8Array, document: string): ImageIndex {
  const o = obj(parseJson(bytes, document), document, "");
  if (o["schemaVersion"] !== 2) throw new OciFormatError(document, "schemaVersion", "must be 2");
  return {
    schemaVersion: 2,
    mediaType: typeof o["mediaType"] === "string" ? o["mediaType"] : undefined,
    manifests: arr(o, "manifests", document).map((m, i) => descriptor(m, document, `manifests[${i}]`)),
  };
}
