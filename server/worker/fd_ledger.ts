/**
 * The host descriptors a worker holds open, in memory the worker host shares with it.
 * Terminating a worker thread does not close the descriptors it opened with node:fs, so
 * a container killed while its program held files of a bind open (or while a lookup held
 * a directory) would leak them, and a loop of such kills would run the server out of
 * descriptors. The worker records each descriptor as its HostDirVfs opens and closes it;
 * the host, once the worker is gone, closes what is still recorded.
 */
import { closeSync } from "node:fs";
import type { FdWatch } from "../platform/host_dir.ts";

/** Most descriptors one worker has recorded at once; past it, more are not recorded (the old leak). */
const SLOTS = 4096;

export class FdLedger implements FdWatch {
  readonly slots: Int32Array;
  #hint = 0;

  constructor(readonly buffer = new SharedArrayBuffer(SLOTS * 4)) {
    this.slots = new Int32Array(buffer);
  }

  /** The worker's side: a slot holds fd + 1 (0 is free). */
  opened(fd: number): void {
    for (let n = 0; n < this.slots.length; n++) {
      const i = (this.#hint + n) % this.slots.length;
      if (this.slots[i] === 0) {
        Atomics.store(this.slots, i, fd + 1);
        this.#hint = i + 1;
        return;
      }
    }
  }
  /** Cleared before the descriptor is closed: a number the host might close is never one reused elsewhere. */
  closed(fd: number): void {
    const i = this.slots.indexOf(fd + 1);
    if (i >= 0) Atomics.store(this.slots, i, 0), (this.#hint = i);
  }

  /** The host's side, after the worker has ended: close what it left open. */
  closeAll(): void {
    for (let i = 0; i < this.slots.length; i++) {
      const v = Atomics.exchange(this.slots, i, 0);
      if (v === 0) continue;
      try {
        closeSync(v - 1);
      } catch (err) {
        if ((err as { code?: string }).code !== "EBADF") throw err;
      }
    }
  }
}
