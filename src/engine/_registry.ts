/**
 * The container registry: every container an engine holds, by id and by name, and their
 * records in the store. It is the one owner of those maps, so a name is reserved from the
 * moment create adds the container (a concurrent create of the name is a conflict), and a
 * record is written only while its container is held (an exit recorded after a removal
 * does not bring the record back). Removed containers leave their exit status here for a
 * while, by id and by name, so that a `wait` arriving after an AutoRemove still answers
 * (the dockerode race: it waits after the start returns).
 */
import type { Store } from "../store/mod.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { notFound } from "./errors.ts";
import type { ExitStatus } from "./wire.ts";

export class ContainerRegistry {
  readonly #byId = new Map<string, ContainerRuntime>();
  readonly #byName = new Map<string, ContainerRuntime>();
  /** Exit status of recently removed containers, by id and name. */
  readonly #removed = new Map<string, ExitStatus>();

  /** `removedGraceMs`: how long a removed container's status is kept. */
  constructor(readonly store: Store, readonly removedGraceMs = 30_000) {}

  /** Find a container by full id, name, or unique id prefix. Errors: not-found "No such container: x". */
  get(ref: string): ContainerRuntime {
    const exact = this.#byId.get(ref) ?? this.#byName.get(ref.replace(/^\//, ""));
    if (exact) return exact;
    if (/^[a-f0-9]+$/.test(ref)) {
      let hit: ContainerRuntime | undefined, n = 0;
      for (const [id, rt] of this.#byId) if (id.startsWith(ref)) hit = rt, n++;
      if (n === 1) return hit!;
    }
    throw notFound(`No such container: ${ref}`);
  }

  /** The container holding a name (without the leading "/"). */
  named(name: string): ContainerRuntime | undefined {
    return this.#byName.get(name);
  }

  /** Whether this container is still the one held under its id (not removed meanwhile). */
  holds(rt: ContainerRuntime): boolean {
    return this.#byId.get(rt.rec.Id) === rt;
  }

  /** Every container held, in the order they were added. */
  all(): IterableIterator<ContainerRuntime> {
    return this.#byId.values();
  }

  /** Hold a container under its id and name. */
  add(rt: ContainerRuntime): void {
    this.#byId.set(rt.rec.Id, rt);
    this.#byName.set(rt.rec.Name, rt);
  }

  /** Stop holding a container (a create that failed, a removal). */
  delete(rt: ContainerRuntime): void {
    this.#byId.delete(rt.rec.Id);
    if (this.#byName.get(rt.rec.Name) === rt) this.#byName.delete(rt.rec.Name);
  }

  /** Move a container to a new name (checked by the caller); the record is not written here. */
  rename(rt: ContainerRuntime, name: string): void {
    this.#byName.delete(rt.rec.Name);
    rt.rec.Name = name;
    this.#byName.set(name, rt);
  }

  /** Write the record, if the container is still held. */
  async save(rt: ContainerRuntime): Promise<void> {
    if (this.holds(rt)) await this.store.putRecord("container", rt.rec.Id, rt.rec);
  }

  /** Stop holding a removed container and delete its record; its status answers `wait` for `removedGraceMs`. */
  async remove(rt: ContainerRuntime): Promise<void> {
    this.delete(rt);
    await this.store.deleteRecord("container", rt.rec.Id);
  }

  /** Keep a removed container's exit status for late waiters, by id and by name. */
  rememberRemoved(rt: ContainerRuntime, status: ExitStatus): void {
    const keys = [rt.rec.Id, rt.rec.Name];
    for (const key of keys) this.#removed.set(key, status);
    const timer = setTimeout(() => {
      for (const key of keys) if (this.#removed.get(key) === status) this.#removed.delete(key);
    }, this.removedGraceMs);
    (timer as { unref?: () => void }).unref?.();
  }

  /** The exit status of a container removed lately under this id or name. */
  removedStatus(ref: string): ExitStatus | undefined {
    return this.#removed.get(ref);
  }

  /** Which container (id) uses an image, for `rmi`. */
  imageUser(imageId: string): string | undefined {
    for (const rt of this.#byId.values()) if (rt.rec.ImageID === imageId) return rt.rec.Id;
    return undefined;
  }

  /** The containers (ids) that reference a volume. */
  volumeUsers(name: string): string[] {
    const out: string[] = [];
    for (const rt of this.#byId.values()) if (rt.rec.Mounts?.some((m) => m.Name === name)) out.push(rt.rec.Id);
    return out;
  }
}
