/**
 * exec: another process in a running container, sharing its filesystem (Docker's
 * `POST /containers/{id}/exec`, `/exec/{id}/start`, `/exec/{id}/json`).
 */
import { type ProcessHandle, runProcess, suspendable } from "../wasi/mod.ts";
import { parseDetachKeys } from "./_detach_keys.ts";
import { ProcessStdin } from "./_stdin.ts";
import { outputTerminal } from "./pty.ts";
import { randomId } from "./_format.ts";
import { dockerProcess } from "./_process_env.ts";
import { programSha256 } from "./_program_hash.ts";
import { conflict, notFound } from "./errors.ts";
import type { LayerCache } from "./_layer_cache.ts";
import type { ContainerRegistry } from "./_registry.ts";
import type { EventBus } from "./events.ts";
import type { ExecApi } from "./api.ts";
import type { EngineOptions, ExecIo } from "./options.ts";
import type { ExecOptions } from "./wire.ts";

/** What exec is handed: where containers are found and mounted, the event bus, and the process options. */
interface ExecParts {
  registry: Pick<ContainerRegistry, "get">;
  layers: Pick<LayerCache, "mount">;
  events: Pick<EventBus, "emit">;
  options: Pick<EngineOptions, "limits" | "workerHost" | "platform">;
}

interface ExecRecord {
  ID: string;
  ContainerID: string;
  options: ExecOptions;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  /** Its stdin (and terminal) while it runs. */
  input?: ProcessStdin;
  /** Its process while it runs. */
  proc?: ProcessHandle;
  /** The terminal's size, [rows, cols]. */
  size?: [number, number];
}

export class Execs implements ExecApi {
  #execs = new Map<string, ExecRecord>();
  readonly #p: ExecParts;
  constructor(parts: ExecParts) {
    this.#p = parts;
  }

  /** Errors: not-found; conflict when the container is not running (as Docker does). */
  create(containerRef: string, o: ExecOptions): { Id: string } {
    const rt = this.#p.registry.get(containerRef);
    if (rt.rec.State.Status === "restarting") throw conflict(`Container ${rt.rec.Id} is restarting, wait until the container is running`);
    if (rt.rec.State.Status !== "running") throw conflict(`container ${rt.rec.Id} is not running`);
    if (rt.rec.State.Paused) throw conflict(`Container ${rt.rec.Id} is paused, unpause the container before exec`);
    if (!o.Cmd?.length) throw conflict("No exec command specified");
    if (o.DetachKeys) parseDetachKeys(o.DetachKeys);
    const id = randomId();
    const size = o.ConsoleSize && o.ConsoleSize[0] > 0 && o.ConsoleSize[1] > 0 ? [o.ConsoleSize[0], o.ConsoleSize[1]] as [number, number] : undefined;
    this.#execs.set(id, { ID: id, ContainerID: rt.rec.Id, options: o, Running: false, ExitCode: null, Pid: 0, ...(size ? { size } : {}) });
    this.#p.events.emit("container", `exec_create: ${o.Cmd.join(" ")}`, rt.rec.Id, { execID: id });
    return { Id: id };
  }

  #get(id: string): ExecRecord {
    return this.#execs.get(id) ?? (() => {
      throw notFound(`No such exec instance: ${id}`);
    })();
  }

  /** Run the exec to its end; resolves with its exit code. */
  async start(id: string, io: ExecIo = {}): Promise<number> {
    const ex = this.#get(id);
    const rt = this.#p.registry.get(ex.ContainerID);
    const fs = await this.#p.layers.mount(rt);
    const rootfs = rt.view ?? fs; // with the container's volumes and binds
    const c = rt.rec.Config;
    ex.Running = true;
    this.#p.events.emit("container", `exec_start: ${ex.options.Cmd.join(" ")}`, rt.rec.Id, { execID: id });
    const tty = !!ex.options.Tty;
    const sink = (stream: "stdout" | "stderr") => ({ write: (d: Uint8Array) => io.onOutput?.(stream, d) });
    // stdin streams in (an exec's stdin is StdinOnce); with -t through its own terminal, whose screen is the client's stdout.
    const input = io.stdin && ex.options.AttachStdin
      ? new ProcessStdin({
        tty, once: true, inline: !this.#p.options.workerHost && !suspendable, screen: (b) => io.onOutput?.("stdout", b),
        ...(ex.size ? { size: { rows: ex.size[0], cols: ex.size[1] } } : {}),
      })
      : undefined;
    // Not AttachStdin: the client's stdin is dropped (cancel rejects only with that stream's own error).
    if (io.stdin && !input) void io.stdin.cancel().catch(() => {});
    const term = tty ? input?.pty ?? outputTerminal((b) => io.onOutput?.("stdout", b)) : null;
    const viaTerminal = term ? { write: (d: Uint8Array) => term.output(d) } : null;
    const proc = runProcess(
      {
        cmd: ex.options.Cmd, env: [...c.Env, ...(ex.options.Env ?? [])], workingDir: ex.options.WorkingDir || c.WorkingDir || "/",
        ...dockerProcess(rootfs, c, !!ex.options.Tty, ex.options.User),
      },
      {
        rootfs, stdin: input?.stream ?? new Uint8Array(0), stdout: viaTerminal ?? sink("stdout"), stderr: viaTerminal ?? sink("stderr"),
        limits: this.#p.options.limits, workerHost: this.#p.options.workerHost, sha256: programSha256(this.#p.options.platform),
        nextPid: rt.processes.nextPid,
        ...(tty && ex.size ? { terminalSize: { rows: ex.size[0], cols: ex.size[1] } } : {}),
      },
    );
    ex.proc = proc;
    ex.Pid = proc.programs()[0]?.pid ?? 0;
    rt.processes.add(proc);
    if (input) {
      ex.input = input;
      input.proc = proc;
      const keys = tty ? parseDetachKeys(ex.options.DetachKeys ?? "") : undefined;
      void input.feed(io.stdin!, keys).then((end) => {
        if (end === "detached" || (end === "eof" && !input.closed)) io.onDetach?.();
      });
    }
    const result = await proc.done;
    input?.close();
    ex.input = undefined;
    ex.proc = undefined;
    rt.layerChanged();
    ex.Running = false;
    ex.ExitCode = result.exitCode;
    this.#p.events.emit("container", "exec_die", rt.rec.Id, { execID: id, exitCode: String(result.exitCode) });
    return result.exitCode;
  }

  /** `POST /exec/{id}/resize`. Errors: not-found; conflict when it is not running. */
  resize(id: string, rows: number, cols: number): void {
    const ex = this.#get(id);
    ex.size = [rows, cols];
    if (!ex.proc) throw conflict(`Exec ${id} is not running`);
    if (ex.input) ex.input.resize(rows, cols);
    else ex.proc.resize(rows, cols);
  }

  inspect(id: string) {
    const ex = this.#get(id);
    return {
      ID: ex.ID, Running: ex.Running, ExitCode: ex.ExitCode, ContainerID: ex.ContainerID, Pid: ex.Pid, OpenStdin: !!ex.options.AttachStdin,
      OpenStdout: ex.options.AttachStdout !== false, OpenStderr: ex.options.AttachStderr !== false, CanRemove: false, DetachKeys: ex.options.DetachKeys ?? "",
      ProcessConfig: { tty: !!ex.options.Tty, entrypoint: ex.options.Cmd[0], arguments: ex.options.Cmd.slice(1), privileged: false, user: ex.options.User ?? "" },
    };
  }
}
