/**
 * The Dockerfile parser (moby's frontend/dockerfile/parser semantics): parser directives
 * (`# escape=`; `# syntax=` and `# check=` read and ignored), comments, line continuations
 * with the escape character (comment lines inside a continuation skipped, empty ones
 * warned about), case-insensitive keywords, `--flags`, JSON and shell forms, heredocs.
 * Pure text to data; it knows nothing of images or the engine.
 */
import { DockerfileError, LineError } from "./errors.ts";
import { chompHeredoc, type Heredoc, heredocsFromLine } from "./_heredoc.ts";
import { parseArgs, splitCommand } from "./_line_parsers.ts";
import { Directives, trimNewline } from "./_directives.ts";
import { toCommand } from "./commands.ts";

export type { Heredoc };

/** One instruction as written. */
export interface Instruction {
  /** Upper case: "FROM", "RUN", "COPY", … */
  keyword: string;
  /** As the classic builder prints it in "Step N/M : <original>": the keyword as written + the rest, continuation lines joined, trimmed. */
  original: string;
  /** 1-based line of the keyword. */
  line: number;
  /** Last line of the instruction (its continuation lines and heredocs included). */
  endLine: number;
  /** `--from=x --chown=u:g --link` → { from: "x", chown: "u:g", link: true } (raw, unexpanded; the last of a repeated flag). */
  flags: Record<string, string | true>;
  /** The flags as written, in order (`--exclude` may repeat). */
  rawFlags: string[];
  /** Exec (JSON array) form. For ONBUILD, the nested instruction's. */
  json: boolean;
  /**
   * The arguments as moby's line parsers split them, unexpanded (quotes still in place):
   * JSON form → the array; RUN/CMD/ENTRYPOINT/SHELL shell form → [rest as one string];
   * COPY/ADD/VOLUME/EXPOSE/FROM → whitespace-separated words; ENV/LABEL → triples
   * [name, value, "=" or "" for the legacy `ENV name value`]; ARG → words (`name[=value]`);
   * HEALTHCHECK → [TYPE, …command]; ONBUILD → [nested keyword, …its arguments];
   * MAINTAINER/USER/WORKDIR/STOPSIGNAL → [rest].
   */
  args: string[];
  /** Heredocs of RUN/COPY/ADD (`RUN <<EOF`), in order, content as written (`<<-` tabs already chomped). */
  heredocs?: Heredoc[];
}

/** A parsed Dockerfile: the escape character in force, the instructions, and warnings (e.g. empty continuation lines). */
export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
  warnings: string[];
}

/** Longest physical line moby's scanner reads (bufio.MaxScanTokenSize - 1). */
export const MAX_LINE = 65535;

const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);

/** Physical lines, each with its line ending (moby's scanLines). */
function* lines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl + 1;
    if (end - start > MAX_LINE + 1) throw new DockerfileError(`dockerfile line greater than max allowed size of ${MAX_LINE}`);
    yield text.slice(start, end);
    start = end;
  }
}

const isComment = (line: string) => line.trimStart().startsWith("#");

/**
 * Parse a Dockerfile, then type every instruction (toCommand) so that every syntax error —
 * unknown instruction, unknown flag, missing argument — comes out here, first in file order.
 * Errors: DockerfileError with the line ("dockerfile parse error on line 3: unknown instruction: RUNN (did you mean RUN?)");
 * an empty text → "the Dockerfile (Dockerfile) cannot be empty"; only comments → "file with no instructions".
 * @example parseDockerfile("FROM toolbox\nRUN echo hi\n").instructions.map((i) => i.keyword) // ["FROM", "RUN"]
 */
export function parseDockerfile(text: string, o: { name?: string } = {}): Dockerfile {
  if (text.length === 0) throw new DockerfileError(`the Dockerfile (${o.name ?? "Dockerfile"}) cannot be empty`);
  const d = new Directives();
  const instructions: Instruction[] = [];
  const warnings: string[] = [];
  const it = lines(text.replace(/^\uFEFF/, ""));
  let lineNo = 0;
  const located = <T>(start: number, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LineError) throw new DockerfileError(e.message, start);
      if (e instanceof DockerfileError && e.line === undefined) throw new DockerfileError(e.detail, start);
      throw e;
    }
  };
  for (let r = it.next(); !r.done; r = it.next()) {
    const first = located(lineNo + 1, () => d.processLine(r.value as string, true));
    lineNo++;
    const start = lineNo;
    let { text: part, continues } = d.trimContinuation(first);
    if (!continues && part.length === 0) continue;
    let joined = part;
    let emptyContinuation = false;
    while (continues) {
      const n = it.next();
      if (n.done) break;
      const raw = n.value;
      part = located(lineNo + 1, () => d.processLine(raw, false));
      lineNo++;
      if (isComment(raw)) continue;
      if (trimNewline(part).trimStart() === "") {
        emptyContinuation = true;
        continue;
      }
      ({ text: part, continues } = d.trimContinuation(part));
      joined += part;
    }
    if (emptyContinuation) warnings.push(`Empty continuation line found in: ${joined}`);
    const inst = located(start, () => newInstruction(joined, d.escape, start));
    if (HEREDOC_KEYWORDS.has(inst.heredocKeyword) && !inst.json && joined.includes("<<")) {
      const docs = located(start, () => heredocsFromLine(joined));
      for (const doc of docs) {
        let terminated = false;
        for (let n = it.next(); !n.done; n = it.next()) {
          lineNo++;
          let candidate = trimNewline(n.value);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          doc.content += n.value;
        }
        if (!terminated) throw new DockerfileError("unterminated heredoc", start);
        if (doc.chomp) doc.content = chompHeredoc(doc.content);
      }
      if (docs.length) inst.heredocs = docs;
    }
    inst.endLine = lineNo;
    delete (inst as Partial<typeof inst>).heredocKeyword;
    instructions.push(inst);
  }
  if (!instructions.length) throw new DockerfileError("file with no instructions");
  for (const inst of instructions) toCommand(inst);
  return { escape: d.escape, instructions, warnings };
}

/** A joined line → an Instruction (moby's newNodeFromLine). */
function newInstruction(line: string, escape: string, lineNo: number): Instruction & { heredocKeyword: string } {
  const { keyword, flags: rawFlags, rest } = splitCommand(line, escape);
  const parsed = parseArgs(keyword, rest, escape);
  const flags: Record<string, string | true> = {};
  for (const f of rawFlags) {
    const eq = f.indexOf("=");
    const name = (eq < 0 ? f : f.slice(0, eq)).replace(/^--/, "");
    flags[name] = eq < 0 ? true : f.slice(eq + 1);
  }
  const upper = keyword.toUpperCase();
  return {
    keyword: upper, original: line.trim(), line: lineNo, endLine: lineNo, flags, rawFlags, json: parsed.json, args: parsed.args,
    heredocKeyword: upper === "ONBUILD" ? (parsed.subKeyword ?? "").toUpperCase() : upper,
  };
}
