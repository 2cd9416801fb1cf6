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
