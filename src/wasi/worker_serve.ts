/**
 * The worker side of a process: receives a run request, rebuilds the filesystem from
 * its snapshot, links its writable layers to the shared ring (change_link.ts: their
 * change records go out, the other processes' come in), runs the program with
 * `runSync`; its output goes into the same ring as its changes (_frames.ts), and its
 * result is posted. A worker serves one process at a time; it keeps the rings and the
 * modules the engine sent with earlier runs.
 */
import { WASIProcExit } from "@bjorn3/browser_wasi_shim";
import { Control, OUT_INFLIGHT } from "./_control.ts";
import { WasiError } from "./errno.ts";
import { Ring } from "./_ring.ts";
import { ChangeLink, RUN_INODES } from "./change_link.ts";
import { JOURNAL_FRAME, OUTPUT_FRAME, outputChunkMax, outputFrame } from "./_frames.ts";
import { type HostFiles, rootfsFrom, type RootfsTransfer } from "./rootfs_transfer.ts";
import { type CachedModule, ModuleCache, type Sha256Sync, type Uncompiled } from "./module_cache.ts";
import type { MemoryLimits } from "./module_info.ts";
import { type LoadedProgram, runSync } from "./run_sync.ts";
import { OutputFd, StdinFd } from "./stdio.ts";
import { readStdin } from "./stdin_pipe.ts";
import type { LibcCwdSlot } from "./_libc_cwd.ts";

/** The worker's end of its channel (globalThis in a web Worker, parentPort in Node). */
export interface WorkerSelf {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

/**
 * The program the engine found for a run. `module` is absent when this worker was sent it
 * before; `pending` (the checked bytes, not compiled) when the engine has no module for it
 * yet: this worker compiles it, off the engine's thread, and sends the module back.
 */
export interface ProgramRef {
  argv: string[];
  /** Module cache key (the file's identity, module_cache.ts). */
  key: string;
  capped: boolean;
  /** Where its libc keeps the working directory (_libc_cwd.ts). */
  cwdSlot?: LibcCwdSlot;
  memory?: MemoryLimits;
  /** The pages of memory it starts with. */
  pages: number;
  module?: WebAssembly.Module;
  pending?: Uncompiled;
}

interface RunRequest {
  type: "run";
  rootfs: RootfsTransfer;
  /** Where this run's new inodes are numbered from, per filesystem key (RUN_INODES numbers each). */
  inodes: Record<string, number>;
  argv: string[];
  env: string[];
  cwd: string;
  /** stdio are a terminal (-t). */
  tty: boolean;
  /** All of stdin, or "stream": it arrives in the stdin ring as the engine gets it (stdin_pipe.ts). */
  stdin: Uint8Array | "stream";
  control: SharedArrayBuffer;
  /**
   * With the first run only: the journal ring (this process's changes and output, for
   * the engine) and the inbox ring (the other processes' changes to this rootfs, forwarded by the
   * engine). The worker keeps them; the engine empties them between runs.
   */
  rings?: { journal: SharedArrayBuffer; inbox: SharedArrayBuffer; stdin: SharedArrayBuffer };
  /** Absent when the engine did not find the program: the worker looks and reports. */
  program?: ProgramRef;
  memoryBytes?: number;
  outputCap: number;
  deadline?: number;
}

const modules = new ModuleCache();
let rings: { journal: Ring; inbox: Ring; stdin: Ring } | undefined;

/**
 * The program of a run, from this worker's cache, from the module sent, or compiled here
 * from the bytes sent (then also `compiled`, for the engine's cache). Undefined when none
 * can be had: runSync then looks for the program itself and reports what it finds (a
 * module that does not compile is 126 there).
 */
function programOf(ref: ProgramRef | undefined): { program?: LoadedProgram; compiled?: CachedModule } {
  if (!ref) return {};
  const { argv, module: sent, pending, ...entry } = ref;
  if (sent) modules.put({ ...entry, module: sent });
  let compiled: CachedModule | undefined;
  if (!modules.entry(ref.key) && pending) {
    const made = modules.compile(pending);
    if ("refused" in made) return {};
    compiled = made;
  }
  const module = modules.entry(ref.key)?.module;
  return { program: module && { argv, module, key: ref.key, memory: ref.memory, pages: ref.pages, capped: ref.capped, cwdSlot: ref.cwdSlot }, compiled };
}

/**
 * Serve run requests on `self` forever. `host`, where the platform has host files, opens
 * a bind mount's directory and a layer's spill space in this thread (its WorkerHost says
 * `hostFiles`); `sha256`, the platform's, hashes a program a container wrote that this
 * worker loads itself (a child started through spawn).
 */
export function serveProcessWorker(self: WorkerSelf, opts: { host?: HostFiles; sha256?: Sha256Sync } = {}): void {
  self.onMessage((m) => {
    const req = m as RunRequest;
    if (req.type !== "run") return;
    const control = new Control(req.control);
    if (req.deadline) control.deadline = req.deadline;
    // Busy from here to the posted result (its waits aside); each program's start and end
    // goes to the engine as it happens (docker top), one message per program, not per call.
    control.meter.busy();
    control.meter.announce = (e) => self.postMessage({ type: "program", event: e });
    if (req.rings) rings = { journal: new Ring(req.rings.journal), inbox: new Ring(req.rings.inbox), stdin: new Ring(req.rings.stdin) };
    const { journal, inbox } = rings!;
    // Frames go into the ring at once (a kill loses none) but wake the engine only at the
    // next system call, or as the run ends: one wake for a burst, none for a short run
    // (the engine's pump also looks every 50 ms, and a full ring wakes it).
    let unwoken = false;
    const push = (frame: Uint8Array, kind: number) => {
      journal.push(frame, kind, false);
      unwoken = true;
    };
    const rootfs = rootfsFrom(req.rootfs, opts.host);
    for (const [key, upper] of rootfs.uppers) {
      const base = req.inodes[key];
      if (base === undefined) throw new Error(`Cannot run: no inode numbers were set aside for filesystem ${key}`);
      upper.nextIno = base;
      upper.inoEnd = base + RUN_INODES;
    }
    const link = new ChangeLink(rootfs.uppers, (f) => push(f, JOURNAL_FRAME), journal.maxFrame, inbox);
    const beforeCall = () => {
      if (unwoken) unwoken = false, journal.wake();
      link.sync();
    };
    const most = outputChunkMax(journal.maxFrame);
    const out = (fd: number) => new OutputFd((chunk) => {
      for (;;) {
        const inflight = Atomics.load(control.words, OUT_INFLIGHT);
        if (inflight < req.outputCap) break;
        // A kill, a stop or a signal ends a writer blocked on a full pipe too; one that catches ^C sees EINTR.
        if (control.check()) {
          control.takeSignal();
          throw new WasiError("EINTR", "interrupted");
        }
        beforeCall(); // what is waiting to go out must reach the sinks to make room
        control.meter.idle();
        Atomics.wait(control.words, OUT_INFLIGHT, inflight, 100); // a full pipe: wait for the engine's sink
        control.meter.busy();
      }
      Atomics.add(control.words, OUT_INFLIGHT, chunk.length);
      const time = Date.now();
      for (let at = 0; at < chunk.length || at === 0; at += most) {
        push(outputFrame(fd, time, chunk.subarray(at, at + most)), OUTPUT_FRAME);
      }
    }, req.tty);
    const { program, compiled } = programOf(req.program);
    const result = runSync({
      vfs: rootfs.vfs, argv: req.argv, env: req.env, cwd: req.cwd, tty: req.tty, control, modules, memoryBytes: req.memoryBytes, program,
      sha256: opts.sha256,
      stdio: [new StdinFd(req.stdin === "stream" ? readStdin(rings!.stdin, control) : req.stdin, req.tty), out(1), out(2)], beforeCall,
    });
    link.close();
    control.meter.idle();
    self.postMessage({ type: "done", result, ...(compiled ? { compiled } : {}) });
  });
}
