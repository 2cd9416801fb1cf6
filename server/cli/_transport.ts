/** How the client reaches an engine: plain requests, and the hijacked attach/exec. */
import type { HijackResult } from "./_hijack.ts";

export interface HijackOptions {
  /** Request body (exec start sends JSON). */
  body?: Uint8Array;
  contentType?: string;
  /** The bytes for the program's stdin; its end is the program's EOF. */
  stdin?: AsyncIterable<Uint8Array> | null;
}

export interface Transport {
  /** "tcp://127.0.0.1:2375", "unix:///run/x.sock", or "in-process (HOME)". */
  readonly where: string;
  /** An API call; `path` has no version prefix (`/containers/json?all=1`). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST with `Upgrade: tcp`: resolves at the 101, output until the server closes. */
  hijack(path: string, o: HijackOptions): Promise<HijackResult>;
  /** Release the engine (in-process) or the connection. */
  close(): Promise<void>;
}
