/**
 * What a WebAssembly binary says about itself, read from its bytes without compiling it:
 * its imports and exports, its memory's limits, and its active data segments. The engine
 * decides from this whether a file is a WASI command (and what else it is when not)
 * before it spends time compiling a large module, and finds libc's state in the data.
 *
 * A few dozen lines of the binary format (WebAssembly core spec, "Binary Format"):
 * `WebAssembly.Module.imports` would need the module compiled first, which is the cost
 * this avoids; no library on the machine reads sections without compiling.
 */
import { unshared } from "../tar/mod.ts";

interface ModuleImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
}

export interface MemoryLimits {
  /** Pages of 64 KiB. */
  initial: number;
  maximum?: number;
  /** The module imports its memory (env.memory) rather than defining it. */
  imported: boolean;
}

/** An active data segment of memory 0 placed at a constant address. */
interface DataSegment {
  offset: number;
  bytes: Uint8Array;
}

export interface ModuleInfo {
  imports: ModuleImport[];
  exports: Map<string, ModuleImport["kind"]>;
  memory?: MemoryLimits;
  data: DataSegment[];
  /** The code section's body (function bodies), for scans of the instructions. */
  code: Uint8Array;
}

/** The first bytes of every WebAssembly binary: "\0asm" and version 1. */
export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d && bytes[4] === 1;
}

const KINDS = ["function", "table", "memory", "global", "tag"] as const;
const decoder = new TextDecoder();

/** A cursor over a binary's bytes (also the preemption rewrite's: _preempt_rewrite.ts). */
export class Reader {
  at = 0;
  constructor(readonly b: Uint8Array, readonly end = b.length) {}
  byte(): number {
    if (this.at >= this.end) throw new RangeError(`truncated at byte ${this.at}`);
    return this.b[this.at++]!;
  }
  u32(): number {
    let v = 0, shift = 0, c: number;
    do {
      c = this.byte();
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80 && shift < 35);
    return v;
  }
  /** A signed LEB128 of up to 32 bits (i32.const's operand). */
  s32(): number {
    let v = 0, shift = 0, c: number;
    do {
      c = this.byte();
      v |= (c & 0x7f) << shift;
      shift += 7;
    } while (c & 0x80 && shift < 35);
    return shift < 32 && c & 0x40 ? v | (-1 << shift) : v;
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.end) throw new RangeError(`truncated at byte ${this.at}`);
    return this.b.subarray(this.at, (this.at += n));
  }
  name(): string {
    return decoder.decode(unshared(this.bytes(this.u32())));
  }
  limits(): { initial: number; maximum?: number } {
    const flags = this.byte();
    const initial = this.u32();
    return flags & 1 ? { initial, maximum: this.u32() } : { initial };
  }
  /** A constant expression; the value when it is a lone i32.const. */
  constExpr(): number | undefined {
    let value: number | undefined, ops = 0;
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return ops === 1 ? value : undefined;
      ops++;
      if (op === 0x41) value = this.s32();
      else if (op === 0x42) this.leb();
      else if (op === 0x23 || op === 0xd2) this.u32();
      else if (op === 0x44) this.bytes(8);
      else if (op === 0x43) this.bytes(4);
      else if (op === 0xd0) this.byte();
      else value = undefined;
    }
  }
  /** Skip a LEB128 of any width and sign. */
  leb(): void {
    while (this.byte() & 0x80);
  }
}

/**
 * Parse the sections this needs. Throws a RangeError naming the byte offset when the
 * binary is malformed there (the compiler will say more).
 */
export function moduleInfo(bytes: Uint8Array): ModuleInfo {
  if (!isWasm(bytes)) throw new RangeError("not a WebAssembly binary");
  const r = new Reader(bytes);
  r.at = 8;
  const info: ModuleInfo = { imports: [], exports: new Map(), data: [], code: new Uint8Array(0) };
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const s = new Reader(bytes, r.at + size);
    s.at = r.at;
    if (r.at + size > bytes.length) throw new RangeError(`section ${id} at byte ${r.at} runs past the end of the file`);
    if (id === 2) readImports(s, info);
    else if (id === 5 && s.u32() > 0) info.memory = { ...s.limits(), imported: false };
    else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) info.exports.set(s.name(), KINDS[s.byte()] ?? "function"), s.u32();
    } else if (id === 10) info.code = bytes.subarray(r.at, r.at + size);
    else if (id === 11) readData(s, info);
    r.at += size;
  }
  return info;
}

function readImports(s: Reader, info: ModuleInfo): void {
  for (let n = s.u32(); n > 0; n--) {
    const module = s.name(), name = s.name(), k = s.byte();
    const kind = KINDS[k];
    if (!kind) throw new RangeError(`import ${module}.${name}: unknown kind ${k} at byte ${s.at - 1}`);
    info.imports.push({ module, name, kind });
    if (kind === "function") s.u32();
    else if (kind === "table") (s.byte(), s.limits());
    else if (kind === "memory") info.memory = { ...s.limits(), imported: true };
    else if (kind === "global") (s.byte(), s.byte());
    else (s.byte(), s.u32());
  }
}

function readData(s: Reader, info: ModuleInfo): void {
  for (let n = s.u32(); n > 0; n--) {
    const flag = s.u32();
    let offset: number | undefined;
    if (flag === 0) offset = s.constExpr();
    else if (flag === 2) (s.u32(), (offset = s.constExpr()));
    const bytes = s.bytes(s.u32());
    if (flag !== 1 && offset !== undefined && offset >= 0) info.data.push({ offset, bytes });
  }
}
