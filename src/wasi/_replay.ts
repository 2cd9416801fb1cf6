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
import type { FileSystem } from "../fs/mod.ts";
import type { Ring } from "./_ring.ts";
import type { Control } from "./_control.ts";
import { OUT_INFLIGHT } from "./_control.ts";
import { applyFrame, describeFrame, framePath, retargetFrame } from "./journal.ts";
import { MountedVfs } from "./mounted_vfs.ts";
import { messageOf } from "./_result.ts";
import { OUTPUT_FRAME, readOutputFrame } from "./_frames.ts";
import type { PooledWorker } from "./_worker_pool.ts";

/** Bytes of frames handled per turn of the event loop (about a millisecond of log writing). */
const SLICE_BYTES = 256 * 1024;
/** …or as many as fit in this much time, whichever comes first. */
const SLICE_MS = 4;

/**
 * The processes running in workers on one rootfs (a container's main process and its
 * execs): each one's journal, replayed on the engine's copy, is forwarded to the others'
 * inboxes, so every thread's copy converges on the same filesystem. Frames that do not fit
 * an inbox now wait in `pending` for the next pump.
 */
export interface Peer { inbox: Ring; pending: Uint8Array[]; worker: PooledWorker }
const peersOf = new WeakMap<FileSystem, Set<Peer>>();
/**
 * The processes of every container that mounts a volume, by the volume's filesystem,
 * with where each mounts it: a change one makes in the volume is forwarded to the others
 * too (retargeted to their mount point), as processes on one kernel share a volume.
 */
const volumeUsers = new WeakMap<FileSystem, Map<Peer, string>>();

/** The volumes (not the binds: those are the host's, seen by all at once) a view mounts. */
function volumesOf(rootfs: FileSystem) {
  return rootfs instanceof MountedVfs ? rootfs.mounts.filter((m) => !m.bind) : [];
}

/** The peers on `rootfs`, `self` among them from now on (and among its volumes' users). */
export function joinPeers(rootfs: FileSystem, self: Peer): Set<Peer> {
  const peers = peersOf.get(rootfs) ?? new Set<Peer>();
  peersOf.set(rootfs, peers);
  peers.add(self);
  for (const m of volumesOf(rootfs)) {
    const users = volumeUsers.get(m.fs) ?? new Map<Peer, string>();
    volumeUsers.set(m.fs, users);
    users.set(self, m.target);
  }
  return peers;
}

/** `self` has ended: nothing more is forwarded to it. */
export function leavePeers(rootfs: FileSystem, self: Peer, peers: Set<Peer>): void {
  peers.delete(self);
  for (const m of volumesOf(rootfs)) volumeUsers.get(m.fs)?.delete(self);
}

/** Does another container's process mount one of this view's volumes (so its changes must be looked at)? */
function volumeShared(rootfs: FileSystem, peers: Set<Peer>): boolean {
  for (const m of volumesOf(rootfs)) for (const p of volumeUsers.get(m.fs)?.keys() ?? []) if (!peers.has(p)) return true;
  return false;
}

/** The change, as each process of another container that mounts the same volume sees it. */
function toOtherContainers(rootfs: FileSystem, peers: Set<Peer>, frame: Uint8Array): Array<[Peer, Uint8Array]> {
  if (!(rootfs instanceof MountedVfs)) return [];
  const m = rootfs.mountOf(framePath(frame));
  if (!m || m.bind) return [];
  const out: Array<[Peer, Uint8Array]> = [];
  for (const [peer, target] of volumeUsers.get(m.fs) ?? []) {
    if (!peers.has(peer)) out.push([peer, retargetFrame(frame, m.target, target)]);
  }
  return out;
}

function forward(peer: Peer): void {
  while (peer.pending.length && peer.inbox.tryPush(peer.pending[0]!)) peer.pending.shift();
}

/** Yield to the event loop (a task, not a microtask: I/O and timers run in between). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class Replay {
  /** Why the process's changes could not be applied (the first change that failed); the process is to end. */
  failure: string | undefined;
  /** The first failure of a sink (its output was dropped). */
  sinkError: string | undefined;
  /** Output stops counting against the in-flight cap once the run is over (the words may be another run's). */
  closed = false;

  constructor(
    readonly o: {
      rootfs: FileSystem; journal: Ring; control: Control; sinks: (OutputSink | undefined)[];
      self: Peer; peers: Set<Peer>;
      /** The first change that failed: end the process. */
      onFailure: (message: string) => void;
    },
  ) {}

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

  #apply(frame: Uint8Array): boolean {
    if (this.failure) return false; // the engine's copy has parted from the process's: apply nothing more of it
    try {
      applyFrame(this.o.rootfs, frame);
      return true;
    } catch (err) {
      this.failure = `Cannot apply the process's change (${describeFrame(frame)}) to the container's filesystem: ${messageOf(err)}`;
      this.o.onFailure(this.failure);
      return false;
    }
  }

  /**
   * Handle one bounded slice of what the ring holds (frames forwarded to peers that did
   * not fit go first); true when more may be waiting.
   */
  step(): boolean {
    const { journal, self, peers } = this.o;
    forward(self);
    const until = performance.now() + SLICE_MS;
    for (let taken = 0; taken < SLICE_BYTES && performance.now() < until;) {
      const frames = journal.drain(SLICE_BYTES / 8);
      if (!frames.length) break;
      const changes: Uint8Array[] = [];
      for (const f of frames) {
        taken += f.bytes.length;
        if (f.kind === OUTPUT_FRAME) this.#output(f.bytes);
        else if (this.#apply(f.bytes)) changes.push(f.bytes);
      }
      if (!changes.length) continue;
      self.worker.kept = undefined; // its copy has changed: send the whole rootfs next time
      for (const p of peers) {
        if (p === self) continue;
        p.worker.kept = undefined;
        for (const f of changes) p.pending.push(f);
        forward(p);
      }
      if (!volumeShared(this.o.rootfs, peers)) continue; // the common case: no frame is decoded again
      for (const f of changes) {
        for (const [p, moved] of toOtherContainers(this.o.rootfs, peers, f)) p.pending.push(moved), forward(p);
      }
    }
    if (this.#taken) this.#settled(this.#taken), this.#taken = 0;
    return !journal.empty;
  }

  /** Take everything the ring holds, a slice per turn of the event loop (after the process ended). */
  async drainAll(): Promise<void> {
    while (this.step()) await nextTurn();
  }
}
