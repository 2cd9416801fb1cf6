/**
 * A trap ends a WebAssembly program the way a signal ends a native one, so its exit
 * status is what a Linux shell reports for that signal, 128 + n: `abort()` in wasi-libc
 * is `unreachable` (SIGABRT, 134); a bad memory access, a call through a null or
 * mistyped function pointer and a stack overflow fault (SIGSEGV, 139: a bad function
 * pointer faults on Linux too); integer division by zero or overflow and a float that
 * does not fit an integer are arithmetic errors (SIGFPE, 136). Any other trap is an
 * abort. The messages are V8's (Node and Deno); Deno's newer V8 splits "null function"
 * from "function signature mismatch".
 */

interface Signal {
  name: "SIGABRT" | "SIGFPE" | "SIGSEGV";
  /** The exit status: 128 + the signal number. */
  status: 134 | 136 | 139;
}

const ABRT: Signal = { name: "SIGABRT", status: 134 };
const FPE: Signal = { name: "SIGFPE", status: 136 };
const SEGV: Signal = { name: "SIGSEGV", status: 139 };

/** The signal a trap stands for, or undefined when `err` is no trap. */
export function trapSignal(err: unknown): Signal | undefined {
  if (err instanceof RangeError && /call stack size exceeded/i.test(err.message)) return SEGV;
  if (!(err instanceof WebAssembly.RuntimeError)) return undefined;
  const m = err.message;
  if (/divide by zero|divide result unrepresentable|remainder by zero|float unrepresentable/i.test(m)) return FPE;
  if (/out of bounds|null function|signature mismatch|dereferencing a null/i.test(m)) return SEGV;
  return ABRT;
}
