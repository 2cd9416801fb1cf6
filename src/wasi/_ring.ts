/**
 * A single-producer single-consumer ring of byte frames in a SharedArrayBuffer. The
 * producer (a process's thread) blocks with Atomics.wait when the ring is full; the
 * consumer (the engine) drains it whenever it likes. What the producer has pushed is in
 * shared memory at once, so it survives the producer's thread being terminated.
 */
const HEAD = 0, TAIL = 1;
const HEADER_BYTES = 16;

export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly #hdr: Int32Array;
  readonly #data: Uint8Array;
  readonly #cap: number;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacityOrSab: number | SharedArrayBuffer) {
    if (typeof capacityOrSab === "number") {
      const cap = 2 ** Math.ceil(Math.log2(Math.max(64, capacityOrSab)));
      this.sab = new SharedArrayBuffer(HEADER_BYTES + cap);
    } else this.sab = capacityOrSab;
    this.#hdr = new Int32Array(this.sab, 0, 4);
    this.#data = new Uint8Array(this.sab, HEADER_BYTES);
    this.#cap = this.#data.length;
  }

  /** Largest frame body that fits. */
  get maxFrame(): number {
    return this.#cap - 4;
  }

  #copyIn(pos: number, bytes: Uint8Array): void {
    const at = pos & (this.#cap - 1);
    const first = Math.min(bytes.length, this.#cap - at);
    this.#data.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.#data.set(bytes.subarray(first), 0);
  }
  #copyOut(pos: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const at = pos & (this.#cap - 1);
    const first = Math.min(len, this.#cap - at);
    out.set(this.#data.subarray(at, at + first));
    if (first < len) out.set(this.#data.subarray(0, len - first), first);
    return out;
  }

  /** Append one frame, blocking while the ring is full. */
  push(frame: Uint8Array): void {
    this.#check(frame);
    const head = Atomics.load(this.#hdr, HEAD);
    for (;;) {
      const tail = Atomics.load(this.#hdr, TAIL);
      if (this.#fits(frame, head, tail)) break;
      Atomics.wait(this.#hdr, TAIL, tail, 100);
    }
    this.#write(frame, head);
  }

  /** Append one frame if it fits now (never blocks: the engine's side of an inbox). */
  tryPush(frame: Uint8Array): boolean {
    this.#check(frame);
    const head = Atomics.load(this.#hdr, HEAD);
    if (!this.#fits(frame, head, Atomics.load(this.#hdr, TAIL))) return false;
    this.#write(frame, head);
    return true;
  }

  #check(frame: Uint8Array): void {
    if (frame.length > this.maxFrame) throw new RangeError(`Cannot push a frame of ${frame.length} bytes into a ring of ${this.#cap}`);
  }
  #fits(frame: Uint8Array, head: number, tail: number): boolean {
    return this.#cap - ((head - tail) | 0) >= frame.length + 4;
  }
  #write(frame: Uint8Array, head: number): void {
    const need = frame.length + 4;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, frame.length, true);
    this.#copyIn(head, len);
    this.#copyIn((head + 4) | 0, frame);
    Atomics.store(this.#hdr, HEAD, (head + need) | 0);
    Atomics.notify(this.#hdr, HEAD);
  }

  /** True when no frame is waiting (one atomic load each side: cheap enough for every call). */
  get empty(): boolean {
    return Atomics.load(this.#hdr, HEAD) === Atomics.load(this.#hdr, TAIL);
  }

  /** Take every complete frame pushed so far. */
  drain(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const head = Atomics.load(this.#hdr, HEAD);
    let tail = Atomics.load(this.#hdr, TAIL);
    while (tail !== head) {
      const len = new DataView(this.#copyOut(tail, 4).buffer).getUint32(0, true);
      frames.push(this.#copyOut((tail + 4) | 0, len));
      tail = (tail + 4 + len) | 0;
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

  /** Wake whoever waits in `waitForData` (the engine's pump, when its process ended). */
  wake(): void {
    Atomics.notify(this.#hdr, HEAD);
  }

  /** Resolves when a frame may be waiting (Atomics.waitAsync where present, else a short timer). */
  async waitForData(timeoutMs: number): Promise<void> {
    const head = Atomics.load(this.#hdr, HEAD);
    if (head !== Atomics.load(this.#hdr, TAIL)) return;
    // deno-lint-ignore no-explicit-any
    const waitAsync = (Atomics as any).waitAsync as undefined | ((a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string });
    if (waitAsync) {
      const r = waitAsync(this.#hdr, HEAD, head, timeoutMs);
      if (r.async) await r.value;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 5)));
  }
}
