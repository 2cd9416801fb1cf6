/**
 * Checks a layer's entries against OCI image-spec layer.md's whiteout rules before it is
 * stored: a whiteout is a regular file named `.wh.<name>` with a non-empty name, it has
 * no children, and `.wh..wh..opq` is the only `.wh..wh.` name.
 */
import { type TarEntry, TarSyntaxError } from "../tar/mod.ts";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_WHITEOUT = ".wh..wh..opq";

/** Throws TarSyntaxError naming the layer, entry and offset of a misplaced whiteout. */
export function checkLayerEntries(entries: readonly TarEntry[], layer: string): void {
  for (const e of entries) {
    const parts = e.path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!part.startsWith(WHITEOUT_PREFIX)) continue;
      const last = i === parts.length - 1;
      if (!last) throw new TarSyntaxError(layer, e.offset, "a whiteout cannot have children", e.path);
      if (part === WHITEOUT_PREFIX) throw new TarSyntaxError(layer, e.offset, "empty whiteout name", e.path);
      if (part.startsWith(".wh..wh.") && part !== OPAQUE_WHITEOUT) throw new TarSyntaxError(layer, e.offset, "unknown whiteout meta-file", e.path);
      if (e.type !== "file" && e.type !== "hardlink") throw new TarSyntaxError(layer, e.offset, `a whiteout must be a regular file, not a ${e.type}`, e.path);
    }
  }
}
