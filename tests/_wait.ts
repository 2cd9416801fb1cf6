/**
 * How tests wait: for the event itself (a promise that settles when the container exits,
 * a line of output arrives, a state changes), with an upper bound that fails the test
 * with "timed out waiting for <what>" (a `WaitTimeout`) instead of hanging the suite. A
 * predicate is for a state no event announces (a file on disk, /proc); it is checked at
 * once, then every few milliseconds. `quietFor` is the one fixed wait, for a test that
 * asserts something does NOT happen within a time.
 *
 * @example
 * const status = await until(engine.containers.wait(id), { what: "the container's exit" });
 * await until(() => !existsSync(file), { timeoutMs: 5000, what: `${file} to be removed` });
 */

export interface UntilOptions {
  /** Fail after this long (default 15 s: a bound on a hang, never a timing assertion). */
  timeoutMs?: number;
  /** What is awaited, for the failure message; a function is called only on failure (to say what was seen). */
  what: string | (() => string);
  /** How often a predicate is checked (default 5 ms; more for a costly one, a request say). */
  pollMs?: number;
}

/** The wait's bound passed: `until` rejects with this. */
export class WaitTimeout extends Error {
  override name = "WaitTimeout";
}

/**
 * The promise's value, or the predicate's first truthy result; rejects with "timed out
 * waiting for <what>" once `timeoutMs` has passed.
 */
export function until<T>(event: Promise<T>, o: UntilOptions): Promise<T>;
export function until<T>(pred: () => T | Promise<T>, o: UntilOptions): Promise<NonNullable<T>>;
export function until<T>(cond: Promise<T> | (() => T | Promise<T>), o: UntilOptions): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let over = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      over = true;
      reject(new WaitTimeout(`timed out waiting for ${typeof o.what === "function" ? o.what() : o.what} (${timeoutMs} ms)`));
    }, timeoutMs);
  });
  const event = typeof cond === "function" ? _poll(cond, o.pollMs ?? 5, () => over) : cond;
  return Promise.race([event, timeout]).finally(() => clearTimeout(timer));
}

/** Check `pred` now and then every `ms` until it holds or `stopped()`. */
async function _poll<T>(pred: () => T | Promise<T>, ms: number, stopped: () => boolean): Promise<NonNullable<T>> {
  for (;;) {
    const v = await pred();
    if (v) return v as NonNullable<T>;
    if (stopped()) return new Promise<never>(() => {}); // the timeout has already failed the wait
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** A fixed wait, only for asserting that something does NOT happen within `ms` (say what, where it is called). */
export function quietFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Shell text with which a program in a container waits for `path` to appear. A program
 * cannot wait for an event from outside (src/wasi reads its stdin to the end before it
 * starts), so it looks every 50 ms; after `seconds` it says so on stderr and exits 124.
 * Whoever makes the file should rename it into place if the program reads it: a look
 * may fall between a create and the write after it.
 *
 * Once it is there, the program waits 0.2 s more before it goes on. An exec that makes
 * the file still has to end, and when the container's main process ends first, its execs
 * are killed (137), as Docker's are: on a loaded machine the exec's thread can be off a
 * core for milliseconds between its write and its end (seen in CI).
 *
 * @example
 * Cmd: ["sh", "-c", `echo waiting; ${shWaitFor("/go")}; echo went`]
 */
export function shWaitFor(path: string, seconds = 15): string {
  return `i=0; while [ ! -e ${path} ]; do [ $i -lt ${seconds * 20} ] || { echo "timed out waiting for ${path}" >&2; exit 124; }; sleep 0.05; i=$((i+1)); done; sleep 0.2`;
}
