/**
 * The lock of a home: a file holding the pid of the engine that owns it. A lock whose
 * pid is gone is stale and taken over; so is one whose pid is a zombie (it has exited
 * and only waits for its parent to reap it: `Z` in /proc/<pid>/stat on Linux, proc(5)),
 * which `kill(pid, 0)` alone reports as alive.
 */
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { StoreLockedError } from "./home.ts";

/** Does `pid` name a process that runs (or may run) code? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !exited(pid);
}

/** True for a process that has exited and waits to be reaped (Linux /proc; false where there is none). */
function exited(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES") return false; // no /proc here: kill() has the last word
    throw err;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** Take the lock file at `path` for this process. Errors: StoreLockedError, and the file system's. */
export function takeLock(path: string, home: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, String(process.pid));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw err;
      const pid = Number(readFileSync(path, "utf8").trim()) || 0;
      if (pid && pid !== process.pid && alive(pid)) throw new StoreLockedError(home, pid);
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
}
