/**
 * A container's processes as `docker top`, `docker stats` and `docker pause` see them:
 * its main process and its execs while they run (each with the children its programs
 * spawn, src/wasi/_program_table.ts), the container's pid numbering (1 for the main
 * program, then one number per program started, execs and spawned children alike:
 * strata's own numbers, not the host's), and what the processes that ended used since
 * the container started (Docker's counters are the cgroup's: since the start).
 */
import type { ProcessHandle, ProgramInfo, Usage } from "../wasi/mod.ts";

/** What a container's processes used since it started, and use now. */
interface ContainerUsage extends Usage {
  /** Its live programs (Docker's pids.current). */
  pids: number;
}

export class ContainerProcesses {
  readonly #live = new Set<ProcessHandle>();
  #ended = { cpuMs: 0, readBytes: 0, writtenBytes: 0 };
  #pid = 0;
  #paused = false;

  /** The next pid of this container's numbering. */
  readonly nextPid = (): number => ++this.#pid;

  /** A new start: numbering from 1 again and counters from zero, as a new cgroup's. */
  reset(): void {
    this.#live.clear();
    this.#ended = { cpuMs: 0, readBytes: 0, writtenBytes: 0 };
    this.#pid = 0;
    this.#paused = false;
  }

  /** A process of the container starts; paused with the others while they are. */
  add(proc: ProcessHandle): void {
    this.#live.add(proc);
    if (this.#paused) proc.pause?.();
    void proc.done.then(() => {
      if (!this.#live.delete(proc)) return; // a reset meanwhile: another start's counters
      const u = proc.usage();
      this.#ended.cpuMs += u.cpuMs;
      this.#ended.readBytes += u.readBytes;
      this.#ended.writtenBytes += u.writtenBytes;
    });
  }

  /** Can every live process be paused (none runs inline, on the engine's thread)? */
  get pausable(): boolean {
    return [...this.#live].every((p) => p.pause);
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
    for (const p of this.#live) p.pause?.();
  }

  resume(): void {
    this.#paused = false;
    for (const p of this.#live) p.resume?.();
  }

  /** The main process ended: the others end with it (Docker: the container's pid namespace goes with its pid 1). */
  killAll(): void {
    for (const p of this.#live) void p.kill();
  }

  usage(): ContainerUsage {
    const out: ContainerUsage = { ...this.#ended, memoryBytes: 0, pids: 0 };
    for (const p of this.#live) {
      const u = p.usage();
      out.cpuMs += u.cpuMs;
      out.readBytes += u.readBytes;
      out.writtenBytes += u.writtenBytes;
      out.memoryBytes += u.memoryBytes;
      out.pids += Math.max(1, p.programs().length);
    }
    return out;
  }

  /** Every live program, by pid. */
  programs(): ProgramInfo[] {
    return [...this.#live].flatMap((p) => p.programs()).sort((a, b) => a.pid - b.pid);
  }
}
