/**
 * Attach: a container's output to a client, framed as Docker frames it, and the
 * client's stdin to the process. The same session serves a hijacked connection (the
 * Node server hands its socket in through `AttachIo`) and a plain streaming POST
 * (dockerode without `hijack`). Output is registered before the process starts, so
 * `docker run` loses nothing; the stream ends when the process exits.
 */
import type { Engine } from "../engine/mod.ts";
import { frame } from "./streams.ts";

export interface AttachIo {
  write(bytes: Uint8Array): void;
  end(): void;
}

export interface AttachOptions {
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  stream?: boolean;
  /** The client's stdin, given when `stdin=1`. */
  stdin?: ReadableStream<Uint8Array> | null;
}

/** Start an attach session; returns a function that detaches. Errors: not-found. */
export function attach(engine: Engine, ref: string, o: AttachOptions, io: AttachIo): () => void {
  const rt = engine.get(ref);
  const tty = rt.rec.Config.Tty;
  const send = (stream: "stdout" | "stderr", data: Uint8Array) => {
    if ((stream === "stdout" && o.stdout === false) || (stream === "stderr" && o.stderr === false)) return;
    io.write(tty ? data : frame(stream, data));
  };
  if (o.logs) for (const e of rt.logs.entries) send(e.stream, e.data);
  if (o.stdin) rt.stdin = o.stdin;
  if (o.stream === false) {
    io.end();
    return () => {};
  }
  const stop = rt.logs.follow((e) => {
    if (e) send(e.stream, e.data);
    else {
      stop();
      io.end();
    }
  });
  return stop;
}
