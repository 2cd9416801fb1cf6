/**
 * Config-only commands applied to an image config, as moby's classic dispatchers do
 * (daemon/builder/dockerfile/dispatchers.go); shared by the builder, `docker commit
 * --change` and `docker import --change` (moby's BuildFromConfig: the changes are one
 * small Dockerfile, parsed, expanded with the config's Env, and dispatched in order).
 */
import type { ContainerConfig, HealthConfig } from "../oci/mod.ts";
import type { Command } from "./commands.ts";
import { DockerfileError, LineError } from "./errors.ts";
import { expandCommand } from "./expand.ts";
import { parseDockerfile } from "./parser.ts";
import { toCommand } from "./commands.ts";
import { exposedPorts } from "./_ports.ts";
import { checkSignal } from "./_signals.ts";

/** The shell of the shell forms when no SHELL was given (Linux). */
export const DEFAULT_SHELL = ["/bin/sh", "-c"];

/** The instructions `docker commit --change` and `docker import --change` accept (moby's validCommitCommands). */
export const CHANGE_COMMANDS = ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"];

/** Options of applyConfigCommand. */
export interface ApplyOptions {
  /** Accepted for the builder's convenience; Docker applies Dockerfile and `--change` commands alike. */
  fromDockerfile?: boolean;
  /**
   * Whether a CMD with arguments was already set in this stage (or earlier in these changes).
   * ENTRYPOINT clears Cmd unless it was (moby's `cmdSet`).
   */
  cmdSet?: boolean;
}

/** WORKDIR: a relative path is joined to the current one; the result is clean and absolute (moby's normalizeWorkdir). */
export function normalizeWorkdir(current: string, requested: string): string {
  if (!requested) throw new LineError("cannot normalize nothing");
  const joined = requested.startsWith("/") ? requested : `/${current}/${requested}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

const shellOf = (config: ContainerConfig) => (config.Shell?.length ? config.Shell : DEFAULT_SHELL);

/** Set or replace `key=value` in an env list, keeping its place (moby's dispatchEnv). */
function setEnv(env: readonly string[] | undefined, key: string, value: string): string[] {
  const out = [...(env ?? [])];
  const i = out.findIndex((e) => e.split("=", 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

function health(cmd: Extract<Command, { kind: "healthcheck" }>): HealthConfig {
  if (!cmd.test) return { Test: ["NONE"] };
  const h: HealthConfig = { Test: cmd.test };
  if (cmd.interval) h.Interval = cmd.interval;
  if (cmd.timeout) h.Timeout = cmd.timeout;
  if (cmd.startPeriod) h.StartPeriod = cmd.startPeriod;
  if (cmd.startInterval) h.StartInterval = cmd.startInterval;
  if (cmd.retries) h.Retries = cmd.retries;
  return h;
}

/**
 * Apply one config-only command (ENV, LABEL, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE,
 * VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD) to a copy of `config`: shell forms run
 * through SHELL (default `/bin/sh -c`), ENTRYPOINT clears Cmd unless `o.cmdSet`, WORKDIR is
 * relative to the previous one, EXPOSE normalises "80" → "80/tcp". Other commands (FROM,
 * RUN, COPY, ADD, ARG, MAINTAINER) change no config and return it unchanged.
 * Errors: DockerfileError (an invalid port, signal or empty volume), without a line.
 * @example applyConfigCommand({}, { kind: "cmd", shell: true, cmd: ["echo hi"] }) // { Cmd: ["/bin/sh", "-c", "echo hi"] }
 */
export function applyConfigCommand(config: ContainerConfig, cmd: Command, o: ApplyOptions = {}): ContainerConfig {
  try {
    return apply({ ...config }, cmd, o);
  } catch (e) {
    if (e instanceof LineError) throw new DockerfileError(e.message);
    throw e;
  }
}

function apply(c: ContainerConfig, cmd: Command, o: ApplyOptions): ContainerConfig {
  switch (cmd.kind) {
    case "env":
      for (const [k, v] of cmd.pairs) c.Env = setEnv(c.Env, k, v);
      return c;
    case "label":
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(cmd.pairs) };
      return c;
    case "cmd":
      c.Cmd = cmd.shell ? [...shellOf(c), ...cmd.cmd] : [...cmd.cmd];
      return c;
    case "entrypoint":
      if (!cmd.cmd.length) delete c.Entrypoint; // `ENTRYPOINT []` resets it
      else c.Entrypoint = cmd.shell ? [...shellOf(c), ...cmd.cmd] : [...cmd.cmd];
      if (!o.cmdSet) delete c.Cmd;
      return c;
    case "workdir":
      c.WorkingDir = normalizeWorkdir(c.WorkingDir ?? "", cmd.path);
      return c;
    case "user":
      c.User = cmd.user;
      return c;
    case "expose":
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}), ...Object.fromEntries(exposedPorts(cmd.ports).map((p) => [p, {}])) };
      return c;
    case "volume":
      if (cmd.paths.some((p) => p === "")) throw new LineError("VOLUME specified can not be an empty string");
      c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(cmd.paths.map((p) => [p, {}])) };
      return c;
    case "stopsignal":
      checkSignal(cmd.signal);
      c.StopSignal = cmd.signal;
      return c;
    case "healthcheck":
      c.Healthcheck = health(cmd);
      return c;
    case "shell":
      c.Shell = [...cmd.shell];
      return c;
    case "onbuild":
      c.OnBuild = [...(c.OnBuild ?? []), cmd.expression];
      return c;
    default:
      return c;
  }
}

/**
 * `--change` strings → commands (moby's BuildFromConfig: joined with newlines and parsed as
 * a Dockerfile); only the instructions Docker accepts there (CHANGE_COMMANDS).
 * Errors: DockerfileError — "RUN is not a valid change command", or a parse error with its line.
 */
export function parseChanges(changes: string[]): Command[] {
  // Docker answers "file with no instructions" to blank changes; a client that sends an empty
  // `changes=` means none, so blank changes are no changes here.
  if (!changes.some((c) => c.trim())) return [];
  const df = parseDockerfile(changes.join("\n"));
  for (const inst of df.instructions) {
    if (!CHANGE_COMMANDS.includes(inst.keyword)) throw new DockerfileError(`${inst.original.split(/\s/, 1)[0]} is not a valid change command`);
  }
  return df.instructions.map(toCommand);
}

/**
 * Apply `--change` strings to a config as `docker commit` / `docker import` do: parsed,
 * each expanded with the config's Env as it stands, applied in order (ENTRYPOINT clears
 * Cmd unless a CMD came earlier in the changes). Errors: DockerfileError.
 * @example applyChanges({ Env: ["P=8080"] }, ["EXPOSE $P", 'CMD ["serve"]']) // { Env: [...], ExposedPorts: { "8080/tcp": {} }, Cmd: ["serve"] }
 */
export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  let out = { ...config };
  let cmdSet = false;
  for (const raw of parseChanges(changes)) {
    const env = new Map((out.Env ?? []).map((e) => (e.includes("=") ? [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] : [e, ""])));
    const cmd = expandCommand(raw, (n) => env.get(n));
    out = applyConfigCommand(out, cmd, { cmdSet });
    if (cmd.kind === "cmd" && cmd.cmd.length) cmdSet = true;
  }
  return out;
}
