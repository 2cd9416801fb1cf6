/**
 * The engine: Docker's container model as a library. Containers move created → running
 * → exited (and removing), with an event for every transition; each has its own
 * writable layer over its image's shared layers; processes are WASI programs from the
 * rootfs. State lives in a Store: records for containers, the writable layer and log as
 * bytes, written after every transition, so an engine opened again on the same store
 * finds every container (running ones come back exited).
 */
import { deserializeUpper, diff, exportMerged, Layer, serializeUpper, UnionFS, WritableLayer } from "../fs/mod.ts";
import type { Store } from "../store/mod.ts";
import { runProcess } from "../wasi/mod.ts";
import { randomId } from "./_format.ts";
import { ContainerRuntime, type ExitStatus } from "./_runtime.ts";
import { inspectView, summaryView } from "./_container_views.ts";
import { conflict, EngineError, invalid, notFound } from "./errors.ts";
import { EventBus } from "./events.ts";
import { ImageStore } from "./images.ts";
import type { LogEntry } from "./logs.ts";
import { checkName, generateName } from "./names.ts";
import type { ContainerRecord, CreateOptions, EngineOptions } from "./types.ts";
import { matchFilters, type Filters } from "./_filters.ts";

const asList = (v: string[] | string | null | undefined): string[] | undefined => (v == null ? undefined : typeof v === "string" ? [v] : v);

export class Engine {
  readonly store: Store;
  readonly images: ImageStore;
  readonly events = new EventBus();
  readonly containers = new Map<string, ContainerRuntime>();
  #layers = new Map<string, Layer>();
  #removed = new Map<string, ExitStatus>();

  constructor(readonly opts: EngineOptions) {
    this.store = opts.store;
    this.images = new ImageStore(opts.store);
  }

  /** Load the containers a store holds; those that were running come back exited (255), as after a daemon crash. */
  async open(): Promise<this> {
    for (const [, rec] of await this.store.listRecords<ContainerRecord>("container")) {
      if (rec.State.Status === "running" || rec.State.Status === "removing") {
        Object.assign(rec.State, { Status: "exited", ExitCode: 255, FinishedAt: Date.now(), Pid: 0, Error: rec.State.Status === "running" ? "engine stopped while the container ran" : "" });
        await this.store.putRecord("container", rec.Id, rec);
      }
      const rt = new ContainerRuntime(rec, this.opts.logCap ?? 1 << 20);
      const log = await this.store.getBytes("logs", rec.Id);
      if (log) rt.logs.entries = decodeLog(log);
      this.containers.set(rec.Id, rt);
    }
    return this;
  }

  /** Find a container by full id, unique id prefix, or name. Errors: not-found. */
  get(ref: string): ContainerRuntime {
    const name = ref.replace(/^\//, "");
    const exact = this.containers.get(ref);
    if (exact) return exact;
    for (const rt of this.containers.values()) if (rt.rec.Name === name) return rt;
    if (/^[a-f0-9]+$/.test(ref)) {
      const hits = [...this.containers.values()].filter((rt) => rt.rec.Id.startsWith(ref));
      if (hits.length === 1) return hits[0]!;
    }
    throw notFound(`No such container: ${ref}`);
  }

  async create(o: CreateOptions): Promise<{ Id: string; Warnings: string[] }> {
    if (!o.Image) throw invalid("Config.Image: no image was given");
    const image = await this.images.resolve(o.Image);
    const config = (await this.images.config(image.id)).config;
    const name = o.name ? checkName(o.name) : generateName((n) => this.#byName(n) !== undefined);
    const taken = this.#byName(name);
    if (taken) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${taken.rec.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const entrypoint = asList(o.Entrypoint) ?? config.Entrypoint ?? null;
    const cmd = asList(o.Cmd) ?? (o.Entrypoint != null ? null : config.Cmd ?? null);
    if (!entrypoint?.length && !cmd?.length) throw invalid("No command specified");
    const id = randomId();
    const rec: ContainerRecord = {
      Id: id, Name: name, Created: Date.now(), Image: o.Image, ImageID: image.id, Layers: image.diffIds,
      Config: {
        Hostname: o.Hostname || id.slice(0, 12), User: o.User ?? config.User ?? "", Tty: !!o.Tty, OpenStdin: !!o.OpenStdin, StdinOnce: !!o.StdinOnce,
        AttachStdin: !!o.AttachStdin, AttachStdout: o.AttachStdout ?? true, AttachStderr: o.AttachStderr ?? true,
        Env: mergeEnv(config.Env ?? [], o.Env ?? []), Cmd: cmd, Entrypoint: entrypoint, WorkingDir: o.WorkingDir || config.WorkingDir || "",
        Labels: { ...(config.Labels ?? {}), ...(o.Labels ?? {}) }, Image: o.Image, Volumes: config.Volumes ?? null,
        ...(o.StopTimeout != null ? { StopTimeout: o.StopTimeout } : {}),
      },
      HostConfig: { AutoRemove: false, Binds: null, Memory: 0, ...(o.HostConfig ?? {}) },
      State: { Status: "created", ExitCode: 0, OOMKilled: false, Error: "", StartedAt: 0, FinishedAt: 0, Pid: 0 },
      RestartCount: 0,
    };
    await this.store.putRecord("container", id, rec);
    this.containers.set(id, new ContainerRuntime(rec, this.opts.logCap ?? 1 << 20));
    this.#event(rec, "create");
    return { Id: id, Warnings: [] };
  }

  #byName(name: string): ContainerRuntime | undefined {
    for (const rt of this.containers.values()) if (rt.rec.Name === name) return rt;
    return undefined;
  }

  #event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.events.emit("container", action, rec.Id, { image: rec.Image, name: rec.Name, ...rec.Config.Labels, ...extra });
  }

  async #save(rt: ContainerRuntime): Promise<void> {
    if (this.containers.get(rt.rec.Id) === rt) await this.store.putRecord("container", rt.rec.Id, rt.rec);
  }

  /** The container's filesystem, mounted on first use (the image's stack is shared). */
  async mount(rt: ContainerRuntime): Promise<UnionFS> {
    if (rt.fs) return rt.fs;
    const lowers: Layer[] = [];
    for (const diffId of rt.rec.Layers.slice().reverse()) {
      let layer = this.#layers.get(diffId);
      if (!layer) this.#layers.set(diffId, (layer = new Layer(shared(await this.images.layerBytes(diffId)), { diffId })));
      lowers.push(layer);
    }
    const saved = await this.store.getBytes("upper", rt.rec.Id);
    rt.fs = new UnionFS({ lowers, upper: saved ? deserializeUpper(saved) : new WritableLayer() });
    return rt.fs;
  }

  /** Start the container's process. Errors: not-found; not-modified when already running. */
  async start(ref: string): Promise<void> {
    const rt = this.get(ref);
    if (rt.rec.State.Status === "running") throw new EngineError("not-modified", "container already started");
    const fs = await this.mount(rt);
    const c = rt.rec.Config;
    const stdin = rt.stdin ?? new Uint8Array(0);
    rt.stdin = null;
    const sink = (stream: LogEntry["stream"]) => ({ write: (data: Uint8Array, time: number) => rt.logs.push({ stream, time, data }) });
    const memory = rt.rec.HostConfig.Memory || this.opts.limits?.memoryBytes;
    rt.proc = runProcess(
      { entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env: c.Env, workingDir: c.WorkingDir || "/" },
      { rootfs: fs, stdin, stdout: sink("stdout"), stderr: sink("stderr"), limits: { ...this.opts.limits, ...(memory ? { memoryBytes: memory } : {}) }, workerHost: this.opts.workerHost },
    );
    Object.assign(rt.rec.State, { Status: "running", StartedAt: Date.now(), FinishedAt: 0, ExitCode: 0, OOMKilled: false, Error: "", Pid: 1 });
    await this.#save(rt);
    this.#event(rt.rec, "start");
    const proc = rt.proc;
    void proc.done.then((r) => this.#exited(rt, r.exitCode, r.oomKilled, r.error ?? ""));
  }

  async #exited(rt: ContainerRuntime, code: number, oom: boolean, error: string): Promise<void> {
    rt.proc = null;
    Object.assign(rt.rec.State, { Status: "exited", ExitCode: code, OOMKilled: oom, Error: error, FinishedAt: Date.now(), Pid: 0 });
    rt.logs.end();
    if (oom) this.#event(rt.rec, "oom");
    await this.#persist(rt);
    this.#event(rt.rec, "die", { exitCode: String(code) });
    const status = rt.status();
    for (const w of rt.exitWaiters.splice(0)) w(status);
    if (rt.rec.HostConfig.AutoRemove) await this.remove(rt.rec.Id, { force: true }).catch(() => {});
  }

  /** Write the record, the writable layer and the log. */
  async #persist(rt: ContainerRuntime): Promise<void> {
    if (this.containers.get(rt.rec.Id) !== rt) return;
    if (rt.fs) await this.store.putBytes("upper", rt.rec.Id, serializeUpper(rt.fs.upper));
    await this.store.putBytes("logs", rt.rec.Id, encodeLog(rt.logs.entries));
    await this.store.putRecord("container", rt.rec.Id, rt.rec);
  }

  /** Stop: ask, then kill after `t` seconds. Errors: not-found; not-modified when not running. */
  async stop(ref: string, t?: number): Promise<void> {
    const rt = this.get(ref);
    if (rt.rec.State.Status !== "running" || !rt.proc) throw new EngineError("not-modified", "container already stopped");
    const grace = (t ?? rt.rec.Config.StopTimeout ?? 10) * 1000;
    this.#event(rt.rec, "kill", { signal: "15" });
    await rt.proc.stop({ graceMs: grace });
    await this.#settled(rt);
    this.#event(rt.rec, "stop");
  }

  /** Kill now. Errors: not-found; conflict when not running. */
  async kill(ref: string, signal = "KILL"): Promise<void> {
    const rt = this.get(ref);
    if (rt.rec.State.Status !== "running" || !rt.proc) {
      throw conflict(`cannot kill container: ${ref}: container ${rt.rec.Id} is not running`);
    }
    const sig = signal.replace(/^SIG/, "").toUpperCase();
    this.#event(rt.rec, "kill", { signal: sig === "TERM" || sig === "15" ? "15" : "9" });
    if (sig === "TERM" || sig === "15" || sig === "INT" || sig === "2") await rt.proc.stop({ graceMs: 10_000 });
    else await rt.proc.kill();
    await this.#settled(rt);
  }

  /** Resolves once the exit has been recorded. */
  async #settled(rt: ContainerRuntime): Promise<void> {
    if (rt.rec.State.Status !== "running") return;
    await new Promise<ExitStatus>((resolve) => rt.exitWaiters.push(resolve));
  }

  async restart(ref: string, t?: number): Promise<void> {
    const rt = this.get(ref);
    if (rt.rec.State.Status === "running") await this.stop(ref, t);
    rt.rec.RestartCount++;
    await this.start(rt.rec.Id);
    this.#event(rt.rec, "restart");
  }

  /** `POST /containers/{id}/wait`: not-running (default), next-exit, or removed. */
  async wait(ref: string, condition: "not-running" | "next-exit" | "removed" = "not-running"): Promise<ExitStatus> {
    const gone = this.#removed.get(ref);
    let rt: ContainerRuntime;
    try {
      rt = this.get(ref);
    } catch (err) {
      if (gone) return gone;
      throw err;
    }
    if (condition === "removed") return await new Promise((resolve) => rt.removeWaiters.push(resolve));
    if (condition === "not-running" && rt.rec.State.Status !== "running") return rt.status();
    return await new Promise((resolve) => rt.exitWaiters.push(resolve));
  }

  /** `docker rm`. Errors: not-found; conflict when running and not forced. */
  async remove(ref: string, o: { force?: boolean; v?: boolean } = {}): Promise<void> {
    const rt = this.get(ref);
    if (rt.rec.State.Status === "running") {
      if (!o.force) throw conflict(`cannot remove container "/${rt.rec.Name}": container is running: stop the container before removing or force remove`);
      await this.kill(rt.rec.Id);
    }
    if (rt.rec.State.Status === "removing") return;
    rt.rec.State.Status = "removing";
    this.containers.delete(rt.rec.Id);
    await this.store.commit([{ kind: "container", key: rt.rec.Id, value: undefined }]);
    await this.store.deleteBytes("upper", rt.rec.Id);
    await this.store.deleteBytes("logs", rt.rec.Id);
    const status = rt.status();
    this.#removed.set(rt.rec.Id, status);
    this.#removed.set(rt.rec.Name, status);
    setTimeout(() => {
      this.#removed.delete(rt.rec.Id);
      this.#removed.delete(rt.rec.Name);
    }, this.opts.removedGraceMs ?? 30_000).unref?.();
    this.#event(rt.rec, "destroy");
    for (const w of rt.removeWaiters.splice(0)) w(status);
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rt = this.get(ref);
    const name = checkName(newName);
    const taken = this.#byName(name);
    if (taken && taken !== rt) throw conflict(`Conflict. The container name "/${name}" is already in use by container "${taken.rec.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    const old = rt.rec.Name;
    rt.rec.Name = name;
    await this.#save(rt);
    this.#event(rt.rec, "rename", { oldName: `/${old}` });
  }

  /** Sizes as `ps -s` shows them. */
  async sizes(rt: ContainerRuntime) {
    const fs = await this.mount(rt);
    const rw = fs.upper.size();
    return { SizeRw: rw, SizeRootFs: fs.stack.bytes + rw };
  }

  async list(o: { all?: boolean; size?: boolean; limit?: number; filters?: Filters } = {}) {
    let rts = [...this.containers.values()].filter((rt) => o.all || rt.rec.State.Status === "running");
    rts = rts.filter((rt) => matchFilters(rt.rec, o.filters ?? {}, (ref) => this.#imageMatches(rt.rec, ref)));
    rts.sort((a, b) => b.rec.Created - a.rec.Created);
    if (o.limit && o.limit > 0) rts = rts.slice(0, o.limit);
    const out = [];
    for (const rt of rts) out.push(summaryView(rt.rec, o.size ? await this.sizes(rt) : undefined));
    return out;
  }

  #imageMatches(rec: ContainerRecord, ref: string): boolean {
    if (rec.Image === ref || rec.ImageID === ref || rec.ImageID.slice(7).startsWith(ref)) return true;
    try {
      return normalize(rec.Image) === normalize(ref);
    } catch {
      return false;
    }
  }

  async inspect(ref: string, o: { size?: boolean } = {}) {
    const rt = this.get(ref);
    return inspectView(rt.rec, o.size ? await this.sizes(rt) : undefined);
  }

  async changes(ref: string) {
    return diff(await this.mount(this.get(ref)));
  }

  async export(ref: string): Promise<Uint8Array> {
    const rt = this.get(ref);
    const tar = exportMerged(await this.mount(rt));
    this.#event(rt.rec, "export");
    return tar;
  }

  /** Which container (id) uses an image, for `rmi`. */
  imageUser(imageId: string): string | undefined {
    for (const rt of this.containers.values()) if (rt.rec.ImageID === imageId) return rt.rec.Id;
    return undefined;
  }

  async removeImage(ref: string, o: { force?: boolean } = {}) {
    const out = await this.images.remove(ref, { force: o.force, inUse: (id) => this.imageUser(id) });
    for (const r of out) this.events.emit("image", r.Untagged ? "untag" : "delete", r.Untagged ?? r.Deleted ?? "", { name: r.Untagged ?? r.Deleted ?? "" });
    return out;
  }

  /** Stop every running container and write everything (graceful shutdown). */
  async close(o: { graceMs?: number } = {}): Promise<void> {
    await Promise.all([...this.containers.values()].filter((rt) => rt.proc).map((rt) => rt.proc!.stop({ graceMs: o.graceMs ?? 10_000 }).then(() => this.#settled(rt))));
    await this.store.close();
  }
}

/** The bytes in a SharedArrayBuffer (where the platform has one), so worker threads read layers without a copy. */
function shared(bytes: Uint8Array): Uint8Array {
  if (typeof SharedArrayBuffer === "undefined" || bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

function normalize(ref: string): string {
  return ref.includes(":") ? ref.replace(/^docker\.io\/(library\/)?/, "") : `${ref.replace(/^docker\.io\/(library\/)?/, "")}:latest`;
}

/** Image Env then container Env; a container name replaces the image's. */
function mergeEnv(image: string[], container: string[]): string[] {
  const out = new Map<string, string>();
  for (const kv of [...image, ...container]) out.set(kv.split("=")[0]!, kv);
  return [...out.values()];
}

const enc = new TextEncoder(), dec = new TextDecoder();

/** Logs as JSON lines (the json-file driver's shape: stream, time, log). */
function encodeLog(entries: LogEntry[]): Uint8Array {
  return enc.encode(entries.map((e) => JSON.stringify({ stream: e.stream, time: e.time, log: dec.decode(e.data) })).join("\n"));
}

function decodeLog(bytes: Uint8Array): LogEntry[] {
  const text = dec.decode(bytes);
  if (!text) return [];
  return text.split("\n").map((line) => {
    const j = JSON.parse(line) as { stream: LogEntry["stream"]; time: number; log: string };
    return { stream: j.stream, time: j.time, data: enc.encode(j.log) };
  });
}
