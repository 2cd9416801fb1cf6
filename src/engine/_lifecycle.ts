/**
 * The container state machine: created → running → exited (and removing; running →
 * restarting → running when its restart policy asks, _restarts.ts), with Docker's
 * events (`start`, `kill`, `die`, `stop`, `restart`, `destroy`, volume `mount`/`unmount`)
 * and Docker's errors (304 as "not-modified", 409 as "conflict"). While a process runs,
 * every change of its writable layer and every output write goes through to the store.
 * It is handed the parts it drives (the registry, the layer cache, the volumes, the event
 * bus), not the engine: what it changes in them, it changes through their methods.
 */
import type { Store } from "../store/mod.ts";
import { runProcess, suspendable } from "../wasi/mod.ts";
import type { LayerCache } from "./_layer_cache.ts";
import { logSink, storeLog } from "./_log_sink.ts";
import { decodeLog } from "./_logs_io.ts";
import { processView } from "./_process_view.ts";
import { dockerProcess, makeWorkingDir } from "./_process_env.ts";
import { programSha256 } from "./_program_hash.ts";
import type { ContainerRegistry } from "./_registry.ts";
import { Restarts } from "./_restarts.ts";
import { ContainerRuntime, type ExitStatus } from "./_runtime.ts";
import { ProcessStdin } from "./_stdin.ts";
import { outputTerminal } from "./pty.ts";
import { conflict, EngineError } from "./errors.ts";
import { emitContainerEvent, type EventBus } from "./events.ts";
import type { EngineOptions, WaitCondition } from "./options.ts";
import type { ContainerRecord } from "./wire.ts";
import type { VolumeStore } from "./volumes.ts";

/** What the lifecycle is handed. */
interface LifecycleParts {
  store: Store;
  registry: ContainerRegistry;
  layers: Pick<LayerCache, "mount">;
  volumes: Pick<VolumeStore, "begin" | "end" | "has" | "remove" | "mount">;
  events: EventBus;
  options: Pick<EngineOptions, "platform" | "limits" | "workerHost" | "logCap">;
}

const SIGNALS: Record<string, string> = { KILL: "9", TERM: "15", INT: "2", HUP: "1", QUIT: "3", USR1: "10", USR2: "12", CONT: "18", STOP: "19" };

export class Lifecycle {
  readonly #p: LifecycleParts;
  readonly #restarts: Restarts;
  constructor(parts: LifecycleParts) {
    this.#p = parts;
    this.#restarts = new Restarts({ start: (rt) => this.#start(rt, { auto: true }), save: (rt) => parts.registry.save(rt) });
  }

  #event(rec: ContainerRecord, action: string, extra?: Record<string, string>): void {
    emitContainerEvent(this.#p.events, rec, action, extra);
  }

  /** A container for a new record (its log capped at the engine's logCap). */
  runtime(rec: ContainerRecord): ContainerRuntime {
    return new ContainerRuntime(rec, this.#p.options.logCap ?? 1 << 20);
  }

  /**
   * Hold a stored container again; one that was running comes back exited (255), as after
   * a daemon crash, its layer as the journal left it. A failure to recover that layer is
   * kept in its State.Error, not thrown.
   */
  async restore(rec: ContainerRecord): Promise<void> {
    const rt = this.runtime(rec);
    if (rec.State.Status === "restarting") rec.State.Status = "exited"; // its restart died with the engine (startOnOpen decides again)
    if (rec.State.Status === "running" || rec.State.Status === "removing") {
      const ran = rec.State.Status === "running";
      Object.assign(rec.State, { Status: "exited", ExitCode: ran ? 255 : rec.State.ExitCode, FinishedAt: Date.now(), Pid: 0, Paused: false, Error: ran ? "engine stopped while the container ran" : "" });
      if (ran) {
        await this.#recoverUpper(rt).catch((err: unknown) => {
          rec.State.Error += `; its writable layer could not be recovered: ${(err as Error).message}`;
        });
      }
      await this.#p.store.putRecord("container", rec.Id, rec);
    }
    const log = await this.#p.store.getBytes("logs", rec.Id);
    if (log) for (const e of decodeLog(log)) rt.logs.push(e);
    rt.logs.end(rec.State.FinishedAt || Date.now()); // a line the last run left unfinished (a crash) ends there
    this.#p.registry.add(rt);
  }

  /** A running container whose engine died: its layer as the journal left it becomes a snapshot. */
  async #recoverUpper(rt: ContainerRuntime): Promise<void> {
    const fs = await this.#p.layers.mount(rt);
    await rt.upper!.snapshot(fs);
    rt.fs = null; // mounted again on demand
  }

  /**
   * Start again, as the engine opens its store, the containers whose restart policy says
   * so (Docker's daemon at its start). A start that fails goes on the container's State.Error.
   */
  async startOnOpen(): Promise<void> {
    for (const rt of [...this.#p.registry.all()]) {
      if (!Restarts.atOpen(rt)) continue;
      await this.#start(rt).catch(async (err: unknown) => {
        rt.rec.State.Error = `failed to restart the container: ${err instanceof Error ? err.message : String(err)}`;
        await this.#p.registry.save(rt);
      });
    }
  }

  /**
   * Errors: not-found; not-modified when running (or restarting); conflict while being removed. A start
   * that fails removes an AutoRemove container, as moby does (so `docker run --rm`, which
   * waits for the removal, ends).
   */
  async start(ref: string): Promise<void> {
    const rt = this.#p.registry.get(ref);
    try {
      await this.#start(rt);
    } catch (err) {
      const s = rt.rec.State.Status;
      if (rt.rec.HostConfig.AutoRemove && s !== "running" && s !== "removing" && !(err instanceof EngineError && err.kind === "not-modified")) {
        await this.#remove(rt, { force: true, v: true });
      }
      throw err;
    }
  }

  /** `auto`: a restart of its restart policy (nothing to do when it is no longer "restarting"); otherwise the user's start. */
  async #start(rt: ContainerRuntime, o: { auto?: boolean } = {}): Promise<void> {
    const s = rt.rec.State.Status;
    if (o.auto && s !== "restarting") return;
    if (!o.auto && (s === "running" || s === "restarting")) throw new EngineError("not-modified", "container already started");
    if (s === "removing") throw conflict(`cannot start container ${rt.rec.Id}: container is marked for removal and cannot be started`);
    await rt.exiting;
    if (!o.auto) this.#restarts.userStart(rt);
    rt.stopRequested = false;
    const { store, options } = this.#p;
    const fs = await this.#p.layers.mount(rt);
    rt.layerChanged();
    rt.upper!.trace(fs);
    const c = rt.rec.Config;
    makeWorkingDir(fs, c.WorkingDir);
    // Without threads (or suspendable processes) a program cannot wait for input: an open stdin that no client will close would never start it.
    const inline = !options.workerHost && !suspendable;
    const input = c.OpenStdin ? this.input(rt)! : null;
    if (input && inline && input.feeding === 0 && !input.closed) {
      rt.input = null;
      throw new EngineError("invalid", "cannot keep stdin open (OpenStdin) in an engine that runs programs inline, without threads: " +
        "attach stdin before start (docker run -i, start -a -i) so that its end is the program's end of input, or give the engine a worker host");
    }
    const rootfs = await processView(this.#p, rt, fs);
    rt.view = rootfs;
    const memory = rt.rec.HostConfig.Memory || options.limits?.memoryBytes;
    Object.assign(rt.rec.State, { Status: "running", StartedAt: Date.now(), FinishedAt: 0, ExitCode: 0, OOMKilled: false, Error: "", Pid: 1, Paused: false });
    rt.processes.reset();
    const size = rt.size ?? consoleSize(rt.rec.HostConfig.ConsoleSize);
    const out = logSink(store, rt, "stdout");
    // With a terminal everything the program writes goes through it to the one screen (stdout), as with a pty.
    // Without -i there is no input, but the output is still processed as a terminal's (\n → \r\n).
    const term = c.Tty ? input?.pty ?? outputTerminal((b) => out.write(b, Date.now())) : null;
    const viaTerminal = term ? { write: (d: Uint8Array) => term.output(d) } : null;
    const proc = runProcess(
      { entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env: c.Env, workingDir: c.WorkingDir || "/", ...dockerProcess(rootfs, c, c.Tty) },
      {
        rootfs, stdin: input?.stream ?? new Uint8Array(0), stdout: viaTerminal ?? out, stderr: viaTerminal ?? logSink(store, rt, "stderr"),
        ...(c.Tty && size ? { terminalSize: { rows: size[0], cols: size[1] } } : {}),
        limits: { ...options.limits, ...(memory ? { memoryBytes: memory } : {}) },
        workerHost: options.workerHost, sha256: programSha256(options.platform), nextPid: rt.processes.nextPid,
      },
    );
    rt.proc = proc;
    rt.processes.add(proc);
    if (input) input.proc = proc;
    let recorded!: () => void;
    rt.exiting = new Promise((r) => (recorded = r));
    await this.#p.registry.save(rt);
    this.#event(rt.rec, "start");
    // The exit is recorded whatever fails on the way (a store that refuses the snapshot…):
    // the failure goes on the container's State.Error, and waiters are answered.
    void proc.done.then((r) => this.#exited(rt, r.exitCode, r.oomKilled, r.error ?? ""))
      .catch((err: unknown) => exitUnrecorded(rt, err)).finally(recorded);
  }

  async #exited(rt: ContainerRuntime, code: number, oom: boolean, error: string): Promise<void> {
    const { registry, events } = this.#p;
    rt.proc = null;
    rt.input?.close();
    rt.input = null;
    rt.view = null;
    rt.layerChanged();
    Object.assign(rt.rec.State, { Status: "exited", ExitCode: code, OOMKilled: oom, Error: error, FinishedAt: Date.now(), Pid: 0, Paused: false });
    rt.processes.killAll(); // its execs end with it, as in Docker
    rt.logs.end();
    if (oom) this.#event(rt.rec, "oom");
    // A write the store refuses does not stop the others: each failure goes on State.Error.
    const failed = (err: unknown) => noteFailure(rt, err);
    const owned = registry.holds(rt);
    if (owned) {
      rt.upper!.untrace(rt.fs!);
      await rt.upper!.snapshot(rt.fs!).catch(failed);
      if (rt.logWriter) await storeLog(this.#p.store, rt).catch(failed);
    }
    for (const name of rt.held.splice(0)) {
      await this.#p.volumes.end(name).catch(failed);
      events.emit("volume", "unmount", name, { container: rt.rec.Id, driver: "local" });
    }
    const restarting = owned && this.#restarts.afterExit(rt);
    if (owned) await registry.save(rt);
    this.#event(rt.rec, "die", { exitCode: String(code), execDuration: String(Math.round((rt.rec.State.FinishedAt - rt.rec.State.StartedAt) / 1000)) });
    const status = rt.status();
    for (const w of rt.exitWaiters.splice(0)) w(status);
    if (!restarting && rt.rec.HostConfig.AutoRemove && registry.holds(rt)) {
      queueMicrotask(() => void this.#remove(rt, { force: true, v: true }).catch((err: unknown) => {
        rt.rec.State.Error = `Cannot remove the container: ${err instanceof Error ? err.message : String(err)}`; // as docker inspect would show it
      }));
    }
  }

  /**
   * The container's stdin for its running process, or for its next start (an attach
   * before start buffers there); made on first use. Null without OpenStdin: Docker
   * drops what a client sends then.
   */
  input(rt: ContainerRuntime): ProcessStdin | null {
    const c = rt.rec.Config;
    if (!c.OpenStdin) return null;
    if (rt.input) return rt.input; // the running process's, or input given before start (ended or not)
    const out = logSink(this.#p.store, rt, "stdout");
    const size = rt.size ?? consoleSize(rt.rec.HostConfig.ConsoleSize);
    rt.input = new ProcessStdin({
      tty: c.Tty, once: c.StdinOnce, inline: !this.#p.options.workerHost && !suspendable, screen: (b) => out.write(b, Date.now()),
      ...(size ? { size: { rows: size[0], cols: size[1] } } : {}),
    });
    return rt.input;
  }

  /** `POST /containers/{id}/resize`. Errors: not-found; conflict when not running (Docker's). */
  resize(ref: string, rows: number, cols: number): void {
    const rt = this.#p.registry.get(ref);
    if (rt.rec.State.Status !== "running" || !rt.proc) throw conflict(`container ${rt.rec.Id} is not running`);
    rt.size = [rows, cols];
    if (rt.input) rt.input.resize(rows, cols);
    else rt.proc.resize(rows, cols);
  }

  /** SIGTERM, then SIGKILL after `t` seconds. Errors: not-found; not-modified when not running. */
  stop(ref: string, t?: number): Promise<void> {
    return this.#stop(this.#p.registry.get(ref), t);
  }

  async #stop(rt: ContainerRuntime, t?: number, o: { byUser?: boolean } = { byUser: true }): Promise<void> {
    if (await this.#restarts.cancel(rt)) return await this.#stoppedByUser(rt, "stop");
    if (rt.rec.State.Status !== "running" || !rt.proc) throw new EngineError("not-modified", "container already stopped");
    const grace = Math.max(0, t ?? rt.rec.Config.StopTimeout ?? 10) * 1000;
    this.#event(rt.rec, "kill", { signal: "15" });
    rt.stopRequested = true;
    if (o.byUser) rt.rec.ManuallyStopped = true; // saved with the exit
    endProcess(rt, "stop", grace);
    await settled(rt);
    this.#event(rt.rec, "stop");
  }

  /** A stop or kill by the user cancelled a pending restart: the container stays exited, and `unless-stopped` remembers it. */
  async #stoppedByUser(rt: ContainerRuntime, event?: string): Promise<void> {
    rt.rec.ManuallyStopped = true;
    await this.#p.registry.save(rt);
    if (event) this.#event(rt.rec, event);
  }

  /** Errors: not-found; conflict when not running; invalid for an unknown signal. */
  async kill(ref: string, signal = "KILL"): Promise<void> {
    const rt = this.#p.registry.get(ref);
    const name = signal.toUpperCase().replace(/^SIG/, "");
    const num = /^\d+$/.test(name) ? name : SIGNALS[name];
    if (!num) throw new EngineError("invalid", `Invalid signal: ${signal}`);
    if (await this.#restarts.cancel(rt)) return await this.#stoppedByUser(rt);
    if (rt.rec.State.Status !== "running" || !rt.proc) throw conflict(`cannot kill container: ${ref}: container ${rt.rec.Id} is not running`);
    this.#event(rt.rec, "kill", { signal: num });
    if (num === "18" || num === "1" || num === "10" || num === "12") return; // no handler in a WASI program: ignored
    rt.stopRequested = true;
    rt.rec.ManuallyStopped = true; // saved with the exit
    endProcess(rt, num === "15" || num === "2" || num === "3" ? "stop" : "kill");
    await settled(rt);
  }

  /** `docker restart`: stop when running (or cancel a pending restart), then start; a user's start, so RestartCount starts again at 0 as in Docker. */
  async restart(ref: string, t?: number): Promise<void> {
    const rt = this.#p.registry.get(ref);
    const s = rt.rec.State.Status;
    if (s === "running" || s === "restarting" || rt.autoStart) await this.#stop(rt, t);
    await this.#start(rt);
    this.#event(rt.rec, "restart");
  }

  /** `POST /containers/{id}/wait`: not-running (default), next-exit, or removed. */
  async wait(ref: string, condition: WaitCondition = "not-running"): Promise<ExitStatus> {
    let rt: ContainerRuntime;
    try {
      rt = this.#p.registry.get(ref);
    } catch (err) {
      const gone = this.#p.registry.removedStatus(ref);
      if (gone) return gone;
      throw err;
    }
    if (condition === "removed") return await new Promise((resolve) => rt.removeWaiters.push(resolve));
    // A restarting container counts as running, as in Docker: not-running waits for its next exit.
    if (condition === "not-running" && rt.rec.State.Status !== "running" && rt.rec.State.Status !== "restarting") {
      await rt.exiting;
      return rt.status();
    }
    return await new Promise((resolve) => rt.exitWaiters.push(resolve));
  }

  /** `docker rm`. Errors: not-found; conflict when running and not forced. */
  remove(ref: string, o: { force?: boolean; v?: boolean } = {}): Promise<void> {
    return this.#remove(this.#p.registry.get(ref), o);
  }

  async #remove(rt: ContainerRuntime, o: { force?: boolean; v?: boolean }): Promise<void> {
    const { registry, store, volumes } = this.#p;
    const s = rt.rec.State.Status;
    if ((s === "running" || s === "restarting") && !o.force) {
      throw conflict(`cannot remove container "/${rt.rec.Name}": container is ${s}: stop the container before removing or force remove`);
    }
    await this.#restarts.cancel(rt);
    if (rt.rec.State.Status === "running") {
      rt.stopRequested = true;
      endProcess(rt, "kill");
      await settled(rt);
    }
    if (rt.rec.State.Status === "removing" || !registry.holds(rt)) return;
    await rt.exiting;
    rt.rec.State.Status = "removing";
    await registry.remove(rt);
    await rt.logWriter?.settled();
    await store.deleteBytes("logs", rt.rec.Id);
    if (rt.upper) await rt.upper.delete();
    else await store.deleteBytes("upper", rt.rec.Id);
    if (o.v) {
      for (const m of rt.rec.Mounts ?? []) {
        if (m.Anonymous && m.Name && volumes.has(m.Name) && registry.volumeUsers(m.Name).length === 0) await volumes.remove(m.Name);
      }
    }
    const status = rt.status();
    registry.rememberRemoved(rt, status);
    this.#event(rt.rec, "destroy");
    for (const w of rt.removeWaiters.splice(0)) w(status);
  }

  /** Stop every running container (SIGTERM, kill after graceMs) and wait until every exit is recorded. */
  async stopAll(graceMs: number): Promise<void> {
    await this.#restarts.close(); // an exit caused by the engine closing restarts nothing
    const all = [...this.#p.registry.all()];
    // A container that ended meanwhile answers not-modified ("already stopped"): nothing to
    // do, its exit is recorded and awaited just below. Any other error is the caller's.
    const ended = (err: unknown) => {
      if (!(err instanceof EngineError && err.kind === "not-modified")) throw err;
    };
    await Promise.all(all.filter((rt) => rt.proc).map((rt) => this.#stop(rt, graceMs / 1000, { byUser: false }).catch(ended)));
    await Promise.all([...this.#p.registry.all()].map((rt) => rt.exiting));
  }
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

/** End the process: kill or stop it, and end its stdin. A paused one is let go to end (Docker unpauses to kill). */
function endProcess(rt: ContainerRuntime, how: "kill" | "stop", graceMs = 10_000): void {
  if (!rt.proc) return;
  if (rt.rec.State.Paused) rt.rec.State.Paused = false, rt.processes.resume();
  if (how === "kill") void rt.proc.kill();
  else void rt.proc.stop({ graceMs });
  // A blocked read ends at the request; stdin read whole first (inline) must end too.
  const input = rt.input;
  if (how === "kill") input?.close();
  else {
    // Not past the process's end: a pending 60 s timer kept a `deno serve` or a CLI alive after it.
    const timer = setTimeout(() => input?.close(), graceMs);
    void rt.proc.done.finally(() => clearTimeout(timer));
  }
}

/** A terminal size from HostConfig.ConsoleSize, when one was given. */
function consoleSize(s: [number, number] | null | undefined): [number, number] | null {
  return s && s[0] > 0 && s[1] > 0 ? [s[0], s[1]] : null;
}

/** Resolves once the exit has been recorded. */
async function settled(rt: ContainerRuntime): Promise<void> {
  if (rt.rec.State.Status === "running") await new Promise<ExitStatus>((resolve) => rt.exitWaiters.push(resolve));
  await rt.exiting;
}
