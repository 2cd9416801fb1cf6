/** Start the real Node server (a child process) on a free port with a temp STRATA_HOME. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
  stop(): Promise<void>;
}

export async function startServer(args: string[] = []): Promise<Started> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), "strata-home-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "server/node/main.ts"), "--port", String(port), ...args], {
    env: { ...process.env, STRATA_HOME: home }, stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30_000);
    child.stderr!.on("data", (d) => {
      log += d;
      if (log.includes("serving the Docker Engine API")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return {
    url: `tcp://127.0.0.1:${port}`, port, home, child,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
