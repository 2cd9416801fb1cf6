/**
 * /dev as Docker gives it to a container: the character devices null, zero, full,
 * random, urandom and tty, the links fd, stdin, stdout and stderr into /proc/self/fd, and
 * the directory shm (where the engine mounts the container's tmpfs). Devices behave as
 * Linux's: /dev/null reads end of file and takes every write; /dev/zero reads zeros;
 * /dev/full reads zeros and refuses writes with ENOSPC; random and urandom read random
 * bytes (WebCrypto). /dev/tty, /dev/fd/N and /dev/std* are process nodes: what they open
 * as depends on the process that opens them, which only the WASI layer knows
 * (_process_fds.ts): its terminal (ENXIO without one, as on Linux), its descriptor N.
 *
 * Its names are fixed: a new name, an unlink or a chmod in /dev fails with EACCES (Docker's
 * /dev is a tmpfs where root could make files; here it holds nothing of the container's).
 * It keeps no state, so a worker makes its own from nothing (rootfs_transfer.ts).
 *
 * @example
 * ```ts
 * const view = new MountedVfs(union, [{ target: "/dev", fs: new DevFs() }]);
 * view.readdir("/dev").map((e) => e.name); // ["fd", "full", "null", "random", "shm", "stderr", …]
 * ```
 */
import { FsError } from "../fs/mod.ts";
import { type LeafIo, NodeFs, NodeMaker, type SynthDir, type SynthLeaf } from "./_node_fs.ts";

/** st_dev of /dev's nodes (the union's is 1). */
const DEV = 2n;
/** What `getRandomValues` fills at once (its limit; it also refuses shared memory, so it fills a buffer of its own). */
const RANDOM_CHUNK = 65536;

const zeros = (into: Uint8Array) => (into.fill(0), into.length);

function random(into: Uint8Array): number {
  const tmp = new Uint8Array(Math.min(into.length, RANDOM_CHUNK));
  for (let at = 0; at < into.length; at += tmp.length) {
    const part = tmp.subarray(0, Math.min(tmp.length, into.length - at));
    crypto.getRandomValues(part);
    into.set(part, at);
  }
  return into.length;
}

const DEVICES: Record<string, LeafIo> = {
  null: { read: () => 0, write: (d) => d.length, size: () => 0 },
  zero: { read: zeros, write: (d) => d.length, size: () => 0 },
  full: {
    read: zeros,
    write: () => {
      throw new FsError("ENOSPC", "/dev/full", "write");
    },
    size: () => 0,
  },
  random: { read: random, write: (d) => d.length, size: () => 0 },
  urandom: { read: random, write: (d) => d.length, size: () => 0 },
};

/**
 * The directory of a process's descriptors (/dev/fd, /proc/self/fd): listed by the WASI
 * layer from the process's table; any number is a name in it, the process's fd of that
 * number (ENOENT there when it has none).
 */
export function fdDirectory(make: NodeMaker): SynthDir {
  const fds = new Map<number, SynthLeaf>();
  const fd = (n: number) => {
    let node = fds.get(n);
    if (!node) fds.set(n, node = make.leaf("char", 0o600, { process: { kind: "fd", fd: n }, writable: true }));
    return node;
  };
  return make.dir(0o500, {}, {
    process: { kind: "fds" },
    lookup: (name) => (/^(0|[1-9]\d{0,8})$/.test(name) ? fd(Number(name)) : undefined),
  });
}

let tree: SynthDir | undefined;

/** The tree, made once: it holds nothing of a container's. */
function devTree(): SynthDir {
  if (tree) return tree;
  const make = new NodeMaker();
  const root = make.dir(0o755);
  const fds = fdDirectory(make);
  const e = root.entries;
  for (const [name, io] of Object.entries(DEVICES)) e.set(name, make.leaf("char", 0o666, { open: () => io, writable: true }));
  e.set("tty", make.leaf("char", 0o666, { process: { kind: "tty" }, writable: true }));
  e.set("fd", make.link("/proc/self/fd", () => fds));
  ["stdin", "stdout", "stderr"].forEach((name, n) => e.set(name, make.link(`/proc/self/fd/${n}`, () => fds.lookup!(String(n))!)));
  e.set("shm", make.dir(0o1777));
  return tree = root;
}

/** A container's /dev (see the top of this file). `time`: when it was made, in ns (the nodes' times). */
export class DevFs extends NodeFs {
  constructor(time = BigInt(Date.now()) * 1_000_000n) {
    super(devTree(), { dev: DEV, time, denied: "EACCES", missing: "EACCES" });
  }
}
