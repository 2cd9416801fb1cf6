/**
 * DiskStore: the Store on a directory (STRATA_HOME, default ~/.local/share/strata).
 *   blobs/sha256/<hex>          content-addressed, verified by digest on every read
 *   records/<kind>/<key>.json   JSON records (names bounded: see _names.ts)
 *   bytes/<kind>/<key>          byte values (writable layers, logs)
 *   commit.json                 a batch of record changes being applied (replayed at open)
 *   quarantine/<time>/…         what could not be used, set aside (see _quarantine.ts)
 *   lock                        the pid of the engine that owns the directory
 * Every write is atomic: a temp file, fsync, rename, fsync of the directory. A batch
 * (`commit`) is first written whole to commit.json, then applied, then removed, so a
 * crash leaves either all of it or none; a batch that fails while it is applied puts
 * back what it changed. A second engine on the same home gets a clear error while the
 * first one's process lives. No record makes the home fail to open: a bad one is set
 * aside and reported, and the rest opens.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { verifyDigest } from "../../src/oci/mod.ts";
import type { Store } from "../../src/store/mod.ts";
import type { SpillSpace } from "../../src/fs/mod.ts";
import { DEFAULT_SPILL_THRESHOLD, DiskSpillSpace } from "./spill_files.ts";
import { atomicWrite, readIfExists, removeTemps } from "./_files.ts";
import { DiskBlobWriter } from "./_blob_writer.ts";
import { takeLock } from "./_lock.ts";
import { defaultHome, StoreLockedError } from "./home.ts";
import { fileName, isHashed, keyOf } from "./_names.ts";
import { Quarantine } from "./_quarantine.ts";
import { nodeSha256 } from "./node_digest.ts";


export interface DiskStoreOptions {
  /** Where each warning goes besides `warnings()`; default a line on stderr. */
  onWarning?: (line: string) => void;
  /** Files of a writable layer this large or larger live in HOME/files, not in memory (default 8 MiB). */
  spillThreshold?: number;
}

type Change = { kind: string; key: string; value?: unknown };
/** A record write (data) or delete (undefined) at a path. */
type Planned = { path: string; data: string | undefined };

/** A record that is not what the store wrote. */
class BadRecordError extends Error {}

/** Why a stored file cannot be used, or undefined for an error that is not about the file (a bug: passed on). */
function unusable(err: unknown): string | undefined {
  if (err instanceof SyntaxError) return `not valid JSON (${err.message})`;
  if (err instanceof URIError) return `its name does not decode to a key (${err.message})`;
  if (err instanceof BadRecordError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" ? `it cannot be read (${code}: ${(err as Error).message})` : undefined;
}

/** Homes opened by this process: a pid file cannot tell two engines of one process apart. */
const openHomes = new Set<string>();

export class DiskStore implements Store {
  #locked = false;
  #spillThreshold = DEFAULT_SPILL_THRESHOLD;
  private constructor(readonly home: string, readonly quarantined: Quarantine) {}

  /**
   * Open (and lock) a home directory. Its blobs are hashed with node:crypto (an engine on
   * disk runs on Node or Deno; see node_digest.ts). A pending
   * batch is applied, and every record is read once: what cannot be used is set aside.
   * Errors: StoreLockedError; the file system's for the home itself.
   */
  static open(home = defaultHome(), opts: DiskStoreOptions = {}): DiskStore {
    home = resolve(home);
    if (openHomes.has(home)) throw new StoreLockedError(home, process.pid);
    mkdirSync(home, { recursive: true });
    takeLock(join(home, "lock"), home);
    const store = new DiskStore(home, new Quarantine(home, opts.onWarning ?? ((line) => console.error(`strata: WARNING: ${line}`))));
    store.#locked = true;
    if (opts.spillThreshold !== undefined) store.#spillThreshold = opts.spillThreshold;
    openHomes.add(home);
    try {
      for (const dir of ["blobs/sha256", "records", "bytes"]) mkdirSync(join(home, dir), { recursive: true });
      removeTemps(home);
      store.#replay();
      store.#scan();
    } catch (err) {
      void store.close();
      throw err;
    }
    return store;
  }

  #rel(path: string): string {
    return relative(this.home, path).split(sep).join("/");
  }
  #blob(digest: string): string {
    return join(this.home, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  }
  #recordDir(kind: string): string {
    return join(this.home, "records", fileName(kind));
  }
  #record(kind: string, key: string): string {
    return join(this.#recordDir(kind), fileName(key, ".json"));
  }
  #bytes(kind: string, key: string): string {
    return join(this.home, "bytes", fileName(kind), fileName(key));
  }
  /** A record file's text: the value, or {key, value} where the name is a hash of the key. */
  #encode(key: string, value: unknown): string {
    const name = fileName(key, ".json");
    const text = JSON.stringify(isHashed(name.slice(0, -5)) ? { key, value } : value);
    if (text === undefined) throw new TypeError(`Cannot store record ${JSON.stringify(key.slice(0, 80))}: its value is not JSON`);
    return text;
  }

  /** The [key, value] in a record file, or undefined when it is gone or was set aside (unusable). */
  #read(dir: string, name: string): [string, unknown] | undefined {
    const path = join(dir, name);
    const rel = this.#rel(path);
    if (this.quarantined.skipped(rel)) return undefined;
    try {
      const base = name.slice(0, -".json".length);
      const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
      const hashed = isHashed(base);
      const wrapped = parsed as { key?: unknown; value?: unknown } | null;
      if (hashed && (typeof wrapped?.key !== "string" || !("value" in wrapped))) throw new BadRecordError("a record under a hashed name without its key");
      const key = hashed ? (wrapped!.key as string) : keyOf(base);
      if (fileName(key, ".json") !== name) throw new BadRecordError(`its name is not the one its key ${JSON.stringify(key.slice(0, 80))} is stored under`);
      return [key, hashed ? wrapped!.value : parsed];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      const why = unusable(err);
      if (why === undefined) throw err;
      this.quarantined.setAside(rel, why);
      return undefined;
    }
  }

  /** Read every record once at open, so a bad one is set aside now rather than met later. */
  #scan(): void {
    const root = join(this.home, "records");
    for (const ent of readdirSync(root, { withFileTypes: true })) {
      if (!ent.isDirectory()) continue;
      try {
        keyOf(ent.name);
      } catch (err) {
        if (!(err instanceof URIError)) throw err;
        this.quarantined.setAside(`records/${ent.name}`, `its name does not decode to a kind (${err.message})`);
        continue;
      }
      for (const name of readdirSync(join(root, ent.name))) if (name.endsWith(".json")) this.#read(join(root, ent.name), name);
    }
  }

  async hasBlob(digest: string): Promise<boolean> {
    return existsSync(this.#blob(digest));
  }
  async getBlob(digest: string): Promise<Uint8Array | undefined> {
    const path = this.#blob(digest);
    if (!existsSync(path)) return undefined;
    const bytes = new Uint8Array(readFileSync(path));
    await verifyDigest(bytes, digest, `stored blob ${digest}`, nodeSha256);
    return bytes;
  }
  async putBlob(bytes: Uint8Array, expected?: string, opts: { verified?: boolean } = {}): Promise<string> {
    const digest = expected && opts.verified ? expected : expected ? await verifyDigest(bytes, expected, `blob ${expected}`, nodeSha256) : await nodeSha256(bytes);
    if (!existsSync(this.#blob(digest))) atomicWrite(this.#blob(digest), bytes);
    return digest;
  }
  /** A blob written as it arrives (_blob_writer.ts): a pull writes its layer while it downloads. */
  blobWriter(): DiskBlobWriter {
    return new DiskBlobWriter(join(this.home, "blobs", "sha256"), (digest) => this.#blob(digest));
  }
  async deleteBlob(digest: string): Promise<void> {
    rmSync(this.#blob(digest), { force: true });
  }
  async listBlobs(): Promise<string[]> {
    return readdirSync(join(this.home, "blobs", "sha256")).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`).sort();
  }
  async getRecord<T>(kind: string, key: string): Promise<T | undefined> {
    const path = this.#record(kind, key);
    if (!existsSync(path)) return undefined;
    const got = this.#read(dirname(path), fileName(key, ".json"));
    return got && got[0] === key ? (got[1] as T) : undefined;
  }
  async putRecord(kind: string, key: string, value: unknown): Promise<void> {
    atomicWrite(this.#record(kind, key), this.#encode(key, value));
  }
  async deleteRecord(kind: string, key: string): Promise<void> {
    rmSync(this.#record(kind, key), { force: true });
  }
  async listRecords<T>(kind: string): Promise<Array<[string, T]>> {
    const dir = this.#recordDir(kind);
    if (!existsSync(dir)) return [];
    const out: Array<[string, T]> = [];
    for (const name of readdirSync(dir)) {
      const got = name.endsWith(".json") ? this.#read(dir, name) : undefined;
      if (got) out.push(got as [string, T]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Apply record changes together: all of them, or (on a failure, even a crash) none. */
  async commit(changes: ReadonlyArray<{ kind: string; key: string; value: unknown }>): Promise<void> {
    const planned = this.#plan(changes); // every value serialized first: one that cannot be stored changes nothing
    if (planned.length === 1) return this.#write(planned[0]!);
    const journal = join(this.home, "commit.json");
    atomicWrite(journal, JSON.stringify(changes));
    try {
      this.#applyAll(planned);
    } catch (err) {
      if (!(err instanceof BatchRestoreError)) rmSync(journal, { force: true });
      throw err;
    }
    rmSync(journal, { force: true });
  }

  #plan(changes: ReadonlyArray<Change>): Planned[] {
    return changes.map((c) => {
      if (typeof c?.kind !== "string" || typeof c.key !== "string") throw new BadRecordError("a change without a string kind and key");
      return { path: this.#record(c.kind, c.key), data: c.value === undefined ? undefined : this.#encode(c.key, c.value) };
    });
  }
  #write(p: Planned): void {
    if (p.data === undefined) rmSync(p.path, { force: true });
    else atomicWrite(p.path, p.data);
  }

  /** Write each planned change; when one fails, put back what the earlier ones replaced. Errors: the failure, or BatchRestoreError. */
  #applyAll(planned: readonly Planned[]): void {
    const done: Array<{ path: string; before: Buffer | undefined }> = [];
    try {
      for (const p of planned) {
        done.push({ path: p.path, before: readIfExists(p.path) });
        this.#write(p);
      }
    } catch (err) {
      try {
        for (const d of done.reverse()) this.#write({ path: d.path, data: d.before?.toString("utf8") });
      } catch (undoErr) {
        throw new BatchRestoreError(planned.length, err, undoErr);
      }
      throw err;
    }
  }

  /** Apply and remove a batch a crash interrupted; one that cannot be applied is set aside. */
  #replay(): void {
    const path = join(this.home, "commit.json");
    if (!existsSync(path)) return;
    try {
      const changes = JSON.parse(readFileSync(path, "utf8")) as unknown;
      if (!Array.isArray(changes)) throw new BadRecordError("not a list of changes");
      this.#applyAll(this.#plan(changes as Change[]));
    } catch (err) {
      const why = unusable(err instanceof BatchRestoreError ? err.failure : err);
      if (why === undefined) throw err;
      this.quarantined.setAside("commit.json", `a batch of record changes that cannot be applied: ${why}`);
      return;
    }
    rmSync(path, { force: true });
  }

  async getBytes(kind: string, key: string): Promise<Uint8Array | undefined> {
    const path = this.#bytes(kind, key);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }
  async putBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    atomicWrite(this.#bytes(kind, key), bytes);
  }
  async appendBytes(kind: string, key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#bytes(kind, key);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "a");
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  async deleteBytes(kind: string, key: string): Promise<void> {
    rmSync(this.#bytes(kind, key), { force: true });
  }

  spillSpace(kind: string, key: string): SpillSpace {
    return new DiskSpillSpace(join(this.home, "files", fileName(kind), fileName(key)), this.#spillThreshold);
  }

  async quarantine(kind: string, key: string, reason: string): Promise<void> {
    const path = this.#record(kind, key);
    if (existsSync(path)) this.quarantined.setAside(this.#rel(path), reason);
  }
  warnings(): string[] {
    return [...this.quarantined.warnings];
  }

  async close(): Promise<void> {
    if (this.#locked) rmSync(join(this.home, "lock"), { force: true });
    if (this.#locked) openHomes.delete(this.home);
    this.#locked = false;
  }
}

/** A batch failed part way and what it had changed could not all be put back: commit.json stays, and the next open applies it whole. */
export class BatchRestoreError extends Error {
  constructor(n: number, readonly failure: unknown, readonly restoreFailure: unknown) {
    super(`Cannot apply a batch of ${n} record changes: ${(failure as Error).message}; what it changed could not be put back (${(restoreFailure as Error).message}), so it is applied whole when the store next opens`);
  }
}
