/** A file as the load benches feed it: a stream of fresh 1 MiB chunks, as a request body or a file stream delivers it. */
import { open } from "node:fs/promises";

export function fileStream(path: string): ReadableStream<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  return new ReadableStream({
    async pull(c) {
      fh ??= await open(path);
      const buf = new Uint8Array(1 << 20);
      const { bytesRead } = await fh.read(buf, 0, buf.length);
      if (bytesRead === 0) return void (await fh.close(), c.close());
      c.enqueue(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    },
    async cancel() {
      await fh?.close(); // a reader may stop at the archive's end blocks
    },
  }, { highWaterMark: 0 });
}
