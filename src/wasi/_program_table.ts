/**
 * The engine's view of the programs one process runs now: its main program and the
 * children `strata.spawn` runs over it (one thread runs them nested, so they form a
 * chain, innermost last), built from the start and end events the process announces
 * (_meter.ts). Each program gets a pid from the caller's numbering (a container numbers
 * its processes from 1) and its own CPU time: the process's CPU time while it was the
 * innermost program.
 */
import type { Meter, ProgramEvent } from "./_meter.ts";
import type { ProgramInfo } from "./types.ts";

interface Entry {
  pid: number;
  ppid: number;
  argv: string[];
  startedAt: number;
  /** CPU ms it ran while innermost, up to `since`. */
  own: number;
  /** The process's CPU ms when it last became innermost. */
  since: number;
}

export class ProgramTable {
  readonly #stack: Entry[] = [];
  #ended = false;

  /** `argv` is the main program's as asked (the process announces it as resolved: `#!` in front). */
  constructor(argv: readonly string[], private readonly o: { nextPid: () => number; parentPid: number; meter: Meter }) {
    this.#stack.push({ pid: o.nextPid(), ppid: o.parentPid, argv: [...argv], startedAt: Date.now(), own: 0, since: 0 });
  }

  /** The main program's pid. */
  get pid(): number {
    return this.#stack[0]!.pid;
  }

  event(e: ProgramEvent): void {
    if (this.#ended) return;
    const s = this.#stack;
    if (e.depth === 0) {
      if (e.argv) Object.assign(s[0]!, { argv: e.argv, since: e.cpuMs });
      return; // the main program's end: the process's end follows
    }
    if (e.depth > s.length) return; // an event of a program this table never saw start
    s.length = e.depth;
    const parent = s[e.depth - 1]!;
    if (e.argv) {
      parent.own += Math.max(0, e.cpuMs - parent.since);
      s.push({ pid: this.o.nextPid(), ppid: parent.pid, argv: e.argv, startedAt: e.at, own: 0, since: e.cpuMs });
    } else {
      parent.since = e.cpuMs;
    }
  }

  /** The process has ended: no programs any more. */
  end(): void {
    this.#ended = true;
    this.#stack.length = 0;
  }

  /** The programs now, outermost first. */
  list(): ProgramInfo[] {
    const cpu = this.o.meter.cpuMs;
    const m = this.o.meter, last = this.#stack.length - 1;
    return this.#stack.map((p, i) => ({
      pid: p.pid, ppid: p.ppid, argv: p.argv, startedAt: p.startedAt,
      cpuMs: i === last ? p.own + Math.max(0, cpu - p.since) : p.own,
      memoryBytes: m.memoryAt(i), running: i === last && m.running,
    }));
  }
}
