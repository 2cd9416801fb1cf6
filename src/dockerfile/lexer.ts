/**
 * Words and variables as moby's shell lexer (buildkit frontend/dockerfile/shell/lex.go)
 * has them: `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`,
 * `${VAR:?msg}`, `${VAR?msg}`, `${VAR#p}`, `${VAR##p}`, `${VAR%p}`, `${VAR%%p}`,
 * `${VAR/p/r}`, `${VAR//p/r}`; single quotes (literal), double quotes (`$` and the escape
 * character still work), the escape character (`\` or the `# escape=` one), unset → "".
 * It is not a shell: no command substitution, no globbing, no arithmetic.
 */
import { DockerfileError, LineError } from "./errors.ts";
import { replacePattern, trimPrefixPattern, trimSuffixPattern } from "./_shell_pattern.ts";

/** Look a variable up; undefined when unset. */
export type EnvLookup = (name: string) => string | undefined;

/** How the lexer treats quotes, escapes and unset variables (moby's Lex fields). */
export interface LexMode {
  /** Keep quote characters in the result. */
  rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  rawEscapes?: boolean;
  /** Leave `$X` / `${X…}` as written when X is unset. */
  skipUnsetEnv?: boolean;
  /** Quotes are ordinary characters (heredoc content). */
  skipProcessQuotes?: boolean;
}

const EOF = "";
const isSpace = (ch: string) => /^\s$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);
const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
/** Deepest `${…${…}…}` nesting read (each level is a call frame here). */
const MAX_NESTING = 100;
const SPECIAL_PARAMS = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);

/** Words being split on unquoted whitespace (moby's wordsStruct). */
class Words {
  buf = "";
  words: string[] = [];
  inWord = false;
  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf.length) {
        this.words.push(this.buf);
        this.buf = "";
        this.inWord = false;
      }
    } else this.addRawChar(ch);
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  get(): string[] {
    if (this.buf.length) {
      this.words.push(this.buf);
      this.buf = "";
      this.inWord = false;
    }
    return this.words;
  }
}

/** One pass over one word. Errors are plain `Error`s, wrapped by the callers. */
class ShellWord {
  #chars: string[];
  #pos = 0;
  #rawEscapes: boolean;
  #depth = 0;
  constructor(word: string, readonly env: EnvLookup, readonly escape: string, readonly mode: LexMode) {
    this.#chars = Array.from(word);
    this.#rawEscapes = !!mode.rawEscapes;
  }
  peek(): string {
    return this.#chars[this.#pos] ?? EOF;
  }
  next(): string {
    return this.#chars[this.#pos++] ?? EOF;
  }

  /** Read up to `stop` (or the end); returns the text and its words. */
  processStopOn(stop: string, rawEscapes: boolean): { text: string; words: string[] } {
    const saved = this.#rawEscapes;
    this.#rawEscapes = rawEscapes;
    try {
      return this.#stopOn(stop);
    } finally {
      this.#rawEscapes = saved;
    }
  }

  #stopOn(stop: string): { text: string; words: string[] } {
    let text = "";
    const words = new Words();
    while (this.peek() !== EOF) {
      let ch = this.peek();
      if (stop !== EOF && ch === stop) {
        this.next();
        return { text, words: words.get() };
      }
      const special = this.#special(ch);
      if (special) {
        const tmp = special();
        text += tmp;
        if (ch === "$") words.addString(tmp);
        else words.addRawString(tmp);
        continue;
      }
      ch = this.next();
      if (ch === this.escape) {
        if (this.#rawEscapes) {
          words.addRawChar(ch);
          text += ch;
        }
        ch = this.next();
        if (ch === EOF) break;
        words.addRawChar(ch);
      } else words.addChar(ch);
      text += ch;
    }
    if (stop !== EOF) throw new LineError(`unexpected end of statement while looking for matching ${stop}`);
    return { text, words: words.get() };
  }

  #special(ch: string): (() => string) | undefined {
    if (ch === "$") return () => this.processDollar();
    if (ch === "<") return () => this.#possibleHeredoc();
    if (this.mode.skipProcessQuotes) return undefined;
    if (ch === "'") return () => this.#singleQuote();
    if (ch === '"') return () => this.#doubleQuote();
    return undefined;
  }

  #singleQuote(): string {
    // Everything up to the next ' is literal; a ' cannot be escaped inside (sh(1)).
    let out = this.mode.rawQuotes ? this.next() : (this.next(), "");
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new LineError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return this.mode.rawQuotes ? out + ch : out;
      out += ch;
    }
  }

  #doubleQuote(): string {
    // Literal except `$`, and the escape character before `"`, `$` or itself (sh(1)).
    let out = this.mode.rawQuotes ? this.next() : (this.next(), "");
    for (;;) {
      const peek = this.peek();
      if (peek === EOF) throw new LineError("unexpected end of statement while looking for matching double-quote");
      if (peek === '"') {
        const ch = this.next();
        return this.mode.rawQuotes ? out + ch : out;
      }
      if (peek === "$") {
        out += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        if (this.#rawEscapes) out += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === "$" || after === this.escape) ch = this.next();
      }
      out += ch;
    }
  }

  #possibleHeredoc(): string {
    this.next();
    if (this.peek() !== "<") return "<";
    this.next();
    let space = "";
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === "\r") space += this.next();
    return "<<" + space;
  }

  #name(): string {
    let name = "";
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (!name && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (!name && SPECIAL_PARAMS.has(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== "_") break;
      name += this.next();
    }
    return name;
  }

  processDollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.#name();
      if (!name) return "$";
      const value = this.env(name);
      if (value === undefined && this.mode.skipUnsetEnv) return "$" + name;
      return value ?? "";
    }
    this.next();
    // Each level recurses; moby's has no limit (Go's stack grows), a JavaScript stack does not.
    if (this.#depth >= MAX_NESTING) throw new LineError(`syntax error: substitutions nested more than ${MAX_NESTING} deep`);
    this.#depth++;
    try {
      return this.#braced();
    } finally {
      this.#depth--;
    }
  }

  #braced(): string {
    const first = this.peek();
    if (first === EOF) throw new LineError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LineError("syntax error: bad substitution");
    const name = this.#name();
    const op = this.next();
    if (op === "}") {
      const value = this.env(name);
      if (value === undefined && this.mode.skipUnsetEnv) return `\${${name}}`;
      return value ?? "";
    }
    if (op === EOF) throw new LineError("syntax error: missing '}'");
    if (op === "/") return this.#replace(name);
    if (op === ":" || "+-?#%".includes(op)) return this.#modifier(name, op);
    throw new LineError(`unsupported modifier (${op}) in substitution`);
  }

  #modifier(name: string, op: string): string {
    let ch = op;
    let chs = op;
    const nullIsUnset = op === ":";
    if (nullIsUnset) {
      ch = this.next();
      chs += ch;
    }
    const raw = ch === "#" || ch === "%";
    if (nullIsUnset && raw) throw new LineError(`unsupported modifier (${chs}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn("}", raw).text;
    } catch (e) {
      if (this.peek() === EOF) throw new LineError("syntax error: missing '}'");
      throw e;
    }
    const value = this.env(name);
    const set = value !== undefined;
    if (!set && this.mode.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const empty = !set || (nullIsUnset && value === "");
    switch (ch) {
      case "-": return empty ? word : value!;
      case "+": return empty ? "" : word;
      case "?":
        if (!set) throw new LineError(`${name}: ${word || "is not allowed to be unset"}`);
        if (nullIsUnset && value === "") throw new LineError(`${name}: ${word || "is not allowed to be empty"}`);
        return value;
      case "%":
      case "#": {
        const greedy = word.startsWith(ch);
        const pattern = greedy ? word.slice(1) : word;
        return ch === "%" ? trimSuffixPattern(pattern, value ?? "", greedy) : trimPrefixPattern(pattern, value ?? "", greedy);
      }
      default: throw new LineError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  #replace(name: string): string {
    const all = this.peek() === "/";
    if (all) this.next();
    let pattern: string;
    let replacement: string;
    try {
      pattern = this.processStopOn("/", true).text;
    } catch (e) {
      if (this.peek() === EOF) throw new LineError("syntax error: missing '/' in ${}");
      throw e;
    }
    try {
      replacement = this.processStopOn("}", true).text;
    } catch (e) {
      if (this.peek() === EOF) throw new LineError("syntax error: missing '}'");
      throw e;
    }
    const value = this.env(name);
    if (value === undefined && this.mode.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    return replacePattern(pattern, value ?? "", replacement, all);
  }
}

function run(word: string, env: EnvLookup, escape: string, mode: LexMode): { text: string; words: string[] } {
  try {
    return new ShellWord(word, env, escape, mode).processStopOn(EOF, !!mode.rawEscapes);
  } catch (e) {
    if (e instanceof LineError) throw new DockerfileError(`failed to process ${JSON.stringify(word)}: ${e.message}`);
    throw e;
  }
}

/**
 * Expand one word: quotes removed, variables substituted, whitespace kept.
 * Errors: DockerfileError (`failed to process "…": syntax error: bad substitution`, `X: is not allowed to be unset`).
 * @example expandWord('"$A"-${B:-b}', (n) => ({ A: "a" })[n]) // "a-b"
 */
export function expandWord(word: string, env: EnvLookup, escape = "\\", mode: LexMode = {}): string {
  return run(word, env, escape, mode).text;
}

/**
 * Expand and split on unquoted whitespace; whitespace inside a variable's value splits too
 * (EXPOSE $PORTS with PORTS="80 443" is two ports), unless the variable is inside double quotes.
 * @example expandWords('a "b c" $D', (n) => ({ D: "d e" })[n]) // ["a", "b c", "d", "e"]
 */
export function expandWords(word: string, env: EnvLookup, escape = "\\", mode: LexMode = {}): string[] {
  return run(word, env, escape, mode).words;
}
