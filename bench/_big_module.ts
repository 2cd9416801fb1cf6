/**
 * A large WASI command module, made here byte by byte (the WebAssembly binary format,
 * core spec §5), for the "large programs start fast" bench: a generated C program of
 * this size takes clang many minutes. Its shape is a big program's: thousands of
 * functions of loops, loads, stores and arithmetic (most of the bytes, as in a language
 * runtime), a function table, a data segment, and a `_start` that calls a few of them,
 * prints "ok" (fd_write) and returns. Deterministic: the same size gives the same bytes.
 */

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.push(b), out;
    out.push(b | 0x80);
  }
};
const str = (s: string) => [...leb(s.length), ...new TextEncoder().encode(s)];

/** One function `(i32 x, i32 m) -> i32`: a loop over `statements` blocks of mixed instructions. */
function body(f: number, statements: number): number[] {
  const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i];
  const out: number[] = [1, 2, 0x7f]; // locals: 2 × i32 (a = 2, b = 3)
  out.push(...get(0), 0x41, ...sleb((f * 2654435761) | 0), 0x73, ...set(2));
  out.push(0x03, 0x40); // loop
  for (let s = 0; s < statements; s++) {
    const k = ((f * 131 + s * 7) % 97) + 1;
    // a = (a << c1) ^ (b >>> c2) ^ load(m + ((a + k) & 1020))
    out.push(...get(2), 0x41, ...sleb((s % 13) + 1), 0x74, ...get(3), 0x41, ...sleb((s % 7) + 1), 0x76, 0x73);
    out.push(...get(1), ...get(2), 0x41, ...sleb(k), 0x6a, 0x41, ...sleb(1020), 0x71, 0x6a, 0x28, 2, 0, 0x73, ...set(2));
    // b += a * k; if (b & bit) store(m + (b & 1020), a)
    out.push(...get(3), ...get(2), 0x41, ...sleb(k), 0x6c, 0x6a, ...set(3));
    out.push(...get(3), 0x41, ...sleb(1 << (s % 16)), 0x71, 0x04, 0x40, ...get(1), ...get(3), 0x41, ...sleb(1020), 0x71, 0x6a, ...get(2), 0x36, 2, 0, 0x0b);
  }
  // while (--x & 3) continue
  out.push(...get(0), 0x41, 1, 0x6b, 0x22, 0, 0x41, 3, 0x71, 0x0d, 0, 0x0b);
  out.push(...get(2), ...get(3), 0x73, 0x0b);
  return out;
}

function section(id: number, content: number[] | Uint8Array): Uint8Array {
  const head = [id, ...leb(content.length)];
  const out = new Uint8Array(head.length + content.length);
  out.set(head);
  out.set(content, head.length);
  return out;
}

/** A WASI command of about `mib` MiB (a quarter of it a data segment). */
export function bigModule(mib: number): Uint8Array {
  const dataBytes = Math.floor(mib * 2 ** 20 / 4);
  const statements = 40;
  const perFunction = body(0, statements).length + 3;
  const count = Math.max(16, Math.floor((mib * 2 ** 20 - dataBytes) / perFunction));
  // types: 0 = (i32 i32) -> i32 (the generated functions), 1 = () -> (), 2 = fd_write's (i32 i32 i32 i32) -> i32
  const types = [3, 0x60, 2, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f];
  const imports = [1, ...str("wasi_snapshot_preview1"), ...str("fd_write"), 0, 2];
  const funcs = [...leb(count + 1), 1];
  for (let i = 0; i < count; i++) funcs.push(0);
  const pages = Math.ceil((dataBytes + 65536 * 2) / 65536);
  const memory = [1, 0, ...leb(pages)];
  const table = [1, 0x70, 0, ...leb(count)];
  const exports = [2, ...str("_start"), 0, 1, ...str("memory"), 2, 0];
  const elem = [1, 0, 0x41, 0, 0x0b, ...leb(count)];
  for (let i = 0; i < count; i++) elem.push(...leb(i + 2));
  // _start: iovec at 16 → "ok\n" at 8; call 8 functions through the table; fd_write(1, 16, 1, 24).
  const start = [0];
  start.push(0x41, 16, 0x41, 8, 0x36, 2, 0, 0x41, 20, 0x41, 3, 0x36, 2, 0);
  for (let i = 0; i < 8; i++) start.push(0x41, ...sleb((i * 7919) % count), 0x41, ...sleb(1024), 0x41, ...sleb((i * 7919) % count), 0x11, 0, 0, 0x1a);
  start.push(0x41, 1, 0x41, 16, 0x41, 1, 0x41, 24, 0x10, 0, 0x1a, 0x0b);
  const bodies: Uint8Array[] = [new Uint8Array([...leb(count + 1), ...leb(start.length), ...start])];
  for (let i = 0; i < count; i++) {
    const b = body(i + 1, statements);
    bodies.push(new Uint8Array([...leb(b.length), ...b]));
  }
  const code = concat(bodies);
  const blob = new Uint8Array(dataBytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < dataBytes; i++) (x ^= x << 13, x ^= x >>> 17, x ^= x << 5, blob[i] = x & 0xff);
  const text = new TextEncoder().encode("ok\n");
  const dataSection = concat([new Uint8Array([2, 0, 0x41, 8, 0x0b, text.length, ...text, 0, 0x41, ...sleb(65536), 0x0b, ...leb(dataBytes)]), blob]);
  return concat([
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    section(1, types), section(2, imports), section(3, funcs), section(4, table), section(5, memory),
    section(7, exports), section(9, elem), section(10, code), section(11, dataSection),
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}
