/**
 * Reading image archives into verified images: `docker save` archives (the legacy form
 * skopeo writes, with `<v1id>/layer.tar` symlinks, and Docker ≥25's form that is also an
 * OCI layout) and OCI image layouts (oci-layout, index.json, blobs/sha256/…), with gzip
 * or plain layers. Every blob is checked against the digest that names it, and every
 * layer's uncompressed digest against the config's diff_ids, before anything is returned.
 *
 * An archive comes whole (indexed in place: members are views into it) or as a stream
 * (`docker load`'s request body, a file). A streamed archive is never whole in memory:
 * each member is copied out as it passes, and a gzip member is inflated as it passes,
 * its compressed bytes hashed incrementally and dropped, so a load's peak is about the
 * uncompressed layers (docs/images.md). Which members are layers is known only at the
 * end (docker save writes manifest.json last), so every gzip member is inflated, and an
 * inflate error is kept and raised only if the member turns out to be a layer.
 *
 * Bounds: a layer is refused as it inflates past `maxLayerBytes` (the inflater stops
 * there), and `account` (one load's lease of the engine's LoadBudget) sees every byte
 * the read keeps: a member's copy is reserved at its header, inflated output piece by
 * piece. What the account refuses ends the read at once.
 */
import { Churn, concat, decompressLayer, detectCompression, gunzip, indexTar, type MakeInflater, type MemoryAccount, streamTar, type TarEntry } from "../tar/mod.ts";
import { parseConfig, type ImageConfig } from "./config.ts";
import { type Digester, DigestMismatchError, digestHex, sha256, type Sha256Hasher, type Sha256Impl, verifyDigest } from "./digest.ts";
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

/**
 * The platform abilities a load uses, each with a web-platform default: a SHA-256 (and an
 * incremental one), a gzip inflater (src/tar `GunzipOptions.inflater`) and a collection
 * hint as streaming loops drop buffers (src/tar/churn.ts).
 */
export interface LoadAbilities extends Digester {
  inflater?: MakeInflater;
  collectHint?: () => void;
}

export interface ReadArchiveOptions extends LoadAbilities {
  /** Names the archive in errors. */
  name?: string;
  /** Limit on a layer's uncompressed size (default 1 GiB, src/tar DEFAULT_MAX_UNCOMPRESSED). */
  maxLayerBytes?: number;
  /** Cap on a streamed archive's size. */
  maxArchiveBytes?: number;
  /** Sees every byte the read keeps (copied members, inflated layers); what it refuses ends the read with its error. */
  account?: MemoryAccount;
}

/** A member of the archive; a gzip member of a streamed archive also carries what it inflated to (its `data` is then empty). */
interface Member {
  entry: TarEntry;
  inflated?: { blobDigest: string; tar?: Uint8Array; diffId?: string; error?: unknown };
  /** The digest its bytes were verified against (readBlob), so a layer is not hashed twice. */
  verified?: string;
}

/** Read every image of an archive (a tar of a docker-save archive or of an OCI layout), whole or streamed. */
export async function readImageArchive(input: Uint8Array | ReadableStream<Uint8Array>, opts: ReadArchiveOptions = {}): Promise<LoadedImage[]> {
  const name = opts.name ?? "image archive";
  const files = new Map<string, Member>();
  // A later duplicate wins, as tar does.
  if (input instanceof Uint8Array) for (const entry of indexTar(input, { name })) files.set(entry.path, { entry });
  else for await (const m of streamMembers(input, name, opts)) files.set(m.entry.path, m);
  const read = (path: string, why: string): Member => readMember(files, path, name, why);
  if (files.has("manifest.json")) return await readDockerArchive(read, name, opts);
  if (files.has("index.json")) return await readOciLayout(read, name, opts);
  throw new OciFormatError(name, "", "neither manifest.json (docker save) nor index.json (OCI layout) is in the archive");
}

async function* streamMembers(stream: ReadableStream<Uint8Array>, name: string, opts: ReadArchiveOptions): AsyncGenerator<Member> {
  for await (const { entry, body } of streamTar(stream, { name, maxBytes: opts.maxArchiveBytes })) {
    if (entry.type !== "file") {
      yield { entry };
      continue;
    }
    const chunks = body[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < 4 && headBytes < entry.size) {
      const r = await chunks.next();
      if (r.done) break;
      head.push(r.value.slice()); // views into the stream: keep copies
      headBytes += r.value.length;
    }
    const hasher = detectCompression(concat(head)) === "gzip" ? opts.sha256Hasher?.() : undefined;
    if (hasher) {
      yield { entry, inflated: await inflateMember(head, chunks, hasher, `${name} ${entry.path}`, entry.size, opts) }; // its data stays empty
      continue;
    }
    opts.account?.reserve(entry.size); // before the copy is made: a huge declared size is refused here
    const data = new Uint8Array(entry.size);
    let at = 0;
    for (const c of head) data.set(c, (at += c.length) - c.length);
    const churn = new Churn(opts.collectHint); // each chunk is garbage once copied
    for (let r = await chunks.next(); !r.done; r = await chunks.next()) {
      data.set(r.value, (at += r.value.length) - r.value.length);
      churn.dropped(r.value.length);
    }
    yield { entry: { ...entry, data } };
  }
}

/**
 * Inflate a gzip member as it streams past, hashing its compressed bytes on the way.
 * A tar error of the archive itself (it ends inside the member) propagates; a gzip
 * error is kept for when the member is used, and the rest of the member is still hashed.
 */
async function inflateMember(head: Uint8Array[], chunks: AsyncIterator<Uint8Array>, hasher: Sha256Hasher, what: string, size: number, opts: ReadArchiveOptions): Promise<NonNullable<Member["inflated"]>> {
  let outer: unknown, cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    async pull(c) {
      const piece = head.shift();
      if (piece) return void (hasher.update(piece), c.enqueue(piece));
      let r: IteratorResult<Uint8Array>;
      try {
        r = await chunks.next();
      } catch (err) {
        outer = err;
        return c.error(err);
      }
      if (!r.done) hasher.update(r.value); // every byte taken is hashed once, even after a cancel
      if (cancelled) return;
      if (r.done) return c.close();
      c.enqueue(r.value);
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  let tar: Uint8Array | undefined, error: unknown;
  const diff = opts.sha256Hasher!(); // hashes the output while zlib inflates the next piece
  const account = watched(opts.account);
  try {
    tar = await gunzip(source, { ...inflating(opts), name: what, maxBytes: opts.maxLayerBytes, sizeHint: size * 4, onData: (piece) => diff.update(piece), account });
  } catch (err) {
    error = err;
  }
  if (outer !== undefined) throw outer;
  if (account?.refused !== undefined) throw account.refused; // the budget ends the whole load, layer or not
  for (const piece of head) hasher.update(piece); // what gunzip stopped short of
  for (let r = await chunks.next(); !r.done; r = await chunks.next()) hasher.update(r.value);
  return error === undefined ? { blobDigest: hasher.digest(), tar, diffId: diff.digest() } : { blobDigest: hasher.digest(), error };
}

/** Hash a whole blob (WebCrypto, off the main thread where the platform can) while it inflates. */
async function inflateWhole(blob: Uint8Array, verified: string | undefined, what: string, opts: ReadArchiveOptions): Promise<NonNullable<Member["inflated"]>> {
  const account = watched(opts.account);
  const [hashed, inflated] = await Promise.allSettled([verified ?? hashOf(opts)(blob), decompressLayer(blob, { ...inflating(opts), name: what, maxBytes: opts.maxLayerBytes, account })]);
  if (hashed.status === "rejected") throw hashed.reason;
  if (account?.refused !== undefined) throw account.refused;
  return inflated.status === "fulfilled" ? { blobDigest: hashed.value, tar: inflated.value } : { blobDigest: hashed.value, error: inflated.reason };
}

/** The load's SHA-256 (WebCrypto unless the platform gave one). */
function hashOf(opts: ReadArchiveOptions): Sha256Impl {
  return opts.sha256 ?? sha256;
}

/** The inflating abilities a gunzip takes from the load's options. */
function inflating(opts: ReadArchiveOptions): { inflater?: MakeInflater; collectHint?: () => void } {
  return { inflater: opts.inflater, collectHint: opts.collectHint };
}

/** `account`, remembering what it refused (gunzip rethrows it, but a member's gzip errors are kept for later). */
function watched(account: MemoryAccount | undefined): (MemoryAccount & { refused?: unknown }) | undefined {
  if (!account) return undefined;
  const w: MemoryAccount & { refused?: unknown } = {
    reserve: (bytes) => {
      try {
        account.reserve(bytes);
      } catch (err) {
        w.refused = err;
        throw err;
      }
    },
    release: (bytes) => account.release(bytes),
  };
  return w;
}

function readMember(files: Map<string, Member>, path: string, archive: string, why: string, hops = 0): Member {
  const m = files.get(path);
  if (!m) throw new OciFormatError(archive, why, `missing blob "${path}"`);
  const e = m.entry;
  if (e.type === "symlink" || e.type === "hardlink") {
    if (hops > 8) throw new OciFormatError(archive, why, `too many links at "${path}"`);
    const target = e.type === "hardlink" ? e.linkname : joinPath(path, e.linkname);
    return readMember(files, target, archive, why, hops + 1);
  }
  if (e.type !== "file") throw new OciFormatError(archive, why, `"${path}" is a ${e.type}, not a file`);
  return m;
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

type Read = (path: string, why: string) => Member;

async function readDockerArchive(read: Read, name: string, opts: ReadArchiveOptions): Promise<LoadedImage[]> {
  const items = parseJson(read("manifest.json", "manifest.json").entry.data, `${name} manifest.json`);
  if (!Array.isArray(items)) throw new OciFormatError(`${name} manifest.json`, "", "must be an array");
  const images: LoadedImage[] = [];
  for (const [i, raw] of items.entries()) {
    const doc = `${name} manifest.json[${i}]`;
    const item = obj(raw, doc, "");
    const configPath = str(item, "Config", doc);
    const configBytes = read(configPath, `manifest.json[${i}].Config`).entry.data;
    const id = await hashOf(opts)(configBytes);
    const named = configPath.match(/([a-f0-9]{64})(\.json)?$/);
    if (named && named[1] !== digestHex(id)) await verifyDigest(configBytes, `sha256:${named[1]}`, `config "${configPath}" of ${name}`, hashOf(opts));
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
  const index = parseIndex(read("index.json", "index.json").entry.data, `${name} index.json`);
  const images: LoadedImage[] = [];
  const visit = async (descs: typeof index.manifests, where: string, depth: number): Promise<void> => {
    for (const [i, d] of descs.entries()) {
      const blob = (await readBlob(read, d.digest, `${where}[${i}]`, name, opts)).entry.data;
      if (d.mediaType === OCI_INDEX || d.mediaType === DOCKER_MANIFEST_LIST) {
        if (depth > 4) throw new OciFormatError(name, where, "indexes nest too deep");
        await visit(parseIndex(blob, `${name} ${d.digest}`).manifests, `${d.digest}.manifests`, depth + 1);
        continue;
      }
      const manifest = parseManifest(blob, `${name} manifest ${d.digest}`);
      const configBytes = (await readBlob(read, manifest.config.digest, `manifest ${d.digest} config`, name, opts)).entry.data;
      const config = parseConfig(configBytes, `${name} config ${manifest.config.digest}`);
      if (manifest.layers.length !== config.rootfs.diff_ids.length) {
        throw new OciFormatError(`${name} manifest ${d.digest}`, "layers", `lists ${manifest.layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
      }
      const layers: LoadedLayer[] = [];
      for (const [j, l] of manifest.layers.entries()) {
        const lblob = await readBlob(read, l.digest, `manifest ${d.digest} layers[${j}]`, name, opts);
        layers.push(await loadLayer(lblob, l.digest, config.rootfs.diff_ids[j]!, `${name} layer ${l.digest}`, opts));
      }
      const ref = d.annotations?.[CONTAINERD_IMAGE_NAME] ?? d.annotations?.[REF_NAME];
      images.push({ id: manifest.config.digest, configBytes, config, layers, repoTags: ref ? [ref] : [] });
    }
  };
  await visit(index.manifests, "index.json manifests", 0);
  return images;
}

/** The member named by `digest`, verified against it. */
async function readBlob(read: Read, digest: string, why: string, name: string, opts: ReadArchiveOptions): Promise<Member> {
  const m = read(`blobs/sha256/${digestHex(digest)}`, why);
  const what = `blob ${digest} of ${name}`;
  if (!m.inflated) m.verified = await verifyDigest(m.entry.data, digest, what, hashOf(opts));
  else if (m.inflated.blobDigest !== digest) throw new DigestMismatchError(what, digest, m.inflated.blobDigest);
  return m;
}

async function loadLayer(m: Member, blobDigest: string | undefined, diffId: string, what: string, opts: ReadArchiveOptions): Promise<LoadedLayer> {
  const blob = m.entry.data;
  const { blobDigest: actualBlob, tar, diffId: inflatedDiff, error } = m.inflated ?? (await inflateWhole(blob, m.verified, what, opts));
  // A wrong digest is reported before any decompression error it caused.
  if (blobDigest && actualBlob !== blobDigest) throw new DigestMismatchError(what, blobDigest, actualBlob);
  if (error !== undefined || !tar) throw error;
  const diffHash = inflatedDiff !== undefined ? Promise.resolve(inflatedDiff) : tar === blob ? Promise.resolve(actualBlob) : hashOf(opts)(tar);
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
  return { diffId, tar, entries: entries!, blobDigest: actualBlob, blobSize: m.entry.size };
}
