/**
 * gzip inflation through node:zlib for the core (src/tar `setGunzipStream`), installed on
 * Node by runtimeHost(). Node 20's web DecompressionStream inflates ahead of its reader:
 * while a 200 MB layer streams in, about 50 MB of output chunks are alive at once, a
 * quarter of the layer again at the load's peak. Here each input chunk is written to
 * zlib only when the reader has taken the output of the one before (the TransformStream
 * calls `transform` under backpressure, and zlib's write callback runs once that chunk is
 * inflated), so no more than one chunk's output waits; and zlib hands out its output in
 * 4 KiB pieces, which are garbage as soon as they are copied, so little garbage waits
 * for the collector either (docs/images.md has the figures). Deno's DecompressionStream
 * does not run ahead and is kept there.
 */
import { createGunzip } from "node:zlib";

export function nodeGunzipStream(): TransformStream<Uint8Array, Uint8Array> {
  const z = createGunzip({ chunkSize: 4096 });
  let failure: Error | undefined;
  let settle: ((err?: Error | null) => void) | undefined;
  const ended = new Promise<void>((resolve) => {
    z.on("end", resolve);
    z.on("error", (err) => {
      failure = err;
      settle?.(err);
      resolve();
    });
  });
  const write = (chunk: Uint8Array) => new Promise<void>((resolve, reject) => {
    settle = (err) => {
      settle = undefined;
      if (err) reject(err);
      else resolve();
    };
    z.write(chunk, (err) => settle?.(err));
  });
  return new TransformStream<Uint8Array, Uint8Array>({
    start(ctl) {
      z.on("data", (chunk: Uint8Array) => {
        try {
          ctl.enqueue(chunk);
        } catch {
          // The reader cancelled (a cap was met): stop inflating. zlib will not call back now.
          z.destroy();
          settle?.();
        }
      });
    },
    transform: write,
    async flush() {
      z.end();
      await ended;
      if (failure) throw failure;
    },
  });
}
