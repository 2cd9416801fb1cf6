/**
 * Words and variables as moby's shell lexer (frontend/dockerfile/shell/lex.go) has them:
 * `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?msg}`,
 * `${VAR#p}`, `${VAR%p}`, …, single and double quotes, the escape character, unset → "".
 */
import { DockerfileError } from "./errors.ts";

/** Look a variable up; undefined when unset. */
export type EnvLookup = (name: string) => string | undefined;

/** Expand one word (quotes removed, variables substituted). Errors: DockerfileError (bad substitution, `${X:?msg}`). */
export function expandWord(word: string, env: EnvLookup, escape = "\\"): string {
  void word; void env; void escape;
  throw new DockerfileError("XXX: not implemented yet");
}

/** Expand and split on unquoted whitespace (a word from a variable is not split further, as moby). */
export function expandWords(word: string, env: EnvLookup, escape = "\\"): string[] {
  void word; void env; void escape;
  throw new DockerfileError("XXX: not implemented yet");
}
