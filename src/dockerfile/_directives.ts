/**
 * Parser directives and the escape character (moby's parser/directives.go): `# escape=\``,
 * `# syntax=…` and `# check=…` are read only before the first instruction, comment or
 * blank line; each may appear once. The escape character also continues lines.
 */
import { LineError } from "./errors.ts";

/** Trailing CR and LF removed (a loop: `/[\r\n]+$/` backtracks quadratically on a long run of CRs mid-line). */
export function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === "\n" || line[end - 1] === "\r")) end--;
  return line.slice(0, end);
}

// moby's `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` backtracks quadratically in JavaScript on a
// long run of spaces; this one does not, and the value is trimmed after.
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+)$/;
const KNOWN = new Set(["syntax", "escape", "check"]);

/** The directive state of one parse: the escape character and whether directives may still come. */
export class Directives {
  escape = "\\";
  #continuation = continuationRegex("\\");
  #done = false;
  #seen = new Set<string>();

  /**
   * One physical line: newline trimmed, left whitespace trimmed when `stripLeft`, a directive
   * taken in, a comment emptied. Errors: Error (a repeated directive, a bad escape character).
   */
  processLine(line: string, stripLeft: boolean): string {
    let token = trimNewline(line);
    if (stripLeft) token = token.trimStart();
    this.#directive(token);
    return token.trimStart().startsWith("#") ? "" : token;
  }

  #directive(token: string): void {
    if (this.#done) return;
    if (!token.startsWith("#")) {
      this.#done = true;
      return;
    }
    const m = DIRECTIVE.exec(token.slice(1).trimStart());
    const key = m?.[1]?.toLowerCase();
    if (!m || !key || !KNOWN.has(key)) {
      this.#done = true;
      return;
    }
    if (this.#seen.has(key)) throw new LineError(`only one ${key} parser directive can be used`);
    this.#seen.add(key);
    if (key === "escape") this.#setEscape(m[2]!.trimEnd() || m[2]![0]!);
  }

  #setEscape(s: string): void {
    if (s !== "`" && s !== "\\") throw new LineError(`invalid escape token '${s}' does not match \` or \\`);
    this.escape = s;
    this.#continuation = continuationRegex(s);
  }

  /** Remove a trailing escape character (spaces and tabs after it allowed); `continues` when there was one. */
  trimContinuation(line: string): { text: string; continues: boolean } {
    const re = this.#continuation;
    if (!re.test(line)) return { text: line, continues: false };
    return { text: line.replace(re, "$1"), continues: true };
  }
}

/** moby's lineContinuationRegex: the escape character last on the line, not itself escaped (or alone on the line). */
function continuationRegex(escape: string): RegExp {
  const e = "\\" + escape;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}
