/**
 * The worker's end of a process's file changes. The process runs on the worker's own copy
 * of its container's filesystems (the rootfs's writable layer and each volume's), and
 * every change they report (`WritableLayer.onChange`: the union filesystem's own change
 * records, which name inodes by number) goes into the shared ring as it happens, tagged
 * with the filesystem it changes, before the WASI call returns: a kill loses no write
 * the program completed. The engine applies the same records to its copies
 * (src/wasi/_replay.ts) with `applyChange`, which ends them identical to the worker's:
 * an open file that was unlinked or renamed, a hard link, a write after a rename all
 * replay exactly, because nothing is looked up by name again.
 *
 * What the other processes on the same filesystems changed (an exec's, another
 * container's on a shared volume) arrives in the inbox and is applied before each WASI
 * call, without being sent back. Each process creates inodes from a range of numbers of
 * its own (`WritableLayer.reserveInodes`), so records from several threads never name
 * two inodes by one number.
 */
import { applyChange, decodeTagged, encodeChange, FsError, splitChange, type WritableLayer } from "../fs/mod.ts";
import type { Ring } from "./_ring.ts";

/** Inode numbers set aside for one run's new inodes, per filesystem (given back at its end: WritableLayer.returnInodes). */
export const RUN_INODES = 2 ** 32;

export class ChangeLink {
  /** Set while an inbox record is applied: it is not sent back. */
  #applying = false;

  /**
   * Hook every filesystem of `uppers` (by the key the engine tagged it with): each
   * change goes to `sink` as frames of at most `maxFrame` bytes.
   */
  constructor(readonly uppers: ReadonlyMap<string, WritableLayer>, sink: (frame: Uint8Array) => void, maxFrame: number, readonly inbox?: Ring) {
    for (const [key, upper] of uppers) {
      upper.onChange = (rec) => {
        if (this.#applying) return;
        if (rec.op !== "write") return sink(encodeChange(rec, key)); // one frame: no split to look for
        for (const part of splitChange(rec, maxFrame)) sink(encodeChange(part, key));
      };
    }
  }

  /** Apply what the other processes changed since the last call (nothing is sent back). */
  sync(): void {
    if (!this.inbox || this.inbox.empty) return;
    for (const f of this.inbox.drain()) {
      const { rec, fs } = decodeTagged(f.bytes);
      const upper = fs === undefined ? undefined : this.uppers.get(fs);
      if (!upper) continue;
      this.#applying = true;
      try {
        applyChange(upper, rec);
      } catch (err) {
        // A change that does not fit this copy (another process's view of an inode this
        // one never had): the engine's copy has it; this process goes on without it.
        if (!(err instanceof FsError)) throw err;
      } finally {
        this.#applying = false;
      }
    }
  }

  /** Unhook the filesystems (the worker keeps its copy for a next run). */
  close(): void {
    for (const upper of this.uppers.values()) upper.onChange = null;
  }
}
