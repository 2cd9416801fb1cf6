/** Shared fixtures for the WASI tests: prebuilt programs (tests/wasi/fixtures) in a MemVfs rootfs. */
import { readFileSync } from "node:fs";
import { MemVfs } from "../../src/wasi/mod.ts";
import { UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { put } from "../fs/_view.ts";

export const FIXTURES = ["alloc", "args", "cat", "cwd", "fsops", "hello", "sleeper", "spam", "spawner", "spin", "ticker", "writer"];

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}.wasm`, import.meta.url))) as Uint8Array<ArrayBuffer>;
}

/** A rootfs with every fixture in /bin. */
export function rootfsWithFixtures(): MemVfs {
  const vfs = new MemVfs();
  for (const name of FIXTURES) put(vfs, `/bin/${name}`, fixture(name));
  return vfs;
}

/** The same as a container's filesystem (a union, which a worker can be handed), with no image below. */
export function unionWithFixtures(): UnionFS {
  const fs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  fs.mkdir("/bin");
  for (const name of FIXTURES) fs.writeFile(`/bin/${name}`, fixture(name));
  return fs;
}

/** A sink that keeps text; `until(text)` resolves once the text has arrived (a test waits on that, not on a sleep). */
export function textSink(): {
  write(c: Uint8Array): void; text(): string; chunks: Uint8Array[]; until(want: string, timeoutMs?: number): Promise<void>;
} {
  const chunks: Uint8Array[] = [];
  const waiters = new Set<{ want: string; done: () => void }>();
  const text = () => chunks.map((c) => new TextDecoder().decode(c)).join("");
  return {
    chunks, text,
    write: (c) => {
      chunks.push(c);
      if (!waiters.size) return;
      const now = text();
      for (const w of waiters) if (now.includes(w.want)) w.done();
    },
    until: (want, timeoutMs = 20_000) => new Promise<void>((resolve, reject) => {
      if (text().includes(want)) return resolve();
      const timer = setTimeout(() => (waiters.delete(w), reject(new Error(`timed out waiting for ${JSON.stringify(want)}; got ${JSON.stringify(text())}`))), timeoutMs);
      const w = { want, done: () => (clearTimeout(timer), waiters.delete(w), resolve()) };
      waiters.add(w);
    }),
  };
}

/**
 * Records every promise rejection nobody handled and every exception nobody caught while
 * it is installed (Node's process events, or the web's events under Deno), which would
 * otherwise end the server: a test calls `check()` to fail on any, and `stop()` after.
 */
export function watchUncaught(): { check(): void; stop(): void } {
  const seen: unknown[] = [];
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (g.Deno) {
    const onRejection = (e: PromiseRejectionEvent) => (e.preventDefault(), seen.push(e.reason));
    const onError = (e: ErrorEvent) => (e.preventDefault(), seen.push(e.error));
    g.addEventListener("unhandledrejection", onRejection);
    g.addEventListener("error", onError);
    return { check: () => assertNone(seen), stop: () => (g.removeEventListener("unhandledrejection", onRejection), g.removeEventListener("error", onError)) };
  }
  const record = (err: unknown) => void seen.push(err);
  process.on("unhandledRejection", record).on("uncaughtException", record);
  return { check: () => assertNone(seen), stop: () => void process.off("unhandledRejection", record).off("uncaughtException", record) };
}

function assertNone(seen: unknown[]): void {
  if (seen.length) throw new Error(`Unhandled, which would end the server: ${seen.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join("; ")}`);
}
