/**
 * Changes the engine makes itself, not through a process, to filesystems that running
 * processes use (`docker cp` into a running container, or into a volume another
 * container has mounted). Inline processes work on the engine's own copies and see such
 * a change at once; a process in a worker runs on a copy of its own (change_link.ts), so
 * each record of the change goes to its inbox, tagged with the filesystem's key, exactly
 * as another process's records are forwarded to it (_replay.ts), and is applied there
 * before its next system call. While the change runs, an inode the engine's copy lets go
 * of (a file replaced or removed) stays in its table until the processes are done with
 * it, since one of them may hold it open and write to it; its release is deferred as a
 * worker's own release is while others share the filesystem.
 *
 * @example
 * ```ts
 * changeShared(view, () => view.writeFile("/tmp/new", bytes)); // a worker's cat /tmp/new sees it
 * ```
 */
import { encodeChange, type FileSystem, splitChange } from "../fs/mod.ts";
import { deferRelease, peersOn, sendTo } from "./_replay.ts";
import { uppersOf } from "./rootfs_transfer.ts";

/**
 * Run `change`, a synchronous change of `fs` made by the engine: every record it makes in
 * a writable layer that processes in workers share reaches them. Returns what `change` returns.
 */
export function changeShared<T>(fs: FileSystem, change: () => T): T {
  const restore: Array<() => void> = [];
  for (const [key, upper] of uppersOf(fs)) {
    const peers = peersOn(key);
    if (peers.size === 0) continue;
    const { onChange, holdRelease } = upper;
    upper.onChange = (rec) => {
      onChange?.(rec);
      for (const peer of peers) {
        const parts = rec.op === "write" ? splitChange(rec, peer.inbox.maxFrame) : [rec];
        for (const part of parts) sendTo(peer, encodeChange(part, key));
      }
    };
    upper.holdRelease = (node) => {
      deferRelease(key, node.ino);
      return true;
    };
    restore.push(() => {
      upper.onChange = onChange;
      upper.holdRelease = holdRelease;
    });
  }
  try {
    return change();
  } finally {
    for (const undo of restore) undo();
  }
}
