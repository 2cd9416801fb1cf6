/**
 * What a process uses, counted where it runs and read by the engine on demand: CPU time,
 * linear memory, bytes read and written through files, and the programs it runs now
 * (the main one and the children `strata.spawn` runs over it, innermost last). The
 * figures live in shared memory beside the control words (_control.ts), so reading them
 * costs the process nothing; the process writes them only where it already stops: at
 * a system call, around a blocking wait, and when a program starts or ends.
 *
 * CPU time is the time the process's thread ran its programs: from the start of the run
 * to its end, less every blocking wait (a sleep, a read that waits for input, a full
 * output pipe, a pause). WebAssembly gives no per-thread CPU clock, so this is the
 * thread's busy wall time; on a machine with more runnable threads than cores it
 * counts time the thread was runnable but not running.
 */

/** Float64 slots after the control words. */
const CPU = 0, BUSY_SINCE = 1, MEMORY = 2, READ = 3, WRITTEN = 4;
/** Each of the outermost programs' own memory (docker top's RSS); deeper ones count in MEMORY only. */
const PROGRAM_MEMORY = 5, PROGRAM_SLOTS = 8;
export const METER_SLOTS = PROGRAM_MEMORY + PROGRAM_SLOTS;

/** The wall clock in ms since the epoch, below a millisecond (threads differ in timeOrigin, not in this sum). */
function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** What a process has used so far. */
export interface Usage {
  /** Busy time of its thread, ms (see above). */
  cpuMs: number;
  /** The linear memory of its live programs, bytes. */
  memoryBytes: number;
  /** Bytes read from and written to files (not pipes, terminals or the container's stdio). */
  readBytes: number;
  writtenBytes: number;
}

/** A program's start or end, as the process announces it (a worker posts it to the engine). */
export interface ProgramEvent {
  /** 0 for the process's main program, 1 for a child it spawned, … */
  depth: number;
  /** The argv of a program that starts; absent when the program at `depth` ended. */
  argv?: string[];
  /** When it happened (ms since the epoch) and the process's CPU time then. */
  at: number;
  cpuMs: number;
}

export class Meter {
  readonly #f: Float64Array;
  /** The process's side: the memories of the live programs, outermost first. */
  readonly #memories: Array<WebAssembly.Memory | undefined> = [];
  /** The process's side: told of each program's start and end (a worker posts it). */
  announce?: (e: ProgramEvent) => void;

  constructor(slots: Float64Array) {
    this.#f = slots;
  }

  reset(): void {
    this.#f.fill(0);
  }

  /** The process's side: its thread runs (the run starts, a wait ends). */
  busy(): void {
    if (!this.#f[BUSY_SINCE]) this.#f[BUSY_SINCE] = clockMs();
  }

  /** The process's side: its thread waits or the run ended; the busy time so far is counted. */
  idle(): void {
    const since = this.#f[BUSY_SINCE]!;
    if (!since) return;
    this.#f[CPU] = this.#f[CPU]! + Math.max(0, clockMs() - since);
    this.#f[BUSY_SINCE] = 0;
  }

  read(bytes: number): void {
    this.#f[READ] = this.#f[READ]! + bytes;
  }

  wrote(bytes: number): void {
    this.#f[WRITTEN] = this.#f[WRITTEN]! + bytes;
  }

  /** The process's side: a program starts at the next depth; returns that depth. */
  enter(argv: readonly string[]): number {
    const depth = this.#memories.push(undefined) - 1;
    this.announce?.({ depth, argv: [...argv], at: Date.now(), cpuMs: this.cpuMs });
    return depth;
  }

  /** The process's side: the memory of the program at `depth`, once it is instantiated. */
  attach(depth: number, memory: WebAssembly.Memory | undefined): void {
    this.#memories[depth] = memory;
    this.sample();
  }

  /** The process's side: the program at `depth` ended (and any deeper one). */
  leave(depth: number): void {
    this.#memories.length = depth;
    this.sample();
    this.announce?.({ depth, at: Date.now(), cpuMs: this.cpuMs });
  }

  /** The process's side, at each system call: the live programs' memory now (memory.grow happens between calls). */
  sample(): void {
    let bytes = 0;
    const ms = this.#memories;
    for (let i = 0; i < ms.length; i++) {
      const n = ms[i]?.buffer.byteLength ?? 0;
      bytes += n;
      if (i < PROGRAM_SLOTS) this.#f[PROGRAM_MEMORY + i] = n;
    }
    for (let i = ms.length; i < PROGRAM_SLOTS; i++) this.#f[PROGRAM_MEMORY + i] = 0;
    this.#f[MEMORY] = bytes;
  }

  /** The memory of the program at `depth` now (0 past the slots kept). */
  memoryAt(depth: number): number {
    return depth < PROGRAM_SLOTS ? this.#f[PROGRAM_MEMORY + depth]! : 0;
  }

  /** Is the process's thread running now (not in a wait, not paused, not ended)? */
  get running(): boolean {
    return this.#f[BUSY_SINCE] !== 0;
  }

  /** CPU time so far, the running busy stretch included. */
  get cpuMs(): number {
    const since = this.#f[BUSY_SINCE]!;
    return this.#f[CPU]! + (since ? Math.max(0, clockMs() - since) : 0);
  }

  /** Either side: the figures now. */
  usage(): Usage {
    return { cpuMs: this.cpuMs, memoryBytes: this.#f[MEMORY]!, readBytes: this.#f[READ]!, writtenBytes: this.#f[WRITTEN]! };
  }
}
