/**
 * A real terminal for tests: a tmux server on a socket of its own (in a temporary
 * directory, removed with it) runs one command in a detached session of a fixed size,
 * and the test types into it (`type` for literal text, `keys` for tmux key names:
 * `Enter`, `C-c`, `C-d`, `BSpace`, `C-p`), reads the screen (`capture-pane`, wrapped
 * lines joined, the history included), waits for the screen to match, resizes the
 * window, and reads the command's exit status. The command runs as
 * `sh -c 'CMD; echo "EXIT:$?"; exec sleep 600'`, so the pane stays readable after it ends.
 * Every wait has a bound; a timeout throws with the screen in the message. `close()`
 * kills that tmux server (and the command with it).
 *
 * @example
 * const term = await openTmux("cat");
 * try {
 *   term.type("hello");
 *   term.keys("Enter");
 *   await term.waitFor(/hello\nhello/);
 *   term.keys("C-d");
 *   assert.is(await term.exitStatus(), 0);
 * } finally {
 *   term.close();
 * }
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Is tmux installed? (Tests that need it skip, saying so, when it is not.) */
export const HAS_TMUX = spawnSync("tmux", ["-V"]).status === 0;

/** A POSIX shell word: `'…'` with inner quotes escaped. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface Tmux {
  /** Type `text` as it is (`send-keys -l`). */
  type(text: string): Promise<void>;
  /** Press keys by tmux's names: `Enter`, `C-c`, `C-d`, `BSpace`, `C-p`; each is its own write. */
  keys(...names: string[]): Promise<void>;
  /** The pane's text: its history and the visible screen, wrapped lines joined (their trailing spaces kept, so a prompt `# ` reads as such), trailing blank lines dropped. */
  screen(): Promise<string>;
  /** Wait until the screen matches `re` (polled every 50 ms); a timeout throws with the screen. */
  waitFor(re: RegExp, o?: { timeoutMs?: number; what?: string }): Promise<RegExpMatchArray>;
  /** Resize the window (and so the pane) to `columns` × `rows`. */
  resize(columns: number, rows: number): Promise<void>;
  /** Wait for the command to end; its exit status. */
  exitStatus(o?: { timeoutMs?: number }): Promise<number>;
  /** Kill the tmux server and everything in it. */
  close(): void;
}

/** Poll the pane's tty (stty -F) until canonical mode is off; 15 s at most. */
async function waitRaw(run: (a: string[]) => Promise<string>, target: string): Promise<void> {
  const tty = (await run(["display-message", "-p", "-t", target, "#{pane_tty}"])).trim();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync("stty", ["-F", tty, "-a"], { encoding: "utf8" });
    if (/(^|\s)-icanon(\s|$)/.test(r.stdout ?? "")) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the command to put ${tty} in raw mode: ${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function _tmux(socket: string, args: string[], env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("tmux", ["-S", socket, ...args], { env: { ...process.env, ...env }, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tmux ${args.join(" ")}: ${err.message}${stderr ? `: ${stderr}` : ""}`));
      else resolve(stdout);
    });
  });
}

/**
 * Start `cmd` (a shell command line) in a new tmux server, `columns` × `rows` (100 × 30
 * unless said), in `cwd`, with `env` added to this process's environment.
 */
export async function openTmux(cmd: string, o: { columns?: number; rows?: number; env?: Record<string, string>; cwd?: string; raw?: boolean } = {}): Promise<Tmux> {
  // A socket of its own in a temporary directory (not tmux's -L, whose socket files would stay in /tmp/tmux-UID).
  const dir = mkdtempSync(join(tmpdir(), "strata-tmux-"));
  const socket = join(dir, "socket");
  const target = "t:0.0";
  const wrapped = `${cmd}; echo "EXIT:$?"; exec sleep 600`;
  // remain-on-exit: should the shell itself end (a broken command line), the pane and what it printed stay readable.
  const args = ["-f", "/dev/null", "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
    "new-session", "-d", "-s", "t", "-x", String(o.columns ?? 100), "-y", String(o.rows ?? 30)];
  if (o.cwd) args.push("-c", o.cwd);
  await _tmux(socket, [...args, `sh -c ${shQuote(wrapped)}`], o.env);
  const run = (a: string[]) => _tmux(socket, a);
  const screen = async () => (await run(["capture-pane", "-p", "-J", "-S", "-", "-t", target])).replace(/\n+$/, "");
  // With `raw`, keys wait until the command has put the pane's terminal in raw mode: typed
  // sooner, the host's tty would echo them too (and hold them until Enter).
  let ready: Promise<void> | undefined;
  const rawFirst = () => (ready ??= o.raw ? waitRaw(run, target) : Promise.resolve());
  const term: Tmux = {
    type: async (text) => {
      await rawFirst();
      await run(["send-keys", "-t", target, "-l", text]);
    },
    keys: async (...names) => {
      await rawFirst();
      for (const k of names) await run(["send-keys", "-t", target, k]);
    },
    screen,
    waitFor: async (re, w = {}) => {
      const deadline = Date.now() + (w.timeoutMs ?? 15_000);
      for (;;) {
        const text = await screen();
        const m = text.match(re);
        if (m) return m;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${w.what ?? `the screen to match ${re}`} (${w.timeoutMs ?? 15_000} ms); the screen:\n${text}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    resize: async (columns, rows) => void await run(["resize-window", "-t", "t:0", "-x", String(columns), "-y", String(rows)]),
    exitStatus: async (w = {}) => Number((await term.waitFor(/EXIT:(\d+)/, { ...w, what: "the command to end (EXIT:n)" }))[1]),
    close: () => {
      spawnSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return term;
}
