/**
 * The change journal of a process's filesystem. `JournalingVfs` wraps the filesystem a
 * process writes (in its own thread) and pushes every completed mutation, as a frame,
 * into a shared ring before the WASI call returns; `applyFrame` replays a frame on the
 * engine's copy. A kill therefore loses no write the program completed: what is in the
 * ring is drained after the worker is gone.
 *
 * Records name paths, and an open file can lose its name while the program writes on
 * (a temp file unlinked at once, `{ mv a b; echo x; } > a`, SQLite's spill files): so
 * the journal follows each open handle's name through the renames and unlinks it sees
 * (this process's own, and the other processes' that arrive in its inbox), and a write
 * through a handle goes down under the name its file has now, or not at all once no
 * name reaches the file (nothing on the engine's side can read it).
 */
import type { FileSystem, FsDirent, FsHandle, FsStat, OpenOptions, PathOptions, TimeSpec } from "../fs/mod.ts";
import type { Ring } from "./_ring.ts";
import { hasErrnoCode } from "./errno.ts";
import { MountedVfs } from "./mounted_vfs.ts";

type Rec =
  | { op: "mkdir" | "rmdir" | "unlink"; path: string }
  | { op: "rename" | "link"; from: string; to: string; follow?: boolean }
  | { op: "symlink"; target: string; path: string }
  | { op: "times"; path: string; follow: boolean; atim: string | null; mtim: string | null }
  | { op: "chmod"; path: string; follow: boolean; mode: number }
  | { op: "chown"; path: string; follow: boolean; uid: number; gid: number }
  | { op: "open"; path: string; opts: OpenOptions }
  | { op: "write"; path: string; pos: number }
  | { op: "truncate"; path: string; size: number };

const encoder = new TextEncoder(), decoder = new TextDecoder();

function encode(rec: Rec, data?: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(rec));
  const frame = new Uint8Array(4 + json.length + (data?.length ?? 0));
  new DataView(frame.buffer).setUint32(0, json.length, true);
  frame.set(json, 4);
  if (data) frame.set(data, 4 + json.length);
  return frame;
}

function decode(frame: Uint8Array): { rec: Rec; data: Uint8Array } {
  const jsonLen = new DataView(frame.buffer, frame.byteOffset).getUint32(0, true);
  return { rec: JSON.parse(decoder.decode(frame.subarray(4, 4 + jsonLen))) as Rec, data: frame.subarray(4 + jsonLen) };
}

/** What a journal frame does, for a message: `write "/tmp/a"`, `rename "/a" to "/b"`. */
export function describeFrame(frame: Uint8Array): string {
  const { rec } = decode(frame);
  return "from" in rec ? `${rec.op} "${rec.from}" to "${rec.to}"` : `${rec.op} "${rec.path}"`;
}

/** The path a frame changes (a rename's or link's destination). */
export function framePath(frame: Uint8Array): string {
  const { rec } = decode(frame);
  return "path" in rec ? rec.path : rec.to;
}

/**
 * The frame as another view of the same filesystem sees it: its paths under `from` (a
 * mount's target in one container) moved under `to` (where another container mounts it).
 */
export function retargetFrame(frame: Uint8Array, from: string, to: string): Uint8Array {
  const { rec, data } = decode(frame);
  const move = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  const moved = { ...rec } as Record<string, unknown>;
  for (const k of ["path", "from", "to"]) if (typeof moved[k] === "string") moved[k] = move(moved[k] as string);
  return encode(moved as Rec, data.length ? data : undefined);
}

/** Replay one journal frame on `vfs`. Errors: those of the filesystem call it replays (ENOENT when its path has gone). */
export function applyFrame(vfs: FileSystem, frame: Uint8Array): void {
  const { rec, data } = decode(frame);
  applyRec(vfs, rec, data);
}

function applyRec(vfs: FileSystem, rec: Rec, data: Uint8Array): void {
  const file = (path: string) => vfs.open(path, { read: false, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true });
  switch (rec.op) {
    case "mkdir": return vfs.mkdir(rec.path);
    case "rmdir": return vfs.rmdir(rec.path);
    case "unlink": return vfs.unlink(rec.path);
    case "rename": return vfs.rename(rec.from, rec.to);
    case "link": return vfs.link(rec.from, rec.to, { follow: rec.follow });
    case "symlink": return vfs.symlink(rec.target, rec.path);
    case "times": return vfs.utimes(rec.path, { atime: rec.atim === null ? null : BigInt(rec.atim), mtime: rec.mtim === null ? null : BigInt(rec.mtim) }, { follow: rec.follow });
    case "chmod": return vfs.chmod(rec.path, rec.mode, { follow: rec.follow });
    case "chown": return vfs.chown(rec.path, { uid: rec.uid, gid: rec.gid }, { follow: rec.follow });
    case "open": return vfs.open(rec.path, { ...rec.opts, exclusive: false }).close();
    case "write": { const h = file(rec.path); h.write(data, rec.pos); return h.close(); }
    case "truncate": { const h = file(rec.path); h.truncate(rec.size); return h.close(); }
  }
}

/** An open handle and the name its file has now (null: no name reaches it any more). */
interface Named {
  path: string | null;
  readonly handle: FsHandle;
}

/** The inode a name is (not following a last symlink), or undefined when there is none. */
function inodeAt(vfs: FileSystem, path: string): bigint | undefined {
  try {
    return vfs.lstat(path).ino;
  } catch (err) {
    if (hasErrnoCode(err) && (err.code === "ENOENT" || err.code === "ENOTDIR")) return undefined;
    throw err;
  }
}

/**
 * A FileSystem whose every completed mutation is pushed to `sink` (a shared ring's push). With an
 * `inbox`, the changes other processes of the same container made (the engine forwards
 * their journals) are applied before each call, so a process and an exec in other
 * threads see each other's writes as they would on one filesystem.
 */
/** A time as the journal carries it: "now" made a value first, so the replay sets the same time. */
function timeValue(t: TimeSpec | undefined, now: bigint): bigint | null {
  return t === "now" ? now : t ?? null;
}

export class JournalingVfs implements FileSystem {
  /** Open handles by the name their file has now. */
  readonly #named = new Map<string, Set<Named>>();

  constructor(readonly inner: FileSystem, readonly sink: (frame: Uint8Array) => void, readonly maxFrame: number, readonly inbox?: Ring) {}

  #log(rec: Rec, data?: Uint8Array): void {
    if (this.#onHost(rec)) return;
    this.sink(encode(rec, data));
  }
  /** A change on a host bind is on the host already: it is neither journaled nor replayed. */
  #onHost(rec: Rec): boolean {
    const view = this.inner;
    return view instanceof MountedVfs && view.mountOf("path" in rec ? rec.path : rec.to)?.bind !== undefined;
  }
  /** Apply what the other processes wrote since the last call (not journaled again). */
  #sync(): void {
    if (!this.inbox || this.inbox.empty) return;
    for (const f of this.inbox.drain()) {
      const { rec, data } = decode(f.bytes);
      try {
        if (rec.op === "unlink") this.#unlinking(rec.path, () => applyRec(this.inner, rec, data));
        else if (rec.op === "rename") this.#renaming(rec.from, rec.to, () => applyRec(this.inner, rec, data));
        else applyRec(this.inner, rec, data);
      } catch (err) {
        // A change that no longer applies here (its path went meanwhile) is dropped: the
        // engine met it first and applied it, or failed the process that made it.
        if (!hasErrnoCode(err)) throw err;
      }
    }
  }

  #name(n: Named, path: string | null): void {
    if (n.path !== null) {
      const set = this.#named.get(n.path)!;
      set.delete(n);
      if (!set.size) this.#named.delete(n.path);
    }
    n.path = path;
    if (path !== null) this.#named.get(path)?.add(n) ?? this.#named.set(path, new Set([n]));
  }
  /** Handles named `path` whose file is inode `ino` (a symlink of that name is another inode). */
  #at(path: string, ino: bigint | undefined): Named[] {
    const set = this.#named.get(path);
    return set && ino !== undefined ? [...set].filter((n) => n.handle.stat().ino === ino) : [];
  }
  /**
   * Unlink through `act`; the handles on the unlinked file have no name from now on.
   * XXX: a file that lives on under another hard link is written on through it, but the
   * journal cannot name that link, so those writes are not replayed (an inode-keyed
   * journal will).
   */
  #unlinking(path: string, act: () => void): void {
    const gone = this.#at(path, this.#named.has(path) ? inodeAt(this.inner, path) : undefined);
    act();
    for (const n of gone) this.#name(n, null);
  }
  /** Rename through `act`; handles follow their file (and everything under a directory moves). */
  #renaming(from: string, to: string, act: () => void): void {
    if (!this.#named.size) return act();
    const moved = this.#at(from, inodeAt(this.inner, from));
    const replaced = this.#at(to, inodeAt(this.inner, to));
    act();
    for (const n of replaced) this.#name(n, null);
    for (const n of moved) this.#name(n, to);
    const prefix = `${from}/`;
    for (const [path, set] of [...this.#named]) {
      if (path.startsWith(prefix)) for (const n of [...set]) this.#name(n, to + path.slice(from.length));
    }
  }
  stat(path: string): FsStat {
    this.#sync();
    return this.inner.stat(path);
  }
  lstat(path: string): FsStat {
    this.#sync();
    return this.inner.lstat(path);
  }
  readdir(path: string): FsDirent[] {
    this.#sync();
    return this.inner.readdir(path);
  }
  writeFile(path: string, data: Uint8Array, opts?: { mode?: number }): void {
    const h = this.open(path, { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true, mode: opts?.mode });
    h.write(data, 0);
    h.close();
  }
  sync(): void {
    this.inner.sync();
  }
  chmod(path: string, mode: number, opts?: PathOptions): void {
    this.#sync();
    const follow = opts?.follow ?? true;
    this.inner.chmod(path, mode, { follow });
    this.#log({ op: "chmod", path, follow, mode });
  }
  chown(path: string, owner: { uid: number; gid: number }, opts?: PathOptions): void {
    this.#sync();
    const follow = opts?.follow ?? true;
    this.inner.chown(path, owner, { follow });
    this.#log({ op: "chown", path, follow, ...owner });
  }
  readlink(path: string): string {
    this.#sync();
    return this.inner.readlink(path);
  }
  readFile(path: string): Uint8Array {
    this.#sync();
    return this.inner.readFile(path);
  }
  mkdir(path: string): void {
    this.#sync();
    this.inner.mkdir(path), this.#log({ op: "mkdir", path });
  }
  rmdir(path: string): void {
    this.#sync();
    this.inner.rmdir(path), this.#log({ op: "rmdir", path });
  }
  unlink(path: string): void {
    this.#sync();
    this.#unlinking(path, () => this.inner.unlink(path));
    this.#log({ op: "unlink", path });
  }
  rename(from: string, to: string): void {
    this.#sync();
    this.#renaming(from, to, () => this.inner.rename(from, to));
    this.#log({ op: "rename", from, to });
  }
  link(from: string, to: string, opts?: { follow?: boolean }): void {
    this.#sync();
    this.inner.link(from, to, opts), this.#log({ op: "link", from, to, ...(opts?.follow ? { follow: true } : {}) });
  }
  symlink(target: string, path: string): void {
    this.#sync();
    this.inner.symlink(target, path), this.#log({ op: "symlink", target, path });
  }
  utimes(path: string, times: { atime?: TimeSpec; mtime?: TimeSpec }, opts?: PathOptions): void {
    this.#sync();
    const follow = opts?.follow ?? true, now = BigInt(Date.now()) * 1_000_000n;
    const atim = timeValue(times.atime, now), mtim = timeValue(times.mtime, now);
    this.inner.utimes(path, { atime: atim, mtime: mtim }, { follow });
    this.#log({ op: "times", path, follow, atim: atim?.toString() ?? null, mtim: mtim?.toString() ?? null });
  }
  open(path: string, opts: OpenOptions): FsHandle {
    this.#sync();
    const h = this.inner.open(path, opts);
    if (opts.create || opts.truncate) this.#log({ op: "open", path, opts });
    const named: Named = { path: null, handle: h };
    this.#name(named, path);
    const chunk = this.maxFrame - 512;
    // Each change through the handle is journaled under the name its file has now; none
    // once no name reaches it.
    const handle: FsHandle = {
      kind: h.kind,
      ino: h.ino,
      size: () => (this.#sync(), h.size()),
      sync: () => h.sync(),
      append: (data) => {
        const at = handle.size();
        handle.write(data, at);
        return at;
      },
      chmod: (mode) => {
        h.chmod(mode);
        if (named.path !== null) this.#log({ op: "chmod", path: named.path, follow: true, mode });
      },
      chown: (owner) => {
        h.chown(owner);
        if (named.path !== null) this.#log({ op: "chown", path: named.path, follow: true, ...owner });
      },
      read: (into, pos) => (this.#sync(), h.read(into, pos)),
      stat: () => (this.#sync(), h.stat()),
      readdir: (cookie, max) => (this.#sync(), h.readdir(cookie, max)),
      close: () => (this.#name(named, null), h.close()),
      write: (data, pos) => {
        this.#sync();
        const n = h.write(data, pos);
        const at = named.path;
        if (at !== null) for (let i = 0; i < n; i += chunk) this.#log({ op: "write", path: at, pos: pos + i }, data.subarray(i, Math.min(n, i + chunk)));
        return n;
      },
      truncate: (size) => {
        h.truncate(size);
        if (named.path !== null) this.#log({ op: "truncate", path: named.path, size });
      },
      utimes: (times) => {
        const now = BigInt(Date.now()) * 1_000_000n;
        const atim = timeValue(times.atime, now), mtim = timeValue(times.mtime, now);
        h.utimes({ atime: atim, mtime: mtim });
        if (named.path !== null) this.#log({ op: "times", path: named.path, follow: true, atim: atim?.toString() ?? null, mtim: mtim?.toString() ?? null });
      },
    };
    return handle;
  }
}
