/**
 * `GET /containers/{id}/archive`: a tar of one path of a container's view, made as it is
 * read. The client pulls it: each pull reads one header or one slice of a file's bytes
 * (a handle's pread), so a file of any size streams through bounded memory and a slow
 * client holds no more than a slice. Names are moby's (daemon/archive_linux.go with
 * go-archive's TarWithOptions): a directory `/x/d` gives `d/`, `d/a`…; `/x/d/.` its
 * contents as `./`, `./a`…; the root `/` gives `/`, `/bin/`…; anything else one entry
 * named by its base name (a symlink as the link itself). Entries carry mode, uid, gid and
 * mtime (whole seconds), no user or group names; a later name of a file already written
 * is a hard link to the first. A file that changes while it is read is cut or padded to
 * the size its header gave (the archive stays well-formed); one that vanishes between
 * the listing and its turn is left out, as moby's walk leaves it out; sockets have no tar
 * type and are left out too.
 */
import type { FileSystem, FsStat } from "../fs/mod.ts";
import { FsError } from "../fs/mod.ts";
import { TAR_END, tarHeader, type TarInput, tarPadding } from "../tar/mod.ts";
import type { MountedVfs } from "../wasi/mod.ts";

/** Bytes of a file read per pull. */
const SLICE = 64 * 1024;
const NS_PER_S = 1_000_000_000n;

/** The tar's name for the path at `rel` below the archived path, given the top entry's name (`top`). */
function nameOf(top: string, rel: string): string {
  if (rel === "") return top;
  return top === "/" ? `/${rel}` : `${top}/${rel}`;
}

/**
 * The name of the archive's top entry for the path as asked (`asked`) whose stat is a
 * directory or not: moby rebases a directory's "." to its base name ("." for `d/.`, "/"
 * for the root) and archives a non-directory under its base name.
 */
export function topName(asked: string, isDir: boolean): string {
  const p = asked.replace(/\/+$/, "") || "/";
  if (p === "/") return "/";
  const base = p.slice(p.lastIndexOf("/") + 1);
  return isDir ? base : base || ".";
}

/**
 * The archive of `at` (canonical) in `view`, its top entry named `top`; `onEnd` runs once
 * it is read to its end or cancelled.
 */
export function archiveStream(view: MountedVfs, at: string, top: string, onEnd: () => void): ReadableStream<Uint8Array> {
  const chunks = walk(view, at, top);
  let ended = false;
  const end = () => {
    if (!ended) ended = true, onEnd();
  };
  return new ReadableStream<Uint8Array>({
    pull(c) {
      try {
        const next = chunks.next();
        if (next.done) {
          c.close();
          end();
        } else c.enqueue(next.value);
      } catch (err) {
        end();
        c.error(err);
      }
    },
    cancel() {
      chunks.return(undefined);
      end();
    },
  }, { highWaterMark: 0 });
}

/** The archive's bytes, one header or one slice at a time. */
function* walk(view: MountedVfs, at: string, top: string): Generator<Uint8Array, void, undefined> {
  const links = new Map<string, string>();
  const pending: Array<[path: string, name: string]> = [[at, top]];
  while (pending.length) {
    const [path, name] = pending.pop()!;
    const st = lstatOrNull(view, path);
    if (!st || st.type === "socket") continue;
    const entry = entryOf(view, path, name, st, links);
    if (!entry) continue;
    if (entry.type !== "file") {
      yield tarHeader(entry, 0);
      if (st.type === "dir") {
        const names = listOrEmpty(view, path);
        for (let i = names.length - 1; i >= 0; i--) pending.push([path === "/" ? `/${names[i]}` : `${path}/${names[i]}`, nameOf(name === "/" ? "/" : name.replace(/\/$/, ""), names[i]!)]);
      }
      continue;
    }
    yield* fileBytes(view, path, entry, Number(st.size));
  }
  yield TAR_END;
}

/** The entry for `path`, or undefined when it vanished (its link target could not be read). */
function entryOf(view: MountedVfs, path: string, name: string, st: FsStat, links: Map<string, string>): TarInput | undefined {
  const base = { path: name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Number(st.mtim / NS_PER_S) };
  if (st.type !== "dir" && st.nlink > 1n) {
    // The same inode under a second name: a hard link to the first (inode numbers are per filesystem).
    const key = `${view.mountOf(path)?.target ?? "/"}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return { ...base, type: "hardlink", linkname: first };
    links.set(key, name);
  }
  switch (st.type) {
    case "dir": return { ...base, type: "dir" };
    case "file": return { ...base, type: "file" };
    case "fifo": case "char": case "block": return { ...base, type: st.type };
    case "symlink": {
      try {
        return { ...base, type: "symlink", linkname: view.readlink(path) };
      } catch (err) {
        if (err instanceof FsError) return undefined;
        throw err;
      }
    }
    default: return undefined;
  }
}

/** A file's header, its bytes a slice per pull, and its padding; exactly `size` bytes whatever happens to it meanwhile. */
function* fileBytes(view: FileSystem, path: string, entry: TarInput, size: number): Generator<Uint8Array, void, undefined> {
  let handle;
  try {
    handle = view.open(path, { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: false });
  } catch (err) {
    if (err instanceof FsError) return; // gone (or swapped for something else) since it was listed: left out
    throw err;
  }
  try {
    yield tarHeader(entry, size);
    for (let pos = 0; pos < size;) {
      const slice = new Uint8Array(Math.min(SLICE, size - pos));
      let got = 0;
      try {
        got = handle.read(slice, pos);
      } catch (err) {
        if (!(err instanceof FsError)) throw err; // an unreadable rest is zeros, as a shrunk file's is
      }
      slice.fill(0, got);
      pos += slice.length;
      yield slice;
    }
    const pad = tarPadding(size);
    if (pad.length) yield pad;
  } finally {
    handle.close();
  }
}

function lstatOrNull(view: FileSystem, path: string): FsStat | null {
  try {
    return view.lstat(path);
  } catch (err) {
    if (err instanceof FsError) return null;
    throw err;
  }
}

function listOrEmpty(view: FileSystem, path: string): string[] {
  try {
    return view.readdir(path).map((e) => e.name);
  } catch (err) {
    if (err instanceof FsError) return [];
    throw err;
  }
}
