/**
 * Suspendable processes, where the platform has JavaScript Promise Integration
 * (`WebAssembly.Suspending`, `WebAssembly.promising`): an inline process is instantiated
 * with its blocking calls (poll_oneoff, fd_read, strata.spawn) as suspending imports and
 * started through `promising`. A call that would wait (a sleep, a read of stdin with
 * nothing in it yet, a child that sleeps) returns a promise instead, and the program's
 * stack is put aside until it settles, so the thread serves everything else meanwhile;
 * a stop, a kill or a signal rings the doorbell (_control.ts), which settles the wait.
 * A call that need not wait returns its answer at once, as before.
 *
 * `suspendable` is the platform's answer, decided once here; without it (Node 20) inline
 * processes run synchronously to their end (run_sync.ts).
 */
import { type Fd, type WASI, WASIProcExit, wasi } from "@bjorn3/browser_wasi_shim";
import type { Control } from "./_control.ts";

// deno-lint-ignore ban-types
type AnyFunction = Function;
interface Jspi {
  Suspending: new (f: AnyFunction) => object;
  promising: (f: AnyFunction) => (...args: unknown[]) => Promise<unknown>;
}
const api = WebAssembly as unknown as Partial<Jspi>;

/** The platform can suspend a WebAssembly stack on a promise (JSPI). */
export const suspendable: boolean = typeof api.Suspending === "function" && typeof api.promising === "function";

/** `imports` with the functions named in `names` made suspending: a promise they return suspends the caller. */
export function suspending<T extends Record<string, unknown>>(imports: T, names: readonly string[]): T {
  const out: Record<string, unknown> = { ...imports };
  for (const n of names) if (typeof out[n] === "function") out[n] = new api.Suspending!(out[n] as AnyFunction);
  return out as T;
}

/** Run the instance's `_start` on its own stack; resolves with its exit status (the shim's `start`, suspendable). */
export async function startSuspendable(w: WASI, instance: WebAssembly.Instance): Promise<number> {
  w.inst = instance as unknown as WASI["inst"];
  try {
    await api.promising!(instance.exports._start as AnyFunction)();
    return 0;
  } catch (err) {
    if (err instanceof WASIProcExit) return err.code;
    throw err;
  }
}

type FdRead = (fd: number, iovs: number, len: number, outPtr: number) => number;

/**
 * fd_read that waits (suspended) while its fd has nothing to read yet (stdin before the
 * next chunk: an fd with `ready()`), then reads. A stop, kill or uncaught signal that
 * rings meanwhile ends the program (Control.check); a caught interrupt is EINTR.
 */
export function readWhenReady(read: FdRead, w: WASI, control: Control): (...a: Parameters<FdRead>) => number | Promise<number> {
  return (fd, iovs, len, outPtr) => {
    const f = w.fds[fd] as (Fd & { ready?: () => boolean }) | undefined;
    const ready = f?.ready?.bind(f);
    if (!ready || ready()) return read(fd, iovs, len, outPtr);
    return (async () => {
      for (;;) {
        const seq = control.wakeSeq;
        if (control.check()) {
          control.takeSignal();
          return wasi.ERRNO_INTR;
        }
        if (w.fds[fd] !== f || ready()) return read(fd, iovs, len, outPtr);
        await control.wake(seq, Infinity); // stdin's arrival, a signal, a stop or a kill rings
      }
    })();
  };
}
