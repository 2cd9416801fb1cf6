/**
 * tmpfs mounts (`docker run --tmpfs /path[:opts]`, HostConfig.Tmpfs, and `--mount
 * type=tmpfs`, HostConfig.Mounts): what a container asks for, checked at create in
 * Docker's words. Each is an empty in-memory directory at its path, made anew at every
 * start (_container_mounts.ts), never in the container's layer — not in `docker diff`,
 * commit or export — and gone when the container stops, as a tmpfs is.
 *
 * Options, as Linux's tmpfs and Docker take them: `size=` (bytes, or with a k/m/g
 * suffix), `mode=` (octal; 1777 by default, as tmpfs's root), `ro`/`rw`, and the mount
 * flags Docker passes on (noexec, nosuid, nodev, exec, suid, dev, …), which change
 * nothing for a WASI program.
 *
 * XXX: `size=` is recorded (and shown in /proc/mounts) but not enforced: the writable
 * layer behind the directory has no byte budget to refuse a write with ENOSPC.
 */
import { normalizePath } from "../wasi/mod.ts";
import { invalid } from "./errors.ts";
import type { ContainerRecord, MountSpec } from "./wire.ts";

/** tmpfs's default mode for its root. */
const DEFAULT_MODE = 0o1777;

/** Mount flags Docker accepts in tmpfs options (moby's mount flag table) that have no meaning for a WASI program. */
const FLAGS = new Set([
  "rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async", "dirsync", "remount", "mand", "nomand",
  "atime", "noatime", "diratime", "nodiratime", "bind", "rbind", "relatime", "norelatime", "strictatime", "nostrictatime",
  "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "tmpcopyup", "notmpcopyup",
]);

/** One tmpfs a container mounts. */
export interface TmpfsMount {
  target: string;
  /** 0: no size given. */
  sizeBytes: number;
  mode: number;
  readOnly: boolean;
}

/** `size=64m` → bytes (k, m, g as powers of 1024, as tmpfs reads them). Errors: invalid. */
function sizeOf(v: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(v);
  if (!m) throw invalid(`invalid tmpfs option size=${v}: a size is a number of bytes with an optional k, m or g`);
  return Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase());
}

/** The options of `--tmpfs /path:opts` ("size=64m,mode=755,noexec"). Errors: invalid, naming the option. */
function parseOptions(target: string, opts: string): TmpfsMount {
  const out: TmpfsMount = { target, sizeBytes: 0, mode: DEFAULT_MODE, readOnly: false };
  for (const opt of opts.split(",").map((o) => o.trim()).filter(Boolean)) {
    const [key, value] = opt.includes("=") ? [opt.slice(0, opt.indexOf("=")), opt.slice(opt.indexOf("=") + 1)] : [opt, undefined];
    if (key === "size" && value !== undefined) out.sizeBytes = sizeOf(value);
    else if (key === "mode" && value !== undefined) {
      if (!/^[0-7]{1,4}$/.test(value)) throw invalid(`invalid tmpfs option mode=${value}: a mode is octal (755, 1777)`);
      out.mode = parseInt(value, 8);
    } else if ((key === "uid" || key === "gid" || key === "nr_inodes" || key === "nr_blocks") && value !== undefined && /^\d+[kmg]?$/i.test(value)) continue;
    else if (value === undefined && FLAGS.has(key)) out.readOnly = key === "ro" ? true : key === "rw" ? false : out.readOnly;
    else throw invalid(`invalid tmpfs option ["${opt}"] for ${target}`);
  }
  return out;
}

/** A tmpfs of `--mount type=tmpfs`. Errors: invalid (a source given). */
function fromSpec(s: MountSpec): TmpfsMount {
  if (s.Source) throw invalid(`invalid mount config for type "tmpfs": field Source must not be specified`);
  const mode = s.TmpfsOptions?.Mode;
  return { target: s.Target, sizeBytes: s.TmpfsOptions?.SizeBytes ?? 0, mode: mode ? mode & 0o7777 : DEFAULT_MODE, readOnly: !!s.ReadOnly };
}

/**
 * Every tmpfs of a container (HostConfig.Tmpfs, then tmpfs entries of HostConfig.Mounts),
 * targets normalized. Errors: invalid (a relative or "/" target, a bad option).
 */
export function tmpfsMounts(rec: Pick<ContainerRecord, "HostConfig">): TmpfsMount[] {
  const hc = rec.HostConfig;
  const all = [
    ...Object.entries(hc.Tmpfs ?? {}).map(([target, opts]) => parseOptions(target, opts ?? "")),
    ...(hc.Mounts ?? []).filter((m) => m.Type === "tmpfs").map(fromSpec),
  ];
  for (const m of all) {
    if (!m.target.startsWith("/")) throw invalid(`invalid mount config: mount path must be absolute: ${m.target}`);
    m.target = normalizePath(m.target);
    if (m.target === "/") throw invalid("invalid specification: destination can't be '/'");
  }
  return all;
}
