/**
 * Handing a rootfs to a worker thread. A MemVfs goes as its snapshot; a UnionFS goes as
 * its layers (their bytes are shared, not copied, when they live in SharedArrayBuffers,
 * which the engine arranges) and its serialized upper. The worker keeps the Layers it
 * has indexed, by diffId, so a warm worker does not index the same image twice; and a
 * layer the worker already holds goes as its key alone (a shared buffer posted again
 * is a new object for the worker's heap to account and collect, each run).
 */
import { deserializeUpper, Layer, serializeUpper, type SpillSpace, UnionFS } from "../fs/mod.ts";
import type { FileSystem } from "../fs/mod.ts";
import { MemVfs, type MemSnapshot } from "./mem_vfs.ts";
import { MountedVfs } from "./mounted_vfs.ts";

export type RootfsTransfer =
  | { kind: "mem"; snapshot: MemSnapshot }
  | {
    kind: "union";
    /** Top first; `bytes` only for a layer the worker does not hold. */
    layers: Array<{ key: string; bytes?: Uint8Array }>;
    upper: Uint8Array;
    /** The worker drops the layers it holds first (the engine's record of them was full and started over). */
    forget?: boolean;
    /** The upper's spill space (src/fs/spill.ts), which the worker opens too. */
    spill?: { locator: string; threshold: number };
  }
  /** The worker's copy from its last run: it is this rootfs as it stands (see `reuseOf`). */
  | { kind: "same" }
  /** A view with mounts: volumes go as copies, a host bind as its description (the worker opens it). */
  | { kind: "mounted"; root: RootfsTransfer; mounts: MountTransfer[] };

type MountTransfer = { target: string; readOnly: boolean } & ({ fs: RootfsTransfer } | { bind: string });

/**
 * What a worker opens on the host by itself (the platform's abilities, handed to
 * `serveProcessWorker`; a WorkerHost whose workers have them says `hostFiles`): a bind
 * mount's directory, and a writable layer's spill space.
 */
export interface HostFiles {
  openBind(source: string, opts: { readOnly: boolean }): FileSystem;
  openSpill(locator: string, threshold: number): SpillSpace;
}

/** What a worker's kept copy was made from, while neither side has changed it since. */
export interface KeptRootfs {
  layers: string;
  upper: Uint8Array;
}

/**
 * `t`, or "same" when the worker's copy from its last run is this rootfs as it stands:
 * made from the same layers and the same upper bytes, and (the caller's part: it clears
 * `kept`) changed by nobody since: its run journaled nothing and was forwarded nothing.
 * The worker then skips rebuilding the filesystem. `kept` is what the caller keeps for
 * next time.
 */
export function reuseOf(t: RootfsTransfer, kept: KeptRootfs | undefined): { transfer: RootfsTransfer; kept: KeptRootfs | undefined } {
  // XXX: a view with mounts is rebuilt whole every run (its volumes may have changed under other containers).
  if (t.kind !== "union" || t.forget) return { transfer: t, kept: undefined };
  const layers = t.layers.map((l) => l.key).join("\n");
  if (kept && kept.layers === layers && sameBytes(kept.upper, t.upper)) return { transfer: { kind: "same" }, kept };
  return { transfer: t, kept: { layers, upper: t.upper } };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Most layers one worker keeps indexed. */
const MAX_WORKER_LAYERS = 256;

/** True when `rootfs` can be handed to a worker; `hostFiles`: the worker can open host files (binds, spill spaces). */
export function canTransfer(rootfs: FileSystem, hostFiles = false): boolean {
  if (rootfs instanceof MountedVfs) {
    return canTransfer(rootfs.root, hostFiles) && rootfs.mounts.every((m) => (m.bind ? hostFiles : canTransfer(m.fs, hostFiles)));
  }
  if (rootfs instanceof UnionFS) return hostFiles || rootfs.upper.spill === null;
  return rootfs instanceof MemVfs;
}

/**
 * What to post for `rootfs`, or undefined when it cannot cross threads. `held` is the
 * engine's record of the layers this worker holds (by key); it is updated.
 */
export function transferOf(rootfs: FileSystem, held?: Set<string>): RootfsTransfer | undefined {
  if (rootfs instanceof MountedVfs) {
    const root = transferOf(rootfs.root, held);
    const mounts: MountTransfer[] = [];
    for (const { target, fs, readOnly = false, bind } of rootfs.mounts) {
      const copy = bind ? undefined : transferOf(fs, held);
      if (!bind && !copy) return undefined;
      mounts.push(bind ? { target, readOnly, bind: bind.source } : { target, readOnly, fs: copy! });
    }
    return root && { kind: "mounted", root, mounts };
  }
  if (rootfs instanceof MemVfs) return { kind: "mem", snapshot: rootfs.snapshot() };
  if (rootfs instanceof UnionFS) {
    const lowers = rootfs.value.lowers;
    const forget = held !== undefined && held.size + lowers.length > MAX_WORKER_LAYERS;
    if (forget) held.clear();
    const layers = lowers.map((l) => {
      const key = `${l.diffId || `layer-${l.uid}`}:${l.bytes.byteLength}`;
      if (held?.has(key)) return { key };
      held?.add(key);
      return { key, bytes: l.bytes };
    });
    const space = rootfs.upper.spill;
    const spill = space ? { locator: space.locator, threshold: space.threshold } : undefined;
    return { kind: "union", layers, upper: serializeUpper(rootfs.upper), forget, ...(spill ? { spill } : {}) };
  }
  return undefined;
}

/** The worker's layers, exactly those the engine has recorded as sent to it. */
const layerCache = new Map<string, Layer>();

/** The rootfs the worker made for its last run. */
let last: FileSystem | undefined;

/** The worker's copy of a transferred rootfs; `host` opens host files (absent: a bind or spill space is refused). */
export function rootfsFrom(t: RootfsTransfer, host?: HostFiles): FileSystem {
  if (t.kind === "same") {
    if (!last) throw new Error("Cannot reuse the rootfs of a last run: there was none");
    return last;
  }
  return last = build(t, host);
}

type Built = Exclude<RootfsTransfer, { kind: "same" }>;

function build(t: Built, host?: HostFiles): FileSystem {
  if (t.kind === "mounted") {
    const mounts = t.mounts.map(({ target, readOnly, ...m }) => {
      if ("fs" in m) return { target, readOnly, fs: build(m.fs as Built, host) };
      if (!host) throw new Error(`Cannot mount ${m.bind} at ${target}: this worker cannot open host directories`);
      return { target, readOnly, fs: host.openBind(m.bind, { readOnly }), bind: { source: m.bind } };
    });
    return new MountedVfs(build(t.root as Built, host), mounts);
  }
  if (t.kind === "mem") return MemVfs.fromSnapshot(t.snapshot);
  if (t.forget) layerCache.clear();
  const lowers = t.layers.map(({ key, bytes }) => {
    let layer = layerCache.get(key);
    if (!layer) {
      if (!bytes) throw new Error(`Cannot rebuild the rootfs: layer ${key} was neither sent nor kept`);
      layer = new Layer(bytes, { diffId: key.split(":").slice(0, 2).join(":") });
      layerCache.set(key, layer);
    }
    return layer;
  });
  const upper = deserializeUpper(t.upper);
  if (t.spill) {
    if (!host) throw new Error("Cannot rebuild the rootfs: its large files are on the host, and this worker cannot open host files");
    upper.spill = host.openSpill(t.spill.locator, t.spill.threshold);
  }
  return new UnionFS({ lowers, upper });
}
