/** DockerfileError: a Dockerfile (or a `--change` line) that cannot be parsed, with the line it is on. */

/** A parse or syntax error, worded as moby's ("dockerfile parse error on line 3: unknown instruction: RUNN"). */
export class DockerfileError extends SyntaxError {
  override name = "DockerfileError";
  /** `detail` is the message without the location prefix. */
  readonly detail: string;
  constructor(detail: string, readonly line?: number) {
    super(line === undefined ? detail : `dockerfile parse error on line ${line}: ${detail}`);
    this.detail = detail;
  }
}

/** A syntax error found before its line is known; the parser adds the line (internal to this folder). */
export class LineError extends Error {
  override name = "LineError";
}
