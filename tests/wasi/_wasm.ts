/**
 * Tiny WebAssembly modules written byte by byte (core spec, "Binary Format"), for the
 * cases no C program makes on purpose: traps of each kind, a reactor, a module importing
 * what strata does not provide, a large initial memory. `command(body)` is a WASI command
 * whose `_start` runs `body`; `say(text)` is the instructions that print text on stdout.
 */

/** An unsigned LEB128. */
export const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
/** A signed LEB128 (i32.const's operand). */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.push(b), out;
    out.push(b | 0x80);
  }
};
/** A name: its length, then its UTF-8 bytes. */
export const name = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, items: number[][]) => {
  const body = [...leb(items.length), ...items.flat()];
  return [id, ...leb(body.length), ...body];
};

/** Function types by index: 0 `() -> ()`, 1 `(i32) -> i32`, 2 fd_write's `(i32 i32 i32 i32) -> i32`. */
const TYPES = [[0x60, 0, 0], [0x60, 1, 0x7f, 1, 0x7f], [0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]];
/** Function index of fd_write (the first import). */
export const FD_WRITE = 0;

export interface ModuleParts {
  /** Instructions of the exported function (`_start` unless `entry` says otherwise), without the final `end`. */
  body: number[];
  /** The exported function's name (`_start`; a reactor's `_initialize`); null: none exported. */
  entry?: string | null;
  /** Imports besides wasi_snapshot_preview1.fd_write, as [module, name] functions of type 0. */
  imports?: Array<[string, string]>;
  /** Pages the memory starts with (default 1). */
  pages?: number;
  /** Extra functions of type 1 (`(i32) -> i32`), put in a table at 0… for call_indirect. */
  table?: number[][];
}

/** A module from its parts; function 0 is fd_write, then the other imports, then the body, then the table's. */
export function wasmModule(p: ModuleParts): Uint8Array<ArrayBuffer> {
  const imports = [[...name("wasi_snapshot_preview1"), ...name("fd_write"), 0, 2], ...(p.imports ?? []).map(([m, n]) => [...name(m), ...name(n), 0, 0])];
  const first = imports.length;
  const table = p.table ?? [];
  const s: number[][] = [
    [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    section(1, TYPES),
    section(2, imports),
    section(3, [[0], ...table.map(() => [1])]),
  ];
  if (table.length) s.push(section(4, [[0x70, 0, ...leb(table.length + 1)]])); // one empty slot past the end: a null entry
  s.push(section(5, [[0, ...leb(p.pages ?? 1)]]));
  const entry = p.entry === undefined ? "_start" : p.entry;
  s.push(section(7, [[...name("memory"), 2, 0], ...(entry ? [[...name(entry), 0, ...leb(first)]] : [])]));
  if (table.length) s.push(section(9, [[0, 0x41, 0, 0x0b, ...leb(table.length), ...table.flatMap((_, i) => leb(first + 1 + i))]]));
  const code = (body: number[], locals = [0]) => {
    const f = [...locals, ...body, 0x0b];
    return [...leb(f.length), ...f];
  };
  s.push(section(10, [code(p.body), ...table.map((b) => code(b))]));
  return new Uint8Array(s.flat());
}

/** A WASI command whose `_start` runs `body`. */
export function command(body: number[], o: Omit<ModuleParts, "body"> = {}): Uint8Array<ArrayBuffer> {
  return wasmModule({ ...o, body });
}

/** Instructions that write `text` (ASCII, under 200 bytes) to stdout with fd_write, through memory at 1024. */
export function say(text: string): number[] {
  const out: number[] = [];
  const bytes = new TextEncoder().encode(text);
  bytes.forEach((b, i) => out.push(0x41, ...sleb(1100 + i), 0x41, ...sleb(b), 0x3a, 0, 0)); // i32.store8
  out.push(0x41, ...sleb(1024), 0x41, ...sleb(1100), 0x36, 2, 0); // iovec.buf
  out.push(0x41, ...sleb(1028), 0x41, ...sleb(bytes.length), 0x36, 2, 0); // iovec.len
  out.push(0x41, 1, 0x41, ...sleb(1024), 0x41, 1, 0x41, ...sleb(1040), 0x10, FD_WRITE, 0x1a);
  return out;
}

/** The instructions of each kind of trap. */
export const TRAPS = {
  unreachable: [0x00],
  outOfBounds: [0x41, ...sleb(0x7ffffff0), 0x28, 2, 0, 0x1a],
  divideByZero: [0x41, 1, 0x41, 0, 0x6d, 0x1a],
  divideOverflow: [0x41, ...sleb(-0x80000000), 0x41, ...sleb(-1), 0x6d, 0x1a],
  /** call_indirect of table slot 0 (a `(i32) -> i32`) as a `() -> ()`. */
  signatureMismatch: [0x41, 0, 0x11, 0, 0],
  /** call_indirect of the empty slot past the table's functions. */
  nullFunction: (slot: number) => [0x41, ...sleb(slot), 0x11, 0, 0],
};

/** An ELF header: the magic and enough of the rest to look like one. */
export function elf(): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  return b;
}
