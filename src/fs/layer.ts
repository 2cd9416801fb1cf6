/**
 * Layer: one read-only layer, built from a layer tar's index (bodies are views into the
 * tar bytes, which may live in a SharedArrayBuffer so worker threads share them). Its
 * whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`) are recorded apart from its
 * entries and never shown (OCI image-spec layer.md). A layer exports the exact bytes it
 * came from, so its diffId never changes.
 */
import { indexTar, type TarEntry } from "../tar/mod.ts";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_WHITEOUT = ".wh..wh..opq";

let nextLayerId = 1;

/** The layers over each buffer, so a view of a file's bytes can say which layer it is in (`layerOf`). */
const byBuffer = new WeakMap<ArrayBufferLike, Layer[]>();

export class Layer {
  /** Entries other than whiteouts and opaque markers, in tar order. */
  readonly entries: TarEntry[] = [];
  /** Paths this layer deletes from the layers below it. */
  readonly whiteouts: string[] = [];
  /** Directories whose lower children this layer hides. */
  readonly opaques: string[] = [];
  /** Process-unique id (for caches). */
  readonly uid = nextLayerId++;

  constructor(readonly bytes: Uint8Array, opts: { diffId?: string; name?: string; entries?: TarEntry[] } = {}) {
    this.diffId = opts.diffId ?? "";
    const over = byBuffer.get(bytes.buffer);
    if (!over) byBuffer.set(bytes.buffer, [this]);
    else if (!over.some((l) => l.diffId === this.diffId && l.bytes.byteOffset === bytes.byteOffset && l.bytes.byteLength === bytes.byteLength)) over.push(this);
    const entries = opts.entries ?? indexTar(bytes, { name: opts.name ?? (opts.diffId ? `layer ${opts.diffId}` : "layer") });
    for (const e of entries) {
      const slash = e.path.lastIndexOf("/");
      const base = e.path.slice(slash + 1), dir = slash < 0 ? "" : e.path.slice(0, slash);
      if (base === OPAQUE_WHITEOUT) this.opaques.push(dir);
      else if (base.startsWith(WHITEOUT_PREFIX)) this.whiteouts.push(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
      else this.entries.push(e);
    }
  }
  readonly diffId: string;

  /** The original tar bytes. */
  exportTar(): Uint8Array {
    return this.bytes;
  }
}

/**
 * The layer whose bytes `view` lies in, and where: a lower file's bytes, and an upper
 * file's not yet written since its copy-up, are views into their layer (`readFile`
 * copies nothing). A layer's bytes never change, so (layer, offset, length) names the
 * content as well as its digest would, without reading it. Undefined for any other view.
 */
export function layerOf(view: Uint8Array): { layer: Layer; offset: number } | undefined {
  const layers = byBuffer.get(view.buffer);
  if (!layers) return undefined;
  let found: { layer: Layer; offset: number } | undefined;
  for (const layer of layers) {
    const offset = view.byteOffset - layer.bytes.byteOffset;
    if (offset < 0 || offset + view.byteLength > layer.bytes.byteLength) continue;
    if (layer.diffId) return { layer, offset };
    found ??= { layer, offset };
  }
  return found;
}
