/**
 * Here-documents in RUN, COPY and ADD (`RUN <<EOF`, `COPY <<-"END" /dst`), found the way
 * moby's parser finds them: each word of the line that reads `[n]<<[-]WORD` names one,
 * and a quoted WORD means its content is not expanded.
 */
import { expandWords } from "./lexer.ts";

/** A here-document: `<<EOF` (expand), `<<"EOF"` or `<<'EOF'` (no expansion), `<<-EOF` (chomp leading tabs). */
export interface Heredoc {
  name: string;
  content: string;
  expand: boolean;
  chomp: boolean;
}

// moby's `^(\d*)<<(-?)\s*([^<]*)$`, with the overlapping `\s*([^<]*)` done by hand (it backtracks quadratically in JavaScript).
const HEREDOC = /^(\d*)<<(-?)(.*)$/s;
const unset = () => undefined;
const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;

/** The heredoc a word names, if it names one (content still empty). */
export function parseHeredocWord(word: string): Heredoc | undefined {
  const m = HEREDOC.exec(word);
  const rest = m?.[3]?.trimStart();
  if (!m || !rest || rest.includes("<")) return undefined;
  const words = expandWords(rest, unset, "\\", { skipUnsetEnv: true });
  if (words.length !== 1) return undefined;
  const raw = expandWords(rest, unset, "\\", { skipUnsetEnv: true, rawQuotes: true });
  return { name: words[0]!, content: "", chomp: m[2] === "-", expand: quotes(words[0]!) === quotes(raw[0] ?? "") };
}

/** Every heredoc a line opens, in order. A line the lexer cannot read opens none. */
export function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = expandWords(line, unset, "\\", { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  } catch (e) {
    if (e instanceof SyntaxError) return [];
    throw e;
  }
  return words.map(parseHeredocWord).filter((h): h is Heredoc => !!h);
}

/** `<<-` content: leading tabs removed from every line. */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, "");
}
