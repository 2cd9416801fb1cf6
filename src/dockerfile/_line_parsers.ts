/**
 * The per-instruction line parsers of moby's Dockerfile parser (buildkit
 * frontend/dockerfile/parser/line_parsers.go, split_command.go): a joined line becomes a
 * keyword, its `--flags` and its arguments, split the way each instruction splits them.
 * Nothing is expanded here; quotes stay in the words (the lexer removes them later).
 */
import { LineError } from "./errors.ts";

/** What a line parser makes of the rest of a line. */
interface ParsedArgs {
  args: string[];
  json: boolean;
  /** ONBUILD: the nested instruction's keyword as written. */
  subKeyword?: string;
}


const WHITESPACE = /[\t\v\f\r ]+/;
const isSpace = (ch: string) => /^\s$/u.test(ch);

/** `RUN --mount=x echo` → ["RUN", ["--mount=x"], "echo"] (moby's splitCommand). */
export function splitCommand(line: string, escape: string): { keyword: string; flags: string[]; rest: string } {
  const trimmed = line.trim();
  const m = WHITESPACE.exec(trimmed);
  if (!m) return { keyword: trimmed, flags: [], rest: "" };
  const keyword = trimmed.slice(0, m.index);
  const { rest, flags } = extractFlags(trimmed.slice(m.index + m[0].length), escape);
  return { keyword, flags, rest: rest.trim() };
}

/** Leading `--name[=value]` words (quotes and escapes inside them resolved); stops at the first other word or a lone `--`. */
function extractFlags(line: string, escape: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isSpace(line[pos]!)) pos++;
    if (pos >= line.length) return { rest: "", flags };
    if (!line.startsWith("--", pos)) return { rest: line.slice(pos), flags };
    let word = "";
    let quote = "";
    let blankOk = false;
    for (; pos < line.length; pos++) {
      let ch = line[pos]!;
      if (quote) {
        if (ch === quote) { quote = ""; continue; }
      } else {
        if (isSpace(ch)) break;
        if (ch === "'" || ch === '"') { quote = ch; blankOk = true; continue; }
      }
      if (ch === escape) {
        if (pos + 1 === line.length) { quote = ""; continue; }
        ch = line[++pos]!;
      }
      word += ch;
    }
    if (word === "--") return { rest: line.slice(pos), flags };
    if (blankOk || word) flags.push(word);
  }
}

/** Split on whitespace outside quotes, keeping quotes and escapes in the words (moby's parseWords). */
function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let word = "";
  let inWord = false;
  let quote = "";
  let blankOk = false;
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i]!;
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (!quote) {
      if (isSpace(ch)) {
        if (blankOk || word) words.push(word);
        word = "";
        blankOk = false;
        inWord = false;
        continue;
      }
      if (ch === "'" || ch === '"') { quote = ch; blankOk = true; }
      else if (ch === escape) {
        if (i + 1 === chars.length) continue; // an escape at the end is dropped
        word += ch;
        ch = chars[++i]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) quote = "";
    else if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) { quote = ""; continue; }
      word += ch;
      ch = chars[++i]!;
    }
    word += ch;
  }
  if (inWord && (blankOk || word)) words.push(word);
  return words;
}

const NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only";

/** A JSON array of strings, or undefined when `rest` is not a JSON array (then it is a shell form). */
function parseJsonArray(rest: string): string[] | undefined {
  const text = rest.trimStart();
  if (!text.startsWith("[")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  if (!Array.isArray(value)) return undefined;
  if (value.some((v) => typeof v !== "string")) throw new LineError(NOT_STRINGS);
  return value as string[];
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the rest as one string. */
function maybeJson(rest: string): ParsedArgs {
  if (!rest) return { args: [], json: false };
  const arr = parseJsonArray(rest);
  return arr ? { args: arr, json: true } : { args: [rest], json: false };
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
function maybeJsonToList(rest: string): ParsedArgs {
  const arr = parseJsonArray(rest);
  return arr ? { args: arr, json: true } : whitespaceDelimited(rest);
}

function whitespaceDelimited(rest: string): ParsedArgs {
  return { args: rest ? rest.split(WHITESPACE) : [], json: false };
}

/** ENV, LABEL: triples [name, value, "=" | ""] ("" for the legacy `ENV name value` form). */
function nameVal(keyword: string) {
  return (rest: string, escape: string): ParsedArgs => {
    const words = parseWords(rest, escape);
    if (!words.length) return { args: [], json: false };
    if (!words[0]!.includes("=")) {
      const m = WHITESPACE.exec(rest);
      if (!m) throw new LineError(`${keyword} must have two arguments`);
      return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ""], json: false };
    }
    const args: string[] = [];
    for (const word of words) {
      const eq = word.indexOf("=");
      if (eq < 0) throw new LineError(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
      args.push(word.slice(0, eq), word.slice(eq + 1), "=");
    }
    return { args, json: false };
  };
}

/** HEALTHCHECK: [TYPE, …command as RUN splits it]. */
function healthConfig(rest: string): ParsedArgs {
  const m = /\s/.exec(rest);
  const type = m ? rest.slice(0, m.index) : rest;
  if (!type) return { args: [], json: false };
  const cmd = maybeJson(m ? rest.slice(m.index).trimStart() : "");
  return { args: [type, ...cmd.args], json: cmd.json };
}

const LINE_PARSERS: Record<string, (rest: string, escape: string) => ParsedArgs> = {
  add: maybeJsonToList,
  arg: (rest, escape) => ({ args: parseWords(rest, escape), json: false }),
  cmd: maybeJson,
  copy: maybeJsonToList,
  entrypoint: maybeJson,
  env: nameVal("ENV"),
  expose: whitespaceDelimited,
  from: whitespaceDelimited,
  healthcheck: healthConfig,
  label: nameVal("LABEL"),
  maintainer: (rest) => ({ args: rest ? [rest] : [], json: false }),
  run: maybeJson,
  shell: maybeJson,
  stopsignal: (rest) => ({ args: rest ? [rest] : [], json: false }),
  user: (rest) => ({ args: rest ? [rest] : [], json: false }),
  volume: maybeJsonToList,
  workdir: (rest) => ({ args: rest ? [rest] : [], json: false }),
};

/** Every instruction keyword Docker knows, upper case. */
export const KEYWORDS = [...Object.keys(LINE_PARSERS), "onbuild"].map((k) => k.toUpperCase());

/** Split the rest of a line the way `keyword` does. ONBUILD parses its nested instruction. Unknown keywords keep no arguments. */
export function parseArgs(keyword: string, rest: string, escape: string): ParsedArgs {
  const k = keyword.toLowerCase();
  if (k === "onbuild") {
    if (!rest) return { args: [], json: false };
    const sub = splitCommand(rest, escape);
    const parsed = parseArgs(sub.keyword, sub.rest, escape);
    return { args: [sub.keyword, ...parsed.args], json: parsed.json, subKeyword: sub.keyword };
  }
  const parser = LINE_PARSERS[k];
  return parser ? parser(rest, escape) : { args: [], json: false };
}
