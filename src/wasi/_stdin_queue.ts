/**
 * stdin that streams into a suspendable inline process (_suspend.ts): the engine's
 * stream is read on this thread as its chunks arrive and queued, and each arrival rings
 * the process's doorbell; a read takes from the queue, and a read that finds it empty
 * waits, suspended, for the ring. The frames are those of stdin_pipe.ts: data, a
 * terminal's end-of-file mark (an empty chunk with `tty`: one read returns 0 bytes), and
 * the end. At most HIGH_WATER bytes are read ahead: a program that does not read holds
 * its writer back, as a full pipe does.
 */
import type { Control } from "./_control.ts";
import { WasiError } from "./errno.ts";

/** Bytes read ahead of the program (a Linux pipe holds 64 KiB). */
const HIGH_WATER = 64 * 1024;

/** The process's side: `pull` as StdinFd takes it, `ready` for poll and the suspended read; `stop` when the process ended. */
interface QueuedStdin {
  pull(max: number): Uint8Array;
  ready(): boolean;
  stop(): void;
}

export function queueStdin(source: ReadableStream<Uint8Array>, control: Control, tty: boolean): QueuedStdin {
  const reader = source.getReader();
  /** Data, or an empty array for a terminal's end-of-file mark. */
  const queue: Uint8Array[] = [];
  let queued = 0, ended = false, stopped = false;
  let room: (() => void) | undefined;
  const arrive = (bytes: Uint8Array | null) => {
    if (bytes) queue.push(bytes), queued += bytes.length;
    else ended = true;
    control.ring();
  };
  void (async () => {
    for (;;) {
      while (queued >= HIGH_WATER && !stopped) await new Promise<void>((r) => (room = r));
      if (stopped) return;
      const r = await reader.read();
      if (stopped) return;
      if (r.done) return arrive(null);
      if (r.value.length > 0 || tty) arrive(r.value);
    }
  })().catch(() => {
    // The client's stream failed (a reset): for the program that is the end of its input.
    if (!stopped) arrive(null);
  });
  return {
    ready: () => queue.length > 0 || ended,
    pull: () => {
      const next = queue.shift();
      if (next) {
        queued -= next.length;
        room?.(), room = undefined;
        return next;
      }
      if (ended) return new Uint8Array(0);
      // A read reaches here only through an fd that does not wait first; it may try again.
      throw new WasiError("EAGAIN", "no input yet");
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      room?.();
      // cancel() rejects only with the client's own stream error (a reset): its end is all that is wanted.
      void reader.cancel().catch(() => {});
    },
  };
}
