/**
 * One step of a stage (moby evaluator.go dispatch): the command's words expanded with
 * the stage's Env and build args in scope (moby's shell lexer, src/dockerfile), then the
 * instruction run. Config instructions are in _build_config.ts; here are the ones that
 * change files — WORKDIR (mkdir -p), COPY and ADD, and RUN — each committing the layer
 * its step made, or taking the cached image the same step made before.
 */
import { applyConfigCommand, type Command, expandCommand } from "../dockerfile/mod.ts";
import { exportUpper, FsError, type UnionFS } from "../fs/mod.ts";
import type { ContainerConfig } from "../oci/mod.ts";
import { buildKey } from "./_build_cache.ts";
import { commitStep } from "./_build_commit.ts";
import { dispatchConfig } from "./_build_config.ts";
import { copyInto } from "./_build_copy.ts";
import { parseChmod, parseChown } from "./_build_owner.ts";
import { normalizeDest } from "./_build_paths.ts";
import { runStep } from "./_build_run.ts";
import { copySource } from "./_build_from.ts";
import { resolveSources, sourcesHash } from "./_build_sources.ts";
import { BuildError, shellOf, type StageState } from "./_build_state.ts";
import type { StepContext } from "./_build_step.ts";

const BUILDKIT = "Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled";

/** Expand and run one command of a stage. `expand: false` for the LABELs of `--label` (moby's NoExp). */
export async function dispatch(run: StepContext, st: StageState, raw: Command, o: { expand?: boolean } = {}): Promise<void> {
  const cmd = o.expand === false ? raw : expandCommand(raw, lookupOf(st), run.o.escape);
  switch (cmd.kind) {
    case "from": throw new Error("FROM is handled by the stage");
    case "run": return await dispatchRun(run, st, cmd);
    case "copy": case "add": return await dispatchCopy(run, st, cmd);
    case "workdir": return await dispatchWorkdir(run, st, cmd);
    default: return await dispatchConfig(run, st, cmd);
  }
}

/** The variables a step's words see: the stage's Env, then the build args it does not set. */
function lookupOf(st: StageState): (name: string) => string | undefined {
  const vars = new Map<string, string>();
  for (const kv of [...(st.config.Env ?? []), ...st.args.filterAllowed(st.config.Env ?? [])]) {
    const eq = kv.indexOf("=");
    if (eq < 0) vars.set(kv, "");
    else if (!vars.has(kv.slice(0, eq))) vars.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return (name) => vars.get(name);
}

async function dispatchWorkdir(run: StepContext, st: StageState, cmd: Extract<Command, { kind: "workdir" }>): Promise<void> {
  st.config = applyConfigCommand(st.config, cmd, { fromDockerfile: true, cmdSet: st.cmdSet });
  const dir = st.config.WorkingDir!;
  const ran: ContainerConfig = { ...st.config, Cmd: [...shellOf(st.config), `#(nop) WORKDIR ${dir}`] };
  const key = await buildKey(ran, st.platform, run.hash);
  if (await run.probe(st, key)) return;
  const fs = await run.mount(st.imageId);
  mkdirP(fs, dir);
  await commit(run, st, ran, key, exportUpper(fs));
}

function mkdirP(fs: UnionFS, dir: string): void {
  let at = "";
  for (const part of dir.split("/").filter(Boolean)) {
    at += `/${part}`;
    try {
      if (fs.stat(at).type === "dir") continue;
      throw new BuildError(`mkdir ${at}: not a directory`);
    } catch (err) {
      if (!(err instanceof FsError) || err.code !== "ENOENT") throw err;
    }
    fs.mkdir(at, { mode: 0o755 });
  }
}

async function dispatchCopy(run: StepContext, st: StageState, cmd: Extract<Command, { kind: "copy" | "add" }>): Promise<void> {
  const name = cmd.kind.toUpperCase();
  for (const f of ["link", "parents", "exclude", "checksum", "keepGitDir", "unpack"] as const) {
    if (cmd[f] !== undefined) throw new BuildError(`the --${f === "keepGitDir" ? "keep-git-dir" : f} option requires BuildKit. ${BUILDKIT}`);
  }
  const urls = cmd.sources.filter((s) => /^https?:\/\//i.test(s));
  if (urls.length) {
    throw new BuildError(`${name} failed: ${cmd.kind === "copy" ? "source can't be a URL for COPY" : `cannot download ${urls[0]}: strata builds have no network; put the file in the build context and ADD it from there`}`);
  }
  const source = await copySource(run, cmd);
  const items = await failed(`${name} failed`, () => resolveSources(source, source.paths ?? cmd.sources, { sha256: run.hash }));
  if (items.length > 1 && !cmd.dest.endsWith("/")) throw new BuildError(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
  const flags = `${cmd.chown ? `--chown=${cmd.chown} ` : ""}${cmd.chmod ? `--chmod=${cmd.chmod} ` : ""}`;
  const ran: ContainerConfig = { ...st.config, Cmd: [...shellOf(st.config), `#(nop) ${name} ${flags}${await sourcesHash(items, { sha256: run.hash })} in ${cmd.dest} `] };
  const key = await buildKey(ran, st.platform, run.hash);
  if (await run.probe(st, key)) return;
  const fs = await run.mount(st.imageId);
  const owner = cmd.chown ? parseChown(cmd.chown, fs) : cmd.from ? undefined : { uid: 0, gid: 0 };
  const chmod = cmd.chmod ? parseChmod(cmd.chmod) : undefined;
  const dest = normalizeDest(st.config.WorkingDir ?? "", cmd.dest);
  await failed("failed to copy files", () => copyInto(fs, source.fs, items, { dest, owner, chmod, unpack: cmd.kind === "add", inflater: run.parts.platform?.inflater }));
  await commit(run, st, ran, key, exportUpper(fs));
}

async function dispatchRun(run: StepContext, st: StageState, cmd: Extract<Command, { kind: "run" }>): Promise<void> {
  if (cmd.flagsUsed?.length) throw new BuildError(`the --${cmd.flagsUsed[0]} option requires BuildKit. ${BUILDKIT}`);
  const line = runLine(st, cmd);
  const buildArgs = st.args.filterAllowed(st.config.Env ?? []);
  const saved = buildArgs.length ? withArgs(st, buildArgs, line) : line;
  const ran: ContainerConfig = { ...st.config, Cmd: saved, Entrypoint: saved.length ? undefined : st.config.Entrypoint };
  const key = await buildKey(ran, st.platform, run.hash);
  if (await run.probe(st, key)) return;
  if (!st.imageId) throw new BuildError(`failed to create task for container: exec: "${line[0]}": stat ${line[0]}: no such file or directory (the stage has no files yet)`);
  const layer = await runStep(run.parts, {
    image: st.imageId, cmd: line, env: [...(st.config.Env ?? []), ...buildArgs], workingDir: st.config.WorkingDir, user: st.config.User,
    volumes: st.config.Volumes, out: run.out, signal: run.o.signal, created: (id) => void run.containers.push(id),
  });
  await commit(run, st, ran, key, layer);
}

/** The command line of a RUN: the shell form through SHELL; a lone heredoc (`RUN <<EOF`) is the script. */
function runLine(st: StageState, cmd: Extract<Command, { kind: "run" }>): string[] {
  if (!cmd.shell) return cmd.cmd;
  const doc = cmd.heredocs?.length === 1 && /^<<-?(["']?)[A-Za-z0-9_]+\1$/.test((cmd.cmd[0] ?? "").trim()) ? cmd.heredocs[0] : undefined;
  return [...shellOf(st.config), doc ? doc.content : cmd.cmd.join(" ")];
}

/** moby's prependEnvOnCmd: `|N A=1 B=2` before the command, the predefined args left out unless declared. */
function withArgs(st: StageState, buildArgs: string[], cmd: string[]): string[] {
  const kept = buildArgs.filter((kv) => st.args.isReferencedOrNotPredefined(kv.split("=")[0]!)).sort();
  return [`|${kept.length}`, ...kept, ...cmd];
}

async function commit(run: StepContext, st: StageState, ran: ContainerConfig, key: string, layer: Uint8Array | null): Promise<void> {
  st.imageId = await commitStep(run.parts.images, { parent: st.imageId, config: st.config, ran, buildKey: key, layer, author: st.maintainer, epoch: run.epoch }, run.hash);
}

/** Run `fn`; an error it throws becomes "PREFIX: message" (moby's errors.Wrapf). */
async function failed<T>(prefix: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BuildError || !(err instanceof Error)) throw err;
    throw new BuildError(`${prefix}: ${err.message}`);
  }
}
