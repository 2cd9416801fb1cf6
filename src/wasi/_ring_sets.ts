/**
 * The ring sets of a shared worker (_shared_workers.ts), carved out of large shared
 * buffers ("slabs"). A run on a shared worker has a set (its journal, stdin and control
 * words), and so does each filesystem copy the worker keeps (its journal and inbox:
 * _shared_fs.ts); a thousand containers started together take two thousand.
 *
 * Measured here (Deno 2.9): a SharedArrayBuffer of 64–256 KiB took 0.15–0.6 ms to
 * allocate (the allocator hands out memory it zeroes itself), so a set of its own cost
 * more than a short program's run; one of 64 MiB took 0.04–0.13 ms, however often it was
 * made and dropped (above glibc's largest mmap threshold, 32 MiB, it is mapped, and the
 * kernel zeroes a page only when it is first touched). So a set is a place in a slab: its
 * untouched pages cost no memory, and a worker is sent each slab once.
 *
 * A set let go of (past the free sets a worker keeps) leaves its place unused; a slab is
 * let go when none of its sets is in use or kept free, and the worker is told to drop it.
 * Until then its touched pages stay resident: a long-lived set keeps its slab.
 */
import { Ring } from "./_ring.ts";
import { Control } from "./_control.ts";

/**
 * The rings of each kind of set, in bytes. A run's: its output (the engine drains it as it
 * comes) and its stdin; its filesystem changes go to its container's copy, so its inbox
 * is unused. A filesystem copy's: its changes, and other processes' changes to it (no stdin).
 */
const SIZES = {
  run: { journal: 256 * 1024, inbox: 64, stdin: 16 * 1024 },
  fs: { journal: 64 * 1024, inbox: 32 * 1024, stdin: 64 },
};
export type SetKind = keyof typeof SIZES;

/** Bytes per slab: above 32 MiB (see above). */
const SLAB_BYTES = 64 * 2 ** 20;

/**
 * Where each part of a set of `kind` is, from the set's offset, and the bytes it takes (a
 * multiple of a page, so each set starts one): the control words, then the three rings'
 * headers, then their frames' bytes, smallest ring first. The words and every header
 * share the set's first page, so a set comes into use touching that one page (the engine
 * writes its control words, and both sides look at the headers); a ring's frames touch
 * theirs as they are written. A page's first touch is a fault the kernel zeroes it in,
 * and on a paravirtualised VM a fault costs tens of microseconds. With each ring's header
 * where its frames start (the largest ring's in a page of its own), a first burst of 1,000
 * starts on fresh sets took about 1,500 faults more on the engine's thread and 1,400-2,300
 * more on the workers' (Deno, counted per thread from /proc, two runs); and before that,
 * with every ring's header in a page of its own, 3,000 more again.
 */
function layout(kind: SetKind) {
  const headers = Math.ceil(Control.BYTES / 8) * 8;
  let at = headers + 3 * Ring.HEADER_BYTES;
  const size = SIZES[kind];
  const rings = (["journal", "inbox", "stdin"] as const).toSorted((a, b) => size[a] - size[b]);
  const placed = Object.fromEntries(rings.map((r, i) => {
    const offset = at, capacity = Ring.capacity(size[r]);
    at += capacity;
    return [r, { header: headers + i * Ring.HEADER_BYTES, offset, capacity }];
  })) as Record<(typeof rings)[number], { header: number; offset: number; capacity: number }>;
  return { ...placed, control: 0, bytes: Math.ceil(at / PAGE) * PAGE }; // each set starts a page
}

/** A page of memory, as the kernel faults it in. */
const PAGE = 4096;

/** The layout of a set of `kind` (offsets from the set's own). */
export function setLayout(kind: SetKind): ReturnType<typeof layout> {
  return LAYOUTS[kind];
}
const LAYOUTS = { run: layout("run"), fs: layout("fs") };

/** Where a set is: which slab, the offset in it, its kind (what a worker needs to see it). */
export interface SetPlace {
  slab: number;
  offset: number;
  kind: SetKind;
}

/**
 * The rings of the set at `place` in `sab` (the same memory on both sides), and where its
 * control words are (`new Control(sab, controlAt)`: the worker makes a view of them for each run).
 */
export function setAt(sab: SharedArrayBuffer, place: SetPlace): { journal: Ring; inbox: Ring; stdin: Ring; controlAt: number } {
  const l = LAYOUTS[place.kind], at = (p: { header: number; offset: number; capacity: number }) => ({ header: place.offset + p.header, offset: place.offset + p.offset, capacity: p.capacity });
  return { journal: new Ring(sab, at(l.journal)), inbox: new Ring(sab, at(l.inbox)), stdin: new Ring(sab, at(l.stdin)), controlAt: place.offset + l.control };
}

/** A set as a message names it: by id, and the first time where it is (and its slab, the first time the worker needs that). */
export interface SetMessage {
  ringSet: number;
  setAt?: SetPlace;
  slab?: { id: number; sab: SharedArrayBuffer };
}

export interface RingSet {
  id: number;
  place: SetPlace;
  journal: Ring;
  inbox: Ring;
  stdin: Ring;
  control: Control;
  /** The worker has been told where it is (it keeps it by id). */
  sent: boolean;
}

interface Slab {
  id: number;
  sab: SharedArrayBuffer;
  /** Bytes carved so far. */
  carved: number;
  /** Its sets in use or kept free. */
  held: number;
  /** The worker has been sent it. */
  sent: boolean;
}

/** One worker's slabs, and the sets carved from them. */
export class RingSets {
  readonly #slabs = new Map<number, Slab>();
  #current: Slab | undefined;
  #slabIds = 0;
  #setIds = 0;

  /** A new set of `kind` (its rings empty, its words zero: fresh memory). */
  carve(kind: SetKind): RingSet {
    const bytes = LAYOUTS[kind].bytes;
    let slab = this.#current;
    if (!slab || slab.carved + bytes > SLAB_BYTES) {
      slab = this.#current = { id: ++this.#slabIds, sab: new SharedArrayBuffer(SLAB_BYTES), carved: 0, held: 0, sent: false };
      this.#slabs.set(slab.id, slab);
    }
    const place: SetPlace = { slab: slab.id, offset: slab.carved, kind };
    slab.carved += bytes;
    slab.held++;
    const { journal, inbox, stdin, controlAt } = setAt(slab.sab, place);
    return { id: ++this.#setIds, place, journal, inbox, stdin, control: new Control(slab.sab, controlAt), sent: false };
  }

  /** What a message must carry for the worker to see `set`: where it is, and its slab the first time. */
  describe(set: RingSet): SetMessage {
    if (set.sent) return { ringSet: set.id };
    set.sent = true;
    const slab = this.#slabs.get(set.place.slab)!;
    const first = !slab.sent;
    slab.sent = true;
    return { ringSet: set.id, setAt: set.place, ...(first ? { slab: { id: slab.id, sab: slab.sab } } : {}) };
  }

  /** `set` is let go of for good: its slab, when that was its last, is dropped (its id returned: tell the worker). */
  letGo(set: RingSet): number | undefined {
    const slab = this.#slabs.get(set.place.slab);
    if (!slab || --slab.held > 0) return undefined;
    this.#slabs.delete(slab.id);
    if (this.#current === slab) this.#current = undefined;
    return slab.sent ? slab.id : undefined;
  }
}
