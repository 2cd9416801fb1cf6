/** Start a real server (Node or Deno, a child process) on a free port with a temp STRATA_HOME, and run clients against it. */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { until } from "../_wait.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Started {
  url: string;
  port: number;
  home: string;
  child: ChildProcess;
  /** What the server printed on stderr so far. */
  log(): string;
  stop(): Promise<number | null>;
}

/** The command that runs a server entry: Node through tsx, or Deno. */
export function serverCommand(kind: "node" | "deno"): string[] {
  // Under Deno, process.execPath is deno itself: take node from PATH.
  const node = "Deno" in globalThis ? "node" : process.execPath;
  if (kind === "node") return [node, "--import", "tsx", join(ROOT, "server/node/main.ts")];
  return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "server/deno/main.ts")];
}

/** Start a server and wait (at most `timeoutMs`) until it says it serves. */
export async function startServer(args: string[] = [], o: { kind?: "node" | "deno"; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Started> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), "strata-home-"));
  const [cmd, ...rest] = serverCommand(o.kind ?? "node");
  const child = spawn(cmd!, [...rest, "--port", String(port), ...args], {
    cwd: ROOT, env: { ...process.env, STRATA_HOME: home, ...o.env }, stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (d) => void (log += d));
  await until(new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", () => log.includes("serving the Docker Engine API") && resolve());
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${log}`)));
  }), { timeoutMs: o.timeoutMs ?? 30_000, what: () => `the server to say it serves; its log: ${log}` });
  return {
    url: `tcp://127.0.0.1:${port}`, port, home, child, log: () => log,
    stop: async () => {
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** A client command under way: its output so far, and its end. */
export interface Running {
  out(): string;
  done: Promise<Ran>;
  /** End it (SIGTERM) and wait for that. */
  stop(): Promise<Ran>;
}

/** Start a client command with a deadline (a hang fails the test instead of the suite). */
export function startClient(cmd: string, args: string[], o: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Running {
  const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => void (out += d));
  child.stderr.on("data", (d) => void (err += d));
  const timer = setTimeout(() => {
    err += `\n[killed after ${o.timeoutMs ?? 20_000} ms]`;
    child.kill("SIGKILL");
  }, o.timeoutMs ?? 20_000);
  const done = new Promise<Ran>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  child.stdin.on("error", () => {}); // a client that never reads stdin closes it (EPIPE)
  child.stdin.end(o.input ?? "");
  return { out: () => out, done, stop: () => (child.kill(), done) };
}

/** Run a client command to its end, with a deadline. */
export function runClient(cmd: string, args: string[], o: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return startClient(cmd, args, o).done;
}

/** GET over a unix socket or TCP with node:http, with any headers (Host included: fetch will not set one); a deadline fails the test. */
export function httpGet(o: { socketPath?: string; port?: number; path: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", ...o, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (d) => void (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}
