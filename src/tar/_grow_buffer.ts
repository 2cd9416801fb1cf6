/**
 * GrowBuffer: an output buffer for inflated layers and streamed members that grows in
 * place (a resizable ArrayBuffer), so a 200 MB layer costs 200 MB, not old + new buffers.
 */

/** ES2024 resizable ArrayBuffers, typed here while the project's lib is older. */
type ResizableBuffer = ArrayBuffer & {
  readonly resizable: boolean;
  readonly maxByteLength: number;
  resize(length: number): void;
};
const Resizable = ArrayBuffer as unknown as new (length: number, opts: { maxByteLength: number }) => ResizableBuffer;

/**
 * An output buffer that grows in place. Its memory is a resizable ArrayBuffer where the
 * platform has them (every runtime strata supports): growing it commits address space
 * already reserved, so bytes are never copied and the peak is the output itself, not
 * old + new buffers. The reserve is a guess (`reserve`); past it, or without resizable
 * buffers, it grows by half with one copy. `bytes()` hands out the exact length.
 *
 * A resizable buffer grows to what is needed plus GROW_STEP, not by a ratio: a shrink
 * (`bytes()` at the end, `free()`) makes V8 zero what it cuts off, which touches pages
 * never written, so slack of 25% cost 25% more resident memory at that moment (a bomb
 * refused at 1 GiB peaked at 1.2 GiB). Growing in place costs one mprotect per step.
 */
/** Slack a resizable buffer grows by beyond what is needed. */
const GROW_STEP = 4 << 20;

export class GrowBuffer {
  #buf: Uint8Array;
  length = 0;
  readonly #reserve: number;
  #lent = false;
  constructor(capacity: number, reserve = 0) {
    this.#reserve = reserve;
    this.#buf = growable(Math.max(capacity, 1), reserve) ?? new Uint8Array(Math.max(capacity, 1));
  }
  push(chunk: Uint8Array): void {
    const need = this.length + chunk.length;
    if (need > this.#buf.length) this.#grow(need);
    this.#buf.set(chunk, this.length);
    this.length = need;
  }
  /**
   * A writable view of at least `min` bytes just past the contents (grown to hold them),
   * for a producer that writes its output in place (an inflater); `advance` then keeps
   * what it wrote. The view is valid until the next call that grows or shrinks the buffer.
   */
  space(min: number): Uint8Array {
    this.#lent = true;
    const need = this.length + min;
    if (need > this.#buf.length) this.#grow(need);
    return this.#buf.subarray(this.length);
  }
  /** Keep `n` more bytes, written in place into the last `space()`. */
  advance(n: number): void {
    if (n < 0 || this.length + n > this.#buf.length) throw new RangeError(`cannot keep ${n} bytes past ${this.length} of ${this.#buf.length}`);
    this.length += n;
  }
  /** Is `chunk` the next bytes of this buffer, written in place (see `space`)? */
  holds(chunk: Uint8Array): boolean {
    return chunk.buffer === this.#buf.buffer && chunk.byteOffset === this.#buf.byteOffset + this.length;
  }
  #grow(need: number): void {
    const ab = this.#buf.buffer as ResizableBuffer;
    const want = Math.max(need, Math.ceil(this.#buf.length * 1.25));
    if (ab.resizable && need <= ab.maxByteLength) {
      ab.resize(Math.min(ab.maxByteLength, need + GROW_STEP));
      this.#buf = new Uint8Array(ab, 0, ab.byteLength);
      return;
    }
    const next = growable(need + GROW_STEP, Math.max(this.#reserve, want * 4)) ?? new Uint8Array(Math.max(need, Math.ceil(this.#buf.length * 1.5)));
    next.set(this.#buf.subarray(0, this.length));
    // The old pages go back now, not at the next major collection; unless views of them were
    // handed out (`space`): a consumer may still read them (a store writing a pulled layer as
    // it inflates), and they go when it drops them.
    if (ab.resizable && !this.#lent) ab.resize(0);
    this.#buf = next;
  }
  /**
   * Drop the contents now: a resizable buffer shrinks to 0, which gives its pages back
   * at once (V8 and Deno decommit them) instead of at the next major collection.
   */
  free(): void {
    const ab = this.#buf.buffer as ResizableBuffer;
    if (ab.resizable) ab.resize(0);
    this.#buf = new Uint8Array(0);
    this.length = 0;
  }

  bytes(): Uint8Array {
    if (this.length === this.#buf.length) return this.#buf;
    const ab = this.#buf.buffer as ResizableBuffer;
    if (ab.resizable) {
      ab.resize(this.length);
      return new Uint8Array(ab, 0, this.length);
    }
    // Keep a view when the slack is small; copy when most of the buffer would be wasted.
    return this.length >= this.#buf.length * 0.9 ? this.#buf.subarray(0, this.length) : this.#buf.slice(0, this.length);
  }
}

/** `length` bytes in a resizable ArrayBuffer that may grow to `reserve` (0: no reserve), or undefined. */
function growable(length: number, reserve: number): Uint8Array | undefined {
  for (let max = reserve; max > length; max = Math.floor(max / 2)) {
    try {
      return new Uint8Array(new Resizable(length, { maxByteLength: max }));
    } catch (err) {
      // Deno caps maxByteLength lower than Node; a 32-bit or sandboxed heap may refuse a large reserve.
      if (!(err instanceof RangeError)) throw err;
    }
  }
  return undefined;
}
