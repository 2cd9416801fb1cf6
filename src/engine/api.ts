/**
 * The engine's API contracts: `EngineApi`, what `createEngine` returns, grouped as Docker
 * groups its verbs (containers, exec, images, volumes, events, system), and the interface
 * of each group. Each group is one part of the engine (src/engine/engine.ts) and
 * implements its interface here; src/api and the CLI see only these.
 */
import type { Change, OriginEntry } from "../fs/mod.ts";
import type { AuthConfig, AuthResult } from "./_auth.ts";
import type { PathStat, PutArchiveOptions } from "./archive.ts";
import type { BuildOptions, BuildResult } from "./build.ts";
import type { EngineEvent } from "./events.ts";
import type { StatsOptions } from "./_proc_verbs.ts";
import type { StatsJson } from "./stats.ts";
import type { TopResult } from "./top.ts";
import type { ImportOptions } from "./_image_import.ts";
import type { UpdateOptions } from "./_update.ts";
import type { ImageStore, ImageSummary, LoadProgress, LoadResult, PullOptions, PullResult, PushOptions, PushResult } from "./images.ts";
import type { AttachOptions, CommitOptions, EventsOptions, ExecIo, ListOptions, LogsOptions, WaitCondition } from "./options.ts";
import type {
  ContainerInspect, ContainerSummary, CreateOptions, ExecInspect, ExecOptions, ExitStatus, Filters, SystemDf, Volume, VolumeCreateOptions,
} from "./wire.ts";

/** What `createEngine` returns; every Docker verb the engine does, grouped as Docker groups it. */
export interface EngineApi {
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly volumes: VolumesApi;
  readonly events: EventsApi;
  readonly system: SystemApi;
  readonly builder: BuilderApi;
  /** Resolves when every change and output write made so far is in the store (the write-through journals are drained). */
  sync(): Promise<void>;
  /** Stop running containers (SIGTERM, then kill after graceMs), write everything, release the store. */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** `engine.containers`: the /containers/* verbs. */
export interface ContainersApi {
  /** Errors: not-found (image), conflict (name in use), invalid (bad name, no command). */
  create(opts: CreateOptions): Promise<{ Id: string; Warnings: string[] }>;
  /** Errors: not-found; not-modified when already running. */
  start(ref: string): Promise<void>;
  /** SIGTERM, then kill after `t` seconds (default StopTimeout or 10). Errors: not-found; not-modified when not running. */
  stop(ref: string, t?: number): Promise<void>;
  /** Errors: not-found; conflict "cannot kill container: c1: container ID is not running". */
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, t?: number): Promise<void>;
  wait(ref: string, condition?: WaitCondition): Promise<ExitStatus>;
  /** Errors: not-found; conflict when running and not forced. `v` removes its anonymous volumes. */
  remove(ref: string, opts?: { force?: boolean; v?: boolean }): Promise<void>;
  /**
   * `docker update`: the memory limit (from the next start) and the restart policy (from
   * the next exit); resources strata does not enforce are discarded with a warning.
   * Errors: not-found; invalid (a bad value or policy).
   */
  update(ref: string, opts: UpdateOptions): Promise<{ Warnings: string[] }>;
  /** Errors: not-found; conflict (name in use); invalid (bad name). */
  rename(ref: string, name: string): Promise<void>;
  list(opts?: ListOptions): Promise<ContainerSummary[]>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<ContainerInspect>;
  logs(ref: string, opts?: LogsOptions): AsyncIterable<LogEntry>;
  attach(ref: string, opts?: AttachOptions): AttachSession;
  /** `POST /containers/{id}/resize`: the terminal's new size. Errors: not-found; conflict when not running. */
  resize(ref: string, rows: number, cols: number): void;
  changes(ref: string): Promise<Change[]>;
  /**
   * strata's own (no Docker verb): the entries of a directory of the container's layers
   * (volumes and binds not included), each with the layer it comes from; `whiteouts` adds
   * the markers. Errors: not-found (container or path); invalid (not a directory).
   */
  tree(ref: string, path: string, opts?: { whiteouts?: boolean }): Promise<OriginEntry[]>;
  /** The merged rootfs as a tar. */
  export(ref: string): Promise<Uint8Array>;
  /**
   * `HEAD /containers/{id}/archive`: what is at `path` in the container's view (with its
   * volumes and binds), its last component not followed. Errors: not-found ("Could not
   * find the file P in container C").
   */
  statPath(ref: string, path: string): Promise<PathStat>;
  /** `GET /containers/{id}/archive` (`docker cp` out): the path's stat and a tar of it, made as it is read. Errors: as statPath. */
  getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: ReadableStream<Uint8Array> }>;
  /**
   * `PUT /containers/{id}/archive` (`docker cp` in): extract a tar (plain or gzip) into the
   * directory at `path`; all of it or, on any error, nothing. Errors: not-found; invalid
   * (not a directory, a read-only mount, a refused entry or archive, a conflict).
   */
  putArchive(ref: string, path: string, tar: ReadableStream<Uint8Array> | Uint8Array, opts?: PutArchiveOptions): Promise<void>;
  /** `docker pause`: every process held at its next system call. Errors: not-found; conflict (not running, already paused, an inline engine). */
  pause(ref: string): Promise<void>;
  /** `docker unpause`. Errors: not-found; conflict "Container ID is not paused". */
  unpause(ref: string): Promise<void>;
  /** `docker top`: its live programs as `ps -ef` (or `aux`) prints them. Errors: not-found; conflict when not running; internal for ps_args it does not take. */
  top(ref: string, psArgs?: string): TopResult;
  /** `docker stats`: Docker's StatsJSON, one document or one a second (stats.ts). Errors: not-found. */
  stats(ref: string, opts?: StatsOptions): AsyncIterable<StatsJson>;
  /** The upper as one more layer of a new image. */
  commit(ref: string, opts?: CommitOptions): Promise<{ Id: string }>;
  /** Remove every stopped container (those the filters select: until, label, label!). Errors: invalid (another filter). */
  prune(opts?: { filters?: Filters }): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
}

/** `engine.exec`: /containers/{id}/exec and /exec/*. */
export interface ExecApi {
  /** `POST /exec/{id}/resize`: the terminal's new size. Errors: not-found; conflict when not running. */
  resize(id: string, rows: number, cols: number): void;
  /** Errors: not-found; conflict when the container is not running. */
  create(containerRef: string, opts: ExecOptions): { Id: string };
  /** Run to the end; resolves with the exit code. */
  start(id: string, io?: ExecIo): Promise<number>;
  inspect(id: string): ExecInspect;
}

/** `engine.images`: the /images/* verbs. */
export interface ImagesApi {
  /** `docker load` of an archive, whole or streamed (a streamed archive is never held whole). */
  load(input: Uint8Array | ReadableStream<Uint8Array>, opts?: { name?: string; maxArchiveBytes?: number; onProgress?: (p: LoadProgress) => void }): Promise<LoadResult>;
  /**
   * `docker pull` from a registry (src/engine/_image_pull.ts): progress as Docker's JSON
   * messages; all of the image or nothing is stored. Errors: not-found (Docker's
   * "manifest for X not found", "pull access denied for X"), invalid, RegistryError,
   * DigestMismatchError, OciFormatError.
   */
  pull(ref: string, opts?: PullOptions): Promise<PullResult>;
  /** `docker push` of a local tag to its registry. Errors: not-found ("An image does not exist locally with the tag: X"), RegistryError. */
  push(ref: string, opts?: PushOptions): Promise<PushResult>;
  /** Without `all`, intermediate images (untagged parents of built images) are left out. */
  list(opts?: { all?: boolean }): Promise<ImageSummary[]>;
  inspect(ref: string): ReturnType<ImageStore["inspect"]>;
  history(ref: string): ReturnType<ImageStore["history"]>;
  tag(source: string, target: string): Promise<void>;
  /** `docker rmi`. Errors: not-found; conflict when a container uses it (unless force). */
  remove(ref: string, opts?: { force?: boolean }): Promise<Array<{ Untagged?: string; Deleted?: string }>>;
  save(refs: readonly string[]): Promise<Uint8Array>;
  /**
   * `docker import`: a filesystem tar (plain or gzip, e.g. `docker export`'s) as a one-layer
   * image, with `--change`, `--message` and the platform. Errors: invalid (a bad reference,
   * platform, change or tar); nothing is stored then.
   */
  import(input: Uint8Array | ReadableStream<Uint8Array>, opts?: ImportOptions & { maxBodyBytes?: number }): Promise<{ id: string }>;
  /** Remove untagged images no container uses (`dangling`), or every unused one with all. */
  prune(opts?: { all?: boolean; filters?: Filters }): Promise<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }>; SpaceReclaimed: number }>;
}

/** `engine.builder`: `POST /build` (the classic builder). */
export interface BuilderApi {
  /**
   * Build an image from a context tar (the Dockerfile in it); the output goes to
   * `opts.onOutput` as Docker's JSON messages. Errors before the first step: EngineError
   * "invalid" (a bad tag or Dockerfile), the context's parse errors; a failed step:
   * BuildError (its `code` is a failed RUN's exit status).
   */
  build(context: Uint8Array | ReadableStream<Uint8Array>, opts?: BuildOptions): Promise<BuildResult>;
}

/** `engine.volumes`: the /volumes/* verbs. */
export interface VolumesApi {
  /** Errors: invalid (bad name). An existing name is returned as it is (Docker's behaviour). */
  create(opts?: VolumeCreateOptions): Promise<Volume>;
  list(opts?: { filters?: Filters }): Promise<{ Volumes: Volume[]; Warnings: string[] }>;
  /** Errors: not-found "get NAME: no such volume". */
  inspect(name: string): Promise<Volume>;
  /** Errors: not-found; conflict "remove NAME: volume is in use - [ID]" (unless force and no running user). */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** Filters: all, label, label! (Docker's). */
  prune(opts?: { all?: boolean; filters?: Filters }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}

/** `engine.events`: `GET /events`. */
export interface EventsApi {
  /** Call `fn` for each new event; returns an unsubscribe. */
  subscribe(fn: (e: EngineEvent) => void): () => void;
  /** Past events from `since`, then live ones until `until` or the signal. */
  stream(opts?: EventsOptions): AsyncIterable<EngineEvent>;
}

/** `engine.system`: /system/df, /info, /version. */
export interface SystemApi {
  /** `GET /system/df`: images with SharedSize and Containers, containers with SizeRw, volumes with UsageData. */
  df(): Promise<SystemDf>;
  /** `GET /info` data; `name` and `root` are the server's (Name, DockerRootDir). */
  info(opts?: { name?: string; root?: string }): Promise<Record<string, unknown>>;
  /** `GET /version` data. */
  version(): Record<string, unknown>;
  /** `POST /auth` (`docker login`): check credentials against their registry. Errors: unauthorized, unavailable, invalid. */
  auth(cfg: AuthConfig): Promise<AuthResult>;
}

/** One write of a program: `data` as written, `time` in ms since the epoch. */
export interface LogEntry {
  stream: "stdout" | "stderr";
  time: number;
  data: Uint8Array;
}

/** What `containers.attach` returns. */
export interface AttachSession {
  /** The container's output; ends when its process exits (or at once with stream: false). */
  output: AsyncIterable<LogEntry>;
  /** Stop receiving output. */
  close(): void;
}
