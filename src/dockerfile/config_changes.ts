/**
 * Config-only commands applied to an image config, as moby's dispatchers do; shared by the
 * builder, `docker commit --change` and `docker import --change`.
 */
import type { ContainerConfig } from "../oci/mod.ts";
import type { Command } from "./commands.ts";
import { DockerfileError } from "./errors.ts";

/** Apply one config-only command (ENV, LABEL, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD). */
export function applyConfigCommand(config: ContainerConfig, cmd: Command, o: { fromDockerfile?: boolean } = {}): ContainerConfig {
  void o;
  void cmd;
  return { ...config };
}

/** `--change` strings → commands; only what `docker commit/import --change` accepts. Errors: DockerfileError. */
export function parseChanges(changes: string[]): Command[] {
  void changes;
  throw new DockerfileError("XXX: not implemented yet");
}
