/**
 * The shape of one indexed tar entry. The reader produces these without copying
 * file bodies: `data` is a view into the archive's bytes (`subarray`), so an index
 * of a 200 MB layer costs its headers, not its contents.
 */

/** What an entry is, from its typeflag (POSIX ustar, GNU and pax). */
export type TarEntryType =
  | "file" // '0' or '\0' (and '7', contiguous)
  | "hardlink" // '1': linkname names an earlier entry of the same archive
  | "symlink" // '2'
  | "char" // '3'
  | "block" // '4'
  | "dir" // '5'
  | "fifo"; // '6'

/** One entry of an archive, after pax and GNU long-name records are applied. */
export interface TarEntry {
  /** Normalized path: no leading "/" or "./", no trailing "/", never "..": "etc/passwd". The root itself is "". */
  path: string;
  type: TarEntryType;
  /** Permission and special bits only (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Modification time, seconds since the epoch (pax may give fractions). */
  mtime: number;
  /** Body size in bytes (0 for everything but "file"). */
  size: number;
  /** Symlink target or hard-link source path (as stored; a hard link's is normalized like `path`). */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** The body: a zero-copy view into the archive bytes. Empty for non-files. */
  data: Uint8Array;
  /** Pax records not consumed above (e.g. "SCHILY.xattr.user.foo"), kept as given. */
  pax: Record<string, string>;
  /** Byte offset of this entry's first header block (its pax/GNU prefix records included). */
  offset: number;
}
