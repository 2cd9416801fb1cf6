/**
 * The one filesystem interface, `FileSystem` with its `FsHandle` (types.ts), which every
 * filesystem a process can see implements (the union here, MemVfs and the mount table in
 * src/wasi, host directories in server/platform; tests/fs/_vfs_suite.ts checks each), and
 * the union filesystem: read-only `Layer`s (views into layer tars), their merged lower
 * index (built once per image, shared by its containers), a container's `WritableLayer`
 * (inode table, journaled changes), and `UnionFS`, the synchronous merged view with
 * copy-up, whiteouts, opaque directories, renames across layers, links, times, sizes,
 * `diff` and exports. `mountVfs` is the copy-everything driver (Docker's vfs): one more
 * mount in the conformance tests (whose oracle is MemVfs, a flat tree) and the baseline
 * in benchmarks. The API is described in types.ts; see docs/union-fs.md.
 *
 * @example
 * ```ts
 * import { Layer, UnionFS, WritableLayer, diff } from "./mod.ts";
 * const fs = new UnionFS({ lowers: [new Layer(layerTarBytes)], upper: new WritableLayer() });
 * fs.writeFile("/tmp/x", new TextEncoder().encode("hi"));
 * console.log(diff(fs)); // [{ Path: "/tmp", Kind: 0 }, { Path: "/tmp/x", Kind: 1 }]
 * ```
 */
export type {
  AttrChange, Change, ChangeRecord, Errno, FileSystem, FsDirent, FsHandle, FsStat, Kind, OpenOptions, PathOptions, ProcessInfo, ProcessNode,
  RootfsValue, TimeSpec,
} from "./types.ts";
export { FsError } from "./errors.ts";
export { type Inode, WHITEOUT } from "./inode.ts";
export { Layer, layerOf, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./layer.ts";
export { type LowerStack, MAX_LOWER_DEPTH, mergeLowers } from "./lower_stack.ts";
export { WritableLayer } from "./writable_layer.ts";
export { UnionFS } from "./union_fs.ts";
export { diff } from "./diff.ts";
export { listOrigins, type OriginEntry, WRITABLE } from "./origins.ts";
export { exportMerged, exportUpper } from "./export.ts";
export { sizes } from "./sizes.ts";
export { deserializeUpper, serializeUpper } from "./serialize.ts";
export type { SpillFile, SpillSpace } from "./spill.ts";
export { applyChange, decodeChange, decodeTagged, describeChange, encodeChange, splitChange } from "./change_journal.ts";
export { mountVfs } from "./vfs_driver.ts";
export { MAX_SYMLINK_HOPS, NAME_MAX, PATH_MAX } from "./_resolve.ts";
