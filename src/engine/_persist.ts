/**
 * Write-through persistence of a writable layer (a container's upper, a volume's tree):
 * a snapshot plus a journal of the change records made since it. While a program runs,
 * every record its upper reports (`WritableLayer.onChange`, fed by inline processes and
 * by the replay of a worker's journal alike) is appended to the store's journal in
 * order, in group commits (one append per batch, the next batch waiting for the last),
 * so a SIGKILL of the engine loses no change that reached it. A new snapshot carries a
 * generation; the journal of generation g is only replayed on snapshot g, so a crash
 * between "snapshot written" and "old journal deleted" never replays a change twice.
 *
 * Snapshot bytes: "STU1", u32 generation (little endian), then `serializeUpper`.
 */
import { applyChange, decodeChange, deserializeUpper, encodeChange, type Layer, serializeUpper, UnionFS, WritableLayer } from "../fs/mod.ts";
import type { Store } from "../store/mod.ts";

const MAGIC = [0x53, 0x54, 0x55, 0x31]; // "STU1"

/**
 * The ordered, batched writes of one store key: appends (concatenated into one store
 * call per batch) and whole replacements, applied strictly in the order they were asked
 * for. `flushed()` resolves when everything asked so far is stored.
 *
 * A write the store refuses fails the appender for good: what was queued behind it is
 * dropped, later pushes and replacements are refused (appended after a gap, a journal
 * would replay wrongly), and `flushed()` rejects with the store's error from then on.
 * The owner starts over with a new appender on a whole value (a snapshot, a full log).
 */
export class Appender {
  #queue: Array<{ replace: boolean; bytes: Uint8Array }> = [];
  #running: Promise<void> | null = null;
  #failure: { err: unknown } | null = null;

  constructor(readonly store: Store, readonly kind: string, public key: string) {}

  /** Whether a write failed (then nothing more is written). */
  get failed(): boolean {
    return this.#failure !== null;
  }

  push(bytes: Uint8Array): void {
    if (this.#failure) return;
    this.#queue.push({ replace: false, bytes });
    this.#running ??= this.#drain();
  }

  /** Replace the stored value; appends asked before are dropped (the new value includes what they carried). */
  replace(bytes: Uint8Array): void {
    if (this.#failure) return;
    this.#queue = [{ replace: true, bytes }];
    this.#running ??= this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#queue.length) {
      const head = this.#queue[0]!;
      let n = 1;
      if (!head.replace) while (n < this.#queue.length && !this.#queue[n]!.replace) n++;
      const batch = this.#queue.splice(0, n);
      try {
        if (head.replace) await this.store.putBytes(this.kind, this.key, head.bytes);
        else await this.store.appendBytes(this.kind, this.key, concat(batch.map((b) => b.bytes)));
      } catch (err) {
        this.#failure = { err };
        this.#queue = [];
      }
    }
    this.#running = null;
  }

  /** Resolves when everything asked so far is stored; rejects with the store's error once a write failed. */
  async flushed(): Promise<void> {
    await this.settled();
    if (this.#failure) throw this.#failure.err;
  }

  /** Resolves when no write is under way, whatever became of them (before the key is deleted). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }
}

export function concat(parts: readonly Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** One journal frame: u32 length, then `encodeChange` bytes. */
function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/** The persisted state of one writable layer: `<kind>/<key>` snapshot, `<kind>-journal/<key>.<gen>` changes. */
export class PersistedUpper {
  gen = 0;
  #journal: Appender | null = null;

  constructor(readonly store: Store, readonly kind: string, readonly key: string) {}

  #journalKey(gen: number): string {
    return `${this.key}.${gen}`;
  }

  /** Mount the stored layer over `lowers` (snapshot, then its journal). A fresh upper when nothing is stored. */
  async mount(lowers: Layer[]): Promise<UnionFS> {
    const snap = await this.store.getBytes(this.kind, this.key);
    let upper = new WritableLayer();
    if (snap && snap.length >= 8 && MAGIC.every((b, i) => snap[i] === b)) {
      this.gen = new DataView(snap.buffer, snap.byteOffset).getUint32(4, true);
      upper = deserializeUpper(snap.subarray(8));
    } else if (snap && snap.length) upper = deserializeUpper(snap);
    upper.spill = this.store.spillSpace?.(this.kind, this.key) ?? null; // before the upper materializes: it opens its spilled files there
    const fs = new UnionFS({ lowers, upper });
    const journal = await this.store.getBytes(`${this.kind}-journal`, this.#journalKey(this.gen));
    if (journal) replay(fs.upper, journal);
    return fs;
  }

  /** Start writing every change of `fs` through to the journal. */
  trace(fs: UnionFS): void {
    this.#journal ??= new Appender(this.store, `${this.kind}-journal`, this.#journalKey(this.gen));
    const j = this.#journal;
    fs.upper.onChange = (rec) => j.push(frame(encodeChange(rec)));
  }

  /** Wait until every traced change is stored. */
  async flushed(): Promise<void> {
    await this.#journal?.flushed();
  }

  /**
   * Write a new snapshot (the next generation) and drop the journal it replaces. Tracing
   * continues on a new journal. A journal whose write failed is still replaced (the
   * snapshot holds every change), and then its failure is thrown: the changes were not
   * durable while it lasted.
   */
  async snapshot(fs: UnionFS): Promise<void> {
    const tracing = fs.upper.onChange !== null;
    const journalFailure = await this.flushed().then(() => null, (err: unknown) => ({ err }));
    const old = this.gen;
    const body = serializeUpper(fs.upper);
    const snap = new Uint8Array(8 + body.length);
    snap.set(MAGIC);
    new DataView(snap.buffer).setUint32(4, old + 1, true);
    snap.set(body, 8);
    await this.store.putBytes(this.kind, this.key, snap);
    this.gen = old + 1;
    this.#journal = null;
    await this.store.deleteBytes(`${this.kind}-journal`, this.#journalKey(old));
    // Files of released inodes, of spills a crash's replay redid, of a worker's own copy.
    if (!fs.upper.pending) fs.upper.spill?.prune(spilledNames(fs.upper));
    if (tracing) this.trace(fs);
    if (journalFailure) throw journalFailure.err;
  }

  /** Stop tracing (changes made afterwards are only kept by the next snapshot). */
  untrace(fs: UnionFS): void {
    fs.upper.onChange = null;
  }

  async delete(): Promise<void> {
    await this.#journal?.settled();
    await this.store.deleteBytes(this.kind, this.key);
    await this.store.deleteBytes(`${this.kind}-journal`, this.#journalKey(this.gen));
    this.store.spillSpace?.(this.kind, this.key).prune(new Set());
  }
}

/** The spill files an upper's inodes use now. */
function spilledNames(upper: WritableLayer): Set<string> {
  const names = new Set<string>();
  for (const n of upper.inodes.values()) if (n.spill) names.add(n.spill.name);
  return names;
}

/**
 * Replay journal frames on a mounted upper. A torn last frame (a crash during its
 * append) ends the replay; so does a record that does not fit (it and what follows
 * were never acknowledged as one consistent state). Returns the records applied.
 */
function replay(upper: WritableLayer, journal: Uint8Array): number {
  const view = new DataView(journal.buffer, journal.byteOffset, journal.byteLength);
  let at = 0, applied = 0;
  while (at + 4 <= journal.length) {
    const len = view.getUint32(at, true);
    if (len < 4 || at + 4 + len > journal.length) break;
    try {
      applyChange(upper, decodeChange(journal.subarray(at + 4, at + 4 + len)));
    } catch {
      break;
    }
    applied++;
    at += 4 + len;
  }
  return applied;
}
