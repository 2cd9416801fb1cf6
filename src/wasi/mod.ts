/**
 * WASI processes in containers: browser_wasi_shim Fd/Inode classes over the container's
 * filesystem (any `FileSystem` of src/fs: the one interface; there is no WASI-side copy of
 * it), program resolution in the rootfs, the `strata.spawn` host import, a
 * module cache keyed by digest, and `runProcess` (inline or in a worker) with stop,
 * kill, timeouts and memory and output caps; the mount table (`MountedVfs`) and the /dev
 * and /proc every container gets (`DevFs`, `ProcFs`). See docs/wasi.md and docs/devices.md.
 *
 * @example
 * ```ts
 * import { MemVfs, runProcess } from "./mod.ts";
 * const rootfs = new MemVfs();
 * rootfs.mkdir("/bin");
 * rootfs.writeFile("/bin/hello", helloWasmBytes);
 * const out: Uint8Array[] = [];
 * const { exitCode } = await runProcess({ cmd: ["hello"] }, { rootfs, stdout: { write: (c) => void out.push(c) } }).done;
 * ```
 */
export type * from "./types.ts";
export { runProcess } from "./process.ts";
export { suspendable } from "./_suspend.ts";
export { DEFAULT_GRACE_MS } from "./_result.ts";
export { closeWorkers, warmWorkers } from "./_worker_run.ts";
export { serveProcessWorker, type WorkerSelf } from "./worker_serve.ts";
export type { HostFiles } from "./rootfs_transfer.ts";
export { webWorkerHost } from "./web_worker_host.ts";
export { ModuleCache, defaultModuleCache, fileDigest } from "./module_cache.ts";
export { MemVfs, type MemSnapshot } from "./mem_vfs.ts";
export { ChangeLink } from "./change_link.ts";
export { changeShared } from "./shared_changes.ts";
export { MountedVfs, type MountedFs, normalizePath, readOnly } from "./mounted_vfs.ts";
export { DevFs } from "./devfs.ts";
export { ProcFs, type ProcInfo } from "./procfs.ts";
export { resolveProgram, DEFAULT_PATH, type Resolution } from "./resolve.ts";
export { runSync, type SyncRunOptions, type SyncRunResult } from "./run_sync.ts";
export { createWasi, type WasiContext } from "./wasi_import.ts";
export { ProcessKilled } from "./_control.ts";
export { toErrno, errnoOf, WasiError } from "./errno.ts";
export { FileFd } from "./file_fd.ts";
export { DirFd } from "./dir_fd.ts";
export { StdinFd, OutputFd } from "./stdio.ts";
export { Control } from "./_control.ts";
export { Filestat, UnionInode } from "./fds.ts";
