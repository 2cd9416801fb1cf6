/**
 * A container's filesystems on a shared worker (issue 19). The processes of a container
 * that run on one shared worker share one copy of each of its filesystems there (the
 * rootfs's union, each volume's, the container's own files): what one of them writes is
 * there for the others at once, not forwarded through the engine. The engine sees the
 * copy's changes through its change records (change_link.ts), which the worker puts into
 * the filesystem's own journal ring in the order they were made. A Replay applies them to
 * the engine's copy and forwards them to every other process on that filesystem (on
 * another worker, or a dedicated one); their changes, and the engine's own (an archive
 * upload), come in through the filesystem's inbox.
 *
 * The engine decides how long the worker keeps a copy: it is made with the first run that
 * names it (its union goes in full, with a ring set and a range of inode numbers of its
 * own), named by key alone by the runs that join it while it lives, and dropped when the
 * last of them has ended and its journal has been taken. The worker is then told to
 * let it go, and the next run sends it again.
 */
import type { WritableLayer } from "../fs/mod.ts";
import { RUN_INODES } from "./change_link.ts";
import { joinPeers, leavePeers, type Peer, Replay } from "./_replay.ts";
import { giveSet, type RingSet, type SharedWorker, takeSet, tellAside } from "./_shared_workers.ts";
import type { SetMessage } from "./_ring_sets.ts";

/** One filesystem's copy on a shared worker, as the engine keeps track of it. */
interface SharedFs {
  key: string;
  /** The engine's copy. */
  upper: WritableLayer;
  /** Its journal (the copy's changes) and inbox (everyone else's); its stdin and control go unused. */
  set: RingSet;
  peer: Peer;
  replay: Replay;
  /** The first of the inode numbers its processes create from (RUN_INODES of them). */
  inodes: number;
  /** The processes on it, each by what ends it when a change of the copy cannot be applied. */
  runs: Set<(message: string) => void>;
}

/** What the worker is told of a copy it is to make: its ring set (where it is, the first time: _ring_sets.ts) and the inode numbers. */
export interface NewSharedFs extends SetMessage {
  key: string;
  inodes: number;
}

/** The copies each shared worker holds, by filesystem key. */
const held = new WeakMap<SharedWorker, Map<string, SharedFs>>();

function copiesOf(w: SharedWorker): Map<string, SharedFs> {
  let m = held.get(w);
  if (!m) held.set(w, m = new Map());
  return m;
}

/** True when `w` holds a copy of filesystem `key` (a process of the same container runs there). */
export function holdsFs(w: SharedWorker, key: string): boolean {
  return held.get(w)?.has(key) ?? false;
}

/** A run's place on the copies of its filesystems. */
export interface FsSeat {
  /** The copies' replays (the run's own catches them up before its output). */
  replays: Replay[];
  /** Keys of the copies the worker already has: they go as their key alone. */
  live: Set<string>;
  /** Copies the worker is to make with this run, as the run's message tells it (called once, as it is posted). */
  fresh(): NewSharedFs[];
  /** The run has ended: the last one on a copy drops it. */
  leave(): void;
}

/**
 * A run on `w` takes its place on a copy of each of `uppers` (the engine's copies, by
 * key), made now where the worker has none. `fail` ends the run when a change of one of
 * them cannot be applied to the engine's copy.
 */
export function joinFs(w: SharedWorker, uppers: ReadonlyMap<string, WritableLayer>, fail: (message: string) => void): FsSeat {
  const copies = copiesOf(w);
  const mine: SharedFs[] = [], live = new Set<string>(), fresh: SharedFs[] = [];
  for (const [key, upper] of uppers) {
    let fs = copies.get(key);
    if (fs) live.add(key);
    else {
      fs = make(w, key, upper);
      copies.set(key, fs);
      fresh.push(fs);
    }
    fs.runs.add(fail);
    mine.push(fs);
  }
  let left = false;
  return {
    replays: mine.map((fs) => fs.replay),
    live,
    // Described when posted: a set is marked sent to the worker only then.
    fresh: () => fresh.map((fs) => ({ key: fs.key, inodes: fs.inodes, ...w.sets.describe(fs.set) })),
    leave: () => {
      if (left) return;
      left = true;
      for (const fs of mine) {
        fs.runs.delete(fail);
        if (fs.runs.size === 0) drop(w, fs);
      }
    },
  };
}

function make(w: SharedWorker, key: string, upper: WritableLayer): SharedFs {
  const set = takeSet(w, "fs");
  const peer: Peer = { inbox: set.inbox, pending: [], uppers: new Map([[key, upper]]) };
  const fs: SharedFs = {
    key, upper, set, peer, inodes: upper.reserveInodes(RUN_INODES), runs: new Set(),
    replay: new Replay({
      journal: set.journal, control: set.control, sinks: [], self: peer,
      // The engine's copy has parted from the worker's: every process on it ends, and the
      // next run of the container gets a new copy.
      onFailure: (message) => {
        if (copiesOf(w).get(key) === fs) copiesOf(w).delete(key);
        for (const end of [...fs.runs]) end(message);
      },
    }),
  };
  joinPeers(peer);
  return fs;
}

/** The last run on `fs` has ended: take what its journal still holds, and let it go on both sides. */
function drop(w: SharedWorker, fs: SharedFs): void {
  fs.replay.catchUp();
  const copies = copiesOf(w);
  if (copies.get(fs.key) === fs) copies.delete(fs.key);
  leavePeers(fs.peer);
  fs.upper.returnInodes(fs.inodes, RUN_INODES, fs.replay.created.get(fs.key) ?? -1);
  tellAside(w, { type: "drop", key: fs.key, ringSet: fs.set.id });
  giveSet(w, fs.set, !w.gone);
}
