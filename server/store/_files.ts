/** Atomic file writes (temp file, fsync, rename, fsync of the directory) and what a crash leaves of them. */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/** Replace `path` with `data`, wholly or not at all. */
export function atomicWrite(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  // A name of its own, not derived from the target's: a target name may already be NAME_MAX long.
  const tmp = join(dirname(path), `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Temp files of writes a crash interrupted: never renamed, so never visible; remove them. */
export function removeTemps(dir: string): void {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.isDirectory()) removeTemps(join(dir, ent.name));
    else if (ent.name.includes(".tmp-")) rmSync(join(dir, ent.name), { force: true });
  }
}

export function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

