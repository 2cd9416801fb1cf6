/**
 * A single-producer single-consumer ring of byte frames in a SharedArrayBuffer. The
 * producer (a process's thread) blocks with Atomics.wait when the ring is full; the
 * consumer (the engine) drains it whenever it likes. What the producer has pushed is in
 * shared memory at once, so it survives the producer's thread being terminated. Each
 * frame carries a kind byte, so one ring keeps the order of different things (a
 * process's file changes and its output, see _frames.ts).
 *
 * The consumer waits on a doorbell word (BELL), which the producer rings after frames it
 * wants seen and which another ring's producer may ring too (`wake`: a shared worker's
 * filesystem journal rings its processes' journals, whose pumps drain it). A ring counts
 * up, and the consumer takes the count before it drains (`bell`), so one that comes while
 * it is busy, before it waits again, is not lost: the wait finds the count changed and
 * returns at once. (Waiting on HEAD lost it whenever the ring itself had nothing new: a
 * shared worker's process writing a file then waited 100 ms for each 64 KiB its
 * filesystem's journal took, 0.5 MB/s, and the engine's copy of the file lagged.)
 */
const HEAD = 0, TAIL = 1, BELL = 2;
const HEADER_BYTES = 16;
/** Per frame: its length (u32, little endian) and its kind (u8). */
const FRAME_HEAD = 5;

/** A frame as drained: its kind (what the producer said it is) and its bytes (a copy, the caller's to keep). */
interface RingFrame {
  kind: number;
  bytes: Uint8Array;
}

export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly #hdr: Int32Array;
  readonly #data: Uint8Array;
  readonly #cap: number;

  /**
   * A ring of its own of `capacity` bytes (rounded up to a power of two), or the one a
   * buffer holds: all of it, or, with `at`, the `Ring.bytes(capacity)` bytes from `at.offset`
   * (many rings in one large buffer: _ring_sets.ts); with `at.header` too, its
   * `Ring.HEADER_BYTES` of header there and `at.capacity` bytes of frames from `at.offset`.
   */
  constructor(capacityOrSab: number | SharedArrayBuffer, at?: { offset: number; capacity: number; header?: number }) {
    if (typeof capacityOrSab === "number") {
      this.sab = new SharedArrayBuffer(HEADER_BYTES + Ring.capacity(capacityOrSab));
    } else this.sab = capacityOrSab;
    const offset = at?.offset ?? 0, header = at?.header;
    this.#hdr = new Int32Array(this.sab, header ?? offset, 4);
    const data = header === undefined ? offset + HEADER_BYTES : offset;
    this.#data = at ? new Uint8Array(this.sab, data, at.capacity) : new Uint8Array(this.sab, HEADER_BYTES);
    this.#cap = this.#data.length;
  }

  /** The bytes of a ring's header (its head, tail and doorbell words, and room to spare). */
  static readonly HEADER_BYTES = HEADER_BYTES;

  /** The capacity a ring asked for `capacity` bytes has (a power of two, at least 64). */
  static capacity(capacity: number): number {
    return 2 ** Math.ceil(Math.log2(Math.max(64, capacity)));
  }

  /** The bytes of shared memory a ring of `capacity` (a `Ring.capacity`) takes. */
  static bytes(capacity: number): number {
    return HEADER_BYTES + capacity;
  }

  /** Largest frame body that fits. */
  get maxFrame(): number {
    return this.#cap - FRAME_HEAD;
  }

  #copyIn(pos: number, bytes: Uint8Array): void {
    const at = pos & (this.#cap - 1);
    const first = Math.min(bytes.length, this.#cap - at);
    this.#data.set(first === bytes.length ? bytes : bytes.subarray(0, first), at);
    if (first < bytes.length) this.#data.set(bytes.subarray(first), 0);
  }
  #copyOut(pos: number, len: number): Uint8Array {
    const at = pos & (this.#cap - 1);
    if (at + len <= this.#cap) return this.#data.slice(at, at + len);
    const out = new Uint8Array(len), first = this.#cap - at;
    out.set(this.#data.subarray(at, this.#cap));
    out.set(this.#data.subarray(0, len - first), first);
    return out;
  }
  #byte(pos: number): number {
    return this.#data[pos & (this.#cap - 1)]!;
  }
  #setByte(pos: number, b: number): void {
    this.#data[pos & (this.#cap - 1)] = b;
  }

  /**
   * Append one frame of `kind` (0..255), blocking while the ring is full (the consumer is
   * woken first, to make room). With `wake` false the consumer is not woken for this
   * frame: the producer calls `wake()` when it likes (a batch instead of one per frame).
   * `onFull` is called as well while it waits: a ring whose consumer waits on another
   * ring's doorbell (a filesystem's changes, drained by the pumps of its processes) rings that.
   */
  push(frame: Uint8Array, kind = 0, wake = true, onFull?: () => void): void {
    this.#check(frame);
    const head = Atomics.load(this.#hdr, HEAD);
    for (;;) {
      const tail = Atomics.load(this.#hdr, TAIL);
      if (this.#fits(frame, head, tail)) break;
      this.#ring();
      onFull?.();
      Atomics.wait(this.#hdr, TAIL, tail, 100);
    }
    this.#write(frame, kind, head, wake);
  }

  /** Append one frame if it fits now (never blocks: the engine's side of an inbox). */
  tryPush(frame: Uint8Array, kind = 0): boolean {
    this.#check(frame);
    const head = Atomics.load(this.#hdr, HEAD);
    if (!this.#fits(frame, head, Atomics.load(this.#hdr, TAIL))) return false;
    this.#write(frame, kind, head, true);
    return true;
  }

  #check(frame: Uint8Array): void {
    if (frame.length > this.maxFrame) throw new RangeError(`Cannot push a frame of ${frame.length} bytes into a ring of ${this.#cap}`);
  }
  #fits(frame: Uint8Array, head: number, tail: number): boolean {
    return this.#cap - ((head - tail) | 0) >= frame.length + FRAME_HEAD;
  }
  #write(frame: Uint8Array, kind: number, head: number, wake: boolean): void {
    const n = frame.length;
    for (let i = 0; i < 4; i++) this.#setByte((head + i) | 0, (n >>> (8 * i)) & 0xff);
    this.#setByte((head + 4) | 0, kind);
    this.#copyIn((head + FRAME_HEAD) | 0, frame);
    Atomics.store(this.#hdr, HEAD, (head + FRAME_HEAD + n) | 0);
    if (wake) this.#ring();
  }

  #ring(): void {
    Atomics.add(this.#hdr, BELL, 1);
    Atomics.notify(this.#hdr, BELL);
  }

  /** Where the next frame will go: `drain(…, mark)` later takes only what was pushed before now. */
  mark(): number {
    return Atomics.load(this.#hdr, HEAD);
  }

  /** True when no frame is waiting (one atomic load each side: cheap enough for every call). */
  get empty(): boolean {
    return Atomics.load(this.#hdr, HEAD) === Atomics.load(this.#hdr, TAIL);
  }

  /**
   * Take the complete frames pushed so far, up to about `maxBytes` of them (at least one;
   * default all): a consumer on an event loop takes a bounded slice per turn, and the
   * producer, blocked on a full ring, goes on as room is made. `upTo`, a `mark()` taken
   * earlier: only the frames pushed before it.
   */
  drain(maxBytes = Infinity, upTo?: number): RingFrame[] {
    const frames: RingFrame[] = [];
    const head = upTo ?? Atomics.load(this.#hdr, HEAD);
    let tail = Atomics.load(this.#hdr, TAIL);
    if (((head - tail) | 0) < 0) return frames; // taken already
    let taken = 0;
    while (tail !== head && taken < maxBytes) {
      let len = 0;
      for (let i = 0; i < 4; i++) len |= this.#byte((tail + i) | 0) << (8 * i);
      len >>>= 0;
      frames.push({ kind: this.#byte((tail + 4) | 0), bytes: this.#copyOut((tail + FRAME_HEAD) | 0, len) });
      tail = (tail + FRAME_HEAD + len) | 0;
      taken += FRAME_HEAD + len;
    }
    Atomics.store(this.#hdr, TAIL, tail);
    Atomics.notify(this.#hdr, TAIL);
    return frames;
  }

  /**
   * Drop whatever is unread, so the ring starts empty. Only while neither side is
   * running (a pooled worker between runs).
   */
  clear(): void {
    Atomics.store(this.#hdr, TAIL, Atomics.load(this.#hdr, HEAD));
  }

  /**
   * Wake whoever waits in `waitForData`, or make its next wait return at once (frames
   * pushed without waking; another ring's frames its consumer drains; the engine's pump
   * when its process ended).
   */
  wake(): void {
    this.#ring();
  }

  /** Resolves when the consumer may have made room (it drained), or after `timeoutMs`. */
  async waitForRoom(timeoutMs: number): Promise<void> {
    await waitAsyncOn(this.#hdr, TAIL, Atomics.load(this.#hdr, TAIL), timeoutMs);
  }

  /** The doorbell's count: taken before a drain, it makes the next `waitForData` see a ring that came meanwhile. */
  bell(): number {
    return Atomics.load(this.#hdr, BELL);
  }

  /**
   * Resolves when a frame may be waiting, or the doorbell rang since its count was `since`
   * (a `bell()` the consumer took before it last drained; now by default), or after
   * `timeoutMs` (Atomics.waitAsync where present, else a short timer).
   */
  async waitForData(timeoutMs: number, since = this.bell()): Promise<void> {
    if (Atomics.load(this.#hdr, HEAD) !== Atomics.load(this.#hdr, TAIL)) return;
    await waitAsyncOn(this.#hdr, BELL, since, timeoutMs);
  }
}

/** Resolves when `words[index]` may have changed from `value` (Atomics.waitAsync where present, else a short timer). */
export async function waitAsyncOn(words: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const waitAsync = (Atomics as any).waitAsync as undefined | ((a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string });
  if (waitAsync) {
    const r = waitAsync(words, index, value, timeoutMs);
    if (r.async) await r.value;
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 5)));
}
