/**
 * Handing a rootfs to a worker thread. A MemVfs goes as its snapshot; a UnionFS goes as
 * its layers (their bytes are shared, not copied, when they live in SharedArrayBuffers,
 * which the engine arranges) and its serialized upper. The worker keeps the Layers it
 * has indexed, by diffId, so a warm worker does not index the same image twice.
 */
import { deserializeUpper, Layer, serializeUpper, UnionFS } from "../fs/mod.ts";
import type { Vfs } from "./_vfs.ts";
import { MemVfs, type MemSnapshot } from "./mem_vfs.ts";

export type RootfsTransfer =
  | { kind: "mem"; snapshot: MemSnapshot }
  | { kind: "union"; layers: Array<{ key: string; bytes: Uint8Array }>; upper: Uint8Array };

/** What to post for `rootfs`, or undefined when it cannot cross threads. */
export function transferOf(rootfs: Vfs): RootfsTransfer | undefined {
  if (rootfs instanceof MemVfs) return { kind: "mem", snapshot: rootfs.snapshot() };
  if (rootfs instanceof UnionFS) {
    const layers = rootfs.value.lowers.map((l) => ({ key: `${l.diffId || `layer-${l.uid}`}:${l.bytes.byteLength}`, bytes: l.bytes }));
    return { kind: "union", layers, upper: serializeUpper(rootfs.upper) };
  }
  return undefined;
}

const layerCache = new Map<string, Layer>();

/** The worker's copy of a transferred rootfs. */
export function rootfsFrom(t: RootfsTransfer): Vfs {
  if (t.kind === "mem") return MemVfs.fromSnapshot(t.snapshot);
  const lowers = t.layers.map(({ key, bytes }) => {
    let layer = layerCache.get(key);
    if (!layer) {
      layer = new Layer(bytes, { diffId: key.split(":").slice(0, 2).join(":") });
      layerCache.set(key, layer);
      if (layerCache.size > 256) layerCache.delete(layerCache.keys().next().value!);
    }
    return layer;
  });
  return new UnionFS({ lowers, upper: deserializeUpper(t.upper) });
}
