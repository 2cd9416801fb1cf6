/**
 * Which instructions expand which parts, as the classic builder does (buildkit
 * instructions' `Expand` methods, moby's dispatchExpose): ENV and LABEL names and values;
 * COPY/ADD sources, destination, --chown and --chmod (ADD's --checksum); WORKDIR, USER,
 * VOLUME, STOPSIGNAL; ARG names and defaults; FROM's image and --platform (with the meta
 * ARGs only — the caller passes those); EXPOSE word by word, a variable's value splitting
 * into several ports. RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER are
 * left as written (the shell expands them at run time). Heredoc sources of COPY/ADD whose
 * name is unquoted have their variables expanded, quotes kept.
 */
import type { Command } from "./commands.ts";
import { type EnvLookup, expandWord, expandWords } from "./lexer.ts";

/**
 * Expand the variables of a command with the builder's current env and build args.
 * Errors: DockerfileError (bad substitution, `${X:?}` of an unset X), without a line.
 * @example expandCommand({ kind: "workdir", path: "$HOME/app" }, (n) => ({ HOME: "/root" })[n]) // { kind: "workdir", path: "/root/app" }
 */
export function expandCommand(cmd: Command, env: EnvLookup, escape = "\\"): Command {
  const w = (s: string) => expandWord(s, env, escape);
  const opt = (s: string | undefined) => (s === undefined ? undefined : w(s));
  const drop = <T extends object>(o: T): T => {
    for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
    return o;
  };
  switch (cmd.kind) {
    case "env":
    case "label":
      return { ...cmd, pairs: cmd.pairs.map(([k, v]) => [w(k), w(v)] as [string, string]) };
    case "copy":
    case "add":
      return drop({
        ...cmd, sources: cmd.sources.map(w), dest: w(cmd.dest), chown: opt(cmd.chown), chmod: opt(cmd.chmod), checksum: opt(cmd.checksum),
        contents: cmd.contents?.map((c) => (c.expand ? { ...c, data: expandWord(c.data, env, "\\", { skipProcessQuotes: true }) } : c)),
      });
    case "workdir": return { ...cmd, path: w(cmd.path) };
    case "user": return { ...cmd, user: w(cmd.user) };
    case "volume": return { ...cmd, paths: cmd.paths.map(w) };
    case "stopsignal": return { ...cmd, signal: w(cmd.signal) };
    case "arg": return { ...cmd, args: cmd.args.map((a) => (a.value === undefined ? { name: w(a.name) } : { name: w(a.name), value: w(a.value) })) };
    case "from": return drop({ ...cmd, image: w(cmd.image), platform: opt(cmd.platform) });
    case "expose": return { ...cmd, ports: cmd.ports.flatMap((p) => expandWords(p, env, escape)) };
    default: return cmd;
  }
}
