/**
 * A memory cap for a WebAssembly module without a compile per cap: the memory the module
 * defines becomes an imported one (`importMemory`), which each run makes with the cap as
 * its maximum, so `memory.grow` fails past the cap (malloc returns NULL, as under a cgroup
 * memory limit). The binary format is the WebAssembly core spec, §5.5 (sections) and
 * §5.3.8 (limits).
 */
const PAGE = 65536;
const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;

function readU32(bytes: Uint8Array, at: number): [number, number] {
  let value = 0, shift = 0, pos = at;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new RangeError(`Cannot cap module memory: truncated LEB128 at offset ${at}`);
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

/** Pages allowed under a cap of `bytes` (at least 1). */
export function capPages(bytes: number): number {
  return Math.max(1, Math.floor(bytes / PAGE));
}

/**
 * The module with the memory it defines turned into an import of `env.memory` with the
 * same limits: compiled once, it runs under any cap, the memory being made at
 * instantiation with the cap as its maximum (so a different `-m` needs no new compile).
 * Memory index 0 stays memory 0 (imported memories come first in the index space, and
 * there is no other); function indices do not move (only imported functions count).
 * Undefined when there is nothing to turn: the module imports its memory, defines none
 * or several, or a 64-bit one (XXX: no cap for memory64 modules).
 */
export function importMemory(bytes: Uint8Array): Uint8Array | undefined {
  const sections: Array<{ id: number; start: number; body: number; end: number }> = [];
  for (let pos = 8; pos < bytes.length;) {
    const [size, body] = readU32(bytes, pos + 1);
    sections.push({ id: bytes[pos]!, start: pos, body, end: body + size });
    pos = body + size;
  }
  const memory = sections.find((s) => s.id === MEMORY_SECTION);
  if (!memory) return undefined;
  const [count, limits] = readU32(bytes, memory.body);
  if (count !== 1 || bytes[limits]! & 0x04) return undefined;
  const entry = [...name("env"), ...name("memory"), 0x02, ...bytes.subarray(limits, memory.end)];
  const imports = sections.find((s) => s.id === IMPORT_SECTION);
  let importSection: number[];
  if (imports) {
    const [n, rest] = readU32(bytes, imports.body);
    importSection = withHead(IMPORT_SECTION, [...writeU32(n + 1), ...bytes.subarray(rest, imports.end), ...entry]);
  } else importSection = withHead(IMPORT_SECTION, [1, ...entry]);
  const parts: Array<Uint8Array | number[]> = [bytes.subarray(0, 8)];
  let placed = false;
  for (const s of sections) {
    if (!placed && (s.id === IMPORT_SECTION || (s.id !== 0 && s.id !== 1))) parts.push(importSection), placed = true;
    if (s.id !== IMPORT_SECTION && s.id !== MEMORY_SECTION) parts.push(bytes.subarray(s.start, s.end));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

function name(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...writeU32(b.length), ...b];
}

function withHead(id: number, body: number[]): number[] {
  return [id, ...writeU32(body.length), ...body];
}
