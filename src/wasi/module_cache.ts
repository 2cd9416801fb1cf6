/**
 * Compiled WebAssembly modules keyed by the program file's identity, so a hundred
 * containers of one image compile each program once. A file in an image layer is named
 * by its place in that layer (the layer's diffId, the offset and length of the bytes):
 * a layer never changes and its diffId was verified as it was loaded, so nothing is
 * hashed, however large the program. A file a container wrote is hashed on every load
 * (its bytes can change in place), with the platform's SHA-256 when the caller has one.
 * A module is compiled once whatever the memory cap (_memory_cap.ts `importMemory`), and
 * a run without a cap uses the module as it is until a capped one exists.
 * Runtimes that cannot compile at run time (Cloudflare Workers) `register` modules
 * bundled at deploy time, by the sha256 of their file.
 */
import type { ModuleCacheLike } from "./types.ts";
import { layerOf } from "../fs/mod.ts";
import { sha256Hex } from "./_sha256.ts";
import { importMemory } from "./_memory_cap.ts";
import { type MemoryLimits, type ModuleInfo, moduleInfo } from "./module_info.ts";
import { notACommand } from "./_command.ts";
import { type LibcCwdSlot, libcCwdSlot } from "./_libc_cwd.ts";
import { instrumentPreempt } from "./_preempt_rewrite.ts";

/** The key suffix of a module whose memory was turned into an import (`importMemory`). */
const TURNED = "#memory";
/** The key suffix of a module compiled without preemption points (`{ preempt: false }`). */
const PLAIN = "#plain";

/** A synchronous SHA-256 as "sha256:<hex>" (the platform's, where there is one: node:crypto). */
export type Sha256Sync = (bytes: Uint8Array) => string;

/** A module ready to instantiate. */
export interface CachedModule {
  module: WebAssembly.Module;
  /** The cache key: the file's identity. */
  key: string;
  /** The memory to make for it (`env.memory`), when it imports one: with a cap as its maximum. */
  memory?: MemoryLimits;
  /** The pages of memory it starts with (0: none). */
  pages: number;
  /** False when its memory is not made with the cap (a precompiled module, memory64; or compiled for runs without one): the cap is checked at system calls. */
  capped: boolean;
  /** No module that takes a cap better can be made from the file (it is that one, or there is none). */
  final?: boolean;
  /** Where its libc keeps the working directory (_libc_cwd.ts); absent when it keeps none. */
  cwdSlot?: LibcCwdSlot;
  /** It has preemption points (_preempt_rewrite.ts): it meets its control words however long it computes. */
  points?: boolean;
}

/**
 * A module checked and ready to compile, not compiled (`load` with `compile: false`): the
 * engine hands it to a worker, which compiles it off the engine's thread and sends the
 * module back for the cache.
 */
export type Uncompiled = Omit<CachedModule, "module"> & {
  source: Uint8Array;
  /** Put preemption points in as it compiles (_preempt_rewrite.ts); false once they are in (or for a cache without them). */
  preempt: boolean;
};

/** What a file is when it is not a program strata runs (for "exec X: exec format error: …"). */
interface Refusal {
  refused: string;
}

/** "sha256:<hex>" of `bytes` (no memo: a file a container wrote may change in place). */
export function fileDigest(bytes: Uint8Array, sha256?: Sha256Sync): string {
  return sha256 ? sha256(bytes) : `sha256:${sha256Hex(bytes)}`;
}

/**
 * The identity of a program file's bytes: its place in a layer (the layer named by its
 * diffId, or, for a layer made without one, by its process-unique id: then this thread's
 * cache alone can know it), or the digest of what a container wrote.
 */
export function fileIdentity(bytes: Uint8Array, sha256?: Sha256Sync): string {
  const at = layerOf(bytes);
  if (at) return `${at.layer.diffId || `layer#${at.layer.uid}`}@${at.offset}+${bytes.byteLength}`;
  return fileDigest(bytes, sha256);
}

/**
 * A module cache; `defaultModuleCache` is shared by every container of this engine.
 * Every module it compiles gets preemption points (_preempt_rewrite.ts), unless made
 * with `{ preempt: false }` (the bench's baseline): precompiled modules run as they are.
 */
export class ModuleCache implements ModuleCacheLike {
  readonly preempt: boolean;
  constructor(opts: { preempt?: boolean } = {}) {
    this.preempt = opts.preempt ?? true;
  }
  #modules = new Map<string, CachedModule>();
  /**
   * Modules handed to workers to compile, already rewritten with their preemption points,
   * until one comes back compiled (`put`): workers started together then each compile the
   * same bytes, and the rewrite is done once, here.
   */
  #pending = new Map<string, Uncompiled>();
  #precompiled = new Map<string, WebAssembly.Module>();
  /** The sha256 of layer files asked for while precompiled modules are registered, by identity. */
  #digests = new Map<string, string>();

  get(digest: string): WebAssembly.Module | undefined {
    return this.#precompiled.get(digest) ?? this.#modules.get(digest)?.module;
  }

  register(digest: string, module: WebAssembly.Module): void {
    this.#precompiled.set(digest, module);
  }

  /** Put a module compiled elsewhere (a module posted to a worker) under its key. */
  put(entry: CachedModule): void {
    this.#modules.set(entry.key, entry);
    this.#pending.delete(entry.key);
  }

  /** The entry under `key`, if held. */
  entry(key: string): CachedModule | undefined {
    return this.#modules.get(key);
  }

  /** How many modules are held (registered ones included). */
  get size(): number {
    return new Set([...this.#precompiled.values(), ...[...this.#modules.values()].map((e) => e.module)]).size;
  }

  /**
   * The module for these file bytes, or what the file is when it is not a WASI command
   * (found before compiling: module_info.ts, _command.ts). Compiled once per identity,
   * and once more at most: a run with a memory cap (`cap`) needs the memory the module
   * defines turned into an import (`importMemory`), which then serves every run, with
   * any cap or none; a run without a cap does not pay for the copy of the bytes that takes.
   */
  load(bytes: Uint8Array, opts: { sha256?: Sha256Sync; cap?: boolean }): CachedModule | Refusal;
  load(bytes: Uint8Array, opts: { sha256?: Sha256Sync; cap?: boolean; compile: false }): CachedModule | Uncompiled | Refusal;
  load(bytes: Uint8Array, opts: { sha256?: Sha256Sync; cap?: boolean; compile?: boolean } = {}): CachedModule | Uncompiled | Refusal {
    const file = fileIdentity(bytes, opts.sha256);
    // A module without points is another module: a worker keeps both apart by key.
    const id = this.preempt ? file : `${file}${PLAIN}`;
    const held = this.#held(id, opts.cap);
    if (held) return held;
    let info: ModuleInfo;
    try {
      info = moduleInfo(bytes);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return { refused: `not a valid WebAssembly module (${err.message})` };
    }
    const refused = notACommand(info);
    if (refused) return { refused };
    const pages = info.memory?.initial ?? 0, defined = !!info.memory && !info.memory.imported;
    const cwdSlot = libcCwdSlot(info);
    const precompiled = this.#precompiledFor(file, bytes, opts.sha256);
    if (precompiled) return this.#keep({ module: precompiled, key: id, memory: defined ? undefined : info.memory, pages, capped: false, final: true, cwdSlot });
    // A 64-bit or second memory cannot be turned: its cap is checked at system calls.
    const turned = opts.cap && defined ? importMemory(bytes) : undefined;
    const made: Uncompiled = turned
      ? { source: turned, key: `${id}${TURNED}`, memory: info.memory, pages, capped: true, final: true, cwdSlot, preempt: this.preempt }
      : { source: bytes, key: id, memory: defined ? undefined : info.memory, pages, capped: !defined, final: !defined || !!opts.cap, cwdSlot, preempt: this.preempt };
    return opts.compile === false ? this.#prepared(made) : this.compile(made);
  }

  /** Compile what `load` checked (here, or in the worker it was handed to) and keep it. */
  compile(u: Uncompiled): CachedModule | Refusal {
    const { source, preempt, ...entry } = u;
    const rewritten = preempt ? instrumentPreempt(source) : undefined;
    const code = rewritten ?? source;
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
    } catch (err) {
      if (err instanceof WebAssembly.CompileError) return { refused: `not a valid WebAssembly module (${err.message})` };
      throw err;
    }
    return this.#keep({ ...entry, module, points: !!entry.points || !!rewritten });
  }

  /**
   * `u` with its preemption points put in now, on this thread, once per key: the worker
   * that compiles it only compiles. The rewrite (a few to ~20 ms) thus overlaps a new
   * worker's start, and twenty workers starting together do not each do it.
   */
  #prepared(u: Uncompiled): Uncompiled {
    const held = this.#pending.get(u.key);
    if (held) return held;
    const rewritten = u.preempt ? instrumentPreempt(u.source) : undefined;
    const ready: Uncompiled = u.preempt ? { ...u, source: rewritten ?? u.source, preempt: false, points: !!rewritten } : u;
    this.#pending.set(u.key, ready);
    return ready;
  }

  /** The module held for `id` that serves a run (with a cap: one whose memory takes it, or the best there can be). */
  #held(id: string, cap?: boolean): CachedModule | undefined {
    const turned = this.#modules.get(`${id}${TURNED}`);
    if (turned) return turned;
    const plain = this.#modules.get(id);
    return plain && (!cap || plain.capped || plain.final) ? plain : undefined;
  }

  #keep(entry: CachedModule): CachedModule {
    this.#modules.set(entry.key, entry);
    return entry;
  }

  #precompiledFor(key: string, bytes: Uint8Array, sha256?: Sha256Sync): WebAssembly.Module | undefined {
    if (this.#precompiled.size === 0) return undefined;
    let digest = key.includes("@") ? this.#digests.get(key) : key;
    if (!digest) this.#digests.set(key, digest = fileDigest(bytes, sha256));
    return this.#precompiled.get(digest);
  }
}

/** The engine-wide cache used when `RunOptions.modules` is not given. */
export const defaultModuleCache: ModuleCache = new ModuleCache();
