/**
 * Volumes: named and anonymous, each a writable layer of its own (a union with no
 * lowers), kept in the store like a container's upper (snapshot + write-through journal),
 * mounted into any number of containers at once and outliving them. A volume that a
 * container references is in use: removing it is a conflict, as in Docker.
 */
import { sizes, type UnionFS } from "../fs/mod.ts";
import { pruneFilter } from "./_prune_filters.ts";
import type { Store } from "../store/mod.ts";
import { randomId } from "./_format.ts";
import { PersistedUpper } from "./_persist.ts";
import { conflict, invalid, notFound } from "./errors.ts";
import type { EventBus } from "./events.ts";
import type { Filters, Volume, VolumeCreateOptions } from "./wire.ts";
import type { VolumesApi } from "./api.ts";
import { values } from "./_filters.ts";

/** Docker's volume name rule (same characters as container names). */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** The label Docker puts on anonymous volumes. */
const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

interface VolumeRecord {
  Name: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
}

interface Held {
  rec: VolumeRecord;
  data: PersistedUpper;
  fs: UnionFS | null;
  /** Running processes writing it (tracing is on while > 0). */
  active: number;
}

export class VolumeStore implements VolumesApi {
  #vols = new Map<string, Held>();

  /** `users(name)`: ids of the containers that reference a volume. */
  constructor(readonly store: Store, readonly events: EventBus, readonly users: (name: string) => string[]) {}

  async open(): Promise<void> {
    for (const [name, rec] of await this.store.listRecords<VolumeRecord>("volume")) this.#hold(name, rec);
  }

  #hold(name: string, rec: VolumeRecord): Held {
    const h: Held = { rec, data: new PersistedUpper(this.store, "volume-data", name), fs: null, active: 0 };
    this.#vols.set(name, h);
    return h;
  }

  #get(name: string, op: string): Held {
    return this.#vols.get(name) ?? (() => {
      throw notFound(op === "get" ? `get ${name}: no such volume` : `${op} ${name}: no such volume`);
    })();
  }

  has(name: string): boolean {
    return this.#vols.has(name);
  }

  /** Create (or return the existing one of that name). Errors: invalid name. */
  async create(o: VolumeCreateOptions & { anonymous?: boolean } = {}): Promise<Volume> {
    const name = o.Name || randomId();
    if (!VOLUME_NAME.test(name)) {
      throw invalid(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    if (o.Driver && o.Driver !== "local") throw invalid(`create ${name}: error looking up volume plugin ${o.Driver}: plugin "${o.Driver}" not found`);
    const existing = this.#vols.get(name);
    if (existing) return view(existing.rec);
    const labels = { ...(o.Labels ?? {}), ...(o.anonymous || !o.Name ? { [ANONYMOUS_LABEL]: "" } : {}) };
    const rec: VolumeRecord = { Name: name, CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"), Labels: labels, Options: o.DriverOpts ?? {} };
    await this.store.putRecord("volume", name, rec);
    this.#hold(name, rec);
    this.events.emit("volume", "create", name, { driver: "local" });
    return view(rec);
  }

  async inspect(name: string): Promise<Volume> {
    return view(this.#get(name, "get").rec);
  }

  async list(o: { filters?: Filters } = {}): Promise<{ Volumes: Volume[]; Warnings: string[] }> {
    const f = o.filters ?? {};
    const out: Volume[] = [];
    for (const h of this.#vols.values()) {
      const dangling = values(f, "dangling");
      if (dangling.length && dangling.some((d) => (d === "true" || d === "1") !== (this.users(h.rec.Name).length === 0))) continue;
      if (values(f, "name").length && !values(f, "name").some((n) => h.rec.Name.includes(n))) continue;
      if (values(f, "label").length && !values(f, "label").every((l) => labelMatch(h.rec.Labels, l))) continue;
      out.push(view(h.rec));
    }
    return { Volumes: out.sort((a, b) => a.Name.localeCompare(b.Name)), Warnings: [] };
  }

  /** Errors: not-found; conflict when a container references it. */
  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    const h = this.#vols.get(name);
    if (!h) {
      if (o.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    this.#vols.delete(name);
    await this.store.deleteRecord("volume", name);
    await h.data.delete();
    this.events.emit("volume", "destroy", name, { driver: "local" });
  }

  /** Remove unused volumes: anonymous ones, or all unused with `all` (Docker ≥ 23). */
  async prune(o: { all?: boolean; filters?: Filters } = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const keep = pruneFilter(o.filters, ["all", "label", "label!"]);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const h of [...this.#vols.values()]) {
      if (this.users(h.rec.Name).length || (!o.all && !(ANONYMOUS_LABEL in h.rec.Labels))) continue;
      if (!keep({ created: Date.parse(h.rec.CreatedAt), labels: h.rec.Labels })) continue;
      reclaimed += (await this.size(h.rec.Name));
      await this.remove(h.rec.Name);
      deleted.push(h.rec.Name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** The volume's filesystem (mounted once, shared by every container that mounts it). */
  async mount(name: string): Promise<UnionFS> {
    const h = this.#get(name, "get");
    h.fs ??= await h.data.mount([]);
    return h.fs;
  }

  /** A process that may write the volume starts: trace its changes to the store. */
  async begin(name: string): Promise<UnionFS> {
    const h = this.#get(name, "get");
    const fs = await this.mount(name);
    if (h.active++ === 0) h.data.trace(fs);
    return fs;
  }

  /** A process ends: snapshot once nobody writes any more. */
  async end(name: string): Promise<void> {
    const h = this.#vols.get(name);
    if (!h?.fs) return;
    if (--h.active > 0) return await h.data.flushed();
    h.data.untrace(h.fs);
    await h.data.snapshot(h.fs);
  }

  /** Bytes of the volume's content. */
  async size(name: string): Promise<number> {
    return sizes(await this.mount(name)).sizeRw;
  }

  /** Resolves when every traced change of every volume is stored. */
  async flushed(): Promise<void> {
    await Promise.all([...this.#vols.values()].map((h) => h.data.flushed()));
  }

  names(): string[] {
    return [...this.#vols.keys()];
  }

  isAnonymous(name: string): boolean {
    return ANONYMOUS_LABEL in (this.#vols.get(name)?.rec.Labels ?? {});
  }
}

function labelMatch(labels: Record<string, string>, filter: string): boolean {
  const [k, v] = filter.split("=");
  return v === undefined ? k! in labels : labels[k!] === v;
}

function view(rec: VolumeRecord): Volume {
  return {
    Name: rec.Name, Driver: "local", Mountpoint: `/var/lib/strata/volumes/${rec.Name}/_data`, CreatedAt: rec.CreatedAt,
    Labels: rec.Labels, Scope: "local", Options: rec.Options,
  };
}
