/**
 * WASI paths are relative to a directory fd and may not leave it (capability rule of
 * WASI preview1 path resolution): an absolute path or a `..` above the directory is
 * ENOTCAPABLE. Inside, the container's filesystem resolves symlinks with chroot rules.
 */
import { WasiError } from "./errno.ts";

interface ResolvedPath {
  /** Absolute path in the container root, normalized ("/" for the root). */
  path: string;
  /** The WASI path ended in "/": the target must be a directory. */
  trailingSlash: boolean;
}

/** Join `rel` (as a WASI call gave it) onto the directory fd's absolute path. */
export function resolveAt(dirPath: string, rel: string): ResolvedPath {
  if (isPlain(rel)) return { path: dirPath === "/" ? `/${rel}` : `${dirPath}/${rel}`, trailingSlash: false };
  if (rel.includes("\0")) throw new WasiError("EILSEQ");
  if (rel.startsWith("/")) throw new WasiError("ENOTCAPABLE", `absolute path "${rel}"`);
  const trailingSlash = rel.endsWith("/");
  const parts: string[] = [];
  for (const part of rel.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) throw new WasiError("ENOTCAPABLE", `"${rel}" leaves its directory`);
      parts.pop();
    } else parts.push(part);
  }
  const base = dirPath === "/" ? "" : dirPath;
  return { path: parts.length ? `${base}/${parts.join("/")}` : dirPath, trailingSlash };
}

/**
 * True for the common case: names joined by single slashes, none of them "." or "..",
 * no slash at either end, no NUL. Such a path joins onto the directory as it is (one
 * scan, no split and join on every call).
 */
function isPlain(rel: string): boolean {
  const n = rel.length;
  if (n === 0) return false;
  let prev = 47; // as if after a "/"
  for (let i = 0; i < n; i++) {
    const c = rel.charCodeAt(i);
    if (c === 0) return false;
    if (c === 47) {
      if (prev === 47) return false;
    } else if (c === 46 && prev === 47) {
      const next = i + 1 < n ? rel.charCodeAt(i + 1) : 47;
      if (next === 47 || (next === 46 && (i + 2 === n || rel.charCodeAt(i + 2) === 47))) return false;
    }
    prev = c;
  }
  return prev !== 47;
}
