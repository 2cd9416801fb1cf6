/**
 * Where each entry of a merged directory comes from: the topmost layer of the stack that
 * holds it, or the container's writable layer (a file or link written or copied up there,
 * a directory made there). A directory that merges a lower one and the writable layer is
 * the lower layer's (its changed children say the rest). On request, the markers that
 * hide things are listed too: whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`)
 * of each layer in this directory and of the writable layer. What the web page's file
 * browser shows (docs/ui.md); read only.
 */
import { FsError } from "./errors.ts";
import { type Inode, WHITEOUT } from "./inode.ts";
import type { Layer } from "./layer.ts";
import type { UnionFS } from "./union_fs.ts";

/** Where an entry comes from: a layer's diff ID, or the container's writable layer. */
export const WRITABLE = "writable";

/** One entry of a merged directory (or a marker, with `whiteouts`). */
export interface OriginEntry {
  Name: string;
  /** Absolute path in the container. */
  Path: string;
  /** file, dir, symlink, hardlink-free kinds as the union has them; "whiteout" or "opaque" for markers. */
  Type: string;
  Size: number;
  Mode: number;
  /** A symlink's target. */
  Target?: string;
  /** The diff ID of the layer it comes from, or "writable". */
  Layer: string;
}

const pathSets = new WeakMap<Layer, Set<string>>();

/** The paths a layer holds (entries, not markers), made once per layer. */
function pathsOf(layer: Layer): Set<string> {
  let s = pathSets.get(layer);
  if (!s) {
    s = new Set(layer.entries.map((e) => e.path));
    pathSets.set(layer, s);
  }
  return s;
}

/** The diff ID of the topmost lower layer holding `rel` ("etc/passwd"), or "" when none does. */
function lowerOrigin(fs: UnionFS, rel: string): string {
  for (const layer of fs.stack.lowers) if (pathsOf(layer).has(rel)) return layer.diffId;
  return "";
}

/**
 * The entries of directory `path` in `fs`, sorted by name, each with its origin.
 * Errors: FsError ENOENT (no such path), ENOTDIR (not a directory).
 * @example listOrigins(union, "/etc") // [{ Name: "hostname", Layer: "writable", … }, { Name: "passwd", Layer: "sha256:…", … }]
 */
export function listOrigins(fs: UnionFS, path: string, o: { whiteouts?: boolean } = {}): OriginEntry[] {
  const dir = fs.current(fs.lookup(path, true, "tree"));
  if (dir.kind !== "dir") throw new FsError("ENOTDIR", path, "tree");
  const base = path.replace(/\/+$/, "");
  const rel = (name: string) => `${base}/${name}`.replace(/^\/+/, "");
  const out: OriginEntry[] = [];
  for (const { name, node } of fs.list(dir)) {
    const n = fs.current(node);
    out.push({ ...describe(n, name, base), Layer: origin(fs, n, rel(name)) });
  }
  if (o.whiteouts) {
    if (dir.isUpper) {
      for (const [name, e] of dir.entries!) if (e === WHITEOUT) out.push(marker("whiteout", name, base, WRITABLE));
      if (dir.opaque) out.push(marker("opaque", ".wh..wh..opq", base, WRITABLE));
    }
    const here = base.replace(/^\/+/, "");
    for (const layer of fs.stack.lowers) {
      for (const w of layer.whiteouts) {
        const slash = w.lastIndexOf("/");
        if ((slash < 0 ? "" : w.slice(0, slash)) === here) out.push(marker("whiteout", w.slice(slash + 1), base, layer.diffId));
      }
      if (layer.opaques.includes(here)) out.push(marker("opaque", ".wh..wh..opq", base, layer.diffId));
    }
  }
  return out.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function origin(fs: UnionFS, n: Inode, rel: string): string {
  if (!n.isUpper) return lowerOrigin(fs, n.path) || lowerOrigin(fs, rel) || WRITABLE;
  // An upper directory over a lower one at the same place is still the lower layer's.
  if (n.kind === "dir" && n.lower && !n.opaque && !n.moved) return lowerOrigin(fs, rel) || WRITABLE;
  return WRITABLE;
}

function describe(n: Inode, name: string, base: string): Omit<OriginEntry, "Layer"> {
  const e: Omit<OriginEntry, "Layer"> = { Name: name, Path: `${base}/${name}`, Type: n.kind, Size: n.kind === "dir" ? 0 : n.size, Mode: n.mode };
  if (n.kind === "symlink") e.Target = n.target;
  return e;
}

function marker(type: "whiteout" | "opaque", name: string, base: string, layer: string): OriginEntry {
  return { Name: type === "whiteout" ? `.wh.${name}` : name, Path: `${base}/${name}`, Type: type, Size: 0, Mode: 0, Layer: layer };
}
