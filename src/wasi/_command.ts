/**
 * Whether a WebAssembly module is a WASI command strata can run, decided from what the
 * module says about itself (module_info.ts), before it is compiled: a command exports
 * `_start` (a reactor exports `_initialize` instead: WASI application ABI) and imports
 * only what strata provides — the 46 functions of wasi_snapshot_preview1, `strata.spawn`
 * (docs/wasi-host.md) and `env.memory`. What fails here is what a kernel would refuse to
 * exec: exit 126, with a message saying what the file is instead.
 */
import type { ModuleInfo } from "./module_info.ts";

/** wasi_snapshot_preview1's functions (WebAssembly/WASI, legacy/preview1/witx/wasi_snapshot_preview1.witx). */
const PREVIEW1 = new Set([
  "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
  "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights",
  "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name",
  "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
  "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link", "path_open", "path_readlink",
  "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise",
  "sched_yield", "random_get", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
]);

/** The preview1 function names (for the test that holds them equal to the shim's). */
export const PREVIEW1_FUNCTIONS: ReadonlySet<string> = PREVIEW1;

/** The `strata` host imports (docs/wasi-host.md). */
const STRATA = new Set(["spawn", "catch_interrupts", "take_interrupt", "winsize"]);

function provided(i: ModuleInfo["imports"][number]): boolean {
  if (i.module === "wasi_snapshot_preview1") return i.kind === "function" && PREVIEW1.has(i.name);
  if (i.module === "strata") return i.kind === "function" && STRATA.has(i.name);
  return i.module === "env" && i.name === "memory" && i.kind === "memory";
}

/** What the module is when it is not a WASI command strata runs (for "exec X: exec format error: …"), or undefined. */
export function notACommand(info: ModuleInfo): string | undefined {
  const missing = info.imports.find((i) => !provided(i));
  if (missing) {
    const what = missing.module === "wasi_unstable" ? " (WASI's older preview0 ABI)" : "";
    return `a WebAssembly module that imports ${missing.module}.${missing.name}${what}, which strata does not provide`;
  }
  if (info.exports.get("_start") === "function") return undefined;
  if (info.exports.get("_initialize") === "function") return "a WASI reactor (it exports _initialize, not _start), not a command";
  return "a WebAssembly module with no _start export, not a WASI command";
}
