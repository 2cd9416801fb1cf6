/**
 * Handing a rootfs to a worker thread. A UnionFS goes as its layers (their bytes are
 * shared, not copied, when they live in SharedArrayBuffers, which the engine arranges)
 * and its serialized upper; a view with mounts as its root, its volumes and the
 * container's own files (unions too), its binds' descriptions, and /dev and /proc as the
 * little they are made from (devfs.ts, procfs.ts keep no state). Each union goes with a
 * key, the name its change records are tagged with on the way back (change_link.ts), so
 * they apply to the engine's copy of that very filesystem, and reach every other process
 * that shares it; a union mounted at several targets (the container's files: /dev/shm,
 * /etc/hosts…) goes once and is one union in the worker. The worker keeps the Layers it
 * has indexed, by diffId, so a warm worker does not index the same image twice; and a
 * layer the worker already holds goes as its key alone (a shared buffer posted again is
 * a new object for the worker's heap to account and collect, each run). A union the
 * worker's last run had, unchanged since, goes as its key alone too (`same`).
 *
 * A MemVfs does not go: its changes could not come back (they are not change records).
 */
import { deserializeUpper, Layer, serializeUpper, type SpillSpace, UnionFS, type WritableLayer } from "../fs/mod.ts";
import type { FileSystem } from "../fs/mod.ts";
import { MountedVfs } from "./mounted_vfs.ts";
import { DevFs } from "./devfs.ts";
import { type ProcInfo, ProcFs } from "./procfs.ts";

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
  /** A union the worker has: sent earlier in this transfer, or its copy from its last run, unchanged since (see `transferOf`). */
  | { kind: "same"; key: string }
  /** A view with mounts: volumes go as copies, a host bind as its description (the worker opens it). */
  | { kind: "mounted"; root: RootfsTransfer; mounts: MountTransfer[]; readOnlyRoot?: boolean }
  /** /dev, made anew; `time` its nodes' times. */
  | { kind: "devfs"; time: bigint }
  /** /proc, made anew from what it shows. */
  | { kind: "procfs"; info: ProcInfo };

type MountTransfer = { target: string; readOnly: boolean; path?: string } & ({ fs: RootfsTransfer } | { bind: string });

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
 * What a worker's copy of its last run's rootfs was made from: for each of its unions,
 * the layers, the upper and the upper's change count then. While the count is the same,
 * nobody (the run itself, another process, the engine) has changed that upper since, and
 * the worker's copy of it is the union as it stands.
 */
export interface KeptRootfs {
  unions: Map<string, { layers: string; upper: WritableLayer; version: number }>;
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
  if (rootfs instanceof DevFs || rootfs instanceof ProcFs) return true;
  return rootfs instanceof UnionFS && (hostFiles || rootfs.upper.spill === null);
}

/**
 * What to post for `rootfs`, or undefined when it cannot cross threads. `held` is the
 * engine's record of the layers this worker holds (by key); it is updated. `kept`, what
 * the worker's last copy was made from: a union unchanged since goes as "same", neither
 * serialized nor rebuilt; so does one whose key is `live`, a copy a shared worker keeps
 * for the container's processes there (_shared_fs.ts). The result's `kept` is what to keep for next time; `same`, that
 * every union went as "same" (the worker's copy is the rootfs as it stands).
 */
export function transferOf(
  rootfs: FileSystem,
  held?: Set<string>,
  kept?: KeptRootfs,
  live?: ReadonlySet<string>,
): { transfer: RootfsTransfer; kept: KeptRootfs; same: boolean } | undefined {
  const next: KeptRootfs = { unions: new Map() };
  let same = true;
  const union = (fs: UnionFS): RootfsTransfer => {
    const upper = fs.upper, key = keyOf(upper);
    if (next.unions.has(key) || live?.has(key)) return { kind: "same", key }; // sent just before, in this transfer, or a copy the worker shares
    const layers = fs.value.lowers.map(layerKey).join("\n"), was = kept?.unions.get(key);
    next.unions.set(key, { layers, upper, version: upper.version });
    if (was && was.upper === upper && was.version === upper.version && was.layers === layers) return { kind: "same", key };
    same = false;
    return unionOf(fs, held);
  };
  const of = (fs: FileSystem): RootfsTransfer | undefined => {
    if (fs instanceof UnionFS) return union(fs);
    if (fs instanceof DevFs) return { kind: "devfs", time: fs.options.time };
    if (fs instanceof ProcFs) return { kind: "procfs", info: fs.info };
    if (!(fs instanceof MountedVfs)) return undefined;
    const root = of(fs.root);
    const mounts: MountTransfer[] = [];
    for (const { target, fs: mounted, readOnly = false, bind, path } of fs.mounts) {
      const at = { target, readOnly, ...(path ? { path } : {}) };
      if (bind) {
        mounts.push({ ...at, bind: bind.source });
        continue;
      }
      const copy = of(mounted);
      if (!copy) return undefined;
      mounts.push({ ...at, fs: copy });
    }
    return root && { kind: "mounted", root, mounts, ...(fs.readOnlyRoot ? { readOnlyRoot: true } : {}) };
  };
  const transfer = of(rootfs);
  return transfer && { transfer, kept: next, same: same && next.unions.size === kept?.unions.size };
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
  /** Its unions by key, for the next run's "same". */
  unions: Map<string, UnionFS>;
}

/** The rootfs the worker made for its last run. */
let last: WorkerRootfs | undefined;

/**
 * The worker's copy of a transferred rootfs; `host` opens host files (absent: a bind or
 * spill space is refused). `shared`, on a shared worker: the copies it keeps, which a
 * union sent as "same" is (there is no last run's copy there).
 */
export function rootfsFrom(t: RootfsTransfer, host?: HostFiles, shared?: (key: string) => UnionFS | undefined): WorkerRootfs {
  const unions = new Map<string, UnionFS>();
  const vfs = build(t, unions, host, shared);
  const made = { vfs, uppers: new Map([...unions].map(([key, u]) => [key, u.upper])), unions };
  if (!shared) last = made;
  return made;
}

function build(t: RootfsTransfer, unions: Map<string, UnionFS>, host?: HostFiles, shared?: (key: string) => UnionFS | undefined): FileSystem {
  switch (t.kind) {
    case "same": {
      const u = unions.get(t.key) ?? (shared ? shared(t.key) : last?.unions.get(t.key));
      if (!u) throw new Error(shared ? `Cannot run: this worker has no copy of filesystem ${t.key}` : "Cannot reuse the rootfs of a last run: there was none");
      unions.set(t.key, u);
      return u;
    }
    case "devfs":
      return new DevFs(t.time);
    case "procfs":
      return new ProcFs(t.info);
    case "mounted": {
      const root = build(t.root, unions, host, shared); // first, as the engine made the transfer: a union's first sending comes first
      const mounts = t.mounts.map(({ target, readOnly, path, ...m }) => {
        const at = { target, readOnly, ...(path ? { path } : {}) };
        if ("fs" in m) return { ...at, fs: build(m.fs, unions, host, shared) };
        if (!host) throw new Error(`Cannot mount ${m.bind} at ${target}: this worker cannot open host directories`);
        return { ...at, fs: host.openBind(m.bind, { readOnly }), bind: { source: m.bind } };
      });
      return new MountedVfs(root, mounts, { readOnlyRoot: t.readOnlyRoot });
    }
    case "union":
      return unionFrom(t, unions, host);
  }
}

function unionFrom(t: Extract<RootfsTransfer, { kind: "union" }>, unions: Map<string, UnionFS>, host?: HostFiles): UnionFS {
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
  const u = new UnionFS({ lowers, upper });
  unions.set(t.key, u);
  return u;
}
