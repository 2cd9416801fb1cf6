/**
 * The union filesystem: read-only `Layer`s (views into layer tars), their merged lower
 * index (built once per image, shared by its containers), a container's `WritableLayer`,
 * and `UnionFS`, the synchronous merged view with copy-up, whiteouts, opaque directories,
 * renames across layers, links, times, sizes, `diff` and exports. `mountVfs` is the
 * copy-everything driver used as oracle and baseline. See docs/union-fs.md.
 *
 * @example
 * ```ts
 * import { Layer, UnionFS, WritableLayer, diff } from "./mod.ts";
 * const fs = new UnionFS({ lowers: [new Layer(layerTarBytes)], upper: new WritableLayer() });
 * fs.writeFile("/tmp/x", new TextEncoder().encode("hi"));
 * console.log(diff(fs)); // [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/x", Kind: 1 }]
 * ```
 */
export { FsError, type Errno } from "./errors.ts";
export { type Inode, type Kind, WHITEOUT } from "./inode.ts";
export { Layer, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./layer.ts";
export { type LowerStack, MAX_LOWER_DEPTH, mergeLowers } from "./lower_stack.ts";
export { WritableLayer } from "./writable_layer.ts";
export { type RootfsValue, UnionFS } from "./union_fs.ts";
export { type FsDirent, type FsHandle, type OpenOptions } from "./handle.ts";
export { type FsStat } from "./stat.ts";
export { type Change, diff } from "./diff.ts";
export { exportMerged, exportUpper } from "./export.ts";
export { deserializeUpper, serializeUpper } from "./serialize.ts";
export { mountVfs } from "./vfs_driver.ts";
export { MAX_SYMLINK_HOPS, NAME_MAX, PATH_MAX } from "./_resolve.ts";
