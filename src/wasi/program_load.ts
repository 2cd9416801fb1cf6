/**
 * From argv to a module ready to instantiate, or the exit status a Linux shell would see
 * instead: 127 when the program is not found, 126 when the file is not a WASI command
 * (an ELF binary, a module importing what strata does not provide, a reactor…), 137 (an
 * OOM kill) when the memory cap is below the memory the module starts with. Everything
 * is decided before the module is compiled; a module already compiled is not read again.
 */
import type { FileSystem } from "../fs/mod.ts";
import { capPages } from "./_memory_cap.ts";
import type { ModuleCache, Sha256Sync, Uncompiled } from "./module_cache.ts";
import { resolveProgram } from "./resolve.ts";
import type { LoadedProgram } from "./run_sync.ts";

type ProgramLoad =
  | { ok: true; program: LoadedProgram }
  | { ok: false; exitCode: 126 | 127 | 137; message: string; oomKilled: boolean };

/** A program found and checked whose module is not compiled yet: its bytes, for a worker to compile. */
type PendingProgram = Omit<LoadedProgram, "module"> & { pending: Uncompiled };

interface LoadOptions {
  argv: readonly string[];
  env: readonly string[];
  cwd: string;
  modules: ModuleCache;
  memoryBytes?: number;
  sha256?: Sha256Sync;
}

/** "64 KiB", "1.5 MiB": pages of 64 KiB as a size. */
function pagesText(pages: number): string {
  return pages < 16 ? `${pages * 64} KiB` : `${Math.round(pages / 1.6) / 10} MiB`;
}

/** Find, check and compile (once per file) the program `argv[0]` names. */
export function loadProgram(vfs: FileSystem, o: LoadOptions): ProgramLoad {
  return find(vfs, o, true) as ProgramLoad;
}

/**
 * The same, except that a module not compiled yet stays so (`pending`): the engine hands
 * its bytes to a worker, so a large module does not hold the engine's thread while it compiles.
 */
export function findProgram(vfs: FileSystem, o: LoadOptions): ProgramLoad | { ok: true; program: PendingProgram } {
  return find(vfs, o, false);
}

function find(vfs: FileSystem, o: LoadOptions, compile: boolean): ProgramLoad | { ok: true; program: PendingProgram } {
  const found = resolveProgram(vfs, o.argv, o.env, o.cwd);
  if (!found.ok) return { ...found, oomKilled: false };
  const m = compile
    ? o.modules.load(found.bytes, { sha256: o.sha256, cap: !!o.memoryBytes })
    : o.modules.load(found.bytes, { sha256: o.sha256, cap: !!o.memoryBytes, compile: false });
  if ("refused" in m) return { ok: false, exitCode: 126, message: `exec ${found.path}: exec format error: ${m.refused}`, oomKilled: false };
  if (o.memoryBytes && m.pages > capPages(o.memoryBytes)) {
    const [need, limit] = [m.pages, capPages(o.memoryBytes)].map(pagesText);
    return { ok: false, exitCode: 137, oomKilled: true, message: `exec ${found.path}: out of memory: it starts with ${need} of memory, over the memory limit of ${limit}` };
  }
  const common = { argv: found.argv, key: m.key, memory: m.memory, pages: m.pages, capped: m.capped, cwdSlot: m.cwdSlot, points: !!m.points };
  return "source" in m ? { ok: true, program: { ...common, pending: m } } : { ok: true, program: { ...common, module: m.module } };
}
