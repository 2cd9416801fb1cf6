/**
 * `docker top` (`GET /containers/{id}/top?ps_args=`): a container's live programs (its
 * main program, the children its shell spawns, its execs and theirs) as `ps` prints
 * them. There is no `ps` to run: the table is made here, in the two forms `ps_args`
 * asks for in practice — `-ef` (the default; also `-e`, `-f`, `-A`, `ef`…) and BSD's
 * user-oriented `aux` (also `-aux`, `u`, `ux`…). Other arguments are refused with
 * Docker's "Error running ps" (500), as a host's ps refusing them would be.
 *
 * PIDs are strata's numbering per container (1 is the main program; ppid 0 for a
 * process that no program of the container started: the main one and each exec), not
 * the host's. TIME is each program's own CPU time (src/wasi/_meter.ts), C and %CPU that
 * time over the time since it started, RSS and VSZ its linear memory.
 */
import type { ProgramInfo } from "../wasi/mod.ts";
import { EngineError } from "./errors.ts";

/** The body of `GET /containers/{id}/top`. */
export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

const EF_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];
const AUX_TITLES = ["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME", "COMMAND"];

/** Which table `ps_args` asks for. Errors: internal (500), Docker's "Error running ps" for what is not supported. */
export function psStyle(psArgs: string | undefined): "ef" | "aux" {
  const args = (psArgs ?? "").trim();
  if (args === "") return "ef";
  const letters = args.replace(/[\s-]+/g, "");
  if (/^[aAefxw]+$/.test(letters) && !/^[ax]+$/.test(letters)) return "ef";
  if (/^[auxw]+$/.test(letters) && letters.includes("u")) return "aux";
  throw new EngineError("internal", `Error running ps: exit status 1: strata's top takes the ps arguments -ef (the default) and aux, in their spellings (-e -f, -A, -aux, ux…), not "${args}"`);
}

/** What the table needs of the container besides its programs. */
interface TopContext {
  user: string;
  tty: boolean;
  paused: boolean;
  /** The memory limit (%MEM). */
  memoryLimit: number;
  now?: number;
}

/** `ps`'s start time: HH:MM today, else MonDD. */
function startTime(ms: number, now: number): string {
  const d = new Date(ms), n = new Date(now);
  if (d.toDateString() === n.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.toLocaleString("en-US", { month: "short" })}${pad(d.getDate())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `-f`'s TIME: [DD-]hh:mm:ss. */
function cpuTime(ms: number): string {
  const s = Math.floor(ms / 1000), days = Math.floor(s / 86400);
  const hms = `${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return days ? `${days}-${hms}` : hms;
}

/** BSD's TIME: m:ss. */
function bsdTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

function cpuShare(p: ProgramInfo, now: number): number {
  const elapsed = Math.max(1, now - p.startedAt);
  return Math.min(100, (p.cpuMs / elapsed) * 100);
}

/** The table for `programs` in the style `psArgs` asks for (checked by psStyle). */
export function topTable(programs: readonly ProgramInfo[], psArgs: string | undefined, c: TopContext): TopResult {
  const style = psStyle(psArgs);
  const now = c.now ?? Date.now();
  const tty = c.tty ? "pts/0" : "?";
  const user = c.user.split(":")[0] || "root";
  if (style === "ef") {
    return {
      Titles: EF_TITLES,
      Processes: programs.map((p) => [
        user, String(p.pid), String(p.ppid), String(Math.floor(cpuShare(p, now))), startTime(p.startedAt, now), tty, cpuTime(p.cpuMs), p.argv.join(" "),
      ]),
    };
  }
  return {
    Titles: AUX_TITLES,
    Processes: programs.map((p) => {
      const kib = Math.round(p.memoryBytes / 1024);
      const stat = c.paused ? "T" : p.running ? "R" : "S";
      return [
        user, String(p.pid), cpuShare(p, now).toFixed(1), ((p.memoryBytes / c.memoryLimit) * 100).toFixed(1), String(kib), String(kib), tty,
        stat, startTime(p.startedAt, now), bsdTime(p.cpuMs), p.argv.join(" "),
      ];
    }),
  };
}
