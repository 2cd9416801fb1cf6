/** Shared fixtures for the WASI tests: prebuilt programs (tests/wasi/fixtures) in a MemVfs rootfs. */
import { readFileSync } from "node:fs";
import { MemVfs } from "../../src/wasi/mod.ts";

export const FIXTURES = ["alloc", "args", "cat", "fsops", "hello", "sleeper", "spam", "spawner", "spin", "ticker", "writer"];

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}.wasm`, import.meta.url))) as Uint8Array<ArrayBuffer>;
}

/** A rootfs with every fixture in /bin. */
export function rootfsWithFixtures(): MemVfs {
  const vfs = new MemVfs();
  for (const name of FIXTURES) vfs.writeFile(`/bin/${name}`, fixture(name));
  return vfs;
}

/** A sink that keeps text. */
export function textSink(): { write(c: Uint8Array): void; text(): string; chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  return { chunks, write: (c) => void chunks.push(c), text: () => chunks.map((c) => new TextDecoder().decode(c)).join("") };
}
