/**
 * The change journal of a process's filesystem. `JournalingVfs` wraps the filesystem a
 * process writes (in its own thread) and pushes every completed mutation, as a frame,
 * into a shared ring before the WASI call returns; `applyFrame` replays a frame on the
 * engine's copy. A kill therefore loses no write the program completed: what is in the
 * ring is drained after the worker is gone.
 */
import type { VHandle, VOpenOptions, VStat, Vfs } from "./_vfs.ts";
import type { Ring } from "./_ring.ts";

type Rec =
  | { op: "mkdir" | "rmdir" | "unlink"; path: string }
  | { op: "rename" | "link"; from: string; to: string }
  | { op: "symlink"; target: string; path: string }
  | { op: "times"; path: string; follow: boolean; atim: string | null; mtim: string | null }
  | { op: "open"; path: string; opts: VOpenOptions }
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

/** Replay one journal frame on `vfs`. */
export function applyFrame(vfs: Vfs, frame: Uint8Array): void {
  const jsonLen = new DataView(frame.buffer, frame.byteOffset).getUint32(0, true);
  const rec = JSON.parse(decoder.decode(frame.subarray(4, 4 + jsonLen))) as Rec;
  const data = frame.subarray(4 + jsonLen);
  const file = (path: string) => vfs.open(path, { read: false, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true });
  switch (rec.op) {
    case "mkdir": return vfs.mkdir(rec.path);
    case "rmdir": return vfs.rmdir(rec.path);
    case "unlink": return vfs.unlink(rec.path);
    case "rename": return vfs.rename(rec.from, rec.to);
    case "link": return vfs.link(rec.from, rec.to);
    case "symlink": return vfs.symlink(rec.target, rec.path);
    case "times": return vfs.setTimes(rec.path, rec.follow, rec.atim === null ? null : BigInt(rec.atim), rec.mtim === null ? null : BigInt(rec.mtim));
    case "open": return vfs.open(rec.path, { ...rec.opts, exclusive: false }).close();
    case "write": { const h = file(rec.path); h.write(data, rec.pos); return h.close(); }
    case "truncate": { const h = file(rec.path); h.truncate(rec.size); return h.close(); }
  }
}

/**
 * A Vfs whose every completed mutation is pushed to `sink` (a shared ring's push). With an
 * `inbox`, the changes other processes of the same container made (the engine forwards
 * their journals) are applied before each call, so a process and an exec in other
 * threads see each other's writes as they would on one filesystem.
 */
export class JournalingVfs implements Vfs {
  constructor(readonly inner: Vfs, readonly sink: (frame: Uint8Array) => void, readonly maxFrame: number, readonly inbox?: Ring) {}

  #log(rec: Rec, data?: Uint8Array): void {
    this.sink(encode(rec, data));
  }
  /** Apply what the other processes wrote since the last call (not journaled again). */
  #sync(): void {
    if (!this.inbox || this.inbox.empty) return;
    for (const f of this.inbox.drain()) {
      try {
        applyFrame(this.inner, f.bytes);
      } catch {
        // A change that no longer applies here (its path went meanwhile) is dropped, as
        // the engine's own replay would meet the same error.
      }
    }
  }
  stat(path: string, follow: boolean): VStat {
    this.#sync();
    return this.inner.stat(path, follow);
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
    this.inner.unlink(path), this.#log({ op: "unlink", path });
  }
  rename(from: string, to: string): void {
    this.#sync();
    this.inner.rename(from, to), this.#log({ op: "rename", from, to });
  }
  link(from: string, to: string): void {
    this.#sync();
    this.inner.link(from, to), this.#log({ op: "link", from, to });
  }
  symlink(target: string, path: string): void {
    this.#sync();
    this.inner.symlink(target, path), this.#log({ op: "symlink", target, path });
  }
  setTimes(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): void {
    this.#sync();
    this.inner.setTimes(path, follow, atim, mtim);
    this.#log({ op: "times", path, follow, atim: atim?.toString() ?? null, mtim: mtim?.toString() ?? null });
  }
  open(path: string, opts: VOpenOptions): VHandle {
    this.#sync();
    const h = this.inner.open(path, opts);
    if (opts.create || opts.truncate) this.#log({ op: "open", path, opts });
    const chunk = this.maxFrame - 512;
    return {
      read: (into, pos) => (this.#sync(), h.read(into, pos)),
      stat: () => (this.#sync(), h.stat()),
      readdir: (cookie, max) => (this.#sync(), h.readdir(cookie, max)),
      close: () => h.close(),
      write: (data, pos) => {
        this.#sync();
        const n = h.write(data, pos);
        for (let at = 0; at < n; at += chunk) this.#log({ op: "write", path, pos: pos + at }, data.subarray(at, Math.min(n, at + chunk)));
        return n;
      },
      truncate: (size) => (h.truncate(size), this.#log({ op: "truncate", path, size })),
      setTimes: (atim, mtim) => {
        h.setTimes(atim, mtim);
        this.#log({ op: "times", path, follow: true, atim: atim?.toString() ?? null, mtim: mtim?.toString() ?? null });
      },
    };
  }
}
