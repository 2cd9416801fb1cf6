/**
 * gzip inflation through node:zlib for the core (src/tar `GunzipOptions.inflater`), handed
 * to the engine on Node as its platform's `inflater` by runtimeHost(). Node 20's web DecompressionStream inflates ahead of its reader: while
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
import { createGunzip, type ZlibOptions } from "node:zlib";
import type { MakeInflater } from "../../src/tar/mod.ts";

/** Bytes of output per piece (zlib's chunkSize): each costs a round trip to the thread pool. */
const PIECE = 256 * 1024;
/** How far zlib may inflate ahead of the copying. */
const AHEAD = 1 << 20;

export const nodeInflater: MakeInflater = (onData) => {
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
