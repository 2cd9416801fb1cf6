/**
 * The undo log of one extraction (`docker cp` into a container), so that a failure part
 * way leaves the container as it was: every name the extraction creates is recorded, an
 * existing entry it replaces is first renamed aside in its own directory (an inode keeps
 * its identity, its hard links and its open handles through a rename), and a directory
 * whose metadata or entries it changes has its old owner, mode and times kept. `rollback` undoes
 * them last first; `commit` removes what was set aside.
 */
import { type FileSystem, FsError, type FsStat } from "../fs/mod.ts";

/** What the log changes and removes with. */
type UndoFs = Pick<FileSystem, "lstat" | "rename" | "readdir" | "rmdir" | "unlink" | "chown" | "chmod" | "utimes">;

type Step =
  | { kind: "created"; path: string }
  | { kind: "replaced"; path: string; aside: string }
  | { kind: "attrs"; path: string; st: FsStat };

export class UndoLog {
  #steps: Step[] = [];
  #asides = 0;
  #seen = new Set<string>();

  /** `token`: what makes this extraction's aside names its own. */
  constructor(readonly fs: UndoFs, readonly token: string) {}

  /** `path` did not exist and was just made. */
  created(path: string): void {
    this.#steps.push({ kind: "created", path });
  }

  /** Move what is at `path` aside (it is to be replaced); recorded once the rename is done. */
  replace(path: string): void {
    const cut = path.lastIndexOf("/");
    const aside = `${path.slice(0, cut)}/.strata-cp-${this.token}-${++this.#asides}`;
    this.fs.rename(path, aside);
    this.#steps.push({ kind: "replaced", path, aside });
  }

  /** A directory an entry is about to be made, replaced or removed in: its owner, mode and times are put back too (once per directory). */
  dirChanging(dir: string): void {
    if (this.#seen.has(dir)) return;
    this.#seen.add(dir);
    this.#steps.push({ kind: "attrs", path: dir, st: this.fs.lstat(dir) });
  }

  /** The metadata of `path` (stat `st`) is about to change. */
  attrs(path: string, st: FsStat): void {
    this.#steps.push({ kind: "attrs", path, st });
  }

  /**
   * Undo every step, last first, except those `skip` says to leave (a filesystem that is
   * gone). Returns what could not be undone (the steps after it are still tried).
   */
  rollback(skip: (path: string) => boolean = () => false): string[] {
    const failed: string[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      if (skip(step.path)) continue;
      try {
        if (step.kind === "created") removeTree(this.fs, step.path);
        else if (step.kind === "replaced") {
          removeTree(this.fs, step.path);
          this.fs.rename(step.aside, step.path);
        } else restoreAttrs(this.fs, step.path, step.st);
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        failed.push(`${step.path}: ${err.code}`);
      }
    }
    return failed;
  }

  /** Remove what was set aside (the extraction is done). Returns what could not be removed. */
  commit(): string[] {
    const failed: string[] = [];
    for (const step of this.#steps.splice(0)) {
      if (step.kind !== "replaced") continue;
      try {
        removeTree(this.fs, step.aside);
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        failed.push(`${step.aside}: ${err.code}`);
      }
    }
    return failed;
  }
}

/** rm -r: `path` and everything below it (never following a link). Nothing there is fine. */
function removeTree(fs: UndoFs, path: string): void {
  let st: FsStat;
  try {
    st = fs.lstat(path);
  } catch (err) {
    if (err instanceof FsError && err.code === "ENOENT") return;
    throw err;
  }
  if (st.type !== "dir") return fs.unlink(path);
  // Depth first without recursion: a tree as deep as the path limit allows is no stack risk.
  const stack: Array<{ path: string; listed: boolean }> = [{ path, listed: false }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.listed) {
      fs.rmdir(top.path);
      stack.pop();
      continue;
    }
    top.listed = true;
    for (const e of fs.readdir(top.path)) {
      const child = `${top.path}/${e.name}`;
      if (fs.lstat(child).type === "dir") stack.push({ path: child, listed: false });
      else fs.unlink(child);
    }
  }
}

function restoreAttrs(fs: UndoFs, path: string, st: FsStat): void {
  try {
    fs.chown(path, { uid: st.uid, gid: st.gid }, { follow: false });
  } catch (err) {
    if (!(err instanceof FsError && err.code === "EPERM")) throw err; // a host directory the server may not chown: it never changed
  }
  fs.chmod(path, st.mode, { follow: false });
  fs.utimes(path, { atime: st.atim, mtime: st.mtim }, { follow: false });
}
