/**
 * Following a README literally: its fenced blocks in order, each with the
 * `<!-- readme-test: … -->` markers written just before it (HTML comments, invisible when
 * rendered), and running a shell block with bash under a deadline, in the foreground or
 * as a background server that must answer `GET /_ping`.
 *
 * Markers (one per comment; several comments may precede one block):
 *   server PORT    the block starts a long-running server: run it in the background, wait
 *                  until http://127.0.0.1:PORT/_ping answers, keep it for the later blocks
 *   stop-server    before this block, stop the servers started so far (SIGTERM), as the
 *                  reader's Ctrl-C would
 *   skip: REASON   do not run this block; print why
 *   needs CMD      run the block only when CMD is on PATH (`command -v CMD`), else skip it
 *   save FILE      write this block's text to FILE (relative to the clone) instead of running it
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { until, WaitTimeout } from "../_wait.ts";

export type Directive =
  | { kind: "server"; port: number }
  | { kind: "stop-server" }
  | { kind: "skip"; reason: string }
  | { kind: "needs"; command: string }
  | { kind: "save"; file: string };

export interface Block {
  /** The info string after the fence: "sh", "ts", "text", or "". */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  directives: Directive[];
}

const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/;
const FENCE = /^(`{3,})\s*([\w-]*)\s*$/;

/** One marker's text → a directive. Errors: SyntaxError naming the line, for anything unknown. */
export function parseDirective(text: string, line: number): Directive {
  let m: RegExpMatchArray | null;
  if ((m = text.match(/^server\s+(\d{1,5})$/))) return { kind: "server", port: Number(m[1]) };
  if (text === "stop-server") return { kind: "stop-server" };
  if ((m = text.match(/^skip:\s*(\S.*)$/))) return { kind: "skip", reason: m[1]! };
  if ((m = text.match(/^needs\s+([\w.-]+)$/))) return { kind: "needs", command: m[1]! };
  if ((m = text.match(/^save\s+([\w./-]+)$/)) && !m[1]!.split("/").includes("..") && !m[1]!.startsWith("/")) return { kind: "save", file: m[1]! };
  throw new SyntaxError(`Cannot read README marker at line ${line}: "${text}" (server PORT, stop-server, skip: REASON, needs CMD, save FILE)`);
}

/**
 * The fenced blocks of `markdown` in order, with their markers. Errors: SyntaxError for
 * an unknown marker, an unclosed fence, or markers after the last block.
 */
export function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let pending: Directive[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = lines[i]!.match(MARKER);
    if (marker) {
      pending.push(parseDirective(marker[1]!, i + 1));
      continue;
    }
    const fence = lines[i]!.match(FENCE);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trimEnd() !== fence[1]; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new SyntaxError(`Cannot read README: the fence at line ${start + 1} is never closed`);
    blocks.push({ lang: fence[2]!, code: `${body.join("\n")}\n`, line: start + 1, directives: pending });
    pending = [];
  }
  if (pending.length) throw new SyntaxError("Cannot read README: markers after the last block apply to nothing");
  return blocks;
}

export interface StepResult {
  code: number | null;
  /** stdout and stderr interleaved, as a terminal shows them. */
  out: string;
  timedOut: boolean;
  ms: number;
}

export interface StepOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

/** Whether any process of the group led by `pid` is alive. */
function _groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signal a whole process group (bash and what it started), ignoring one already gone. */
function _signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch { /* gone */ }
}

/** bash in its own process group, so a deadline or a stop reaches every process it started. */
function _bash(code: string, o: Omit<StepOptions, "timeoutMs">): ChildProcess {
  return spawn("bash", ["-e", "-o", "pipefail", "-c", code], { cwd: o.cwd, env: o.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

/** Run a shell block to its end with bash (-e, pipefail); past the deadline its whole group is killed. */
export function runStep(code: string, o: StepOptions): Promise<StepResult> {
  const t0 = Date.now();
  const child = _bash(code, o);
  let out = "", timedOut = false;
  child.stdout!.on("data", (d) => void (out += d));
  child.stderr!.on("data", (d) => void (out += d));
  const timer = setTimeout(() => {
    timedOut = true;
    _signalGroup(child.pid!, "SIGKILL");
  }, o.timeoutMs);
  return new Promise((resolve) => {
    child.on("error", (err) => void (out += `\n${err.message}`));
    child.on("close", (exit) => {
      clearTimeout(timer);
      resolve({ code: exit, out, timedOut, ms: Date.now() - t0 });
    });
  });
}

/** Does something accept connections on 127.0.0.1:port? */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

async function _ping(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/_ping`, { signal: AbortSignal.timeout(2000) });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

export interface Server {
  port: number;
  line: number;
  child: ChildProcess;
  log(): string;
}

/**
 * Start a server block in the background and wait until it answers /_ping. Errors: the
 * port is taken before it starts, the block exits, or the deadline passes (each with
 * the block's output).
 */
export async function startServerStep(code: string, port: number, line: number, o: StepOptions): Promise<Server> {
  if (await portInUse(port)) {
    throw new Error(`README line ${line}: port ${port} is already in use before its server starts; the README's commands use that port, so free it and run again`);
  }
  const child = _bash(code, o);
  let out = "", exited: number | null | undefined;
  child.stdout!.on("data", (d) => void (out += d));
  child.stderr!.on("data", (d) => void (out += d));
  child.on("exit", (c) => void (exited = c));
  const server: Server = { port, line, child, log: () => out };
  try {
    // Its own output must name the port too: a server another test run started there since
    // the check above answers /_ping as well (and this block then fails to listen, and exits).
    await until(async () => {
      if (exited !== undefined) throw new Error(`README line ${line}: the server block exited (${exited}) before answering /_ping on ${port}:\n${out}`);
      return out.includes(`:${port}`) && await _ping(port);
    }, { timeoutMs: o.timeoutMs, pollMs: 250, what: () => `README line ${line}: the server block to say it listens on ${port} and answer /_ping there; its output:\n${out}` });
  } catch (err) {
    if (err instanceof WaitTimeout) await stopServer(server);
    throw err;
  }
  return server;
}

/** SIGTERM to the server's process group (the reader's Ctrl-C), SIGKILL after `graceMs`; resolves once the group is gone. */
export async function stopServer(s: Server, graceMs = 20_000): Promise<{ killed: boolean }> {
  const pid = s.child.pid!;
  // Only kill(-pid, 0) says whether the whole group is gone: no event for that.
  const gone = (timeoutMs: number) => until(() => !_groupAlive(pid), { timeoutMs, pollMs: 100, what: `process group ${pid} to end` }).then(() => true, (err: unknown) => {
    if (err instanceof WaitTimeout) return false;
    throw err;
  });
  _signalGroup(pid, "SIGTERM");
  if (await gone(graceMs)) return { killed: false };
  _signalGroup(pid, "SIGKILL");
  await gone(5000);
  return { killed: true };
}

/**
 * The environment of a fresh shell for the clone: this process's, without what a test
 * runner adds (npm's variables and its node_modules/.bin on PATH, DOCKER_HOST, STRATA_*),
 * plus `extra`.
 */
export function freshEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|INIT_CWD$|DOCKER_HOST$|DOCKER_CONTEXT$|STRATA_|NODE_OPTIONS$)/i.test(k)) continue;
    env[k] = v;
  }
  env["PATH"] = (env["PATH"] ?? "").split(":").filter((p) => p && !/node_modules[\\/]\.bin[\\/]?$/.test(p)).join(":");
  return { ...env, ...extra };
}

/** Is `command` on PATH (in `env`)? */
export async function hasCommand(command: string, env: Record<string, string>): Promise<boolean> {
  const r = await runStep(`command -v ${command}`, { cwd: ".", env, timeoutMs: 10_000 });
  return r.code === 0;
}
