/**
 * poll_oneoff for any number of subscriptions (the shim takes one clock only, and
 * spins). Files and stdio are always ready (they never block here); clocks sleep on the
 * control word, so a stop request wakes them and no CPU burns while waiting, and the
 * woken process exits 143.
 */
import { type Fd, WASIProcExit, wasi } from "@bjorn3/browser_wasi_shim";
import { type Control, ProcessKilled } from "./_control.ts";

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

export function pollOneoff(view: DataView, a: PollArgs, fds: Fd[], control: Control): number {
  if (a.n === 0) return wasi.ERRNO_INVAL;
  const subs = readSubs(view, a.inPtr, a.n);
  if (typeof subs === "number") return subs;
  let events = 0;
  for (const s of subs) {
    if (s.type === wasi.EVENTTYPE_CLOCK) continue;
    writeEvent(view, a.outPtr + events++ * EVENT_SIZE, s, fds[s.fd] ? wasi.ERRNO_SUCCESS : wasi.ERRNO_BADF);
  }
  if (events === 0) {
    const due = Math.min(...subs.map((s) => s.due));
    control.sleep(due - performance.now());
    // A stop woke the sleep: the program has no handler for SIGTERM, so it ends now, as
    // a sleeping Linux process does (143), instead of returning early from its sleep.
    if (control.killRequested) throw new ProcessKilled("kill");
    if (control.stopRequested) throw new WASIProcExit(143);
    const now = performance.now();
    for (const s of subs) if (s.due <= now + 0.001) writeEvent(view, a.outPtr + events++ * EVENT_SIZE, s, wasi.ERRNO_SUCCESS);
  }
  view.setUint32(a.neventsPtr, events, true);
  return wasi.ERRNO_SUCCESS;
}
