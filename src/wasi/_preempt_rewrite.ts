/**
 * Preemption points for a WebAssembly module, put in once at load (wasmtime's epoch
 * interruption is the model): at the entry of every function and the head of every loop,
 * a countdown in a global of the module's own; when it reaches zero the module calls the
 * import `strata.preempt`, which looks at the process's control words (stop, kill, pause,
 * a deadline, a signal), may suspend the program to let the thread serve others
 * (_preempt.ts), and answers the next countdown. So a program that never makes a system
 * call (`for (;;) n++;`) still ends at a stop, holds at a pause and shares its thread.
 *
 * The rewrite adds one type (`[] -> [i32]`), one function import (appended, so every
 * defined function's index moves up by one: calls, `ref.func`, exports, the start
 * function and element segments are renumbered), and one mutable i32 global (appended,
 * so no global moves), exported so that the host can end the countdown at once. The "name" section is dropped: its function numbers would be
 * stale. Instructions are decoded to find loops and function references (WebAssembly
 * core spec §5.4, with the SIMD, threads, bulk-memory, reference-types, tail-call,
 * exception-handling and typed-function-reference opcodes); a module that uses anything
 * else (the GC proposal's types or instructions, an unknown opcode) is left as it is and
 * runs without preemption points. Written here rather than with binaryen or
 * @webassemblyjs: the rewrite is a single pass copying spans of the original bytes, it
 * must run in a browser tab and at the edge (binaryen is megabytes of code), and it takes
 * ~20 ms for the 1.8 MB sqlite3 module once its code is warm.
 */

import { Reader as In } from "./module_info.ts";

/** The import the checks call: `() -> i32`, the next countdown. */
export const PREEMPT_IMPORT = { module: "strata", name: "preempt" } as const;

/** The countdown, exported: set to 0, the next check calls the import (a stop, a pause on the module's own thread). */
export const FUEL_EXPORT = "strata.preempt.fuel";

/** The countdown a module starts with. */
const FIRST_FUEL = 10_000;

/** Thrown inside the rewrite for what it does not handle; the module is then left as it is. */
class Unsupported extends Error {}

/** A growable byte buffer. */
class Out {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }
  byte(b: number): void {
    this.#room(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.copy(b, 0, b.length);
  }
  /** `src[from..to)`, without a subarray for the short spans between two edits. */
  copy(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.#room(n);
    if (n < 48) {
      const buf = this.buf;
      let len = this.len;
      for (let i = from; i < to; i++) buf[len++] = src[i]!;
      this.len = len;
    } else {
      this.buf.set(src.subarray(from, to), this.len);
      this.len += n;
    }
  }
  u32(v: number): void {
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v) b |= 0x80;
      this.byte(b);
    } while (v);
  }
  /** A signed LEB128 (i32.const's operand). */
  s32(v: number): void {
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  /** `body` framed as section `id`, or as a vector element: its size, then it. */
  framed(id: number | undefined, body: Out): void {
    if (id !== undefined) this.byte(id);
    this.u32(body.len);
    this.bytes(body.buf.subarray(0, body.len));
  }
  get result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** A cursor over the original bytes from `at` to `end`. */
function reader(b: Uint8Array, at: number, end: number): In {
  const r = new In(b, end);
  r.at = at;
  return r;
}

/** A value type: one byte, or a reference type with its heap type (`ref null ht`, `ref ht`). */
function skipValType(r: In): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.leb();
}

function skipLimits(r: In): void {
  const flags = r.byte();
  r.leb();
  if (flags & 1) r.leb();
}

function skipMemarg(r: In): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // a memory index (multi-memory)
  r.leb();
}

/** A block type: empty, a value type, or a type index (s33). */
function skipBlockType(r: In): void {
  const first = r.b[r.at];
  r.leb();
  if (first === 0x63 || first === 0x64) r.leb();
}

interface Shift {
  /** Function indices from this one up move by one (the new import's index). */
  from: number;
}

/** What follows an opcode (the table below): how the scan skips or rewrites it. */
const NONE = 0, LEB = 1, LEB2 = 2, MEMARG = 3, BLOCK = 4, LOOP = 5, FUNC = 6, BR_TABLE = 7, SELECT_T = 8, TRY_TABLE = 9,
  F32 = 10, F64 = 11, MISC = 12, SIMD = 13, ATOMIC = 14, END = 15, UNSUPPORTED = 255;

/** The immediates of each one-byte opcode (WebAssembly core spec §5.4 and the proposals named above). */
const IMMEDIATES: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(UNSUPPORTED);
  const set = (kind: number, ...ops: number[]) => ops.forEach((op) => (t[op] = kind));
  set(NONE, 0x00, 0x01, 0x05, 0x0a, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd5);
  for (let op = 0x45; op <= 0xc4; op++) t[op] = NONE; // numeric
  set(LEB, 0x07, 0x08, 0x09, 0x18, 0x0c, 0x0d, 0x14, 0x15, 0xd4, 0xd6, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40, 0x41, 0x42, 0xd0);
  set(LEB2, 0x11, 0x13);
  for (let op = 0x28; op <= 0x3e; op++) t[op] = MEMARG;
  set(BLOCK, 0x02, 0x04, 0x06);
  set(LOOP, 0x03);
  set(FUNC, 0x10, 0x12, 0xd2);
  set(BR_TABLE, 0x0e);
  set(SELECT_T, 0x1c);
  set(TRY_TABLE, 0x1f);
  set(F32, 0x43);
  set(F64, 0x44);
  set(MISC, 0xfc);
  set(SIMD, 0xfd);
  set(ATOMIC, 0xfe);
  set(END, 0x0b);
  return t;
})();

/**
 * Copy the instructions from `r.at` to `r.end` (a function body's code, or up to the end of
 * a constant expression when `constExpr`), renumbering function references, and with
 * `check` after each loop's block type. One tight loop over a table of immediates: it
 * runs cold in a fresh process (the daemonless CLI), where every bytecode counts.
 */
function instructions(r: In, out: Out, shift: Shift, check?: Uint8Array, constExpr = false): void {
  const b = r.b, end = r.end;
  let p = r.at, copied = p;
  while (p < end) {
    const opAt = p;
    const op = b[p++]!;
    const kind = IMMEDIATES[op]!;
    if (kind === NONE) continue;
    if (kind === LEB) {
      while (b[p++]! & 0x80);
      continue;
    }
    switch (kind) {
      case MEMARG: {
        let align = 0, shiftBits = 0, c: number;
        do {
          c = b[p++]!;
          align |= (c & 0x7f) << shiftBits;
          shiftBits += 7;
        } while (c & 0x80 && shiftBits < 35);
        if (align & 0x40) while (b[p++]! & 0x80); // a memory index (multi-memory)
        while (b[p++]! & 0x80); // the offset
        break;
      }
      case LEB2:
        while (b[p++]! & 0x80);
        while (b[p++]! & 0x80);
        break;
      case BLOCK:
      case LOOP: {
        const first = b[p]!;
        while (b[p++]! & 0x80);
        if (first === 0x63 || first === 0x64) while (b[p++]! & 0x80);
        if (kind === LOOP && check) {
          out.copy(b, copied, p);
          out.copy(check, 0, check.length);
          copied = p;
        }
        break;
      }
      case FUNC: {
        r.at = p;
        const f = r.u32();
        p = r.at;
        if (f >= shift.from) {
          out.copy(b, copied, opAt + 1);
          out.u32(f + 1);
          copied = p;
        }
        break;
      }
      case END:
        if (constExpr) {
          out.copy(b, copied, p);
          r.at = p;
          return;
        }
        break;
      case F32:
        p += 4;
        break;
      case F64:
        p += 8;
        break;
      default:
        r.at = p;
        rarer(kind, r, opAt);
        p = r.at;
    }
  }
  if (p > end) throw new RangeError(`an instruction runs past its end at byte ${end}`);
  if (constExpr) throw new RangeError(`constant expression without its end at byte ${p}`);
  out.copy(b, copied, p);
  r.at = p;
}

/** The immediates that are seldom met, read with the cursor. */
function rarer(kind: number, r: In, opAt: number): void {
  switch (kind) {
    case BR_TABLE:
      for (let n = r.u32(); n >= 0; n--) r.u32();
      return;
    case SELECT_T:
      for (let n = r.u32(); n > 0; n--) skipValType(r);
      return;
    case TRY_TABLE:
      skipBlockType(r);
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() < 2) r.u32();
        r.u32();
      }
      return;
    case MISC:
      return misc(r);
    case SIMD:
      return simd(r);
    case ATOMIC:
      return atomic(r);
    default:
      throw new Unsupported(`opcode 0x${r.b[opAt]!.toString(16)} at byte ${opAt}`);
  }
}

function misc(r: In): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  if (sub === 8 || sub === 10 || sub === 12 || sub === 14) r.u32(), r.u32();
  else if (sub === 9 || sub === 11 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
  else throw new Unsupported(`opcode 0xfc ${sub} at byte ${r.at}`);
}

function simd(r: In): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) skipMemarg(r);
  else if (sub === 12 || sub === 13) r.bytes(16);
  else if (sub >= 21 && sub <= 34) r.bytes(1);
  else if (sub >= 84 && sub <= 91) skipMemarg(r), r.bytes(1);
  else if (sub > 0x113) throw new Unsupported(`opcode 0xfd ${sub} at byte ${r.at}`);
}

function atomic(r: In): void {
  const sub = r.u32();
  if (sub === 3) r.bytes(1); // atomic.fence
  else if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) skipMemarg(r);
  else throw new Unsupported(`opcode 0xfe ${sub} at byte ${r.at}`);
}

/** The check: count down the global; at zero, ask the import for the next countdown. */
function checkCode(global: number, func: number): Uint8Array {
  const o = new Out(24);
  o.byte(0x23), o.u32(global); // global.get
  o.byte(0x45); //                 i32.eqz
  o.byte(0x04), o.byte(0x40); //   if (empty)
  o.byte(0x10), o.u32(func); //      call preempt
  o.byte(0x24), o.u32(global); //    global.set
  o.byte(0x0b); //                 end
  o.byte(0x23), o.u32(global); // global.get
  o.byte(0x41), o.byte(0x01); //   i32.const 1
  o.byte(0x6b); //                 i32.sub
  o.byte(0x24), o.u32(global); // global.set
  return o.result;
}

interface Section {
  id: number;
  start: number;
  body: number;
  end: number;
}

function sectionsOf(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  const r = reader(bytes, 8, bytes.length);
  while (r.at < bytes.length) {
    const start = r.at, id = r.byte(), size = r.u32(), body = r.at;
    if (body + size > bytes.length) throw new RangeError(`section ${id} at byte ${start} runs past the end`);
    out.push({ id, start, body, end: body + size });
    r.at = body + size;
  }
  return out;
}

function isNameSection(bytes: Uint8Array, s: Section): boolean {
  const r = reader(bytes, s.body, s.end);
  const n = r.u32();
  return n === 4 && String.fromCharCode(...bytes.subarray(r.at, r.at + 4)) === "name";
}

/**
 * The module with preemption points, or undefined when it is left as it is: it has no
 * code, uses what the rewrite does not handle, or is malformed (the compiler will say
 * where). Deterministic: the same bytes give the same module.
 */
export function instrumentPreempt(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  try {
    return rewrite(bytes);
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return undefined;
    throw err;
  }
}

function rewrite(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) return undefined;
  const sections = sectionsOf(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
  if (!find(10)) return undefined;

  // Types: count them (only plain function types are handled), and add `[] -> [i32]`.
  let types = 0;
  const typeSec = find(1);
  const typeOut = new Out(64);
  if (typeSec) {
    const r = reader(bytes, typeSec.body, typeSec.end);
    types = r.u32();
    const from = r.at;
    for (let n = 0; n < types; n++) {
      const form = r.byte();
      if (form !== 0x60) throw new Unsupported(`type form 0x${form.toString(16)}`);
      for (let k = r.u32(); k > 0; k--) skipValType(r);
      for (let k = r.u32(); k > 0; k--) skipValType(r);
    }
    typeOut.u32(types + 1);
    typeOut.bytes(bytes.subarray(from, r.at));
  } else typeOut.u32(1);
  typeOut.byte(0x60), typeOut.byte(0), typeOut.byte(1), typeOut.byte(0x7f);

  // Imports: count the functions and globals imported, and add the preempt import.
  let funcImports = 0, globalImports = 0, importCount = 0;
  const importSec = find(2);
  const importOut = new Out(256);
  let importFrom = 0, importTo = 0;
  if (importSec) {
    const r = reader(bytes, importSec.body, importSec.end);
    importCount = r.u32();
    importFrom = r.at;
    for (let n = 0; n < importCount; n++) {
      r.bytes(r.u32()), r.bytes(r.u32());
      const kind = r.byte();
      if (kind === 0) r.u32(), funcImports++;
      else if (kind === 1) skipValType(r), skipLimits(r);
      else if (kind === 2) skipLimits(r);
      else if (kind === 3) skipValType(r), r.byte(), globalImports++;
      else if (kind === 4) r.byte(), r.u32();
      else throw new Unsupported(`import kind ${kind}`);
    }
    importTo = r.at;
  }
  importOut.u32(importCount + 1);
  importOut.bytes(bytes.subarray(importFrom, importTo));
  for (const s of [PREEMPT_IMPORT.module, PREEMPT_IMPORT.name]) {
    const b = new TextEncoder().encode(s);
    importOut.u32(b.length), importOut.bytes(b);
  }
  importOut.byte(0), importOut.u32(types);
  const shift: Shift = { from: funcImports };
  const preemptFunc = funcImports;

  // Globals: renumber ref.func in initializers, append the countdown.
  const globalSec = find(6);
  const globalOut = new Out(globalSec ? globalSec.end - globalSec.body + 16 : 16);
  let globals = 0;
  {
    const r = globalSec ? reader(bytes, globalSec.body, globalSec.end) : undefined;
    const n = r ? r.u32() : 0;
    globals = n;
    globalOut.u32(n + 1);
    for (let i = 0; r && i < n; i++) {
      const at = r.at;
      skipValType(r), r.byte();
      globalOut.bytes(bytes.subarray(at, r.at));
      instructions(r, globalOut, shift, undefined, true);
    }
    globalOut.byte(0x7f), globalOut.byte(1), globalOut.byte(0x41), globalOut.s32(FIRST_FUEL), globalOut.byte(0x0b);
  }
  const fuel = globalImports + globals;
  const check = checkCode(fuel, preemptFunc);

  const rewritten = new Map<number, Out>([[1, typeOut], [2, importOut], [6, globalOut]]);
  for (const s of sections) {
    if (s.id === 7) rewritten.set(7, exportsOf(bytes, s, shift, fuel));
    else if (s.id === 8) {
      const o = new Out(8), f = reader(bytes, s.body, s.end).u32();
      o.u32(f >= shift.from ? f + 1 : f);
      rewritten.set(8, o);
    } else if (s.id === 9) rewritten.set(9, elementsOf(bytes, s, shift));
    else if (s.id === 10) rewritten.set(10, codeOf(bytes, s, shift, check));
  }

  // Reassemble in the spec's order, the new sections where they belong, custom sections where they were.
  const out = new Out(bytes.length + bytes.length / 8);
  out.bytes(bytes.subarray(0, 8));
  const order = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
  const rank = (id: number) => order.indexOf(id);
  if (!find(7)) rewritten.set(7, exportsOf(bytes, undefined, shift, fuel));
  const pending = [1, 2, 6, 7].filter((id) => !find(id));
  const placeMissing = (before: number) => {
    while (pending.length && (before < 0 || rank(pending[0]!) < before)) out.framed(pending[0]!, rewritten.get(pending.shift()!)!);
  };
  for (const s of sections) {
    if (s.id === 0) {
      if (!isNameSection(bytes, s)) out.bytes(bytes.subarray(s.start, s.end));
      continue;
    }
    placeMissing(rank(s.id));
    const body = rewritten.get(s.id);
    if (body) out.framed(s.id, body);
    else out.bytes(bytes.subarray(s.start, s.end));
  }
  placeMissing(-1);
  return out.result.slice();
}

function exportsOf(bytes: Uint8Array, s: Section | undefined, shift: Shift, fuel: number): Out {
  const r = reader(bytes, s?.body ?? 0, s?.end ?? 0);
  const o = new Out(r.end - r.at + 32);
  const n = s ? r.u32() : 0;
  o.u32(n + 1);
  for (let i = 0; i < n; i++) {
    const at = r.at;
    r.bytes(r.u32());
    const kind = r.byte();
    o.bytes(bytes.subarray(at, r.at));
    const idx = r.u32();
    o.u32(kind === 0 && idx >= shift.from ? idx + 1 : idx);
  }
  const name = new TextEncoder().encode(FUEL_EXPORT);
  o.u32(name.length), o.bytes(name), o.byte(3), o.u32(fuel);
  return o;
}

function elementsOf(bytes: Uint8Array, s: Section, shift: Shift): Out {
  const r = reader(bytes, s.body, s.end);
  const o = new Out(s.end - s.body + 16);
  const n = r.u32();
  o.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    o.u32(flags);
    if (flags > 7) throw new Unsupported(`element segment flags ${flags}`);
    const copy = (f: () => void) => {
      const at = r.at;
      f();
      o.bytes(bytes.subarray(at, r.at));
    };
    if (flags === 2 || flags === 6) copy(() => r.u32()); // table index
    if ((flags & 1) === 0) instructions(r, o, shift, undefined, true); // offset
    if (flags & 4) {
      if (flags & 3) copy(() => skipValType(r)); // reference type
      const count = r.u32();
      o.u32(count);
      for (let k = 0; k < count; k++) instructions(r, o, shift, undefined, true);
    } else {
      if (flags & 3) copy(() => r.byte()); // element kind
      const count = r.u32();
      o.u32(count);
      for (let k = 0; k < count; k++) {
        const f = r.u32();
        o.u32(f >= shift.from ? f + 1 : f);
      }
    }
  }
  return o;
}

function codeOf(bytes: Uint8Array, s: Section, shift: Shift, check: Uint8Array): Out {
  const r = reader(bytes, s.body, s.end);
  const o = new Out(Math.ceil((s.end - s.body) * 1.1) + 64);
  const n = r.u32();
  o.u32(n);
  const body = new Out(4096);
  for (let i = 0; i < n; i++) {
    const size = r.u32(), end = r.at + size;
    if (end > s.end) throw new RangeError(`function ${i} at byte ${r.at} runs past its section`);
    const f = reader(bytes, r.at, end);
    body.len = 0;
    const localsAt = f.at;
    for (let k = f.u32(); k > 0; k--) f.u32(), skipValType(f);
    body.bytes(bytes.subarray(localsAt, f.at));
    body.bytes(check); // the function's entry
    instructions(f, body, shift, check);
    o.framed(undefined, body);
    r.at = end;
  }
  return o;
}
