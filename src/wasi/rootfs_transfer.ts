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
  }
  /** The worker's copy from its last run: it is this rootfs as it stands (see `reuseOf`). */
  | { kind: "same" };

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

/** The rootfs the worker made for its last run. */
let last: Vfs | undefined;

/** The worker's copy of a transferred rootfs. */
export function rootfsFrom(t: RootfsTransfer): Vfs {
  if (t.kind === "same") {
    if (!last) throw new Error("Cannot reuse the rootfs of a last run: there was none");
    return last;
  }
  return last = build(t);
}

function build(t: Exclude<RootfsTransfer, { kind: "same" }>): Vfs {
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
