/**
 * gzip inflation through node:zlib for the core (src/tar `GunzipOptions.inflater`), handed
 * to the engine on Node as its platform's `inflater` by runtimeHost().
 *
 * In place: gunzip hands an inflater the layer's own buffer to write into (src/tar
 * `InflateSink`), and this one has zlib inflate straight into it, on libuv's thread pool,
 * one input chunk at a time. No output piece is allocated, copied or collected: with
 * node:zlib's stream each 256 KiB piece was a fresh Buffer (mmap'ed, page-faulted, copied
 * into the layer, then freed), and with that churn V8 ran about 40 full mark-compacts
 * for a 205 MiB pull (~0.7 s of GC; its old-generation limit is small for this heap);
 * in place its GC is ~0.2 s and the pull takes ~40% less CPU (docs/benchmarks.md, pull). The stream
 * exposes no way to give zlib its output buffer, so this drives node:zlib's native handle
 * (the `_handle` of a zlib stream: `init`, `write`, `close`, the `onerror` hook) as
 * node:zlib's own JS does; where that handle is not there (another runtime, a Node that
 * changed it), the stream inflater below is used.
 *
 * A limit holds without slicing the input: zlib writes at most OUT bytes per call and
 * gunzip checks each call's output, so a gzip bomb inflates at most OUT bytes past it.
 *
 * The stream inflater (the fallback, and without a sink): Node 20's web
 * DecompressionStream inflates ahead of its reader: while
 * a 200 MB layer streams in, about 50 MB of output chunks are alive at once, a quarter of
 * the layer again at the load's peak. Here zlib runs ahead by at most AHEAD bytes of
 * output (its readable side's high-water mark: past it zlib waits), so it inflates the
 * next piece on libuv's thread pool while this thread copies the last one into the
 * layer's buffer, and no more than AHEAD bytes wait.
 *
 * Output comes in PIECE-byte pieces. zlib hands each piece from the thread pool back to
 * this thread before it inflates the next, so small pieces cost a round trip each: with
 * 16 KiB pieces this thread sat idle for a third of a 194 MiB load, waiting on zlib; with
 * 256 KiB pieces the load is about 15% faster. A piece is garbage once copied; gunzip
 * hints a collection as they pile up (src/tar/churn.ts, node_gc.ts; docs/images.md has
 * the figures). Deno's DecompressionStream does not run ahead and is kept there.
 *
 * A limit holds here without slicing the input: zlib stops inflating while AHEAD bytes
 * wait to be read, and gunzip destroys it at the first piece past its limit, so a gzip
 * bomb inflates at most PIECE + AHEAD bytes beyond it.
 */
import { constants, createGunzip, type ZlibOptions } from "node:zlib";
import type { InflateSink, Inflater, MakeInflater } from "../../src/tar/mod.ts";

/** Bytes of output per piece (zlib's chunkSize): each costs a round trip to the thread pool. */
const PIECE = 256 * 1024;
/** How far zlib may inflate ahead of the copying. */
const AHEAD = 1 << 20;

/** node:zlib's stream: the fallback where the native handle is not there (exported for the tests). */
export const nodeStreamInflater: MakeInflater = (onData) => {
  // readableHighWaterMark is a stream option zlib passes on; @types/node's ZlibOptions omits it.
  const z = createGunzip({ chunkSize: PIECE, readableHighWaterMark: AHEAD } as ZlibOptions);
  const pump = (async () => {
    for await (const piece of z) onData(piece as Uint8Array);
  })();
  pump.catch(() => {}); // reported by write or end
  let failure: Error | undefined;
  z.on("error", (err) => (failure = err));
  return {
    write: async (chunk) => {
      if (failure) throw failure;
      if (z.write(chunk)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          z.off("drain", done).off("close", done);
          resolve();
        };
        z.on("drain", done).on("close", done);
      });
      if (failure) throw failure;
    },
    end: async () => {
      z.end();
      await pump;
    },
    destroy: () => void z.destroy(),
    // zlib counts the input its engine has taken in: the compressed offset a limit names.
    consumed: () => z.bytesWritten,
  };
};

/** Output bytes zlib writes per call when inflating in place (as many as a stream's piece: the same bound past a limit). */
const OUT = PIECE;
/** The Node majors whose zlib handle this drives (init's seven arguments, write's seven, close, onerror). */
const KNOWN_NODE = [18, 24] as const;
/** The least space asked of the sink for a call. */
const MIN_SPACE = 64 << 10;

/** node:zlib's native handle, as node:zlib's JS drives it. */
interface ZlibHandle {
  init(windowBits: number, level: number, memLevel: number, strategy: number, writeState: Uint32Array, onWritten: () => void, dictionary?: Uint8Array): void;
  write(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  close(): void;
  onerror?: (message: string, errno: number, code?: string) => void;
}
type ZlibHandleClass = new (mode: number) => ZlibHandle;

/** The handle's class, looked for once (null: not there, use the stream). */
let handleClass: ZlibHandleClass | null | undefined;
function zlibHandle(): ZlibHandleClass | null {
  if (handleClass !== undefined) return handleClass;
  handleClass = null;
  // The handle is node:zlib's internals: used only on the Node majors whose handle is known
  // to take these calls (a wrong call there is an assertion that aborts the process).
  const major = Number(/^(\d+)\./.exec(globalThis.process?.versions?.node ?? "")?.[1]);
  if ("Deno" in globalThis || !(major >= KNOWN_NODE[0] && major <= KNOWN_NODE[1])) return handleClass;
  try {
    const probe = createGunzip();
    const h = (probe as unknown as { _handle?: Partial<ZlibHandle> })._handle;
    probe.close();
    if (h && typeof h.init === "function" && typeof h.write === "function" && typeof h.close === "function" && typeof h.constructor === "function") handleClass = h.constructor as ZlibHandleClass;
  } catch {
    handleClass = null;
  }
  return handleClass;
}

/** node:zlib inflating in place into `sink` when it can, else its stream. */
export const nodeInflater: MakeInflater = (onData, sink) => {
  const Handle = sink ? zlibHandle() : null;
  return Handle && sink ? inPlaceInflater(Handle, onData, sink) : nodeStreamInflater(onData);
};

function inPlaceInflater(Handle: ZlibHandleClass, onData: (chunk: Uint8Array) => void, sink: InflateSink): Inflater {
  const state = new Uint32Array(2); // zlib's avail_out and avail_in after each call
  const h = new Handle(constants.GUNZIP);
  let input: Uint8Array = new Uint8Array(0), inOff = 0, inLen = 0, flush: number = constants.Z_NO_FLUSH;
  let out: Uint8Array = new Uint8Array(0);
  let consumed = 0, busy = false, closed = false, ended = false, failure: Error | undefined;
  let pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const settle = () => {
    const p = pending;
    pending = undefined;
    if (closed && !busy) close();
    if (failure) p?.reject(failure);
    else p?.resolve();
  };
  const close = () => {
    if (handleClosed) return;
    handleClosed = true;
    h.close();
  };
  let handleClosed = false;
  // One call: the rest of the input into the next space of the sink.
  const step = () => {
    const space = closed ? undefined : sink.space(MIN_SPACE);
    if (!space) return settle(); // the output failed: gunzip destroys this
    out = space.length > OUT ? space.subarray(0, OUT) : space;
    busy = true;
    h.write(flush, input, inOff, inLen, out, 0, out.length);
  };
  h.onerror = (message, errno, code) => {
    busy = false;
    failure = Object.assign(new Error(message), { errno, code });
    closed = true;
    settle();
  };
  h.init(0, constants.Z_DEFAULT_COMPRESSION, constants.Z_DEFAULT_MEMLEVEL, constants.Z_DEFAULT_STRATEGY, state, () => {
    busy = false;
    const availOut = state[0]!, availIn = state[1]!;
    const took = inLen - availIn;
    consumed += took;
    inOff += took;
    inLen = availIn;
    const have = out.length - availOut;
    if (have > 0 && !closed) onData(out.subarray(0, have));
    if (closed) return settle();
    if (availOut === 0) return step(); // the space is full: more output may be waiting
    // Output space left and input too: the gzip stream has ended; what follows it is
    // ignored, as node:zlib's stream ignores it.
    if (inLen > 0) ended = true;
    settle();
  }, undefined); // node:zlib asserts (aborts the process) unless init gets all seven arguments
  const run = (chunk: Uint8Array, how: number) => new Promise<void>((resolve, reject) => {
    if (failure) return reject(failure);
    if (closed || (ended && how === constants.Z_NO_FLUSH)) return resolve();
    pending = { resolve, reject };
    input = chunk;
    inOff = 0;
    inLen = chunk.length;
    flush = how;
    step();
  });
  return {
    write: (chunk) => run(chunk, constants.Z_NO_FLUSH),
    end: async () => {
      if (!ended) await run(new Uint8Array(0), constants.Z_FINISH);
      if (failure) throw failure;
      closed = true;
      if (!busy) close();
    },
    destroy: () => {
      closed = true;
      if (!busy) close(); // else when the call in flight returns
    },
    consumed: () => consumed,
  };
}
