/**
 * stdin that streams into a process in a worker: the engine feeds what a client sends
 * into a ring in shared memory as it arrives, and the process reads from it, blocking
 * (without spinning) on the control doorbell while it is empty. So a program starts at
 * once and reads its input line by line, as over a Linux pipe or terminal.
 *
 * Frames: data; an end-of-file mark (a terminal's ^D on an empty line: one read returns
 * 0 bytes and the terminal stays open); the end (the client half-closed: every read from
 * then on returns 0). A blocked read ends when the process is stopped or killed (the
 * engine rings the doorbell with the request), and when a terminal signal comes: the
 * program ends 130/131, or sees EINTR when it catches interrupts (_control.ts).
 */
import { type Control } from "./_control.ts";
import type { Ring } from "./_ring.ts";
import { WasiError } from "./errno.ts";

const DATA = 0, EOF_MARK = 1, END = 2;
/** Bytes per data frame: a read takes one frame at most, so a reader sees input soon after it arrives. */
const FRAME_MAX = 16 * 1024;
/** How long a blocked reader sleeps between looks when nothing rings (the doorbell normally wakes it first). */
const IDLE_MS = 1000;

/**
 * The engine's side: copy `source` into `ring` as it arrives, ringing the process's
 * doorbell after each frame; a full ring waits for the process to read (backpressure
 * reaches the client). With `tty`, an empty chunk is a terminal's end-of-file mark.
 * `stop()` (the process ended) cancels the source.
 */
export function feedStdin(source: ReadableStream<Uint8Array>, ring: Ring, control: Control, tty: boolean): { stop(): void } {
  const reader = source.getReader();
  let stopped = false;
  const push = async (bytes: Uint8Array, kind: number) => {
    while (!stopped && !ring.tryPush(bytes, kind)) await ring.waitForRoom(50);
    control.ring();
  };
  void (async () => {
    for (;;) {
      const r = await reader.read();
      if (stopped) return;
      if (r.done) return await push(new Uint8Array(0), END);
      const chunk = r.value;
      if (chunk.length === 0) {
        if (tty) await push(chunk, EOF_MARK);
        continue;
      }
      const most = Math.min(FRAME_MAX, ring.maxFrame);
      for (let at = 0; at < chunk.length && !stopped; at += most) await push(chunk.subarray(at, at + most), DATA);
    }
  })().catch(async () => {
    // The client's stream failed (a reset): for the program that is the end of its input.
    if (!stopped) await push(new Uint8Array(0), END);
  });
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      // cancel() rejects only with the client's own stream error (a reset): its end is all that is wanted.
      void reader.cancel().catch(() => {});
    },
  };
}

/**
 * The process's side: a pull function for StdinFd. Returns the next frame's bytes, an
 * empty array at an end of file, and blocks while the ring is empty. `ready` answers
 * whether a read would return at once (poll_oneoff).
 */
export function readStdin(ring: Ring, control: Control): { pull(max: number): Uint8Array; ready(): boolean } {
  let ended = false;
  return {
    ready: () => ended || !ring.empty,
    pull: () => {
      for (;;) {
        if (ended) return new Uint8Array(0);
        const seq = control.wakeSeq;
        // A signal first: ^C then a line typed after it wakes this read once, and the
        // interrupt came first (a shell at its prompt drops its line, then reads the new one).
        if (control.check()) {
          control.takeSignal();
          throw new WasiError("EINTR", "interrupted");
        }
        if (!ring.empty) {
          const [frame] = ring.drain(1);
          if (frame!.kind === DATA) return frame!.bytes;
          if (frame!.kind === END) ended = true;
          return new Uint8Array(0);
        }
        control.waitForWake(seq, IDLE_MS);
      }
    },
  };
}
