/**
 * Paths in a build: a COPY source made relative to its root with no way out of it
 * (moby's FullPath: a `..` past the root is "forbidden path outside the build context";
 * symlinks are then followed inside the root, chroot-like, by the union filesystem),
 * COPY's destination made absolute against WORKDIR (moby's normalizeDest), and Go's
 * filepath.Match for wildcard sources.
 */
import { normalizePath } from "../wasi/mod.ts";
import { invalid } from "./errors.ts";

/** Lexically clean an absolute path: no "", ".", or ".." components (".." at the root stays there); the mount table's own. */
export const cleanAbsolute: (path: string) => string = normalizePath;

/**
 * A source path as the root-relative absolute path it names ("./a/../b" → "/b").
 * Errors: invalid "forbidden path outside the build context: ../x ()" when `..` climbs past the root.
 */
export function sourcePath(path: string, what = "the build context"): string {
  let depth = 0;
  for (const part of path.replace(/^\/+/, "").split("/")) {
    if (part === "..") depth--;
    else if (part !== "" && part !== ".") depth++;
    if (depth < 0) throw invalid(`forbidden path outside ${what}: ${path} ()`);
  }
  return cleanAbsolute(path);
}

/** COPY's destination: relative to WORKDIR when not absolute, a trailing "/" kept (it says "a directory"). */
export function normalizeDest(workingDir: string, requested: string): string {
  if (requested.startsWith("/")) return requested;
  const dest = cleanAbsolute(`${workingDir || "/"}/${requested}`);
  return requested.endsWith("/") && dest !== "/" ? `${dest}/` : dest;
}

/** Whether a source has Go filepath.Match metacharacters (a backslash escapes the next one). */
export function hasWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return true;
  }
  return false;
}

/**
 * Go's filepath.Match(pattern, name) with "/" as the separator: `*` and `?` never match
 * a "/", `[a-z]` and `[^a-z]` are classes, `\\` escapes. A malformed pattern matches
 * nothing (the builder ignores Match's ErrBadPattern). As Go's, it matches chunk by
 * chunk (the literal run after each `*` at its first fitting place), never backtracking
 * further: a Dockerfile's pattern costs at most its length times the name's.
 * @example goMatch("*.txt", "a.txt") // true; goMatch("*.txt", "d/a.txt") // false
 */
export function goMatch(pattern: string, name: string): boolean {
  const p = Array.from(pattern), n = Array.from(name);
  let at = 0, rest = 0;
  while (at < p.length) {
    let star = false;
    while (p[at] === "*") {
      star = true;
      at++;
    }
    const end = chunkEnd(p, at);
    const chunk = p.slice(at, end);
    at = end;
    const last = at >= p.length;
    if (star && !chunk.length) return !n.slice(rest).includes("/"); // a trailing * takes the rest, up to a "/"
    let next = matchChunk(chunk, n, rest);
    if (next === BAD) return false;
    if (next !== NO && (!last || next === n.length)) {
      rest = next;
      continue;
    }
    next = NO;
    if (star) {
      for (let i = rest; i < n.length && n[i] !== "/"; i++) {
        const t = matchChunk(chunk, n, i + 1);
        if (t === BAD) return false;
        if (t !== NO && (!last || t === n.length)) {
          next = t;
          break;
        }
      }
    }
    if (next === NO) return false;
    rest = next;
  }
  return rest === n.length;
}

const NO = -1, BAD = -2;

/** Where the chunk that starts at `at` ends: at the next `*` outside a class. */
function chunkEnd(p: readonly string[], at: number): number {
  let inClass = false;
  for (let i = at; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "*" && !inClass) return i;
  }
  return p.length;
}

/** Match a chunk (literals, `?`, classes) at `from` of the name: where the match ends, NO, or BAD for a malformed chunk. */
function matchChunk(chunk: readonly string[], n: readonly string[], from: number): number {
  let i = 0, s = from;
  while (i < chunk.length) {
    const c = chunk[i]!;
    if (c === "[") {
      const cls = readClass(chunk, i + 1);
      if (!cls) return BAD;
      if (s >= n.length || cls.has(n[s]!) === cls.negated) return NO;
      i = cls.end;
      s++;
    } else if (c === "?") {
      if (s >= n.length || n[s] === "/") return NO;
      i++;
      s++;
    } else {
      const lit = c === "\\" ? chunk[++i] : c;
      if (lit === undefined) return BAD;
      if (n[s] !== lit) return NO;
      i++;
      s++;
    }
  }
  return s;
}

/** A class from just after its "[": whether a character is in it, negated, and the index after its "]"; null when malformed. */
function readClass(chunk: readonly string[], at: number): { has(ch: string): boolean; negated: boolean; end: number } | null {
  let i = at, negated = false;
  if (chunk[i] === "^") {
    negated = true;
    i++;
  }
  const ranges: Array<[string, string]> = [];
  const one = (): string | null => {
    let c = chunk[i];
    if (c === undefined || c === "-" || c === "]") return null;
    if (c === "\\") c = chunk[++i];
    if (c === undefined) return null;
    i++;
    return c;
  };
  for (;;) {
    if (chunk[i] === "]" && ranges.length) break;
    const lo = one();
    if (lo === null) return null;
    let hi = lo;
    if (chunk[i] === "-") {
      i++;
      const h = one();
      if (h === null) return null;
      hi = h;
    }
    ranges.push([lo, hi]);
  }
  return { has: (ch) => ranges.some(([lo, hi]) => lo <= ch && ch <= hi), negated, end: i + 1 };
}
