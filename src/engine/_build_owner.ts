/**
 * COPY/ADD `--chown` and `--chmod`: a `user[:group]` made numeric from the destination
 * image's /etc/passwd and /etc/group (moby internals_linux.go parseChownFlag: a lone
 * user is the group too; a number is taken as it is), and an octal mode.
 */
import { type FileSystem, FsError } from "../fs/mod.ts";
import { invalid } from "./errors.ts";

export interface Owner {
  uid: number;
  gid: number;
}

const PREFIX = "unable to convert uid/gid chown string to host mapping";

/**
 * Errors: invalid, in moby's words: "unable to convert uid/gid chown string to host
 * mapping: can't find uid for user app: no such user: app".
 */
export function parseChown(chown: string, root: FileSystem): Owner {
  const parts = chown.split(":");
  if (parts.length > 2) throw invalid(`${PREFIX}: invalid chown string format: ${chown}`);
  const [user, group = user] = parts as [string, string?];
  return {
    uid: lookup(root, "/etc/passwd", user, `can't find uid for user ${user}`, "user"),
    gid: lookup(root, "/etc/group", group!, `can't find gid for group ${group}`, "group"),
  };
}

/** The id of `name` in a passwd or group file (field 3), or the number it is. */
function lookup(root: FileSystem, file: string, name: string, what: string, kind: "user" | "group"): number {
  if (/^-?\d+$/.test(name)) return Number(name);
  let text: string;
  try {
    text = new TextDecoder().decode(root.readFile(file));
  } catch (err) {
    if (!(err instanceof FsError)) throw err;
    throw invalid(`${PREFIX}: ${what}: open ${file}: no such file or directory`);
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && f[0] === name && /^\d+$/.test(f[2]!)) return Number(f[2]);
  }
  throw invalid(`${PREFIX}: ${what}: no such ${kind}: ${name}`);
}

/** An octal `--chmod` (BuildKit's form; the classic builder has none). Errors: invalid. */
export function parseChmod(chmod: string): number {
  if (!/^[0-7]{1,4}$/.test(chmod)) throw invalid(`invalid chmod parameter: strconv.ParseUint: parsing ${JSON.stringify(chmod)}: invalid syntax`);
  return parseInt(chmod, 8);
}
