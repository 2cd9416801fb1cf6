/**
 * What a container has while the engine holds it: its mounted filesystem, its log, the
 * running process, stdin waiting for start, and the waiters of `wait`.
 */
import type { UnionFS } from "../fs/mod.ts";
import type { ProcessHandle } from "../wasi/mod.ts";
import { LogBuffer } from "./logs.ts";
import type { ContainerRecord } from "./types.ts";

export interface ExitStatus {
  StatusCode: number;
  Error: { Message: string } | null;
}

export class ContainerRuntime {
  fs: UnionFS | null = null;
  proc: ProcessHandle | null = null;
  /** stdin given by an attach before start (`docker run -i`). */
  stdin: ReadableStream<Uint8Array> | Uint8Array | null = null;
  exitWaiters: Array<(s: ExitStatus) => void> = [];
  removeWaiters: Array<(s: ExitStatus) => void> = [];
  readonly logs: LogBuffer;

  constructor(public rec: ContainerRecord, logCap: number) {
    this.logs = new LogBuffer(logCap);
  }

  status(): ExitStatus {
    return { StatusCode: this.rec.State.ExitCode, Error: this.rec.State.Error ? { Message: this.rec.State.Error } : null };
  }
}
