/**
 * poll_oneoff for any number of subscriptions (the shim takes one clock only, and
 * spins). Files and output are always ready (they never block here); stdin is ready when
 * a read would return at once (stdin_pipe.ts). While nothing is ready the process waits
 * on the control doorbell, so stdin's arrival, a signal or a stop wakes it and no CPU
 * burns while waiting: a stop ends it (143), a signal as _control.ts says. A suspendable
 * process (_suspend.ts) waits the same way on a promise instead, freeing the thread.
 */
import { type Fd, wasi } from "@bjorn3/browser_wasi_shim";
import type { Control } from "./_control.ts";

/** Longest wait between looks when nothing rings (the doorbell normally wakes it first). */
const IDLE_MS = 1000;

const SUB_SIZE = 48;
const EVENT_SIZE = 32;

interface PollArgs {
  inPtr: number;
  outPtr: number;
  n: number;
  neventsPtr: number;
}

interface Sub {
  userdata: bigint;
  type: number;
  fd: number;
  /** Absolute deadline in ms (performance.now() clock) for clocks. */
  due: number;
}

function readSubs(view: DataView, inPtr: number, n: number): Sub[] | number {
  const subs: Sub[] = [];
  for (let i = 0; i < n; i++) {
    const at = inPtr + i * SUB_SIZE;
    const userdata = view.getBigUint64(at, true);
    const type = view.getUint8(at + 8);
    if (type === wasi.EVENTTYPE_CLOCK) {
      const id = view.getUint32(at + 16, true);
      const timeout = view.getBigUint64(at + 24, true);
      const abs = (view.getUint16(at + 40, true) & wasi.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME) !== 0;
      if (id > 3) return wasi.ERRNO_INVAL;
      const nowNs = id === wasi.CLOCKID_REALTIME ? BigInt(Date.now()) * 1_000_000n : BigInt(Math.round(performance.now() * 1e6));
      const waitNs = abs ? timeout - nowNs : timeout;
      subs.push({ userdata, type, fd: -1, due: performance.now() + Math.max(0, Number(waitNs) / 1e6) });
    } else if (type === wasi.EVENTTYPE_FD_READ || type === wasi.EVENTTYPE_FD_WRITE) {
      subs.push({ userdata, type, fd: view.getUint32(at + 16, true), due: 0 });
    } else return wasi.ERRNO_INVAL;
  }
  return subs;
}

function writeEvent(view: DataView, at: number, sub: Sub, error: number): void {
  for (let i = 0; i < EVENT_SIZE; i += 8) view.setBigUint64(at + i, 0n, true);
  view.setBigUint64(at, sub.userdata, true);
  view.setUint16(at + 8, error, true);
  view.setUint8(at + 10, sub.type);
}

/** One look at the subscriptions: the errno when the poll is done, else how long (ms) to wait before looking again. */
function look(view: DataView, a: PollArgs, subs: Sub[], fds: Fd[], control: Control): number | { waitMs: number } {
  // A signal that woke the wait came before what is ready now (see stdin_pipe.ts).
  if (control.check()) {
    control.takeSignal();
    return wasi.ERRNO_INTR;
  }
  let events = 0;
  const now = performance.now();
  for (const s of subs) {
    const fd = fds[s.fd];
    const ready = s.type === wasi.EVENTTYPE_CLOCK ? s.due <= now + 0.001
      : !fd || s.type === wasi.EVENTTYPE_FD_WRITE || !("ready" in fd) || (fd as Fd & { ready(): boolean }).ready();
    if (ready) writeEvent(view, a.outPtr + events++ * EVENT_SIZE, s, s.fd < 0 || fd ? wasi.ERRNO_SUCCESS : wasi.ERRNO_BADF);
  }
  if (events) {
    view.setUint32(a.neventsPtr, events, true);
    return wasi.ERRNO_SUCCESS;
  }
  // Nothing ready: wait for the earliest clock, or for the doorbell (stdin arrived, a
  // signal, a stop). A stop ends the program now, as a sleeping Linux process without a
  // SIGTERM handler ends (143), instead of returning early from its sleep (checked at the next look).
  const due = Math.min(...subs.map((s) => (s.type === wasi.EVENTTYPE_CLOCK ? s.due : Infinity)));
  return { waitMs: due - performance.now() };
}

export function pollOneoff(view: DataView, a: PollArgs, fds: Fd[], control: Control): number {
  if (a.n === 0) return wasi.ERRNO_INVAL;
  const subs = readSubs(view, a.inPtr, a.n);
  if (typeof subs === "number") return subs;
  for (;;) {
    const seq = control.wakeSeq;
    const r = look(view, a, subs, fds, control);
    if (typeof r === "number") return r;
    control.waitForWake(seq, Math.min(r.waitMs, IDLE_MS));
  }
}

/**
 * The same poll for a suspendable process (_suspend.ts): the answer at once when
 * something is ready, else a promise of it that waits on a timer or the doorbell, so
 * the thread runs others meanwhile. No idle timer: every change it waits for rings on
 * this thread (stdin's arrival, a signal, a stop, a kill, the deadline). The program's memory does not change while it is
 * suspended (only it grows it), so `view` stays valid.
 */
export function pollOneoffSuspending(view: DataView, a: PollArgs, fds: Fd[], control: Control): number | Promise<number> {
  if (a.n === 0) return wasi.ERRNO_INVAL;
  const subs = readSubs(view, a.inPtr, a.n);
  if (typeof subs === "number") return subs;
  const seq = control.wakeSeq;
  const first = look(view, a, subs, fds, control);
  if (typeof first === "number") return first;
  return (async () => {
    for (let r = first, at = seq;;) {
      await control.wake(at, r.waitMs);
      at = control.wakeSeq;
      const next = look(view, a, subs, fds, control);
      if (typeof next === "number") return next;
      r = next;
    }
  })();
}
