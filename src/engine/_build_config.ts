/**
 * The steps that change only the config (moby dispatchers.go: ENV, LABEL, MAINTAINER,
 * ARG, CMD, ENTRYPOINT, HEALTHCHECK, EXPOSE, USER, VOLUME, STOPSIGNAL, SHELL, ONBUILD):
 * the config changes as `applyConfigCommand` says (the rules shared with `commit
 * --change`), and the step commits an image with an empty layer whose history says what
 * it did, in moby's words and Go's formatting (`/bin/sh -c #(nop)  CMD ["sh"]`). The
 * classic builder runs a container for each to commit it; strata commits the config
 * directly (the output has no "Running in" line for them).
 */
import { applyConfigCommand, type Command } from "../dockerfile/mod.ts";
import type { ContainerConfig } from "../oci/mod.ts";
import { commitStep } from "./_build_commit.ts";
import { buildKey } from "./_build_cache.ts";
import { goHealthcheck, goList, goQuoteList } from "./_build_format.ts";
import { shellOf, type StageState } from "./_build_state.ts";
import type { StepContext } from "./_build_step.ts";

/** Apply a config-only command to the stage and commit it. */
export async function dispatchConfig(run: StepContext, st: StageState, cmd: Command): Promise<void> {
  const comment = configComment(run, st, cmd);
  await commitConfig(run, st, [...shellOf(st.config), "#(nop) ", comment]);
}

/** The config change, and the comment moby writes for it. */
function configComment(run: StepContext, st: StageState, cmd: Command): string {
  const before = st.config;
  if (cmd.kind === "maintainer") {
    st.maintainer = cmd.name;
    return `MAINTAINER ${cmd.name}`;
  }
  if (cmd.kind === "arg") {
    for (const a of cmd.args) st.args.addArg(a.name, a.value);
    return `ARG ${cmd.args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)).join(" ")}`;
  }
  st.config = applyConfigCommand(before, cmd, { fromDockerfile: true, cmdSet: st.cmdSet });
  const c = st.config;
  switch (cmd.kind) {
    case "env": return `ENV ${cmd.pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    case "label": return `LABEL ${cmd.pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    case "cmd":
      if (cmd.cmd.length) st.cmdSet = true;
      return `CMD ${goQuoteList(c.Cmd)}`;
    case "entrypoint": return `ENTRYPOINT ${goQuoteList(c.Entrypoint)}`;
    case "healthcheck": {
      const old = before.Healthcheck?.Test;
      if (old?.length && old[0] !== "NONE") run.out.stdout(`Note: overriding previous HEALTHCHECK: ${goList(old)}\n`);
      return `HEALTHCHECK ${goHealthcheck(c.Healthcheck!)}`;
    }
    case "expose": return `EXPOSE ${cmd.ports.join(" ")}`;
    case "user": return `USER ${cmd.user}`;
    case "volume": return `VOLUME ${goList(cmd.paths)}`;
    case "stopsignal": return `STOPSIGNAL ${cmd.signal}`;
    case "shell": return `SHELL ${goList(c.Shell)}`;
    case "onbuild": return `ONBUILD ${cmd.expression}`;
    default: throw new Error(`${cmd.kind} is no config instruction`);
  }
}

/**
 * Commit a step that changed no file: the cached image when the cache has it (" --->
 * Using cache"), else a new image with an empty layer. `cmd` is the Cmd of the config it
 * ran with (its history line and, with the rest of the config, its cache key).
 */
async function commitConfig(run: StepContext, st: StageState, cmd: string[]): Promise<void> {
  const ran: ContainerConfig = { ...st.config, Cmd: cmd };
  const key = await buildKey(ran, st.platform, run.hash);
  if (await run.probe(st, key)) return;
  st.imageId = await commitStep(run.parts.images, { parent: st.imageId, config: st.config, ran, buildKey: key, layer: null, author: st.maintainer, epoch: run.epoch }, run.hash);
}
