/**
 * The Dockerfile parser (moby's frontend/dockerfile/parser semantics): directives, comments,
 * line continuations with the escape character, flags, JSON and shell forms, heredocs.
 * Pure text to data; it knows nothing of images or the engine.
 */
import { DockerfileError } from "./errors.ts";

/** One instruction as written. */
export interface Instruction {
  /** Upper case: "FROM", "RUN", "COPY", … */
  keyword: string;
  /** As the classic builder prints it in "Step N/M : <original>": the keyword as written + the rest, continuation lines joined. */
  original: string;
  /** 1-based line of the keyword. */
  line: number;
  /** `--from=x --chown=u:g --chmod=755 --platform=… --interval=…` (raw, unexpanded); `--link` alone → true. */
  flags: Record<string, string | true>;
  /** Exec (JSON array) form. */
  json: boolean;
  /** JSON form: the array; shell form of RUN/CMD/ENTRYPOINT: [rest as one string]; others as moby's line parsers split them. */
  args: string[];
  /** Heredocs of RUN/COPY/ADD (`RUN <<EOF`), in order. */
  heredocs?: Heredoc[];
}

/** A here-document: `<<EOF` (expand), `<<"EOF"` or `<<'EOF'` (no expansion), `<<-EOF` (chomp leading tabs). */
export interface Heredoc {
  name: string;
  content: string;
  expand: boolean;
  chomp: boolean;
}

/** A parsed Dockerfile: the escape character in force, the instructions, and warnings (e.g. empty continuation lines). */
export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
  warnings: string[];
}

/** Parse a Dockerfile. Errors: DockerfileError with the line. */
export function parseDockerfile(text: string): Dockerfile {
  void text;
  throw new DockerfileError("XXX: not implemented yet");
}
