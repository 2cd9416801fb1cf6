/**
 * .dockerignore: moby's ignorefile reading and patternmatcher semantics. Comments (`#` at
 * the start of a line) and blank lines are dropped; patterns are trimmed and cleaned, a
 * leading `/` removed; `*` and `?` stop at `/`, `**` crosses directories, `[a-z]` classes,
 * `\` escapes; `!` re-includes; the last matching pattern wins; a pattern that matches a
 * directory matches everything under it.
 */
import { DockerfileError } from "./errors.ts";

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

// patternmatcher escapes these; `^` and the rest pass into the expression as they are.
const REGEX_ESCAPE = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

/** A malformed pattern, as Go's filepath.Match finds one: an unclosed `[` or a trailing `\`. */
function malformed(p: string): boolean {
  const unescaped = p.replace(/\\./g, "");
  return unescaped.endsWith("\\") || /\[[^\]]*$/.test(unescaped);
}

/**
 * A pattern → a test (patternmatcher's compile). `**` then only literal characters is its
 * suffix match: "**foo" matches "xfoo", "**\/foo" matches "foo" and "a/foo".
 */
function compile(pattern: string): (path: string) => boolean {
  const rest = pattern.slice(2);
  if (pattern.startsWith("**") && !/[*?[\]\\]/.test(rest)) return (path) => path.endsWith(rest) || (rest.startsWith("/") && path === rest.slice(1));
  const re = regex(pattern);
  return (path) => re.test(path);
}

function regex(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let re = "^";
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*") {
      if (chars[i + 1] !== "*") {
        re += "[^/]*";
        continue;
      }
      i++;
      if (chars[i + 1] === "/") i++;
      if (i + 1 >= chars.length) re += ".*";
      else re += "(.*/)?";
    } else if (ch === "?") re += "[^/]";
    else if (ch === "\\") {
      if (i + 1 < chars.length) re += "\\" + chars[++i];
      else re += "\\\\";
    } else if (ch === "[" || ch === "]") re += ch;
    else re += REGEX_ESCAPE.has(ch) ? "\\" + ch : ch;
  }
  return new RegExp(re + "$");
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
