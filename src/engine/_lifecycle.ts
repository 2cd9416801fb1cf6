/**
 * The container state machine: created → running → exited (and removing), with Docker's
 * events (`start`, `kill`, `die`, `stop`, `restart`, `destroy`, volume `mount`/`unmount`)
 * and Docker's errors (304 as "not-modified", 409 as "conflict"). While a process runs,
 * every change of its writable layer and every output write goes through to the store.
 */
import type { FileSystem, UnionFS } from "../fs/mod.ts";
import { runProcess, type StdinSource } from "../wasi/mod.ts";
import { ContainerRuntime, type ExitStatus } from "./_runtime.ts";
import { MountedVfs, type MountedFs } from "../wasi/mod.ts";
import { Appender, concat } from "./_persist.ts";
import { encodeLogLine } from "./_logs_io.ts";
import { populateVolume } from "./_populate.ts";
import { conflict, EngineError } from "./errors.ts";
import type { Engine } from "./engine.ts";
import type { LogEntry, WaitCondition } from "./types.ts";

/** A running container whose engine died: its layer as the journal left it becomes a snapshot. */
export async function recoverUpper(engine: Engine, rt: ContainerRuntime): Promise<void> {
  const fs = await engine.mount(rt);
  await rt.upper!.snapshot(fs);
  rt.fs = null; // mounted again on demand
}

/** The filesystem the process sees: the union, plus volumes and binds at their targets. */
async function viewOf(engine: Engine, rt: ContainerRuntime, fs: UnionFS): Promise<FileSystem> {
  const mounts = rt.rec.Mounts ?? [];
  if (!mounts.length) return fs;
  const table: MountedFs[] = [];
  for (const m of mounts) {
    ensureDir(fs, m.Destination);
    if (m.Type === "volume") {
      const vol = await engine.volumes.begin(m.Name!);
      rt.held.push(m.Name!);
      populateVolume(fs, m.Destination, vol);
      engine.events.emit("volume", "mount", m.Name!, { container: rt.rec.Id, destination: m.Destination, driver: "local", propagation: "", "read/write": String(m.RW) });
      table.push({ target: m.Destination, fs: vol, readOnly: !m.RW });
    } else {
      const dir = engine.opts.platform!.bindDir!(m.Source, { readOnly: !m.RW });
      table.push({ target: m.Destination, fs: dir, readOnly: !m.RW, bind: { source: m.Source } });
    }
  }
  return new MountedVfs(fs, table);
}

/** mkdir -p in the container's layer (a mount point, as Docker makes them). */
function ensureDir(fs: UnionFS, path: string): void {
  let at = "";
  for (const part of path.split("/").filter(Boolean)) {
    at += `/${part}`;
    try {
      fs.stat(at);
    } catch {
      fs.mkdir(at);
    }
  }
}

/** Each log entry's stored line, made once as it is appended: compacting the stored log copies them, not encodes them again. */
const storedLines = new WeakMap<LogEntry, Uint8Array>();

function storedLog(entries: readonly LogEntry[]): Uint8Array {
  return concat(entries.map((e) => storedLines.get(e) ?? encodeLogLine(e)));
}

function logSink(engine: Engine, rt: ContainerRuntime, stream: LogEntry["stream"]) {
  return {
    write: (data: Uint8Array, time: number) => {
      const e = { stream, time, data };
      const line = encodeLogLine(e);
      storedLines.set(e, line);
      rt.logs.push(e);
      rt.logWriter ??= new Appender(engine.store, "logs", rt.rec.Id);
      if (rt.logs.dropped > 0 && rt.logs.dropped >= rt.logs.cap) { // compact the stored log as often as the cap is passed
        rt.logs.dropped = 0;
        rt.logWriter.replace(storedLog(rt.logs.entries));
      } else rt.logWriter.push(line);
    },
  };
}

/** Errors: not-modified when running; conflict while being removed. */
export async function start(engine: Engine, rt: ContainerRuntime): Promise<void> {
  const s = rt.rec.State.Status;
  if (s === "running") throw new EngineError("not-modified", "container already started");
  if (s === "removing") throw conflict(`cannot start container ${rt.rec.Id}: container is marked for removal and cannot be started`);
  await rt.exiting;
  const fs = await engine.mount(rt);
  rt.sizes = null;
  rt.upper!.trace(fs);
  const rootfs = await viewOf(engine, rt, fs);
  rt.view = rootfs;
  const c = rt.rec.Config;
  const stdin = endable(rt, rt.stdin ?? new Uint8Array(0));
  rt.stdin = null;
  const memory = rt.rec.HostConfig.Memory || engine.opts.limits?.memoryBytes;
  Object.assign(rt.rec.State, { Status: "running", StartedAt: Date.now(), FinishedAt: 0, ExitCode: 0, OOMKilled: false, Error: "", Pid: 1 });
  const proc = runProcess(
    { entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env: c.Env, workingDir: c.WorkingDir || "/" },
    {
      rootfs, stdin, stdout: logSink(engine, rt, "stdout"), stderr: logSink(engine, rt, "stderr"),
      limits: { ...engine.opts.limits, ...(memory ? { memoryBytes: memory } : {}) },
      workerHost: engine.opts.workerHost,
    },
  );
  rt.proc = proc;
  let recorded!: () => void;
  rt.exiting = new Promise((r) => (recorded = r));
  await engine.save(rt);
  engine.event(rt.rec, "start");
  // The exit is recorded whatever fails on the way (a store that refuses the snapshot…):
  // the failure goes on the container's State.Error, and waiters are answered.
  void proc.done.then((r) => exited(engine, rt, r.exitCode, r.oomKilled, r.error ?? ""))
    .catch((err: unknown) => exitUnrecorded(rt, err)).finally(recorded);
}

function exitUnrecorded(rt: ContainerRuntime, err: unknown): void {
  noteFailure(rt, err);
  const status = rt.status();
  for (const w of rt.exitWaiters.splice(0)) w(status);
}

/** A store write that failed around the exit, on State.Error (as docker inspect shows it). */
function noteFailure(rt: ContainerRuntime, err: unknown): void {
  const message = `Cannot record the container's exit: ${err instanceof Error ? err.message : String(err)}`;
  rt.rec.State.Error = rt.rec.State.Error ? `${rt.rec.State.Error}; ${message}` : message;
}

/** The whole log, stored again; a writer that failed is replaced (the whole log has no gap), and its failure thrown. */
async function storeLog(engine: Engine, rt: ContainerRuntime): Promise<void> {
  const earlier = await rt.logWriter!.flushed().then(() => null, (err: unknown) => ({ err }));
  if (earlier) rt.logWriter = new Appender(engine.store, "logs", rt.rec.Id);
  rt.logWriter!.replace(storedLog(rt.logs.entries));
  await rt.logWriter!.flushed();
  if (earlier) throw earlier.err;
}

async function exited(engine: Engine, rt: ContainerRuntime, code: number, oom: boolean, error: string): Promise<void> {
  rt.proc = null;
  rt.endStdin = null;
  rt.view = null;
  rt.sizes = null;
  Object.assign(rt.rec.State, { Status: "exited", ExitCode: code, OOMKilled: oom, Error: error, FinishedAt: Date.now(), Pid: 0 });
  rt.logs.end();
  if (oom) engine.event(rt.rec, "oom");
  // A write the store refuses does not stop the others: each failure goes on State.Error.
  const failed = (err: unknown) => noteFailure(rt, err);
  const owned = engine.runtimes.get(rt.rec.Id) === rt;
  if (owned) {
    rt.upper!.untrace(rt.fs!);
    await rt.upper!.snapshot(rt.fs!).catch(failed);
    if (rt.logWriter) await storeLog(engine, rt).catch(failed);
  }
  for (const name of rt.held.splice(0)) {
    await engine.volumes.end(name).catch(failed);
    engine.events.emit("volume", "unmount", name, { container: rt.rec.Id, driver: "local" });
  }
  if (owned) await engine.save(rt);
  engine.event(rt.rec, "die", { exitCode: String(code), execDuration: String(Math.round((rt.rec.State.FinishedAt - rt.rec.State.StartedAt) / 1000)) });
  const status = rt.status();
  for (const w of rt.exitWaiters.splice(0)) w(status);
  if (rt.rec.HostConfig.AutoRemove && engine.runtimes.get(rt.rec.Id) === rt) {
    queueMicrotask(() => void remove(engine, rt, { force: true, v: true }).catch((err: unknown) => {
      rt.rec.State.Error = `Cannot remove the container: ${err instanceof Error ? err.message : String(err)}`; // as docker inspect would show it
    }));
  }
}

/**
 * stdin that the engine can end: src/wasi reads a stdin stream to its end before the
 * program runs, so a kill must also end stdin for the process to settle.
 */
function endable(rt: ContainerRuntime, stdin: StdinSource): StdinSource {
  if (stdin instanceof Uint8Array) return stdin;
  const reader = stdin.getReader();
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  rt.endStdin = () => {
    if (ended) return;
    ended = true;
    ctl.close();
    void reader.cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    start: (c) => void (ctl = c),
    pull: async (c) => {
      const r: ReadableStreamReadResult<Uint8Array> = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (ended) return;
      if (r.done) ended = true, c.close();
      else c.enqueue(r.value);
    },
  });
}

/** End the process: kill or stop it, and end its stdin. */
function endProcess(rt: ContainerRuntime, how: "kill" | "stop", graceMs = 10_000): void {
  if (!rt.proc) return;
  if (how === "kill") void rt.proc.kill();
  else void rt.proc.stop({ graceMs });
  if (how === "kill") rt.endStdin?.();
  else setTimeout(() => rt.endStdin?.(), graceMs);
}

/** Resolves once the exit has been recorded. */
async function settled(rt: ContainerRuntime): Promise<void> {
  if (rt.rec.State.Status === "running") await new Promise<ExitStatus>((resolve) => rt.exitWaiters.push(resolve));
  await rt.exiting;
}

/** SIGTERM, then SIGKILL after `t` seconds. Errors: not-modified when not running. */
export async function stop(engine: Engine, rt: ContainerRuntime, t?: number): Promise<void> {
  if (rt.rec.State.Status !== "running" || !rt.proc) throw new EngineError("not-modified", "container already stopped");
  const grace = Math.max(0, t ?? rt.rec.Config.StopTimeout ?? 10) * 1000;
  engine.event(rt.rec, "kill", { signal: "15" });
  endProcess(rt, "stop", grace);
  await settled(rt);
  engine.event(rt.rec, "stop");
}

const SIGNALS: Record<string, string> = { KILL: "9", TERM: "15", INT: "2", HUP: "1", QUIT: "3", USR1: "10", USR2: "12", CONT: "18", STOP: "19" };

/** Errors: conflict when not running; invalid for an unknown signal. */
export async function kill(engine: Engine, rt: ContainerRuntime, ref: string, signal: string): Promise<void> {
  const name = signal.toUpperCase().replace(/^SIG/, "");
  const num = /^\d+$/.test(name) ? name : SIGNALS[name];
  if (!num) throw new EngineError("invalid", `Invalid signal: ${signal}`);
  if (rt.rec.State.Status !== "running" || !rt.proc) throw conflict(`cannot kill container: ${ref}: container ${rt.rec.Id} is not running`);
  engine.event(rt.rec, "kill", { signal: num });
  if (num === "18" || num === "1" || num === "10" || num === "12") return; // no handler in a WASI program: ignored
  endProcess(rt, num === "15" || num === "2" || num === "3" ? "stop" : "kill");
  await settled(rt);
}

export async function restart(engine: Engine, rt: ContainerRuntime, t?: number): Promise<void> {
  if (rt.rec.State.Status === "running") await stop(engine, rt, t);
  rt.rec.RestartCount++;
  await start(engine, rt);
  engine.event(rt.rec, "restart");
}

/** `POST /containers/{id}/wait`: not-running (default), next-exit, or removed. */
export async function wait(engine: Engine, ref: string, condition: WaitCondition): Promise<ExitStatus> {
  let rt: ContainerRuntime;
  try {
    rt = engine.get(ref);
  } catch (err) {
    const gone = engine.removed.get(ref);
    if (gone) return gone;
    throw err;
  }
  if (condition === "removed") return await new Promise((resolve) => rt.removeWaiters.push(resolve));
  if (condition === "not-running" && rt.rec.State.Status !== "running") {
    await rt.exiting;
    return rt.status();
  }
  return await new Promise((resolve) => rt.exitWaiters.push(resolve));
}

/** `docker rm`. Errors: conflict when running and not forced. */
export async function remove(engine: Engine, rt: ContainerRuntime, o: { force?: boolean; v?: boolean }): Promise<void> {
  if (rt.rec.State.Status === "running") {
    if (!o.force) throw conflict(`cannot remove container "/${rt.rec.Name}": container is running: stop the container before removing or force remove`);
    endProcess(rt, "kill");
    await settled(rt);
  }
  if (rt.rec.State.Status === "removing" || engine.runtimes.get(rt.rec.Id) !== rt) return;
  await rt.exiting;
  rt.rec.State.Status = "removing";
  engine.untrack(rt);
  await engine.store.deleteRecord("container", rt.rec.Id);
  await rt.logWriter?.settled();
  await engine.store.deleteBytes("logs", rt.rec.Id);
  if (rt.upper) await rt.upper.delete();
  else await engine.store.deleteBytes("upper", rt.rec.Id);
  if (o.v) {
    for (const m of rt.rec.Mounts ?? []) {
      if (m.Anonymous && m.Name && engine.volumes.has(m.Name) && engine.volumeUsers(m.Name).length === 0) await engine.volumes.remove(m.Name);
    }
  }
  const status = rt.status();
  for (const key of [rt.rec.Id, rt.rec.Name]) engine.removed.set(key, status);
  const timer = setTimeout(() => {
    for (const key of [rt.rec.Id, rt.rec.Name]) if (engine.removed.get(key) === status) engine.removed.delete(key);
  }, engine.opts.removedGraceMs ?? 30_000);
  (timer as { unref?: () => void }).unref?.();
  engine.event(rt.rec, "destroy");
  for (const w of rt.removeWaiters.splice(0)) w(status);
}
