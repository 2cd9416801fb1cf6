/**
 * Shell wildcard patterns of `${X#p}`, `${X%p}` and `${X/p/r}`, as moby's lexer reads them
 * (POSIX 2.13 without bracket expressions: `?` one character, `*` the shortest or, greedy,
 * the longest run; neither matches a newline, as Go's `.` does not). Matched by
 * src/dockerfile/_glob.ts, in time bounded by the value's length times the pattern's.
 */
import { LineError } from "./errors.ts";
import { globPrefix, globSearch, type GlobToken } from "./_glob.ts";

/** Most (value length + 1) × (pattern length + 1) one substitution may cost. */
const MAX_WORK = 2 ** 26;
const notNewline = (c: string) => c !== "\n";

/** Pattern → tokens. Errors: LineError ("invalid escape '\x'"). */
function tokens(pattern: string): GlobToken[] {
  const chars = Array.from(pattern);
  const out: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === "*") {
      if (out.at(-1)?.t !== "loop") out.push({ t: "loop", test: notNewline }); // `**` is `*`
    } else if (tok === "?") out.push({ t: "one", test: notNewline });
    else if (tok === "\\") {
      // `\}` and `\/` inside ${…} are escapes of the ${} syntax, not of the pattern.
      const peek = chars[i + 1];
      if (peek === "}" || peek === "/") continue;
      i++;
      if (peek !== "*" && peek !== "?" && peek !== "\\") throw new LineError(`invalid escape '\\${peek ?? ""}'`);
      out.push({ t: "one", test: (c) => c === peek });
    } else out.push({ t: "one", test: (c) => c === tok });
  }
  return out;
}

/** The lexer's wording for a bad pattern. */
function patternError(pattern: string, e: unknown): Error {
  return new LineError(`invalid pattern (${pattern}) in substitution: ${(e as Error).message}`);
}

function compile(pattern: string, value: readonly string[]): GlobToken[] {
  let toks: GlobToken[];
  try {
    toks = tokens(pattern);
  } catch (e) {
    if (e instanceof LineError) throw patternError(pattern, e);
    throw e;
  }
  if ((value.length + 1) * (toks.length + 1) > MAX_WORK) {
    throw new LineError(`pattern (${pattern.length > 40 ? pattern.slice(0, 40) + "…" : pattern}) too long for a value of ${value.length} characters`);
  }
  return toks;
}

/** `${X#p}` / `${X##p}`: remove the shortest (longest) prefix matching `pattern`. */
export function trimPrefixPattern(pattern: string, value: string, greedy: boolean): string {
  const chars = Array.from(value);
  const m = globPrefix(compile(pattern, chars), chars);
  return m ? chars.slice(greedy ? m.longest : m.shortest).join("") : value;
}

/** Reverse a pattern, keeping each `\x` escape in front of its character. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = [];
  for (let i = 0; i < chars.length;) {
    if (chars[i] === "\\" && i !== chars.length - 1) {
      out.unshift(chars[i]!, chars[i + 1]!);
      i += 2;
    } else out.unshift(chars[i++]!);
  }
  return out.join("");
}

const reverse = (s: string) => Array.from(s).reverse().join("");

/** `${X%p}` / `${X%%p}`: remove the shortest (longest) suffix matching `pattern` (reversed, then a prefix search). */
export function trimSuffixPattern(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefixPattern(reversePattern(pattern), reverse(value), greedy));
}

/**
 * `${X/p/r}` / `${X//p/r}`: replace the first (every) leftmost-longest match with `replacement`,
 * literally. As Go's ReplaceAllString, an empty match right after a match is skipped.
 */
export function replacePattern(pattern: string, value: string, replacement: string, all: boolean): string {
  const chars = Array.from(value);
  const toks = compile(pattern, chars);
  let out = "", at = 0, prevEnd = -1, from = 0;
  while (from <= chars.length) {
    const m = globSearch(toks, chars, from);
    if (!m) break;
    if (m.start === m.end && m.start === prevEnd) {
      if (m.start >= chars.length) break;
      from = m.start + 1;
      continue;
    }
    out += chars.slice(at, m.start).join("") + replacement;
    at = prevEnd = m.end;
    if (!all) break;
    from = m.end > m.start ? m.end : m.end + 1;
  }
  return out + chars.slice(at).join("");
}
