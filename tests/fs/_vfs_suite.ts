/**
 * One conformance suite for every `FileSystem` (src/fs/types.ts), in the manner of
 * containerd's snapshotter suite (core/snapshots/testsuite): `vfsSuite(name, factory,
 * caps)` runs the same cases over an implementation, and the flat `MemVfs` is the oracle
 * (the random operation lists must give its results and its tree).
 *
 * The factory makes a fresh filesystem holding `BASE` for each case. It returns a
 * `Subject`: `fs` is what the operations go to; `check`, when given, is the object the
 * results are read back from after the operations (default: `fs` itself). That is the
 * seam for "make a filesystem; run these operations through some channel; read back from
 * another object": a union whose upper is serialized and restored, a MemVfs snapshot, or
 * (later) changes made in a worker thread and read back in the engine. `done` releases
 * what the factory made (a temporary directory).
 *
 * `caps` says what the implementation is: a read-only view (`writable: false`) must
 * answer EROFS to every change, through a path or a handle, and keep its tree; a host
 * directory resolves beneath its root (`beneath`: a symlink leading out is EXDEV, so
 * random symlinks stay inside); `differs` names cases that are known to differ, each
 * with its reason, which is printed and the case skipped for that implementation.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { FileSystem, FsHandle } from "../../src/fs/mod.ts";
import { apply, type Op, view } from "./_view.ts";
import { type Case, code, MODES, oracle, READS, REFUSED } from "./_vfs_cases.ts";
import { CHANGES } from "./_vfs_changes.ts";

export { BASE, oracle, writeBase } from "./_vfs_cases.ts";

export interface Subject {
  /** The filesystem the operations go to. */
  fs: FileSystem;
  /** The filesystem to read the results back from, after the operations (default `fs`). */
  check?: () => FileSystem;
  /** Release what the factory made. */
  done?: () => void;
}

export interface Capabilities {
  /** false: a read-only view; every change fails with EROFS. Default true. */
  writable?: boolean;
  /** Resolution beneath the root (openat2 RESOLVE_BENEATH): a symlink out of the root is EXDEV, not resolved inside it. */
  beneath?: string;
  /** Cases known to differ here, by name, with the reason (printed; the case is skipped). */
  differs?: Record<string, string>;
}

/** The names the random lists work on: they exist in BASE or can be made. */
const NAMES = ["/a", "/b", "/a/x", "/a/y", "/b/x", "/c", "/a/d", "/a/d/z"];

/** The path operations of the random lists (conformance.test.ts's commit case uses these alone). */
export function pathOpArb(targets: string[]): fc.Arbitrary<Op> {
  return fc.oneof(
    fc.tuple(fc.constant("write" as const), fc.constantFrom(...NAMES), fc.constantFrom("1", "22", "")),
    fc.tuple(fc.constant("mkdir" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("rmdir" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("unlink" as const), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("rename" as const), fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("link" as const), fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)),
    fc.tuple(fc.constant("symlink" as const), fc.constantFrom(...NAMES), fc.constantFrom(...targets)),
  );
}

/** Path and fd operations. */
function opArb(targets: string[]): fc.Arbitrary<Op> {
  return fc.oneof(
    { arbitrary: pathOpArb(targets), weight: 7 },
    fc.tuple(fc.constant("chmod" as const), fc.constantFrom(...NAMES, "/h2"), fc.constantFrom(0o600, 0o751)),
    fc.tuple(fc.constant("fdopen" as const), fc.constantFrom(...NAMES, "/h1", "/h2"), fc.boolean()),
    fc.tuple(fc.constant("fdwrite" as const), fc.nat(2), fc.constantFrom("W", "long write")),
    fc.tuple(fc.constant("fdread" as const), fc.nat(2)),
    fc.tuple(fc.constant("fdtruncate" as const), fc.nat(2), fc.constantFrom(0, 2, 12)),
    fc.tuple(fc.constant("fdclose" as const), fc.nat(2)),
  );
}
/** Symlink targets: inside the root from anywhere ("../c" from the root climbs above it), or absolute. */
const TARGETS = ["a", "/b", "../c"];
const TARGETS_BENEATH = ["a", "x", "d/z"];

/** Run the suite over one implementation. `factory` makes a fresh filesystem holding BASE. */
export function vfsSuite(name: string, factory: () => Subject, caps: Capabilities = {}): void {
  const t = suite(`FileSystem conformance: ${name}`);
  const writable = caps.writable ?? true;
  const seen = new Set<string>();
  const run = (caseName: string, body: Case) => {
    seen.add(caseName);
    const reason = caps.differs?.[caseName];
    if (reason) {
      console.log(`  skip "${caseName}" on ${name}: ${reason}`);
      t.skip(caseName, () => {});
      return;
    }
    t(caseName, () => {
      const s = factory();
      try {
        body(s.fs, s.check ?? (() => s.fs));
      } finally {
        s.done?.();
      }
    });
  };
  for (const [n, body] of Object.entries(READS)) run(n, body);
  if (writable) {
    for (const [n, body] of Object.entries(CHANGES)) run(n, body);
    run("random operation lists give the oracle's results and tree", (fs, seen) => randomLists(fs, seen, caps, factory));
  } else {
    run("every change through a path or an fd fails with EROFS, and the tree stays", (fs, seen) => {
      for (const [what, change] of REFUSED) assert.is(code(() => change(fs)), "EROFS", what);
      assert.equal(view(seen(), MODES), view(oracle(), MODES));
    });
  }
  // A known difference must name a case: one left behind when a case is renamed would hide nothing and say so wrongly.
  for (const n of Object.keys(caps.differs ?? {})) if (!seen.has(n)) throw new Error(`vfsSuite(${name}): no case is named "${n}"`);
  t.run();
}

/** The model-based case: random operation lists on a fresh subject and on the oracle; same answers, same tree. */
function randomLists(first: FileSystem, firstSeen: () => FileSystem, caps: Capabilities, factory: () => Subject): void {
  if (caps.beneath) console.log(`  random symlinks stay inside the root: ${caps.beneath}`);
  // The first run uses the case's subject (the caller releases it); the others make and release their own.
  let given: Subject | null = { fs: first, check: firstSeen };
  fc.assert(fc.property(fc.array(opArb(caps.beneath ? TARGETS_BENEATH : TARGETS), { maxLength: 25 }), (ops) => {
    const own = given === null;
    const s = given ?? factory();
    given = null;
    try {
      const model = oracle();
      const mine: Array<FsHandle | undefined> = [], its: Array<FsHandle | undefined> = [];
      try {
        for (const op of ops) assert.is(apply(s.fs, op, mine), apply(model, op, its), JSON.stringify(op));
      } finally {
        for (const h of [...mine, ...its]) h?.close();
      }
      assert.equal(view((s.check ?? (() => s.fs))(), MODES), view(model, MODES));
    } finally {
      if (own) s.done?.();
    }
  }), { numRuns: caps.beneath ? 60 : 150 });
}
