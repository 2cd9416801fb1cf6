/** The handle of a directory holding mount points (mounted_vfs.ts). */
import type { FsDirent, FsHandle, FsStat, ProcessNode, TimeSpec } from "../fs/mod.ts";

/** A directory entry before its cookie is known. */
export type Entry = Omit<FsDirent, "next">;

/** Sort order of listings: by name, as the union lists. */
export const byName = (x: Entry, y: Entry): number => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

type Times = { atime?: TimeSpec; mtime?: TimeSpec };

/**
 * A directory that holds mount points its own filesystem may not name: the listing
 * (taken whole at cookie 0, then read by index, so cookies stay stable) adds them after
 * "." and "..", in name order with the rest.
 */
export class MountPointsHandle implements FsHandle {
  readonly kind: FsHandle["kind"];
  readonly ino: bigint;
  readonly process?: ProcessNode;
  #listing: Entry[] | undefined;

  constructor(readonly inner: FsHandle, readonly extra: (listed: (name: string) => boolean) => Entry[]) {
    this.kind = inner.kind;
    this.ino = inner.ino;
    if (inner.process) this.process = inner.process;
  }
  readdir(cookie: bigint, max: number): FsDirent[] {
    if (cookie === 0n || !this.#listing) {
      const own: Entry[] = [];
      for (let at = 0n; ;) {
        const batch = this.inner.readdir(at, 256);
        own.push(...batch);
        if (batch.length < 256) break;
        at = batch[batch.length - 1]!.next;
      }
      const names = new Set(own.map((e) => e.name));
      const [dots, rest] = [own.filter((e) => e.name === "." || e.name === ".."), own.filter((e) => e.name !== "." && e.name !== "..")];
      const merged = [...rest, ...this.extra((name) => names.has(name))].sort(byName);
      this.#listing = [...dots, ...merged];
    }
    const from = Number(cookie);
    return this.#listing!.slice(from, from + max).map((e, i) => ({ name: e.name, type: e.type, ino: e.ino, next: BigInt(from + i + 1) }));
  }
  read(into: Uint8Array, position: number): number {
    return this.inner.read(into, position);
  }
  write(data: Uint8Array, position: number): number {
    return this.inner.write(data, position);
  }
  append(data: Uint8Array): number {
    return this.inner.append(data);
  }
  size(): number {
    return this.inner.size();
  }
  truncate(size: number): void {
    this.inner.truncate(size);
  }
  stat(): FsStat {
    return this.inner.stat();
  }
  utimes(times: Times): void {
    this.inner.utimes(times);
  }
  chmod(mode: number): void {
    this.inner.chmod(mode);
  }
  chown(owner: { uid: number; gid: number }): void {
    this.inner.chown(owner);
  }
  sync(): void {
    this.inner.sync();
  }
  close(): void {
    this.inner.close();
  }
}

