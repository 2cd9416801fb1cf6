/**
 * What Docker gives a container's process beyond its config: its working directory
 * made when the image lacks it (as the daemon makes WorkingDir at start, in the
 * container's layer), and HOME from the user's entry in the image's /etc/passwd (as the
 * OCI runtime sets it).
 */
import type { FileSystem, UnionFS } from "../fs/mod.ts";
import { FsError } from "../fs/mod.ts";
import { unshared } from "../tar/mod.ts";
import { ensureDir } from "./_process_view.ts";
import { invalid } from "./errors.ts";
import type { ProcessSpec } from "../wasi/mod.ts";

/** mkdir -p the working directory in the container's layer. Errors: invalid when a file is in the way. */
export function makeWorkingDir(fs: UnionFS, dir: string): void {
  if (!dir || dir === "/") return;
  try {
    ensureDir(fs, dir);
    if (fs.stat(dir).type === "dir") return;
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
  }
  throw invalid(`failed to create task for container: chdir to cwd ("${dir}") set in config.json failed: not a directory`);
}

/** The home of `user` ("name", "uid", with ":group" or not) in the image's passwd; "/root" for root without an entry, "/" for another. */
function homeOf(fs: FileSystem, user: string): string {
  const who = user.split(":")[0] || "root";
  let passwd = "";
  try {
    passwd = new TextDecoder().decode(unshared(fs.readFile("/etc/passwd")));
  } catch {
    // no passwd: the defaults below
  }
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length >= 6 && (f[0] === who || f[2] === who)) return f[5] || "/";
  }
  return who === "root" || who === "0" ? "/root" : "/";
}

/** The spec fields Docker adds for a container's process (or an exec in it). */
export function dockerProcess(fs: FileSystem, config: { Hostname: string; User: string }, tty: boolean, user?: string): Pick<ProcessSpec, "hostname" | "home" | "tty"> {
  return { hostname: config.Hostname, home: homeOf(fs, user || config.User), tty };
}
