/**
 * Handing a rootfs to a worker thread. A MemVfs goes as its snapshot; a UnionFS goes as
 * its layers (their bytes are shared, not copied, when they live in SharedArrayBuffers,
 * which the engine arranges) and its serialized upper. The worker keeps the Layers it
 * has indexed, by diffId, so a warm worker does not index the same image twice; and a
 * layer the worker already holds goes as its key alone (a shared buffer posted again
 * is a new object for the worker's heap to account and collect, each run).
 */
import { deserializeUpper, Layer, serializeUpper, UnionFS } from "../fs/mod.ts";
import type { Vfs } from "./_vfs.ts";
import { MemVfs, type MemSnapshot } from "./mem_vfs.ts";

export type RootfsTransfer =
  | { kind: "mem"; snapshot: MemSnapshot }
  | {
    kind: "union";
    /** Top first; `bytes` only for a layer the worker does not hold. */
    layers: Array<{ key: string; bytes?: Uint8Array }>;
    upper: Uint8Array;
    /** The worker drops the layers it holds first (the engine's record of them was full and started over). */
    forget?: boolean;
  };

/** Most layers one worker keeps indexed. */
const MAX_WORKER_LAYERS = 256;

/** True when `rootfs` can be handed to a worker. */
export function canTransfer(rootfs: Vfs): boolean {
  return rootfs instanceof MemVfs || rootfs instanceof UnionFS;
}

/**
 * What to post for `rootfs`, or undefined when it cannot cross threads. `held` is the
 * engine's record of the layers this worker holds (by key); it is updated.
 */
export function transferOf(rootfs: Vfs, held?: Set<string>): RootfsTransfer | undefined {
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
    return { kind: "union", layers, upper: serializeUpper(rootfs.upper), forget };
  }
  return undefined;
}

/** The worker's layers, exactly those the engine has recorded as sent to it. */
const layerCache = new Map<string, Layer>();

/** The worker's copy of a transferred rootfs. */
export function rootfsFrom(t: RootfsTransfer): Vfs {
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
  return new UnionFS({ lowers, upper: deserializeUpper(t.upper) });
}
