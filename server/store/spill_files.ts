/**
 * A writable layer's spill space on disk (src/fs/spill.ts): one directory per layer,
 * HOME/files/<kind>/<key>/, one file per spilled inode, named at random. Reads and writes
 * go straight to the file at their offset (the page cache keeps what is hot), so a file
 * of any size the disk holds costs the engine no memory. The same directory is opened by
 * a worker thread from its `locator` (the directory's path).
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FsError, type SpillFile, type SpillSpace } from "../../src/fs/mod.ts";

/** Files of this many bytes or more leave memory, unless the store is told otherwise. */
export const DEFAULT_SPILL_THRESHOLD = 8 << 20;

/** A full disk (or a file past the host's limit) is the program's error, as on Linux; a missing file the caller's. */
function disk<T>(name: string, op: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOSPC" || code === "EFBIG" || code === "ENOENT") throw new FsError(code, name, op);
    throw err;
  }
}

export class DiskSpillSpace implements SpillSpace {
  constructor(readonly locator: string, readonly threshold = DEFAULT_SPILL_THRESHOLD) {}

  create(): SpillFile {
    mkdirSync(this.locator, { recursive: true });
    const name = `${Date.now().toString(36)}-${crypto.randomUUID()}`;
    return this.#file(name, "wx+");
  }
  open(name: string): SpillFile {
    if (!/^[\w-]+$/.test(name)) throw new FsError("EINVAL", name, "open spill file");
    return this.#file(name, "r+");
  }
  prune(keep: ReadonlySet<string>): void {
    let names: string[];
    try {
      names = readdirSync(this.locator);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return;
      throw err;
    }
    for (const name of names) if (!keep.has(name)) rmSync(join(this.locator, name), { force: true });
    if (keep.size === 0) rmdirSync(this.locator);
  }

  #file(name: string, flags: string): SpillFile {
    const fd = disk(name, "open spill file", () => openSync(join(this.locator, name), flags, 0o600));
    return {
      name,
      read: (into, pos) => {
        let got = 0;
        while (got < into.length) {
          const n = readSync(fd, into, got, into.length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        into.fill(0, got); // past the file's end: a hole, as the size says
        return into.length;
      },
      write: (data, pos) => disk(name, "write", () => {
        for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at, pos + at);
      }),
      truncate: (size) => disk(name, "truncate", () => ftruncateSync(fd, size)),
      close: () => closeSync(fd),
    };
  }
}
