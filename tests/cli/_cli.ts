/**
 * Run the strata command in tests: `cli()` calls main() in this process with a captured
 * terminal (fast), `spawnCli()` starts it as a child process as users run it (Node
 * through bin.mjs, so the bundle in dist/node/, rebuilt first if a source is newer; Deno
 * through `deno run -A server/cli/main.ts`), each with its own STRATA_HOME.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Io } from "../../server/cli/_io.ts";
import { main } from "../../server/cli/main.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TOOLBOX = join(ROOT, "rootfs-samples", "toolbox.tar");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Uint8Array;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "strata-cli-"));
}

const dec = new TextDecoder();

function _join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** main(argv) in this process; programs run inline (STRATA_WORKERS=0) unless env says otherwise. */
export async function cli(argv: string[], o: { home: string; stdin?: string; env?: Record<string, string> }): Promise<Result> {
  const out: Uint8Array[] = [], err: Uint8Array[] = [];
  const bytes = (d: string | Uint8Array) => (typeof d === "string" ? new TextEncoder().encode(d) : d.slice());
  const io: Io = {
    out: async (d) => void out.push(bytes(d)),
    err: async (d) => void err.push(bytes(d)),
    stdin: () => (async function* () {
      if (o.stdin !== undefined) yield new TextEncoder().encode(o.stdin);
    })(),
    stdoutTTY: false, stderrTTY: false, stdinTTY: false, columns: 80,
    env: { STRATA_HOME: o.home, STRATA_WORKERS: "0", STRATA_LOCK_WAIT_MS: "20000", ...o.env },
    ttySize: () => undefined,
    setRawMode: () => { throw new Error("raw mode asked of a captured stdin that is no terminal"); },
    onResize: () => () => {},
  };
  const code = await main(argv, io);
  const all = _join(out);
  return { code, stdout: dec.decode(all), stderr: dec.decode(_join(err)), bytes: all };
}

/** The command line that runs the CLI as its own process under this runtime. */
export function cliCommand(): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), ["run", "-A", join(ROOT, "server/cli/main.ts")]];
  return [process.execPath, [join(ROOT, "server/cli/bin.mjs")]];
}

/** The CLI as a child process, with a deadline. */
export function spawnCli(argv: string[], o: { home: string; stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Result> {
  const [cmd, pre] = cliCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...argv], { cwd: ROOT, env: { ...process.env, STRATA_HOME: o.home, ...o.env } });
    const out: Uint8Array[] = [], err: Uint8Array[] = [];
    child.stdout.on("data", (d: Uint8Array) => out.push(new Uint8Array(d)));
    child.stderr.on("data", (d: Uint8Array) => err.push(new Uint8Array(d)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`strata ${argv.join(" ")} took over ${o.timeoutMs ?? 20_000} ms; stderr: ${dec.decode(_join(err))}`));
    }, o.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const all = _join(out);
      resolve({ code: code ?? -1, stdout: dec.decode(all), stderr: dec.decode(_join(err)), bytes: all });
    });
    child.stdin.end(o.stdin ?? "");
  });
}
