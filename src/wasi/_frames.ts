/**
 * What a process in a worker sends the engine through its one ring, in the order it
 * happened: change frames (its completed file changes, change_link.ts) and its output
 * (stdout, stderr). One ring keeps them in order, so when the engine hands a line of
 * output to a sink, the file writes the program made before printing it are already
 * applied; and output, like writes, is in shared memory the moment it is written, so a
 * kill loses neither. Output costs an Atomics.notify, where a postMessage per write cost
 * as much as a small program's whole run.
 */
export const JOURNAL_FRAME = 0;
export const OUTPUT_FRAME = 1;

/** Bytes before the output: fd (u8), then the wall clock in ms (f64, little endian). */
const OUT_HEAD = 9;

/** An output frame: `chunk` written to `fd` at `time`. */
export function outputFrame(fd: number, time: number, chunk: Uint8Array): Uint8Array {
  const frame = new Uint8Array(OUT_HEAD + chunk.length);
  frame[0] = fd;
  new DataView(frame.buffer).setFloat64(1, time, true);
  frame.set(chunk, OUT_HEAD);
  return frame;
}

/** The parts of an output frame; `chunk` is a view into it. */
export function readOutputFrame(frame: Uint8Array): { fd: number; time: number; chunk: Uint8Array } {
  const time = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getFloat64(1, true);
  return { fd: frame[0]!, time, chunk: frame.subarray(OUT_HEAD) };
}

/** Largest output chunk one frame of a ring with `maxFrame` carries (longer writes go as several). */
export function outputChunkMax(maxFrame: number): number {
  return maxFrame - OUT_HEAD;
}
