/**
 * A container's /proc: the few files common programs read, in Linux's formats, made when
 * opened (so /proc/uptime moves on). Read-only: a write is EACCES, a new name ENOENT.
 *
 * | path | what |
 * |---|---|
 * | `self/` | the process that looks: `fd/` (its descriptors, as /dev/fd), `cmdline` and `environ` (NUL-terminated strings), `mounts` |
 * | `mounts` | a link to `self/mounts`, as on Linux: the container's mount table (`ProcInfo.mounts`) |
 * | `cpuinfo` | one `processor` block per `navigator.hardwareConcurrency` (1 where it is absent) |
 * | `meminfo` | `MemTotal` is the process's memory cap (4 GiB, WebAssembly's most, without one), `MemFree` and `MemAvailable` what it has not taken of it |
 * | `uptime` | seconds since the container started, and 0.00 idle (strata counts no CPU time) |
 * | `loadavg` | `0.00 0.00 0.00 1/1 1` |
 * | `version` | a Linux-shaped line naming strata |
 *
 * /proc/self is a directory here, not Linux's link to /proc/PID: a container's processes
 * have no numbers of their own in strata. Its files are process nodes (`FsHandle.process`),
 * made by the WASI layer for the process that opens them.
 *
 * @example
 * ```ts
 * const proc = new ProcFs({ startedAt: Date.now(), mounts: "overlay / overlay rw,relatime 0 0\n" });
 * new TextDecoder().decode(proc.readFile("/mounts")); // "overlay / overlay rw,relatime 0 0\n"
 * ```
 */
import type { ProcessInfo } from "../fs/mod.ts";
import { bytesIo, NodeFs, NodeMaker, type SynthDir, type SynthLeaf } from "./_node_fs.ts";
import { fdDirectory } from "./devfs.ts";

/** What a container's /proc shows besides its processes: plain data, so a worker makes the same /proc. */
export interface ProcInfo {
  /** When the container started, in ms since the epoch. */
  startedAt: number;
  /** /proc/mounts as Linux prints it, one `device target type options 0 0` line per mount. */
  mounts: string;
}

/** st_dev of /proc's nodes. */
const DEV = 3n;
/** What a wasm32 program can address: its memory without a cap. */
const WASM32_MEMORY = 4 * 1024 ** 3;

const enc = new TextEncoder();

function cpuinfo(): string {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
  let out = "";
  for (let i = 0; i < n; i++) out += `processor\t: ${i}\nvendor_id\t: strata\nmodel name\t: WebAssembly (strata)\n\n`;
  return out;
}

/** One meminfo line: the label padded to 16 columns, the value to 8, as Linux's show_val_kb. */
const kb = (label: string, bytes: number) => `${`${label}:`.padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(8)} kB\n`;

function meminfo(p: ProcessInfo): Uint8Array {
  const total = p.memory.limit ?? WASM32_MEMORY, free = Math.max(0, total - p.memory.used);
  const lines = [kb("MemTotal", total), kb("MemFree", free), kb("MemAvailable", free)];
  for (const zero of ["Buffers", "Cached", "SwapCached", "SwapTotal", "SwapFree", "Shmem"]) lines.push(kb(zero, 0));
  return enc.encode(lines.join(""));
}

/** NUL-terminated strings, as /proc/PID/cmdline and environ hold them. */
const strings = (list: readonly string[]) => enc.encode(list.map((s) => `${s}\0`).join(""));

let tree: SynthDir | undefined;

/** The tree, made once: a leaf reads what differs between containers from the ProcFs that opens it. */
function procTree(): SynthDir {
  if (tree) return tree;
  const make = new NodeMaker();
  const text = (make: NodeMaker, body: (info: ProcInfo) => string): SynthLeaf =>
    make.leaf("file", 0o444, { open: (fs) => bytesIo(enc.encode(body((fs as ProcFs).info))) });
  const mounts = text(make, (info) => info.mounts);
  const self = make.dir(0o555, {
    fd: fdDirectory(make),
    cmdline: make.leaf("file", 0o444, { process: { kind: "file", render: (p) => strings(p.args) } }),
    environ: make.leaf("file", 0o400, { process: { kind: "file", render: (p) => strings(p.env) } }),
    mounts,
  });
  return tree = make.dir(0o555, {
    self,
    mounts: make.link("self/mounts", () => mounts),
    cpuinfo: text(make, cpuinfo),
    meminfo: make.leaf("file", 0o444, { process: { kind: "file", render: meminfo } }),
    uptime: text(make, (info) => `${((Date.now() - info.startedAt) / 1000).toFixed(2)} 0.00\n`),
    loadavg: text(make, () => "0.00 0.00 0.00 1/1 1\n"),
    version: text(make, () => "Linux version 0.0.0-strata (strata) (WebAssembly, WASI preview1) #1 SMP\n"),
  });
}

/** A container's /proc (see the top of this file). */
export class ProcFs extends NodeFs {
  constructor(readonly info: ProcInfo) {
    super(procTree(), { dev: DEV, time: BigInt(info.startedAt) * 1_000_000n, denied: "EACCES", missing: "ENOENT" });
  }
}
