/**
 * Large upper files out of memory. A writable layer with a `SpillSpace` (the disk store
 * gives each container's and volume's layer one) moves a file whose size reaches the
 * space's threshold into a `SpillFile`, a random-access file on disk, and from then on
 * reads and writes it there in place: a program may write a file as large as the disk
 * holds while the engine's memory stays bounded. The union's other rules do not change;
 * only where the bytes of that one inode live does.
 *
 * Persistence follows the bytes: a snapshot names a spilled inode's file instead of
 * carrying its bytes, the write-through journal records a write to it without its data
 * (the bytes are in the file already, `inPlace`), and the move itself is a change record
 * (`spill`), so a replay after a crash opens the same file. A file's bytes may be newer
 * than the journal says (a write that reached the file but not the journal): its size
 * and times are the journal's, so what a reader sees is still a state the program made.
 * Spill files no snapshot names are removed when the next snapshot is written (`prune`).
 *
 * Synchronous, as the filesystem core is.
 */

/** One spilled file's bytes. */
export interface SpillFile {
  /** Its name in its space (kept in snapshots and change records). */
  readonly name: string;
  /** pread: fills `into` from `pos` (zeros past the file's end); returns into.length. */
  read(into: Uint8Array, pos: number): number;
  /** pwrite, whole. */
  write(data: Uint8Array, pos: number): void;
  truncate(size: number): void;
  close(): void;
}

/** Where a writable layer keeps its spilled files. */
export interface SpillSpace {
  /** How a worker thread opens this same space (`openSpillSpace` there); opaque to the core. */
  readonly locator: string;
  /** Files of this many bytes or more move out of memory. */
  readonly threshold: number;
  create(): SpillFile;
  /** Errors: ENOENT. */
  open(name: string): SpillFile;
  /** Remove every file of the space not in `keep` (files still open stay readable where the platform allows). */
  prune(keep: ReadonlySet<string>): void;
}
