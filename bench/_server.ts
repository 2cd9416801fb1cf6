/**
 * The API benches' server and client: a real Node server in a child process
 * (`server/node/main.ts --home memory`, processes in worker threads) on a free loopback
 * port, and a keep-alive node:http client sending to it.
 */
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface BenchServer {
  port: number;
  /** One request; resolves with its status and whole body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  /** Resolves when the headers arrive, with a promise of the body. */
  callHeaders(method: string, path: string): Promise<{ status: number; body: Promise<string> }>;
  close(): void;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Start the server and wait until it serves; `maxSockets` bounds the client's connections. */
export async function benchServer(maxSockets: number): Promise<BenchServer> {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/node/main.ts", "--port", String(port), "--home", "memory"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (d) => {
      log += d;
      if (log.includes("serving the Docker Engine API")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return {
    port,
    call: (method, path, body) => new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: "127.0.0.1", port, method, path, agent, headers: data ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } : {} }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => void (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.end(data);
    }),
    callHeaders: (method, path) => new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path, agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        resolve({ status: res.statusCode!, body: new Promise((r) => res.on("data", (d) => void (text += d)).on("end", () => r(text))) });
      });
      req.on("error", reject);
      req.end();
    }),
    close: () => {
      child.kill("SIGTERM");
      agent.destroy();
    },
  };
}
