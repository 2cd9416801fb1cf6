/**
 * Shell wildcard patterns of `${X#p}`, `${X%p}` and `${X/p/r}` turned into regular
 * expressions, as moby's lexer does (POSIX 2.13 without bracket expressions: `?` one
 * character, `*` the shortest or, greedy, the longest run).
 */
import { LineError } from "./errors.ts";

const REGEX_SPECIAL = new Set(["[", "]", "{", "}", ".", "+", "(", ")", "|", "^", "$"]);

/** Pattern → RegExp. Errors: Error ("invalid escape '\x'"). */
export function shellPatternRegex(pattern: string, o: { greedy: boolean; anchored: boolean; global?: boolean }): RegExp {
  const chars = Array.from(pattern);
  let out = o.anchored ? "^" : "";
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === "*") out += o.greedy ? ".*" : ".*?";
    else if (tok === "?") out += ".";
    else if (tok === "\\") {
      // `\}` and `\/` inside ${…} are escapes of the ${} syntax, not of the pattern.
      const peek = chars[i + 1];
      if (peek === "}" || peek === "/") continue;
      i++;
      if (peek !== "*" && peek !== "?" && peek !== "\\") throw new LineError(`invalid escape '\\${peek ?? ""}'`);
      out += "\\" + peek;
    } else out += REGEX_SPECIAL.has(tok) ? "\\" + tok : tok;
  }
  return new RegExp(out, o.global ? "g" : "");
}

/** The lexer's wording for a bad pattern. */
export function patternError(pattern: string, e: unknown): Error {
  return new LineError(`invalid pattern (${pattern}) in substitution: ${(e as Error).message}`);
}

/** `${X#p}` / `${X##p}`: remove the shortest (longest) prefix matching `pattern`. */
export function trimPrefixPattern(pattern: string, value: string, greedy: boolean): string {
  let re: RegExp;
  try {
    re = shellPatternRegex(pattern, { greedy, anchored: true });
  } catch (e) {
    throw patternError(pattern, e);
  }
  const m = re.exec(value);
  return m ? value.slice(m[0].length) : value;
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
