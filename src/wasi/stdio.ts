/**
 * The standard fds of a process: stdin from bytes (or as it arrives: stdin_pipe.ts in a
 * worker, _stdin_queue.ts inline and suspendable),
 * stdout and stderr to a write function. Without a terminal they are pipes to the
 * program: WASI has no pipe filetype, so they report "unknown" as wasmtime reports a
 * pipe, and wasi-libc's isatty() is false. With a terminal (-t) they are character
 * devices without seek rights, which is what isatty() looks for.
 */
import { wasi } from "@bjorn3/browser_wasi_shim";
import { BaseFd } from "./fds.ts";

const STDIO_RIGHTS = BigInt(wasi.RIGHTS_FD_READ | wasi.RIGHTS_FD_WRITE | wasi.RIGHTS_POLL_FD_READWRITE |
  wasi.RIGHTS_FD_FDSTAT_SET_FLAGS | wasi.RIGHTS_FD_FILESTAT_GET);

abstract class StdioFd extends BaseFd {
  filetype: number;
  constructor(tty: boolean) {
    super();
    this.filetype = tty ? wasi.FILETYPE_CHARACTER_DEVICE : wasi.FILETYPE_UNKNOWN;
    this.rightsBase = STDIO_RIGHTS;
  }
  override fd_filestat_get(): { ret: number; filestat: wasi.Filestat | null } {
    return { ret: wasi.ERRNO_SUCCESS, filestat: new wasi.Filestat(0n, this.filetype, 0n) };
  }
  override fd_seek(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_SPIPE, offset: 0n };
  }
  override fd_tell(): { ret: number; offset: bigint } {
    return { ret: wasi.ERRNO_SPIPE, offset: 0n };
  }
}

/** A stdin that arrives while the program runs (stdin_pipe.ts): `pull` blocks until bytes come; `ready` says whether it would. */
interface StdinStream {
  pull(max: number): Uint8Array;
  ready(): boolean;
}

/** stdin. `pull(max)` returns the next bytes, blocking if it must; an empty result is end of input. */
export class StdinFd extends StdioFd {
  #pending: Uint8Array = new Uint8Array(0);
  #pull: (max: number) => Uint8Array;
  #ready: () => boolean = () => true;
  constructor(source: Uint8Array | StdinStream, tty = false) {
    super(tty);
    if (!(source instanceof Uint8Array)) {
      this.#pull = source.pull;
      this.#ready = source.ready;
    } else {
      let rest = source;
      this.#pull = (max) => {
        const out = rest.subarray(0, max);
        rest = rest.subarray(out.length);
        return out;
      };
    }
  }
  override fd_read(size: number): { ret: number; data: Uint8Array } {
    if (this.#pending.length === 0) this.#pending = this.#pull(size);
    const data = this.#pending.subarray(0, size);
    this.#pending = this.#pending.subarray(data.length);
    return { ret: wasi.ERRNO_SUCCESS, data: data.slice() };
  }
  override fd_write(): { ret: number; nwritten: number } {
    return { ret: wasi.ERRNO_BADF, nwritten: 0 };
  }
  /** Bytes taken from the source and not yet read. */
  get buffered(): boolean {
    return this.#pending.length > 0;
  }
  /** Would a read return at once (poll_oneoff)? */
  ready(): boolean {
    return this.#pending.length > 0 || this.#ready();
  }
}

/** stdout or stderr: each write goes to `write` (which may block, as a full pipe does). */
export class OutputFd extends StdioFd {
  constructor(readonly write: (chunk: Uint8Array) => void, tty = false) {
    super(tty);
  }
  override fd_write(data: Uint8Array): { ret: number; nwritten: number } {
    this.write(data);
    return { ret: wasi.ERRNO_SUCCESS, nwritten: data.length };
  }
  override fd_read(): { ret: number; data: Uint8Array } {
    return { ret: wasi.ERRNO_BADF, data: new Uint8Array() };
  }
}
