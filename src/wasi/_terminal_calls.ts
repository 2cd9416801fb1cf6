/**
 * The terminal's host imports, as docs/wasi-host.md specifies them (WASI preview1 has
 * no signals and no ioctl): `strata.catch_interrupts(on)` — a program that catches ^C
 * sees it as EINTR from its next read, write or poll instead of ending with 130, and
 * ignores ^\ (an interactive shell does both); `strata.take_interrupt()` — the pending
 * signal (2, 3 or 0), taken; `strata.winsize(ptr)` — the terminal's rows and columns as
 * two u16, or -ENOTTY without a terminal.
 */
import { type WASI, wasi } from "@bjorn3/browser_wasi_shim";
import type { Control } from "./_control.ts";

export function terminalImports(w: WASI, control: Control, terminal: boolean) {
  return {
    catch_interrupts(on: number): number {
      control.catching[control.catching.length - 1] = on !== 0;
      return 0;
    },
    take_interrupt: (): number => control.takeSignal(),
    winsize(ptr: number): number {
      if (!terminal) return -wasi.ERRNO_NOTTY;
      const buf = w.inst.exports.memory.buffer;
      if (ptr < 0 || ptr + 4 > buf.byteLength) return -wasi.ERRNO_FAULT;
      const { rows, cols } = control.size;
      const view = new DataView(buf);
      view.setUint16(ptr, rows, true);
      view.setUint16(ptr + 2, cols, true);
      return 0;
    },
  };
}
