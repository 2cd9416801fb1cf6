/**
 * The worker side of a process: receives a run request, rebuilds the filesystem from
 * its snapshot, links its writable layers to the shared ring (change_link.ts: their
 * change records go out, the other processes' come in), runs the program with
 * `runSync`; its output goes into the same ring as its changes (_frames.ts), and its
 * result is posted. A dedicated worker serves one process at a time; it keeps the rings
 * and the modules the engine sent with earlier runs. A shared worker (_shared_workers.ts)
 * runs many at once, suspendable; the processes of one container there share the copies
 * of its filesystems it keeps, each linked to a journal of its own (_shared_fs.ts).
 */
import { wasi } from "@bjorn3/browser_wasi_shim";
import { Control, OUT_INFLIGHT } from "./_control.ts";
import { WasiError } from "./errno.ts";
import { Ring, waitAsyncOn } from "./_ring.ts";
import { ChangeLink, RUN_INODES } from "./change_link.ts";
import { JOURNAL_FRAME, OUTPUT_FRAME, outputChunkMax, outputFrame } from "./_frames.ts";
import { type HostFiles, rootfsFrom, type RootfsTransfer } from "./rootfs_transfer.ts";
import type { NewSharedFs } from "./_shared_fs.ts";
import { type SetMessage, setAt, type SetPlace } from "./_ring_sets.ts";
import type { UnionFS } from "../fs/mod.ts";
import { type CachedModule, ModuleCache, type Sha256Sync, type Uncompiled } from "./module_cache.ts";
import type { MemoryLimits } from "./module_info.ts";
import { type LoadedProgram, runSuspendable, runSync, type SyncRunOptions, type SyncRunResult } from "./run_sync.ts";
import { OutputFd, StdinFd } from "./stdio.ts";
import { readStdin } from "./stdin_pipe.ts";
import type { LibcCwdSlot } from "./_libc_cwd.ts";

const ERRNO_INTR = wasi.ERRNO_INTR;

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
  /** The control words (a dedicated worker's; a shared run's are in its ring set). */
  control?: SharedArrayBuffer;
  /**
   * A dedicated worker's first run only: the journal ring (this process's changes and
   * output, for the engine) and the inbox ring (the other processes' changes to this
   * rootfs, forwarded by the engine). The worker keeps them; the engine empties them between runs.
   */
  rings?: { journal: SharedArrayBuffer; inbox: SharedArrayBuffer; stdin: SharedArrayBuffer };
  /** In a shared worker: the run's id (its messages carry it). */
  run?: number;
  /** In a shared worker: the ring set it uses (where it is, the first time: _ring_sets.ts). */
  ringSet?: number;
  setAt?: SetPlace;
  slab?: SetMessage["slab"];
  /** In a shared worker: the copies of the run's filesystems to make and keep for the container's processes here (_shared_fs.ts). */
  filesystems?: NewSharedFs[];
  /** Absent when the engine did not find the program: the worker looks and reports. */
  program?: ProgramRef;
  /** In a shared worker: what the engine set aside to tell it, handled first (_shared_workers.ts). */
  aside?: Aside[];
  memoryBytes?: number;
  outputCap: number;
  deadline?: number;
}

/**
 * What a shared worker is told between runs: a ring set the engine let go (and the slab
 * it was the last of), a filesystem copy whose last process has ended; and several of
 * them at once ("aside": they went without a run to carry them).
 */
type Aside =
  | { type: "forget"; ringSet?: number; slab?: number }
  | { type: "drop"; key: string; ringSet: number }
  | { type: "aside"; messages: Aside[] };

const modules = new ModuleCache();
/** The rings of this worker's one run at a time (kept across runs). */
let rings: { journal: Ring; inbox: Ring; stdin: Ring } | undefined;
/**
 * A shared worker's ring sets by id (a run's, or a filesystem copy's; reused), and the
 * slabs they are in (_ring_sets.ts).
 */
const ringSets = new Map<number, { journal: Ring; inbox: Ring; stdin: Ring; sab: SharedArrayBuffer; controlAt: number }>();
const slabs = new Map<number, SharedArrayBuffer>();

/** The ring set a message names: made from where it is the first time. */
function setOf(m: SetMessage): NonNullable<ReturnType<typeof ringSets.get>> {
  if (m.slab) slabs.set(m.slab.id, m.slab.sab);
  if (m.setAt) {
    const sab = slabs.get(m.setAt.slab);
    if (!sab) throw new Error(`Cannot run: slab ${m.setAt.slab} of ring set ${m.ringSet} was never sent`);
    ringSets.set(m.ringSet, { ...setAt(sab, m.setAt), sab });
  }
  const set = ringSets.get(m.ringSet);
  if (!set) throw new Error(`Cannot run: ring set ${m.ringSet} was never sent`);
  return set;
}

/**
 * A filesystem copy a shared worker keeps while processes of its container run here
 * (_shared_fs.ts): one union they all use, linked to its own journal, whose frames the
 * engine takes when any of them wakes it.
 */
interface KeptFs {
  union: UnionFS;
  link: ChangeLink;
  ringSet: number;
  /** Changes went into its journal since a run last woke the engine. */
  unwoken: boolean;
  /** How to wake the pump of each run on it (a full journal wakes them all). */
  wakers: Set<() => void>;
}
const keptFs = new Map<string, KeptFs>();

/** Make the copy `f` names from the union the run's transfer just built. */
function keep(f: NewSharedFs, union: UnionFS | undefined): KeptFs {
  if (!union) throw new Error(`Cannot run: filesystem ${f.key} was to be kept but was not sent`);
  const rings = setOf(f);
  union.upper.nextIno = f.inodes;
  union.upper.inoEnd = f.inodes + RUN_INODES;
  const kept: KeptFs = { union, ringSet: f.ringSet, unwoken: false, wakers: new Set(), link: undefined! };
  const full = () => kept.wakers.forEach((wake) => wake());
  kept.link = new ChangeLink(new Map([[f.key, union.upper]]), (frame) => {
    kept.unwoken = true;
    rings.journal.push(frame, JOURNAL_FRAME, false, full);
  }, rings.journal.maxFrame, rings.inbox);
  keptFs.get(f.key)?.link.close(); // a copy the engine gave up on (its changes could not be applied); its processes are ending
  keptFs.set(f.key, kept);
  return kept;
}

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
 *
 * A request with a `run` id is one of many this worker runs at once (_shared_workers.ts):
 * it runs suspendable, so its waits (a sleep, a read of stdin, a full output pipe) and its
 * preemption points free the thread for the others; its messages carry the id.
 */
export function serveProcessWorker(self: WorkerSelf, opts: { host?: HostFiles; sha256?: Sha256Sync } = {}): void {
  self.onMessage(function handle(m: unknown): void {
    const req = m as RunRequest | Aside;
    // What the engine told this shared worker meanwhile, in order, before the run it came with (_shared_workers.ts).
    if (req.type === "aside") return void req.messages.forEach(handle);
    if (req.type === "run") req.aside?.forEach(handle);
    if (req.type === "forget") {
      // A ring set the engine let go, and the slab it was the last of (_shared_workers.ts).
      if (req.ringSet !== undefined) ringSets.delete(req.ringSet);
      if (req.slab !== undefined) slabs.delete(req.slab);
      return;
    }
    if (req.type === "drop") {
      // The last process of a filesystem copy here has ended (_shared_fs.ts).
      const kept = keptFs.get(req.key);
      if (kept?.ringSet === req.ringSet) kept.link.close(), keptFs.delete(req.key);
      return;
    }
    if (req.type !== "run") return;
    if (req.run === undefined) return void serve(self, req, opts);
    const run = req.run;
    const failed = (err: unknown): SyncRunResult =>
      ({ exitCode: 255, oomKilled: false, timedOut: false, error: `Cannot run the process: ${err instanceof Error ? err.message : String(err)}` });
    let served: Promise<Served>;
    try {
      served = serve(self, req, opts)!;
    } catch (err) {
      served = Promise.resolve({ result: failed(err) });
    }
    served.then(undefined, (err: unknown): Served => ({ result: failed(err) })).then(({ result, compiled }) => {
      self.postMessage({ type: "done", run, result, ...(compiled ? { compiled } : {}) });
    });
  });
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A run's end, and the module it compiled for the engine's cache. */
type Served = { result: SyncRunResult; compiled?: CachedModule };

/** One run: posts its end itself when it is the worker's only one; a shared run's end is the caller's to post. */
function serve(self: WorkerSelf, req: RunRequest, opts: { host?: HostFiles; sha256?: Sha256Sync }): Promise<Served> | undefined {
  const shared = req.run !== undefined;
  // A shared run's rings and control words are in its ring set; the copies it makes may bring a slab.
  const set = shared ? (req.filesystems?.forEach((f) => f.slab && slabs.set(f.slab.id, f.slab.sab)), setOf(req as SetMessage)) : undefined;
  const control = set ? new Control(set.sab, set.controlAt) : new Control(req.control);
  if (req.deadline) control.deadline = req.deadline;
  // Busy from here to the posted result (its waits aside); each program's start and end
  // goes to the engine as it happens (docker top), one message per program, not per call.
  // Not the main program's, which the engine already has as asked (_program_table.ts): its
  // end is the run's, and its start says only what the engine knows, unless a `#!` line put
  // an interpreter in front. A short run is then one message each way.
  control.meter.busy();
  control.meter.announce = (e) => {
    if (e.depth === 0 && (!e.argv || sameArgv(e.argv, req.argv))) return;
    self.postMessage({ type: "program", event: e, ...(shared ? { run: req.run } : {}) });
  };
  if (req.rings) rings = { journal: new Ring(req.rings.journal), inbox: new Ring(req.rings.inbox), stdin: new Ring(req.rings.stdin) };
  const mine = set ?? rings;
  if (!mine) throw new Error("Cannot run: the rings were never sent");
  const { journal, inbox } = mine;
  // Frames go into the ring at once (a kill loses none) but wake the engine only at the
  // next system call, or as the run ends: one wake for a burst, none for a short run
  // (the engine's pump also looks by itself, every 50 ms for a dedicated worker and every
  // 30 s for a shared one, which also wakes it as a program yields; a full ring wakes it).
  let unwoken = false;
  const push = (frame: Uint8Array, kind: number) => {
    journal.push(frame, kind, false);
    unwoken = true;
  };
  // The engine's pump of this run also takes its shared filesystems' journals (_replay.ts).
  let kept: KeptFs[] = [];
  const wakeEngine = () => {
    let wake = unwoken;
    unwoken = false;
    for (const k of kept) if (k.unwoken) k.unwoken = false, wake = true;
    if (wake) journal.wake();
  };
  const rootfs = rootfsFrom(req.rootfs, opts.host, shared ? (key) => keptFs.get(key)?.union : undefined);
  // A dedicated worker's run has its own copy of each filesystem, linked to its journal; a
  // shared one's are the worker's kept copies, shared with its container's other processes here.
  let links: ChangeLink[];
  if (shared) {
    for (const f of req.filesystems ?? []) keep(f, rootfs.unions.get(f.key));
    kept = [...rootfs.uppers.keys()].map((key) => {
      const k = keptFs.get(key);
      if (!k) throw new Error(`Cannot run: this worker keeps no copy of filesystem ${key}`);
      return k;
    });
    links = kept.map((k) => k.link);
  } else {
    for (const [key, upper] of rootfs.uppers) {
      const base = req.inodes[key];
      if (base === undefined) throw new Error(`Cannot run: no inode numbers were set aside for filesystem ${key}`);
      upper.nextIno = base;
      upper.inoEnd = base + RUN_INODES;
    }
    links = [new ChangeLink(rootfs.uppers, (f) => push(f, JOURNAL_FRAME), journal.maxFrame, inbox)];
  }
  const wakeMe = () => journal.wake();
  const beforeCall = () => {
    wakeEngine();
    for (const link of links) link.sync();
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
  const options: SyncRunOptions = {
    vfs: rootfs.vfs, argv: req.argv, env: req.env, cwd: req.cwd, tty: req.tty, control, modules, memoryBytes: req.memoryBytes, program,
    sha256: opts.sha256,
    stdio: [new StdinFd(req.stdin === "stream" ? readStdin(mine.stdin, control) : req.stdin, req.tty), out(1), out(2)], beforeCall,
  };
  const ended = (result: SyncRunResult): Served => {
    if (shared) kept.forEach((k) => k.wakers.delete(wakeMe));
    else links.forEach((link) => link.close());
    control.meter.idle();
    return { result, compiled };
  };
  if (!shared) {
    const { result } = ended(runSync(options));
    self.postMessage({ type: "done", result, ...(compiled ? { compiled } : {}) });
    return;
  }
  // Shared: the engine rings from its thread; a full pipe suspends the writer (the thread
  // serves the others meanwhile) rather than holding the thread in Atomics.wait.
  control.crossThread = true;
  control.holdsBySuspending = true;
  const awaitRoom = (): Promise<number | undefined> | undefined => {
    if (Atomics.load(control.words, OUT_INFLIGHT) < req.outputCap) return undefined;
    return (async () => {
      for (;;) {
        const inflight = Atomics.load(control.words, OUT_INFLIGHT);
        if (inflight < req.outputCap) return undefined;
        if (control.check()) {
          control.takeSignal();
          return ERRNO_INTR;
        }
        beforeCall();
        control.meter.idle();
        await waitAsyncOn(control.words, OUT_INFLIGHT, inflight, 100);
        control.meter.busy();
      }
    })();
  };
  // Its copies' full journals wake its pump from here on (not before: a run that failed to start never joins).
  for (const k of kept) k.wakers.add(wakeMe);
  return runSuspendable({ ...options, awaitRoom, onYield: wakeEngine }).then(ended, (err: unknown) => {
    kept.forEach((k) => k.wakers.delete(wakeMe));
    throw err;
  });
}
