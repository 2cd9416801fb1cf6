/**
 * A memory cap for a WebAssembly module: rewrite the limits of the memory the module
 * defines so `memory.grow` fails past the cap (malloc returns NULL, as under a cgroup
 * memory limit). The binary format is the WebAssembly core spec, §5.5 (sections) and
 * §5.3.8 (limits). Modules that import their memory get one made with the cap instead.
 */
const PAGE = 65536;
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

/** The module bytes with its defined memory's maximum lowered to `maxPages`; the same bytes when it defines none. */
export function capModuleMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, body] = readU32(bytes, pos + 1);
    if (id === MEMORY_SECTION) return rewriteMemorySection(bytes, pos, body, body + size, maxPages);
    pos = body + size;
  }
  return bytes;
}

function rewriteMemorySection(bytes: Uint8Array, start: number, body: number, end: number, maxPages: number): Uint8Array {
  const [count, first] = readU32(bytes, body);
  if (count === 0) return bytes;
  const flags = bytes[first];
  if (flags & 0x04) return bytes; // memory64: left as is (XXX: no cap for memory64 modules)
  const [min, afterMin] = readU32(bytes, first + 1);
  let rest = afterMin;
  let max = Infinity;
  if (flags & 0x01) [max, rest] = readU32(bytes, afterMin);
  const newMax = Math.min(max, maxPages);
  const limits = [flags | 0x01, ...writeU32(Math.min(min, newMax)), ...writeU32(newMax)];
  const newBody = [...writeU32(count), ...limits, ...bytes.subarray(rest, end)];
  const head = [MEMORY_SECTION, ...writeU32(newBody.length)];
  const out = new Uint8Array(start + head.length + newBody.length + (bytes.length - end));
  out.set(bytes.subarray(0, start));
  out.set(head, start);
  out.set(newBody, start + head.length);
  out.set(bytes.subarray(end), start + head.length + newBody.length);
  return out;
}
