/**
 * The run form's command line split into argv as a shell splits words: blanks separate,
 * '…' keeps everything, "…" keeps all but the escapes \" \\ \$ \`, a backslash escapes the next
 * character. No expansion: `$HOME` reaches the program as written (use `sh -c` for that).
 * Errors: an unclosed quote.
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let word = "", inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const end = findClose(line, i + 1, ch);
      if (end < 0) throw new Error(`unclosed ${ch === "'" ? "single" : "double"} quote in the command at ${i + 1}`);
      const body = line.slice(i + 1, end);
      word += ch === '"' ? body.replace(/\\(["\\$`])/g, "$1") : body;
      inWord = true;
      i = end;
    } else if (ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

function findClose(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    if (quote === '"' && line[i] === "\\") i++;
    else if (line[i] === quote) return i;
  }
  return -1;
}
