/**
 * Open files and directories: a handle is bound to an inode, not a name, so it keeps
 * working after a rename or unlink, and it follows the inode's copy-up. A directory
 * handle lists a snapshot taken when a listing starts (cookie 0), so cookies stay
 * stable while the directory changes under a listing in progress.
 */
import { fail } from "./errors.ts";
import { ensureCapacity, type Inode, type Kind, nowNs } from "./inode.ts";
import { toStat, type FsStat } from "./stat.ts";
import type { Loc } from "./_resolve.ts";
import type { UnionFS } from "./union_fs.ts";

export interface OpenOptions {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  directory: boolean;
  /** Follow a symlink in the last component. */
  follow: boolean;
  /** Mode of a created file. */
  mode?: number;
}

export interface FsDirent {
  name: string;
  type: Kind;
  ino: bigint;
  /** The cookie that resumes after this entry. */
  next: bigint;
}

export interface FsHandle {
  read(into: Uint8Array, position: number): number;
  write(data: Uint8Array, position: number): number;
  truncate(size: number): void;
  stat(): FsStat;
  setTimes(atim: bigint | null, mtim: bigint | null): void;
  readdir(cookie: bigint, max: number): FsDirent[];
  close(): void;
}

/** Largest file we grow to (a WASI filesize is u64; a Uint8Array is not). */
const MAX_FILE = 2 ** 31;

export function openHandle(fs: UnionFS, opened: Inode, loc: Loc): FsHandle {
  const parentIno = BigInt(fs.current(loc.parent).ino);
  let listing: FsDirent[] | null = null;
  const live = () => fs.current(opened);
  const writable = (): Inode => {
    const n = live();
    return n.isUpper ? n : fail("EBADF", loc.name, "write");
  };
  return {
    read(into, position) {
      const n = live();
      if (n.kind === "dir") fail("EISDIR", loc.name, "read");
      const end = Math.min(n.size, position + into.length);
      if (end <= position) return 0;
      into.set(n.data.subarray(position, end));
      return end - position;
    },
    write(data, position) {
      const n = writable();
      const end = position + data.length;
      if (end > MAX_FILE) fail("EFBIG", loc.name, "write");
      ensureCapacity(n, end);
      n.data.set(data, position);
      if (end > n.size) n.size = end;
      n.mtime = n.ctime = nowNs();
      return data.length;
    },
    truncate(size) {
      const n = writable();
      if (size > MAX_FILE) fail("EFBIG", loc.name, "truncate");
      if (size > n.size) {
        ensureCapacity(n, size);
        n.data.fill(0, n.size, size);
      } else if (n.shared) ensureCapacity(n, size);
      else n.data.fill(0, size, n.size);
      n.size = size;
      n.mtime = n.ctime = nowNs();
    },
    stat: () => toStat(live()),
    setTimes(atim, mtim) {
      const cur = live();
      const n = cur.isUpper ? cur : fs.copyUp({ ...loc, node: cur }, "utimes"); // a metadata change copies up
      if (atim !== null) n.atime = atim;
      if (mtim !== null) n.mtime = mtim;
      n.ctime = nowNs();
    },
    readdir(cookie, max) {
      const n = live();
      if (n.kind !== "dir") fail("ENOTDIR", loc.name, "readdir");
      if (cookie === 0n || !listing) {
        listing = [{ name: ".", type: "dir", ino: BigInt(n.ino), next: 1n }, { name: "..", type: "dir", ino: parentIno, next: 2n }];
        for (const { name, node } of fs.list(n)) listing.push({ name, type: node.kind, ino: BigInt(node.ino), next: BigInt(listing.length + 1) });
      }
      return listing.slice(Number(cookie), Number(cookie) + max);
    },
    close() {},
  };
}
