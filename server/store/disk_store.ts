/**
 * DiskStore: the Store on a directory (STRATA_HOME, default ~/.local/share/strata).
 *   blobs/sha256/<hex>          content-addressed, verified by digest on every read
 *   records/<kind>/<key>.json   JSON records
 *   bytes/<kind>/<key>          byte values (writable layers, logs)
 *   commit.json                 a batch of record changes being applied (replayed at open)
 *   lock                        the pid of the engine that owns the directory
 * Every write is atomic: a temp file, fsync, rename, fsync of the directory. A batch
 * (`commit`) is first written whole to commit.json, then applied, then removed, so a
 * crash leaves either all of it or none. A second engine on the same home gets a clear
 * error while the first one's process lives.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { sha256, verifyDigest } from "../../src/oci/mod.ts";
import type { Store } from "../../src/store/mod.ts";
import { installNodeDigest } from "./node_digest.ts";

/** The file in a home that holds the address of the API server owning that store while it runs. */
export const SERVER_URL_FILE = "server.url";

export function defaultHome(): string {
  return process.env["STRATA_HOME"] || join(process.env["XDG_DATA_HOME"] || join(homedir(), ".local", "share"), "strata");
}

const enc = (key: string) => encodeURIComponent(key).replace(/\./g, "%2E");
const dec = (name: string) => decodeURIComponent(name);

/** The home is owned by another live process. */
export class StoreLockedError extends Error {
  constructor(readonly home: string, readonly pid: number) {
    super(`Cannot open ${home}: it is in use by another strata engine (pid ${pid}); stop it or use another STRATA_HOME`);
  }
}

function atomicWrite(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Temp files of writes a crash interrupted: never renamed, so never visible; remove them. */
function removeTemps(dir: string): void {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.isDirectory()) removeTemps(join(dir, ent.name));
    else if (ent.name.includes(".tmp-")) rmSync(join(dir, ent.name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Homes opened by this process: a pid file cannot tell two engines of one process apart. */
const openHomes = new Set<string>();

export class DiskStore implements Store {
  #locked = false;
  private constructor(readonly home: string) {}

  /**
   * Open (and lock) a home directory. An engine on disk runs on Node or Deno, so this
   * also switches the core's digests to node:crypto (see node_digest.ts).
   * Errors: StoreLockedError.
   */
  static open(home = defaultHome()): DiskStore {
    installNodeDigest();
    home = resolve(home);
    if (openHomes.has(home)) throw new StoreLockedError(home, process.pid);
    mkdirSync(home, { recursive: true });
    const lock = join(home, "lock");
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lock, "wx");
        writeSync(fd, String(process.pid));
        fsyncSync(fd);
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw err;
        const pid = Number(readFileSync(lock, "utf8")) || 0;
        if (pid && pid !== process.pid && alive(pid)) throw new StoreLockedError(home, pid);
        rmSync(lock, { force: true }); // stale: its owner is gone
      }
    }
    const store = new DiskStore(home);
    store.#locked = true;
    openHomes.add(home);
    store.#replay();
    for (const dir of ["blobs/sha256", "records", "bytes"]) mkdirSync(join(home, dir), { recursive: true });
    removeTemps(home);
    return store;
  }

  #blob(digest: string): string {
    return join(this.home, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  }
  #record(kind: string, key: string): string {
    return join(this.home, "records", enc(kind), `${enc(key)}.json`);
  }
  #bytes(kind: string, key: string): string {
    return join(this.home, "bytes", enc(kind), enc(key));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return existsSync(this.#blob(digest));
  }
  async getBlob(digest: string): Promise<Uint8Array | undefined> {
    const path = this.#blob(digest);
    if (!existsSync(path)) return undefined;
    const bytes = new Uint8Array(readFileSync(path));
    await verifyDigest(bytes, digest, `stored blob ${digest}`);
    return bytes;
  }
  async putBlob(bytes: Uint8Array, expected?: string, opts: { verified?: boolean } = {}): Promise<string> {
    const digest = expected && opts.verified ? expected : expected ? await verifyDigest(bytes, expected, `blob ${expected}`) : await sha256(bytes);
    if (!existsSync(this.#blob(digest))) atomicWrite(this.#blob(digest), bytes);
    return digest;
  }
  async deleteBlob(digest: string): Promise<void> {
    rmSync(this.#blob(digest), { force: true });
  }
  async listBlobs(): Promise<string[]> {
    return readdirSync(join(this.home, "blobs", "sha256")).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`).sort();
  }
  async getRecord<T>(kind: string, key: string): Promise<T | undefined> {
    const path = this.#record(kind, key);
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
  }
  async putRecord(kind: string, key: string, value: unknown): Promise<void> {
    atomicWrite(this.#record(kind, key), JSON.stringify(value));
  }
  async deleteRecord(kind: string, key: string): Promise<void> {
    rmSync(this.#record(kind, key), { force: true });
  }
  async listRecords<T>(kind: string): Promise<Array<[string, T]>> {
    const dir = join(this.home, "records", enc(kind));
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((n) => n.endsWith(".json")).map((n) => dec(n.slice(0, -5))).sort()
      .map((key) => [key, JSON.parse(readFileSync(join(dir, `${enc(key)}.json`), "utf8")) as T]);
  }
  async commit(changes: ReadonlyArray<{ kind: string; key: string; value: unknown }>): Promise<void> {
    if (changes.length === 1) {
      const [c] = changes;
      return c!.value === undefined ? this.deleteRecord(c!.kind, c!.key) : this.putRecord(c!.kind, c!.key, c!.value);
    }
    atomicWrite(join(this.home, "commit.json"), JSON.stringify(changes));
    this.#replay();
  }
  /** Apply and remove a pending batch (after a crash, at open). */
  #replay(): void {
    const path = join(this.home, "commit.json");
    if (!existsSync(path)) return;
    const changes = JSON.parse(readFileSync(path, "utf8")) as Array<{ kind: string; key: string; value?: unknown }>;
    for (const c of changes) {
      if (c.value === undefined) rmSync(this.#record(c.kind, c.key), { force: true });
      else atomicWrite(this.#record(c.kind, c.key), JSON.stringify(c.value));
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
  async close(): Promise<void> {
    if (this.#locked) rmSync(join(this.home, "lock"), { force: true });
    if (this.#locked) openHomes.delete(this.home);
    this.#locked = false;
  }
}

