/**
 * .dockerignore: moby's ignorefile reading and patternmatcher semantics. Comments (`#` at
 * the start of a line) and blank lines are dropped; patterns are trimmed and cleaned, a
 * leading `/` removed; `*` and `?` stop at `/`, `**` crosses directories, `[a-z]` classes,
 * `\` escapes; `!` re-includes; the last matching pattern wins; a pattern that matches a
 * directory matches everything under it.
 */
import { DockerfileError } from "./errors.ts";
import { globMatch, type GlobToken } from "./_glob.ts";

/** path.Clean for slash paths: no empty or `.` parts, `..` resolved, no trailing slash. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return rooted ? "/" + joined : joined || ".";
}

/**
 * Read a .dockerignore into patterns (moby's ignorefile.ReadAll).
 * @example parseDockerignore("# logs\n*.log\n!keep.log\n/tmp/\n") // ["*.log", "!keep.log", "tmp"]
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    const raw = (i === 0 ? line.replace(/^\uFEFF/, "") : line).replace(/\r$/, "");
    if (raw.startsWith("#")) continue;
    let pattern = raw.trim();
    if (!pattern) continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    out.push(invert ? "!" + pattern : pattern);
  }
  return out;
}

interface Pattern {
  exclusion: boolean;
  cleaned: string;
  test: (path: string) => boolean;
}

/** A trailing unescaped `\`, which Go's filepath.Match calls malformed (an unclosed `[` is found by charClass). */
function malformed(p: string): boolean {
  let n = 0;
  for (let i = p.length - 1; i >= 0 && p[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

/** `[a-z]`, `[^ab]`, `[]x]` from `chars[i]` (the `[`): the test and the index of the closing `]`. */
function charClass(chars: readonly string[], i: number): { test: (c: string) => boolean; end: number } {
  let j = i + 1;
  const negated = chars[j] === "^";
  if (negated) j++;
  const ranges: Array<[string, string]> = [];
  for (let first = true; j < chars.length && (first || chars[j] !== "]"); first = false) {
    let lo = chars[j++]!;
    if (lo === "\\" && j < chars.length) lo = chars[j++]!;
    let hi = lo;
    if (chars[j] === "-" && j + 1 < chars.length && chars[j + 1] !== "]") {
      hi = chars[j + 1]!;
      if (hi === "\\" && j + 2 < chars.length) hi = chars[++j + 1]!;
      j += 2;
    }
    if (hi < lo) throw new SyntaxError(`bad range ${lo}-${hi}`);
    ranges.push([lo, hi]);
  }
  if (j >= chars.length) throw new SyntaxError("unclosed class");
  return { test: (c) => ranges.some(([lo, hi]) => c >= lo && c <= hi) !== negated, end: j };
}

/**
 * A pattern → its test (patternmatcher's compile, matched as Go's regexp would: in time
 * bounded by the path's length times the pattern's, src/dockerfile/_glob.ts). `*` and `?`
 * stop at `/`; `**` is any run of directories (`**\/`), or anything at the end; `**` then
 * only literal characters is patternmatcher's suffix match ("**foo" matches "xfoo").
 */
function compile(pattern: string): (path: string) => boolean {
  const rest = pattern.slice(2);
  if (pattern.startsWith("**") && !/[*?[\]\\]/.test(rest)) return (path) => path.endsWith(rest) || (rest.startsWith("/") && path === rest.slice(1));
  const chars = Array.from(pattern);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*" && chars[i + 1] === "*") {
      i++;
      if (chars[i + 1] === "/") i++;
      tokens.push(i + 1 >= chars.length ? { t: "loop", test: (c) => c !== "\n" } : { t: "dirs" });
    } else if (ch === "*") tokens.push({ t: "loop", test: (c) => c !== "/" });
    else if (ch === "?") tokens.push({ t: "one", test: (c) => c !== "/" });
    else if (ch === "[") {
      const cls = charClass(chars, i);
      tokens.push({ t: "one", test: cls.test });
      i = cls.end;
    } else {
      const lit = ch === "\\" && i + 1 < chars.length ? chars[++i]! : ch;
      tokens.push({ t: "one", test: (c) => c === lit });
    }
  }
  return (path) => globMatch(tokens, path);
}

/** Matches context paths (slash-separated, relative to the context root) against .dockerignore patterns. */
export class IgnoreMatcher {
  #patterns: Pattern[] = [];

  /** Errors: DockerfileError for `!` alone or a malformed pattern ("syntax error in pattern"). */
  constructor(patterns: string[]) {
    for (let p of patterns) {
      p = p.trim();
      if (!p) continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith("!")) {
        if (p.length === 1) throw new DockerfileError('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      let test: (path: string) => boolean;
      try {
        if (malformed(p)) throw new SyntaxError(p);
        test = compile(p);
      } catch (e) {
        if (e instanceof SyntaxError) throw new DockerfileError("syntax error in pattern");
        throw e;
      }
      this.#patterns.push({ exclusion, cleaned: p, test });
    }
  }

  /** Whether any pattern re-includes (`!`). */
  get hasExclusions(): boolean {
    return this.#patterns.some((p) => p.exclusion);
  }

  /**
   * Whether `path` is excluded from the build context: the last pattern that matches it or
   * one of its parent directories decides (patternmatcher's MatchesOrParentMatches).
   * @example new IgnoreMatcher(["logs", "!logs/keep"]).matches("logs/a.txt") // true
   */
  matches(path: string): boolean {
    const file = cleanPath(path).replace(/^\/+/, "");
    if (file === ".") return false;
    const parents = file.split("/").slice(0, -1);
    let matched = false;
    for (const p of this.#patterns) {
      if (p.exclusion !== matched) continue;
      let match = p.test(file);
      for (let i = 0; !match && i < parents.length; i++) match = p.test(parents.slice(0, i + 1).join("/"));
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * Whether a walk may skip an excluded directory whole: true unless some `!` pattern
   * starts inside it (the docker CLI's rule when it tars the context).
   */
  skipsDirectory(dir: string): boolean {
    const prefix = cleanPath(dir).replace(/^\/+/, "") + "/";
    return !this.#patterns.some((p) => p.exclusion && (p.cleaned + "/").startsWith(prefix));
  }
}
