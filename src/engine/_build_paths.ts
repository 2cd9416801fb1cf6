/**
 * Paths in a build: a COPY source made relative to its root with no way out of it
 * (moby's FullPath: a `..` past the root is "forbidden path outside the build context";
 * symlinks are then followed inside the root, chroot-like, by the union filesystem),
 * COPY's destination made absolute against WORKDIR (moby's normalizeDest), and Go's
 * filepath.Match for wildcard sources.
 */
import { invalid } from "./errors.ts";

/** Lexically clean an absolute path: no "", ".", or ".." components (".." at the root stays there). */
export function cleanAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

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
 * nothing (the builder ignores Match's ErrBadPattern).
 * @example goMatch("*.txt", "a.txt") // true; goMatch("*.txt", "d/a.txt") // false
 */
export function goMatch(pattern: string, name: string): boolean {
  const re = _patternRegExp(pattern);
  return re !== null && re.test(name);
}

const cache = new Map<string, RegExp | null>();

function _patternRegExp(pattern: string): RegExp | null {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  re = _compile(pattern);
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

const esc = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

function _compile(p: string): RegExp | null {
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") {
      if (++i >= p.length) return null;
      out += esc(p[i]!);
    } else if (c === "[") {
      const end = _class(p, i + 1);
      if (!end) return null;
      out += end.re;
      i = end.at;
    } else out += esc(c);
  }
  return new RegExp(`^${out}$`, "u");
}

/** A character class from just after its "[": its RegExp and the index of its "]". */
function _class(p: string, at: number): { re: string; at: number } | null {
  let negate = false;
  if (p[at] === "^") {
    negate = true;
    at++;
  }
  const one = (): string | null => {
    if (at >= p.length) return null;
    let c = p[at++]!;
    if (c === "\\") {
      if (at >= p.length) return null;
      c = p[at++]!;
    } else if (c === "-" || c === "]") return null;
    return c;
  };
  let body = "", first = true;
  for (;;) {
    if (at >= p.length) return null;
    if (p[at] === "]" && !first) break;
    first = false;
    const lo = one();
    if (lo === null) return null;
    if (p[at] === "-") {
      at++;
      const hi = one();
      if (hi === null || hi < lo) return null;
      body += `${esc(lo)}-${esc(hi)}`;
    } else body += esc(lo);
  }
  return { re: negate ? `(?!/)[^${body}]` : `[${body}]`, at };
}
