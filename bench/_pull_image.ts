/**
 * The pull bench's image: a debootstrap-sized rootfs (the shape of bench/_rootfs_shape.ts,
 * about 7,000 entries, file sizes scaled up to about 200 MiB) as one layer tar, gzipped
 * (`gzip -n -6`), in an OCI image layout that skopeo copies into a registry. Everything is
 * deterministic (a fixed pseudo-random sequence), so every run builds the same bytes and
 * digests. A third of each file body is pseudo-random and the rest repeated text, so the
 * layer compresses about as a real Debian rootfs does (~3×), not to nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../src/oci/mod.ts";
import { type TarInput, writeTar } from "../src/tar/mod.ts";
import { rootfsShape, type ShapeEntry } from "./_rootfs_shape.ts";

/** About the size of `debootstrap --variant=minbase bookworm` (uncompressed). */
const TARGET_BYTES = 200 * 2 ** 20;

export interface PullImage {
  /** The OCI layout directory (tag "bench"). */
  layout: string;
  /** The uncompressed layer tar and its gzip. */
  tar: string;
  gz: string;
  sizes: { tar: number; gz: number };
  entries: number;
  manifestDigest: string;
}

let state = 0x9e3779b9;
/** xorshift32: a fixed sequence. */
function next(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}

const TEXT = new TextEncoder().encode("Package: libexample\nStatus: install ok installed\nDepends: libc6 (>= 2.36)\nDescription: shared library for the bench\n".repeat(8));

/** A file body: 256-byte blocks, one in three pseudo-random, the others text. */
function body(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(64);
  for (let at = 0, k = 0; at < size; at += 256, k++) {
    const n = Math.min(256, size - at);
    if (k % 3) out.set(TEXT.subarray(at % 512, (at % 512) + n), at);
    else {
      for (let i = 0; i < 64; i++) words[i] = next();
      out.set(new Uint8Array(words.buffer, 0, n), at);
    }
  }
  return out;
}

function entries(shape: ShapeEntry[]): TarInput[] {
  const total = shape.reduce((n, e) => n + e.size, 0);
  const scale = TARGET_BYTES / total;
  return shape.map((e): TarInput => {
    if (e.type === "dir") return { path: e.path, type: "dir", mode: 0o755 };
    if (e.type === "symlink") return { path: e.path, type: "symlink", linkname: e.linkname, mode: 0o777 };
    return { path: e.path, type: "file", mode: 0o644, data: body(Math.floor(e.size * scale)) };
  });
}

/** Build the image under `dir` once (later runs reuse it); returns where its parts are. */
export async function pullImage(dir: string): Promise<PullImage> {
  const tar = join(dir, "rootfs-layer.tar"), gz = join(dir, "rootfs-layer.tar.gz"), layout = join(dir, "layout");
  mkdirSync(dir, { recursive: true });
  const shape = rootfsShape();
  if (!existsSync(tar)) {
    state = 0x9e3779b9;
    writeFileSync(`${tar}.tmp`, writeTar(entries(shape), { mtime: 0 }));
    execFileSync("mv", [`${tar}.tmp`, tar]);
  }
  if (!existsSync(gz)) execFileSync("sh", ["-c", `gzip -n -6 -c '${tar}' > '${gz}.tmp' && mv '${gz}.tmp' '${gz}'`]);
  if (!existsSync(join(layout, "index.json"))) {
    rmSync(layout, { recursive: true, force: true });
    await writeLayout(layout, tar, gz);
  }
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  return { layout, tar, gz, sizes: { tar: statSync(tar).size, gz: statSync(gz).size }, entries: shape.length, manifestDigest: index.manifests[0].digest };
}

async function writeLayout(layout: string, tar: string, gz: string): Promise<void> {
  const blobs = join(layout, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const enc = new TextEncoder();
  const put = async (bytes: Uint8Array) => {
    const digest = await sha256(bytes);
    writeFileSync(join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const diffId = await sha256(new Uint8Array(readFileSync(tar)));
  const layer = await put(new Uint8Array(readFileSync(gz)));
  const config = await put(enc.encode(JSON.stringify({
    created: "2026-01-01T00:00:00Z", architecture: "wasm", os: "wasip1",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created: "2026-01-01T00:00:00Z", created_by: "bench/_pull_image.ts" }],
  })));
  const manifest = await put(enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
  })));
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layout, "index.json"), JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "org.opencontainers.image.ref.name": "bench" } }],
  }));
}
