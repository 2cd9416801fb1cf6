/**
 * Options: what `createEngine` is handed (the store, the platform's abilities as one value,
 * a worker host, limits) and what the engine's calls take beyond Docker's bodies (list,
 * logs, attach, exec I/O, commit, events, wait conditions).
 */
import type { ProcessLimits, StdinSource, WorkerHost } from "../wasi/mod.ts";
import type { FileSystem } from "../fs/mod.ts";
import type { Store } from "../store/mod.ts";
import type { RegistryOptions, Sha256Hasher, Sha256Impl } from "../oci/mod.ts";
import type { MakeInflater } from "../tar/mod.ts";
import type { Filters } from "./wire.ts";

/** What `createEngine` is handed. */
export interface EngineOptions {
  store: Store;
  platform?: EnginePlatform;
  /** Run processes in workers (Node, Deno) so they can always be stopped. Without it they run inline. */
  workerHost?: WorkerHost;
  /** Default limits for every process. */
  limits?: ProcessLimits;
  /**
   * Start again, when the engine opens its store, the containers whose restart policy
   * says so (`always`, `unless-stopped` not stopped by the user, `on-failure` after a
   * failure), as Docker's daemon does at its start. Default true; the daemonless CLI,
   * whose engine lives for one command, says false.
   */
  autoRestart?: boolean;
  /** Per-container log cap in bytes (default 1 MiB); the oldest writes are dropped first. */
  logCap?: number;
  /** How long a removed AutoRemove container still answers `wait` (ms, default 30 s). */
  removedGraceMs?: number;
  /** Limit on one layer's uncompressed size in `docker load` (default 1 GiB): a gzip bomb is refused as it inflates past it. */
  maxLayerBytes?: number;
  /**
   * Memory shared by every load in progress (default 2 GiB, src/oci DEFAULT_LOAD_MEMORY):
   * what loads hold while they read (inflated layers, copied members); a load that would
   * pass it is refused at once.
   */
  loadMemoryBytes?: number;
  /**
   * Memory shared by every `docker cp` upload in progress (default 1 GiB, src/engine
   * archive.ts DEFAULT_ARCHIVE_MEMORY): the entries' names, and the file bodies where the
   * store has no disk to spool them on; an upload that would pass it is refused at once.
   */
  archiveMemoryBytes?: number;
  /**
   * How pulls and pushes reach registries: `insecureRegistries` (plain HTTP besides
   * loopback, the server's --insecure-registry), a `fetch` to use, retries.
   */
  registry?: Omit<RegistryOptions, "credentials" | "signal">;
}

/**
 * What a platform lends the engine. Node and Deno hand in server/platform's adapters;
 * a browser or edge build hands in nothing, so host directories are never reachable.
 */
export interface EnginePlatform {
  /** A host directory as a filesystem for a bind mount. Errors: invalid when it is missing or not a directory. */
  bindDir?(hostPath: string, opts: { readOnly: boolean }): FileSystem;
  /** SHA-256 of image content (loads, commit); WebCrypto without it. */
  sha256?: Sha256Impl;
  /** An incremental SHA-256: a streamed load then drops a compressed layer as it inflates instead of holding it whole. */
  sha256Hasher?: () => Sha256Hasher;
  /** gzip inflation for loads (src/tar `GunzipOptions.inflater`); DecompressionStream without it. */
  inflater?: MakeInflater;
  /** Hinted as a streamed load drops many buffers the collector does not feel (src/tar/churn.ts); nothing without it. */
  collectHint?: () => void;
}

/** `POST /containers/{id}/wait?condition=`: the current run's end (default), the next run's, or the removal. */
export type WaitCondition = "not-running" | "next-exit" | "removed";

/** `GET /containers/json`: `all` includes stopped ones, `size` adds SizeRw and SizeRootFs. */
export interface ListOptions { all?: boolean; size?: boolean; limit?: number; filters?: Filters }

/** `GET /containers/{id}/logs`: since/until in seconds (fractions allowed), tail a line count or "all". */
export interface LogsOptions {
  stdout?: boolean; stderr?: boolean; timestamps?: boolean;
  tail?: number | "all"; since?: number; until?: number;
  /** Keep the iterable open until the container's process exits. */
  follow?: boolean;
  /** Stop following (a client disconnected). */
  signal?: AbortSignal;
}

/**
 * `POST /containers/{id}/attach`. Output is registered at once, so an attach made before
 * `start` loses nothing. `stdin` feeds the container's stdin (OpenStdin) as it arrives,
 * buffered until the process starts; its end is the program's EOF with StdinOnce and no
 * terminal, and otherwise ends this attach (Docker's model; _stdin.ts).
 */
export interface AttachOptions {
  stdin?: StdinSource | null;
  stdout?: boolean; stderr?: boolean;
  /** Replay the past output first. */
  logs?: boolean;
  /** Follow new output (default true). */
  stream?: boolean;
  /** With a terminal: the keys that end this attach and leave the container running (Docker's format; default "ctrl-p,ctrl-q"). */
  detachKeys?: string;
}

/** An exec's stdin and where its output goes (`POST /exec/{id}/start`). */
export interface ExecIo {
  /** Streams in as it arrives; with a terminal, through its line discipline. */
  stdin?: ReadableStream<Uint8Array>;
  /** Called when the client's attach ends early: it typed the detach keys, or its input ended on a terminal. The exec runs on. */
  onDetach?: () => void;
  onOutput?: (stream: "stdout" | "stderr", data: Uint8Array) => void;
}

/** `POST /commit`; `changes` are Dockerfile instructions (`CMD ["x"]`, `ENV A=b`, WORKDIR, ENTRYPOINT, LABEL, USER). */
export interface CommitOptions {
  repo?: string; tag?: string; comment?: string; author?: string; changes?: string[];
  /** Accepted for Docker compatibility; a strata container's layer is consistent between writes anyway. */
  pause?: boolean;
}

/** `GET /events`. */
export interface EventsOptions {
  /** Replay recorded events from this time (unix seconds, fractions allowed). */
  since?: number;
  /** End the stream at this time (unix seconds). */
  until?: number;
  /** type, event (Action), container, image, volume, label — as `docker events --filter`. */
  filters?: Filters;
  signal?: AbortSignal;
}
