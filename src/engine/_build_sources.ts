/**
 * COPY and ADD sources: each source of the instruction resolved in its tree (the build
 * context, or an image or stage for `--from`) to the paths it names, wildcards expanded
 * with Go's filepath.Match over every path of the tree (moby copier.copyWithWildcards),
 * and each given the content hash the cache key is made of (moby: `file:<sum>` for a
 * file, `dir:<sum of its entries' sums>` for a directory, `multi:<…>` for several).
 * A sum covers an entry's path, type, mode, owner, size, link target and bytes (moby's
 * tarsum covers the same header fields, not the mtime), so any change of what COPY would
 * copy changes the key, and nothing else does.
 */
import { type FileSystem, FsError, type FsStat } from "../fs/mod.ts";
import { sha256, type Sha256Impl } from "../oci/mod.ts";
import { invalid } from "./errors.ts";
import { goMatch, hasWildcards, sourcePath } from "./_build_paths.ts";

/** Where COPY reads from. */
export interface CopySource {
  fs: FileSystem;
  /** The build context (its errors say so), or an image or stage (`--from`). */
  context: boolean;
}

/** One source path as COPY copies it. */
export interface SourceItem {
  /** Absolute in the source tree, as named (a symlink named here is followed when copied). */
  path: string;
  hash: string;
}

const enc = new TextEncoder();

/**
 * Resolve the sources of one instruction. Errors: invalid "forbidden path outside the
 * build context: …", "file not found in build context or excluded by .dockerignore:
 * stat X: file does not exist", "no source files were specified".
 */
export async function resolveSources(src: CopySource, origs: readonly string[], o: { sha256?: Sha256Impl } = {}): Promise<SourceItem[]> {
  const hash = o.sha256 ?? sha256;
  const out: SourceItem[] = [];
  for (const orig of origs) {
    const rel = orig.replace(/^\/+/, "").replace(/^(\.\/)+/, "");
    const paths = hasWildcards(rel) ? matching(src.fs, rel) : [checked(src, rel)];
    for (const path of paths) out.push({ path, hash: await sourceHash(src.fs, path, hash) });
  }
  if (!out.length) throw invalid("no source files were specified");
  return out;
}

/** The cache string of all the sources (moby's getSourceHashFromInfos). */
export async function sourcesHash(items: readonly SourceItem[], o: { sha256?: Sha256Impl } = {}): Promise<string> {
  if (items.length === 1) return items[0]!.hash;
  return `multi:${hex(await (o.sha256 ?? sha256)(enc.encode(items.map((i) => i.hash).join(","))))}`;
}

/** The path named, after checking it is inside the tree and exists there. */
function checked(src: CopySource, rel: string): string {
  const path = sourcePath(rel, src.context ? "the build context" : "the source image");
  try {
    src.fs.stat(path);
  } catch (err) {
    if (!(err instanceof FsError) || !["ENOENT", "ENOTDIR", "ELOOP"].includes(err.code)) throw err;
    const stat = `stat ${rel}: file does not exist`;
    throw invalid(src.context ? `file not found in build context or excluded by .dockerignore: ${stat}` : stat);
  }
  return path;
}

/** Every path of the tree whose root-relative name matches the pattern (symlinks not followed while walking). */
function matching(fs: FileSystem, pattern: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdir(dir)) {
      const path = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
      if (goMatch(pattern, path.slice(1))) out.push(path);
      if (e.type === "dir") walk(path);
    }
  };
  walk("/");
  return out;
}

/** `file:<sum>` of a file (the followed path's, as moby sums what is copied) or `dir:<sum>` of a directory's entries. */
async function sourceHash(fs: FileSystem, path: string, hash: Sha256Impl): Promise<string> {
  const st = fs.stat(path);
  if (st.type !== "dir") return `file:${await entrySum(fs, path, st, hash)}`;
  const sums: string[] = [];
  const walk = async (dir: string) => {
    for (const e of fs.readdir(dir)) {
      const child = `${dir === "/" ? "" : dir}/${e.name}`;
      const cst = fs.lstat(child);
      sums.push(await entrySum(fs, child, cst, hash));
      if (cst.type === "dir") await walk(child);
    }
  };
  await walk(path);
  sums.sort();
  return `dir:${hex(await hash(enc.encode(sums.join(","))))}`;
}

/** The sum of one entry: its header fields (no times) and its bytes. */
async function entrySum(fs: FileSystem, path: string, st: FsStat, hash: Sha256Impl): Promise<string> {
  const body = st.type === "file" ? await hash(unshared(fs.readFile(path))) : "";
  const link = st.type === "symlink" ? fs.readlink(path) : "";
  const header = [path.slice(1), st.type, st.mode.toString(8), st.uid, st.gid, st.type === "file" ? String(st.size) : "0", link, body].join("\0");
  return hex(await hash(enc.encode(header)));
}

/** WebCrypto refuses a view of a SharedArrayBuffer (an image's layer is kept in one, src/engine/_layer_cache.ts). */
function unshared(bytes: Uint8Array): Uint8Array {
  return typeof SharedArrayBuffer !== "undefined" && bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes;
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, "");
}
