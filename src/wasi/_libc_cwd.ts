/**
 * The working directory of a stock wasi-libc program.
 *
 * WASI preview1 has no working directory: wasi-libc keeps one itself, in the global
 * `__wasilibc_cwd` (a `char *` that starts as "/"), and only when the program links
 * `chdir` (its object also makes relative paths absolute against that string before
 * choosing a preopen). A relative and an absolute path arrive at the host the same
 * way ("in.json" and "/in.json" both become "in.json" under the preopen "/"), so the
 * host cannot resolve relative paths itself; wasmtime's "." preopen convention only
 * moves the problem (absolute paths then land in "."). What works for path resolution
 * and for `getcwd` alike is to start the libc where the container starts: this file
 * finds that global in the module's data and points it at the working directory
 * before `main` runs.
 *
 * Finding it: in the data segments, a 4-byte word whose value is the address of a "/"
 * string, which the code both loads and stores at that address (chdir stores it; a
 * program's own `char *p = "/"` that is never assigned is not stored to). Exactly one
 * such word must exist; otherwise nothing is touched and the program starts at "/". The
 * module cache finds it once per module, from the same parse that checks the module.
 *
 * Setting it: the string must live in memory the libc owns for the program's life. The
 * host answers `args_sizes_get` (or `environ_sizes_get`, whichever the libc calls first;
 * both happen before main) with room for the path after the arguments, writes the path
 * there in `args_get`, and points the global at it. libc never frees that buffer, and
 * it never frees the initial cwd either (chdir frees only a cwd it allocated itself).
 *
 * XXX: a program that links no `chdir` has no working directory in its libc: its
 * relative paths resolve from "/" whatever the container's WorkingDir is. A program
 * that reads neither its arguments nor its environment before it opens a relative path
 * starts at "/" too.
 */
import type { ModuleInfo } from "./module_info.ts";

/** Where libc's cwd pointer is and the value it starts with. */
export interface LibcCwdSlot {
  address: number;
  initial: number;
}

/** The cwd slot of a module, from what its bytes say (the module cache keeps it with the module); undefined when it has none. */
export function libcCwdSlot(info: ModuleInfo): LibcCwdSlot | undefined {
  // Every address where the data holds "/\0" (a "/" literal, or the tail of one that ends
  // in "/"), as a bitmap over the span they cover; then every aligned word of the data is
  // tested against it (a 30 MB program has megabytes of data: no per-word Set lookup).
  const roots: number[] = [];
  for (const d of info.data) {
    for (let i = d.bytes.indexOf(0x2f); i >= 0; i = d.bytes.indexOf(0x2f, i + 1)) {
      if (d.bytes[i + 1] === 0) roots.push(d.offset + i);
    }
  }
  if (!roots.length) return undefined;
  const low = Math.min(...roots), span = Math.max(...roots) - low + 1;
  const bits = new Uint32Array(Math.ceil(span / 32));
  for (const r of roots) bits[(r - low) >>> 5]! |= 1 << ((r - low) & 31);
  const found: LibcCwdSlot[] = [];
  for (const d of info.data) {
    const view = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
    for (let i = (4 - (d.offset % 4)) % 4; i + 4 <= d.bytes.length; i += 4) {
      const k = view.getUint32(i, true) - low;
      if (k >= 0 && k < span && (bits[k >>> 5]! & (1 << (k & 31))) !== 0) found.push({ address: d.offset + i, initial: k + low });
    }
  }
  const stored = found.filter((s) => storesAt(info.code, s.address));
  return stored.length === 1 ? stored[0] : undefined;
}

/** True when the code has an `i32.store` (align 4) whose offset immediate is `address` (compact or padded LEB128, as wasm-ld leaves it). */
function storesAt(code: Uint8Array, address: number): boolean {
  const compact: number[] = [];
  let v = address;
  do {
    const b = v & 0x7f;
    v >>>= 7;
    compact.push(v ? b | 0x80 : b);
  } while (v);
  const padded = [0, 1, 2, 3, 4].map((i) => ((address >>> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
  return has(code, [0x36, 2, ...compact]) || has(code, [0x36, 2, ...padded]);
}

/** True when `pattern` occurs in `code`. Found by its third byte (an opcode such as 0x36 is everywhere in code; an address byte is rarer). */
function has(code: Uint8Array, pattern: number[]): boolean {
  const key = pattern[2]!;
  for (let i = code.indexOf(key, 2); i >= 0; i = code.indexOf(key, i + 1)) {
    const start = i - 2;
    if (start + pattern.length > code.length) return false;
    let j = 0;
    while (j < pattern.length && code[start + j] === pattern[j]) j++;
    if (j === pattern.length) return true;
  }
  return false;
}

const encoder = new TextEncoder();

/**
 * Wrap the argument and environment calls of `imports` so the libc starts at `cwd`
 * (nothing happens for "/" or a module without a slot).
 */
export function startIn(imports: Record<string, unknown>, memory: () => WebAssembly.Memory, cwd: string, slot: LibcCwdSlot | undefined): void {
  if (!slot || cwd === "/" || cwd === "") return;
  const path = encoder.encode(`${cwd}\0`);
  let done = false;
  for (const [sizes, get] of [["args_sizes_get", "args_get"], ["environ_sizes_get", "environ_get"]] as const) {
    const sizesOf = imports[sizes] as (countPtr: number, sizePtr: number) => number;
    const getOf = imports[get] as (ptrs: number, buf: number) => number;
    let own = 0;
    imports[sizes] = (countPtr: number, sizePtr: number): number => {
      const r = sizesOf(countPtr, sizePtr);
      if (r !== 0 || done) return r;
      const view = new DataView(memory().buffer);
      own = view.getUint32(sizePtr, true);
      view.setUint32(sizePtr, own + path.length, true);
      return r;
    };
    imports[get] = (ptrs: number, buf: number): number => {
      const r = getOf(ptrs, buf);
      if (r !== 0 || done) return r;
      const mem = memory().buffer;
      const view = new DataView(mem);
      if (buf + own + path.length > mem.byteLength || slot.address + 4 > mem.byteLength) return r;
      new Uint8Array(mem, buf + own, path.length).set(path);
      // Only while libc still holds its first value: a constructor may have changed directory.
      if (view.getUint32(slot.address, true) === slot.initial) view.setUint32(slot.address, buf + own, true);
      done = true;
      return r;
    };
  }
}
