/**
 * stdin that the engine can end: src/wasi reads a stdin stream to its end before the
 * program runs, so a kill must also end stdin for the process to settle.
 */
import type { StdinSource } from "../wasi/mod.ts";
import type { ContainerRuntime } from "./_runtime.ts";

/** `stdin` as the process gets it; `rt.endStdin` ends it (a stream only). */
export function endable(rt: ContainerRuntime, stdin: StdinSource): StdinSource {
  if (stdin instanceof Uint8Array) return stdin;
  const reader = stdin.getReader();
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  rt.endStdin = () => {
    if (ended) return;
    ended = true;
    ctl.close();
    void reader.cancel().catch(() => {}); // the client's stream may already be errored: its end is all that is wanted
  };
  return new ReadableStream<Uint8Array>({
    start: (c) => void (ctl = c),
    pull: async (c) => {
      const r: ReadableStreamReadResult<Uint8Array> = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (ended) return;
      if (r.done) ended = true, c.close();
      else c.enqueue(r.value);
    },
  });
}
