/**
 * Typed commands (moby's frontend/dockerfile/instructions): one per instruction, strings
 * still unexpanded, flags checked (unknown flags refused with Docker's message).
 */
import type { Instruction } from "./parser.ts";
import { DockerfileError } from "./errors.ts";

/** One instruction, typed; strings unexpanded. Durations of HEALTHCHECK in nanoseconds. */
export type Command =
  | { kind: "from"; image: string; stage?: string; platform?: string }
  | { kind: "run"; shell: boolean; cmd: string[] }
  | { kind: "copy" | "add"; sources: string[]; dest: string; from?: string; chown?: string; chmod?: string; link?: boolean }
  | { kind: "env"; pairs: [string, string][] }
  | { kind: "label"; pairs: [string, string][] }
  | { kind: "arg"; args: { name: string; value?: string }[] }
  | { kind: "workdir"; path: string }
  | { kind: "user"; user: string }
  | { kind: "cmd" | "entrypoint"; shell: boolean; cmd: string[] }
  | { kind: "expose"; ports: string[] }
  | { kind: "volume"; paths: string[] }
  | { kind: "shell"; shell: string[] }
  | { kind: "stopsignal"; signal: string }
  | { kind: "healthcheck"; test: string[] | null; interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number }
  | { kind: "onbuild"; expression: string }
  | { kind: "maintainer"; name: string };

/** Type one instruction. Errors: DockerfileError with the line (bad syntax, unknown flag). */
export function toCommand(inst: Instruction): Command {
  void inst;
  throw new DockerfileError("XXX: not implemented yet");
}
