/**
 * What a container has while the engine holds it: its record, its mounted filesystem
 * (null until first used, so 10,000 created containers cost only their records), its
 * log, the running process, its stdin (and terminal), and the waiters of `wait`.
 *
 * Who writes what: the layer cache mounts (`fs`, `upper`) and keeps `sizes`; the
 * lifecycle, with its log sink and stdin, runs the process (`proc`, `view`, `input`,
 * `size`, `logWriter`, `held`, `exiting`, `stopRequested`, the waiters, the record's State) and drops
 * `fs` after recovering a layer; the registry renames. Other parts say what happened
 * through a method (`layerChanged`); the restarts (_restarts.ts) own `backoff`,
 * `restartTimer` and `autoStart`.
 */
import type { FileSystem, UnionFS } from "../fs/mod.ts";
import type { ProcessHandle } from "../wasi/mod.ts";
import type { ProcessStdin } from "./_stdin.ts";
import { ContainerProcesses } from "./_processes.ts";
import { RestartBackoff } from "./_restart_policy.ts";
import { LogBuffer } from "./logs.ts";
import type { Appender, PersistedUpper } from "./_persist.ts";
import type { ContainerRecord, ExitStatus } from "./wire.ts";

export type { ExitStatus };

export class ContainerRuntime {
  fs: UnionFS | null = null;
  proc: ProcessHandle | null = null;
  /** What the running process sees: the union with its mounts (null when not running). */
  view: FileSystem | null = null;
  /**
   * The stdin of the running process, or of the next start once an attach has given it
   * input (`docker run -i` attaches before start); with -t, its terminal. Null without OpenStdin.
   */
  input: ProcessStdin | null = null;
  /** The terminal's size as last resized ([rows, cols]), for the next start too. */
  size: [number, number] | null = null;
  exitWaiters: Array<(s: ExitStatus) => void> = [];
  removeWaiters: Array<(s: ExitStatus) => void> = [];
  /** The stored upper (snapshot + journal); made on first mount. */
  upper: PersistedUpper | null = null;
  /** The stored log's writer; made on first output. */
  logWriter: Appender | null = null;
  /** Volumes a running process holds (ended at exit). */
  held: string[] = [];
  /** Sizes while the layer does not change (cleared when a process starts or ends). */
  sizes: { SizeRw: number; SizeRootFs: number } | null = null;
  /** Settles when the exit is fully recorded. */
  exiting: Promise<void> | null = null;
  /** The user (or the engine closing) ends the running process: its exit restarts nothing. Cleared at each start. */
  stopRequested = false;
  /** The delays between the restarts of its restart policy (_restarts.ts). */
  readonly backoff = new RestartBackoff();
  /** The timer of a pending restart (status "restarting"). */
  restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** A restart of its policy under way (the timer fired, the start has not finished). */
  autoStart: Promise<void> | null = null;
  #logs: LogBuffer | null = null;
  #processes: ContainerProcesses | null = null;

  constructor(public rec: ContainerRecord, readonly logCap: number) {}

  /** Made on first use: an idle created container holds no buffer. */
  get logs(): LogBuffer {
    return (this.#logs ??= new LogBuffer(this.logCap));
  }

  /** Its running processes (main and execs) for top, stats and pause; made on first use. */
  get processes(): ContainerProcesses {
    return (this.#processes ??= new ContainerProcesses());
  }

  /** A process writes or wrote the layer (a start, an exit, an exec): kept sizes are measured again when asked. */
  layerChanged(): void {
    this.sizes = null;
  }

  status(): ExitStatus {
    return { StatusCode: this.rec.State.ExitCode, Error: this.rec.State.Error ? { Message: this.rec.State.Error } : null };
  }
}
