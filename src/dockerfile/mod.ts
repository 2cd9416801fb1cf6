/**
 * The Dockerfile language as pure text → data: the parser (moby's frontend/dockerfile
 * parser), typed commands, the shell-word lexer that expands `$VAR`, `.dockerignore`
 * matching, and the config-only commands shared by the builder, `commit --change` and
 * `import --change`. It knows nothing of the engine. See docs/dockerfile.md.
 *
 * @example
 * ```ts
 * import { applyConfigCommand, expandCommand, parseDockerfile, toCommand } from "./mod.ts";
 * const df = parseDockerfile("FROM toolbox\nENV GREETING=hi\nCMD echo $GREETING\n");
 * const env = new Map<string, string>();
 * let config = {};
 * for (const inst of df.instructions.slice(1)) {
 *   const cmd = expandCommand(toCommand(inst), (n) => env.get(n), df.escape);
 *   if (cmd.kind === "env") for (const [k, v] of cmd.pairs) env.set(k, v);
 *   config = applyConfigCommand(config, cmd, { fromDockerfile: true });
 * }
 * // config.Cmd = ["/bin/sh", "-c", "echo $GREETING"]
 * ```
 */
export { DockerfileError } from "./errors.ts";
export { type Dockerfile, type Heredoc, type Instruction, MAX_LINE, parseDockerfile } from "./parser.ts";
export { type Command, type InlineSource, toCommand } from "./commands.ts";
export { type EnvLookup, expandWord, expandWords, type LexMode } from "./lexer.ts";
export { expandCommand } from "./expand.ts";
export { cleanPath, IgnoreMatcher, parseDockerignore } from "./dockerignore.ts";
export { applyChanges, applyConfigCommand, type ApplyOptions, CHANGE_COMMANDS, DEFAULT_SHELL, normalizeWorkdir, parseChanges } from "./config_changes.ts";
