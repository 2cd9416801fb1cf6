/**
 * The engine's side of a worker process's ring: its file changes are applied to the
 * engine's copy of the rootfs and forwarded to the other processes on it, and its output
 * goes to the sinks, in the order the program made them (_frames.ts).
 *
 * Nothing here may throw out to the event loop, where it would end the server: a change
 * that cannot be applied fails this process (`failure`, which the caller turns into its
 * end with exit 255 and an error naming the change), and a sink that fails is recorded
 * (`sinkError`) and its output dropped, as Docker's log driver drops what it cannot
 * write. The ring is taken in bounded slices, one per turn of the event loop
 * (`pump`, `drainAll`), so a program that floods its output slows to the pace the
 * engine takes it at (its writes block on the in-flight cap, as on a full pipe) and
 * never holds the event loop.
 */
import type { OutputSink } from "./types.ts";
import type { Ring } from "./_ring.ts";
import type { Control } from "./_control.ts";
import { OUT_INFLIGHT } from "./_control.ts";
import { applyChange, type ChangeRecord, decodeTagged, describeChange, type WritableLayer } from "../fs/mod.ts";
import { messageOf } from "./_result.ts";
import { OUTPUT_FRAME, readOutputFrame } from "./_frames.ts";
import { messageTurn } from "./_preempt.ts";

/** Bytes of frames handled per turn of the event loop (about a millisecond of log writing). */
const SLICE_BYTES = 256 * 1024;
/** …or as many as fit in this much time, whichever comes first. */
const SLICE_MS = 4;

/**
 * A process running in a worker, as the engine sees its filesystems: the writable
 * layers it changes (the engine's copies, by the key its records carry). Each one's
 * changes, applied on the engine's copy, are forwarded to the inboxes of every other
 * process on the same filesystem (an exec in the same container, a container that mounts
 * the same volume), so every thread's copy converges. Frames that do not fit an inbox
 * now wait in `pending` for the next pump.
 */
export interface Peer { inbox: Ring; pending: Uint8Array[]; uppers: ReadonlyMap<string, WritableLayer> }

/** The running processes on each filesystem, by key. */
const users = new Map<string, Set<Peer>>();
/**
 * Inodes a process let go of (unlinked, last handle closed) while other processes were
 * on the same filesystem, which may still hold them open: forgotten once the last one
 * ends (applyChange keeps what is open or linked on the engine's side).
 */
const deferred = new Map<string, Set<number>>();

/** `self` is on its filesystems from now on: what others change there is forwarded to it. */
export function joinPeers(self: Peer): void {
  for (const key of self.uppers.keys()) users.get(key)?.add(self) ?? users.set(key, new Set([self]));
}

/** `self` has ended: nothing more is forwarded to it, and the last process on a filesystem forgets what was let go. */
export function leavePeers(self: Peer): void {
  for (const [key, upper] of self.uppers) {
    const set = users.get(key);
    set?.delete(self);
    if (set?.size) continue;
    users.delete(key);
    const inos = deferred.get(key);
    deferred.delete(key);
    for (const ino of inos ?? []) applyChange(upper, { op: "release", ino });
  }
}

function forward(peer: Peer): void {
  while (peer.pending.length && peer.inbox.tryPush(peer.pending[0]!)) peer.pending.shift();
}

/** The running processes on the filesystem `key` (empty when none). */
export function peersOn(key: string): ReadonlySet<Peer> {
  return users.get(key) ?? NONE;
}
const NONE: ReadonlySet<Peer> = new Set();

/** Hand `frame` (a tagged change record) to `peer`'s inbox, or queue it for its next pump. */
export function sendTo(peer: Peer, frame: Uint8Array): void {
  peer.pending.push(frame);
  forward(peer);
}

/** Inode `ino` of filesystem `key` was let go of while processes share it: forgotten when the last one ends. */
export function deferRelease(key: string, ino: number): void {
  deferred.get(key)?.add(ino) ?? deferred.set(key, new Set([ino]));
}

/** Yield to the event loop (a task, not a microtask: I/O and timers run in between). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Yield to the event loop as `nextTurn` does, mostly without a timer's delay (_preempt.ts
 * `messageTurn`, where there is a MessageChannel). A pump rung again while it yielded by
 * timers waited 1–4 ms for each slice: a shared worker's process writing a file, blocked
 * on its filesystem's full 64 KiB journal, made 18 MiB/s. But a loop that always has a
 * message ready is not one that polls its sockets (Deno's polls them every 61 turns then,
 * _preempt.ts): so at least every TIMER_TURN_MS the turn is a timer's. A process on a
 * shared worker writing 400 MB, under Deno, with requests to a Deno.serve on the engine's
 * thread meanwhile: messages alone, 4.4–4.8 s and a request p99 of 52–60 ms (max 170);
 * timers alone, 20 s and 3–4 ms; this, 5.6–5.8 s and 12–18 ms (max 100–160).
 */
export function nextTask(): Promise<void> {
  const t = performance.now();
  if (typeof MessageChannel !== "function" || t - lastTimerTurn >= TIMER_TURN_MS) {
    lastTimerTurn = t;
    return nextTurn();
  }
  return messageTurn();
}
const TIMER_TURN_MS = 10;
let lastTimerTurn = 0;

export class Replay {
  /** Why the process's changes could not be applied (the first change that failed); the process is to end. */
  failure: string | undefined;
  /** The first failure of a sink (its output was dropped). */
  sinkError: string | undefined;
  /** Output stops counting against the in-flight cap once the run is over (the words may be another run's). */
  closed = false;

  constructor(
    readonly o: {
      journal: Ring; control: Control; sinks: (OutputSink | undefined)[];
      self: Peer;
      /** The replays of the filesystems this process shares with others on its worker (_shared_fs.ts). */
      groups?: Replay[];
      /** The first change that failed: end the process. */
      onFailure: (message: string) => void;
    },
  ) {}

  /** The highest inode number this process created, per filesystem (for WritableLayer.returnInodes). */
  readonly created = new Map<string, number>();

  /** Output bytes taken by sinks in this slice, handed back to the writer at its end (one notify, not one per write). */
  #taken = 0;

  #settled(n: number): void {
    if (this.closed) return;
    Atomics.sub(this.o.control.words, OUT_INFLIGHT, n);
    Atomics.notify(this.o.control.words, OUT_INFLIGHT);
  }

  #sinkFailed(err: unknown): void {
    this.sinkError ??= `Cannot log the process's output: ${messageOf(err)}`;
  }

  #output(frame: Uint8Array): void {
    const { fd, time, chunk } = readOutputFrame(frame);
    let wrote: void | Promise<void> = undefined;
    try {
      wrote = this.o.sinks[fd]?.write(chunk, time);
    } catch (err) {
      this.#sinkFailed(err);
    }
    if (!wrote) return void (this.#taken += chunk.length);
    wrote.then(() => this.#settled(chunk.length), (err: unknown) => {
      this.#sinkFailed(err);
      this.#settled(chunk.length);
    });
  }

  /** Apply one change frame; the key of the filesystem it changed, or undefined when it was not applied. */
  #apply(frame: Uint8Array): string | undefined {
    if (this.failure) return undefined; // the engine's copy has parted from the process's: apply nothing more of it
    let rec: ChangeRecord | undefined;
    try {
      const tagged = decodeTagged(frame);
      rec = tagged.rec;
      const key = tagged.fs ?? "";
      const upper = this.o.self.uppers.get(key);
      if (!upper) throw new Error(`the process has no filesystem "${key}"`);
      if (rec.op === "inode") this.created.set(key, Math.max(this.created.get(key) ?? -1, rec.ino));
      if (rec.op === "release" && (users.get(key)?.size ?? 0) > 1) {
        deferRelease(key, rec.ino);
        return key;
      }
      applyChange(upper, rec);
      return key;
    } catch (err) {
      const what = rec ? ` (${describeChange(rec)})` : "";
      this.failure = `Cannot apply the process's change${what} to the container's filesystem: ${messageOf(err)}`;
      this.o.onFailure(this.failure);
      return undefined;
    }
  }

  /** Bytes the last `step` took from the journals of the filesystems this process shares (`groups`). */
  groupBytes = 0;

  /**
   * Handle one bounded slice of what the ring holds (frames forwarded to peers that did
   * not fit go first); true when more may be waiting. The filesystems this process shares
   * with others on its worker (`groups`) are caught up first, up to this moment: what the
   * process wrote out after a change it made is never handed on before that change is
   * on the engine's copy.
   */
  step(): boolean {
    const { journal, self, groups } = this.o;
    forward(self);
    const upTo = groups?.length ? journal.mark() : undefined;
    this.groupBytes = 0;
    for (const g of groups ?? []) this.groupBytes += g.catchUp();
    const until = performance.now() + SLICE_MS;
    for (let taken = 0; taken < SLICE_BYTES && performance.now() < until;) {
      const frames = journal.drain(SLICE_BYTES / 8, upTo);
      if (!frames.length) break;
      taken += this.#take(frames);
    }
    if (this.#taken) this.#settled(this.#taken), this.#taken = 0;
    return !journal.empty;
  }

  /** Take all the ring holds now, at once: a shared filesystem's changes, before the output of a process on it; the bytes taken. */
  catchUp(): number {
    forward(this.o.self);
    return this.#take(this.o.journal.drain());
  }

  /** Hand on output and apply changes (forwarding them to the filesystem's other peers); the bytes taken. */
  #take(frames: { kind: number; bytes: Uint8Array }[]): number {
    let taken = 0;
    for (const f of frames) {
      taken += f.bytes.length;
      if (f.kind === OUTPUT_FRAME) {
        this.#output(f.bytes);
        continue;
      }
      const key = this.#apply(f.bytes);
      const others = key === undefined ? undefined : users.get(key);
      if (!others || others.size < 2) continue; // the common case: nobody else to tell
      for (const p of others) if (p !== this.o.self) p.pending.push(f.bytes), forward(p);
    }
    return taken;
  }

  /** Take everything the ring holds, a slice per turn of the event loop (after the process ended). */
  async drainAll(): Promise<void> {
    while (this.step()) await nextTurn();
  }
}
