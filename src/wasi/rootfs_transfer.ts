/**
 * Handing a rootfs to a worker thread. A UnionFS goes as its layers (their bytes are
 * shared, not copied, when they live in SharedArrayBuffers, which the engine arranges)
 * and its serialized upper; a view with mounts as its root, its volumes (unions too) and
 * its binds' descriptions. Each union goes with a key, the name its change records are
 * tagged with on the way back (change_link.ts), so they apply to the engine's copy of
 * that very filesystem, and reach every other process that shares it. The worker keeps
 * the Layers it has indexed, by diffId, so a warm worker does not index the same image
 * twice; and a layer the worker already holds goes as its key alone (a shared buffer
 * posted again is a new object for the worker's heap to account and collect, each run).
 *
 * A MemVfs does not go: its changes could not come back (they are not change records).
 */
import { deserializeUpper, Layer, serializeUpper, type SpillSpace, UnionFS, type WritableLayer } from "../fs/mod.ts";
import type { FileSystem } from "../fs/mod.ts";
import { MountedVfs } from "./mounted_vfs.ts";

export type RootfsTransfer =
  | {
    kind: "union";
    /** Which filesystem this is, in the change records both sides exchange. */
    key: string;
    /** Top first; `bytes` only for a layer the worker does not hold. */
    layers: Array<{ key: string; bytes?: Uint8Array }>;
    upper: Uint8Array;
    /** The worker drops the layers it holds first (the engine's record of them was full and started over). */
    forget?: boolean;
    /** The upper's spill space (src/fs/spill.ts), which the worker opens too. */
    spill?: { locator: string; threshold: number };
  }
  /** The worker's copy from its last run: it is this rootfs as it stands (see `transferOf`). */
  | { kind: "same"; key: string }
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

/**
 * What a worker's copy of its last run's rootfs was made from: the layers, the upper
 * and the upper's change count then. While the count is the same, nobody (the run
 * itself, another process, the engine) has changed the upper since, and the worker's
 * copy is the rootfs as it stands.
 */
export interface KeptRootfs {
  layers: string;
  upper: WritableLayer;
  version: number;
}

const keys = new WeakMap<WritableLayer, string>();
let lastKey = 0;

/** The key of the filesystem whose upper is `upper`, the same for every process on it (a volume's in every container). */
function keyOf(upper: WritableLayer): string {
  let key = keys.get(upper);
  if (key === undefined) keys.set(upper, key = `fs${++lastKey}`);
  return key;
}

/** The writable layers of `rootfs` whose changes travel (its union's, its volumes'), by key. */
export function uppersOf(rootfs: FileSystem): Map<string, WritableLayer> {
  const out = new Map<string, WritableLayer>();
  const add = (fs: FileSystem) => {
    if (fs instanceof UnionFS) out.set(keyOf(fs.upper), fs.upper);
    else if (fs instanceof MountedVfs) {
      add(fs.root);
      for (const m of fs.mounts) if (!m.bind) add(m.fs);
    }
  };
  add(rootfs);
  return out;
}

/** Most layers one worker keeps indexed. */
const MAX_WORKER_LAYERS = 256;

/** True when `rootfs` can be handed to a worker; `hostFiles`: the worker can open host files (binds, spill spaces). */
export function canTransfer(rootfs: FileSystem, hostFiles = false): boolean {
  if (rootfs instanceof MountedVfs) {
    return canTransfer(rootfs.root, hostFiles) && rootfs.mounts.every((m) => (m.bind ? hostFiles : canTransfer(m.fs, hostFiles)));
  }
  return rootfs instanceof UnionFS && (hostFiles || rootfs.upper.spill === null);
}

/**
 * What to post for `rootfs`, or undefined when it cannot cross threads. `held` is the
 * engine's record of the layers this worker holds (by key); it is updated. `kept`, what
 * the worker's last copy was made from: a plain union unchanged since goes as "same",
 * neither serialized nor rebuilt. The result's `kept` is what to keep for next time.
 */
export function transferOf(rootfs: FileSystem, held?: Set<string>, kept?: KeptRootfs): { transfer: RootfsTransfer; kept: KeptRootfs | undefined } | undefined {
  if (rootfs instanceof UnionFS && !(held && held.size + rootfs.value.lowers.length > MAX_WORKER_LAYERS)) {
    const upper = rootfs.upper;
    const layers = rootfs.value.lowers.map(layerKey).join("\n");
    if (kept && kept.upper === upper && kept.version === upper.version && kept.layers === layers) {
      return { transfer: { kind: "same", key: keyOf(upper) }, kept };
    }
    return { transfer: unionOf(rootfs, held), kept: { layers, upper, version: upper.version } };
  }
  // XXX: a view with mounts is rebuilt whole every run (its volumes may have changed under other containers).
  const transfer = mountedOf(rootfs, held);
  return transfer && { transfer, kept: undefined };
}

function mountedOf(rootfs: FileSystem, held?: Set<string>): RootfsTransfer | undefined {
  if (rootfs instanceof UnionFS) return unionOf(rootfs, held);
  if (!(rootfs instanceof MountedVfs)) return undefined;
  const root = mountedOf(rootfs.root, held);
  const mounts: MountTransfer[] = [];
  for (const { target, fs, readOnly = false, bind } of rootfs.mounts) {
    const copy = bind ? undefined : mountedOf(fs, held);
    if (!bind && !copy) return undefined;
    mounts.push(bind ? { target, readOnly, bind: bind.source } : { target, readOnly, fs: copy! });
  }
  return root && { kind: "mounted", root, mounts };
}

function layerKey(l: Layer): string {
  return `${l.diffId || `layer-${l.uid}`}:${l.bytes.byteLength}`;
}

function unionOf(rootfs: UnionFS, held?: Set<string>): RootfsTransfer {
  const lowers = rootfs.value.lowers;
  const forget = held !== undefined && held.size + lowers.length > MAX_WORKER_LAYERS;
  if (forget) held.clear();
  const layers = lowers.map((l) => {
    const key = layerKey(l);
    if (held?.has(key)) return { key };
    held?.add(key);
    return { key, bytes: l.bytes };
  });
  const space = rootfs.upper.spill;
  const spill = space ? { locator: space.locator, threshold: space.threshold } : undefined;
  return { kind: "union", key: keyOf(rootfs.upper), layers, upper: serializeUpper(rootfs.upper), forget, ...(spill ? { spill } : {}) };
}

/** The worker's layers, exactly those the engine has recorded as sent to it. */
const layerCache = new Map<string, Layer>();

/** The worker's copy of a transferred rootfs, with its writable layers by key. */
interface WorkerRootfs {
  vfs: FileSystem;
  uppers: Map<string, WritableLayer>;
}

/** The rootfs the worker made for its last run. */
let last: WorkerRootfs | undefined;

/** The worker's copy of a transferred rootfs; `host` opens host files (absent: a bind or spill space is refused). */
export function rootfsFrom(t: RootfsTransfer, host?: HostFiles): WorkerRootfs {
  if (t.kind === "same") {
    if (!last?.uppers.has(t.key)) throw new Error("Cannot reuse the rootfs of a last run: there was none");
    return last;
  }
  const uppers = new Map<string, WritableLayer>();
  return last = { vfs: build(t, uppers, host), uppers };
}

type Built = Exclude<RootfsTransfer, { kind: "same" }>;

function build(t: Built, uppers: Map<string, WritableLayer>, host?: HostFiles): FileSystem {
  if (t.kind === "mounted") {
    const mounts = t.mounts.map(({ target, readOnly, ...m }) => {
      if ("fs" in m) return { target, readOnly, fs: build(m.fs as Built, uppers, host) };
      if (!host) throw new Error(`Cannot mount ${m.bind} at ${target}: this worker cannot open host directories`);
      return { target, readOnly, fs: host.openBind(m.bind, { readOnly }), bind: { source: m.bind } };
    });
    return new MountedVfs(build(t.root as Built, uppers, host), mounts);
  }
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
  uppers.set(t.key, upper);
  return new UnionFS({ lowers, upper });
}
