/**
 * The restarts a container's restart policy asks for (`docker run --restart`), as
 * Docker's daemon makes them: at an exit the policy decides (_restart_policy.ts); a
 * container to restart counts it (RestartCount), shows "restarting" while it waits out
 * the backoff, and is started again by a timer — so a program that exits at once with
 * `always` costs one start per backoff delay, never a busy loop. A stop, kill or removal
 * by the user cancels a pending restart (and waits for one under way); an exit caused by
 * the engine closing restarts nothing; a user's start begins the count and the backoff
 * anew. When an engine opens a store, the containers whose policy says so are started
 * again (`startOnOpen`).
 */
import type { ContainerRuntime } from "./_runtime.ts";
import { policyOf, shouldRestart } from "./_restart_policy.ts";

/** What the restarts are handed: the lifecycle's start and the registry's save. */
interface RestartParts {
  /** Start a container again (a restart of its policy); resolves when it runs, rejects when it could not start. */
  start(rt: ContainerRuntime): Promise<void>;
  save(rt: ContainerRuntime): Promise<void>;
}

export class Restarts {
  readonly #p: RestartParts;
  #closing = false;
  readonly #pending = new Set<ContainerRuntime>();

  constructor(parts: RestartParts) {
    this.#p = parts;
  }

  /**
   * After an exit was recorded (State is the exit's): whether the container's policy
   * restarts it. If so its RestartCount is counted, its status is "restarting" and the
   * restart is timed; the caller saves the record.
   */
  afterExit(rt: ContainerRuntime): boolean {
    const rec = rt.rec, s = rec.State;
    if (this.#closing || rt.stopRequested) return false;
    const facts = { exitCode: s.ExitCode, manuallyStopped: false, restartCount: rec.RestartCount };
    if (!shouldRestart(policyOf(rec.HostConfig), facts)) return false;
    rec.RestartCount++;
    s.Status = "restarting";
    const delay = rt.backoff.next(s.FinishedAt - s.StartedAt);
    this.#pending.add(rt);
    rt.restartTimer = setTimeout(() => this.#fire(rt), delay);
    // A pending restart alone does not keep a process alive (Node's timers have unref; a server's socket does that).
    (rt.restartTimer as { unref?: () => void }).unref?.();
    return true;
  }

  #fire(rt: ContainerRuntime): void {
    rt.restartTimer = null;
    this.#pending.delete(rt);
    if (rt.rec.State.Status !== "restarting") return;
    rt.autoStart = this.#p.start(rt).catch(async (err: unknown) => {
      // Docker's monitor: a restart that fails leaves the container stopped, the error on its State.
      if (rt.rec.State.Status === "restarting") rt.rec.State.Status = "exited";
      rt.rec.State.Error = `failed to restart the container: ${err instanceof Error ? err.message : String(err)}`;
      await this.#p.save(rt);
    }).finally(() => (rt.autoStart = null));
  }

  /**
   * The user (or the engine closing) stops a container that may be restarting: a restart
   * under way is waited for, a pending one is cancelled (the container is exited then,
   * and its record saved). True when a pending restart was cancelled; false when there
   * was none (the container may be running now: the caller stops it).
   */
  async cancel(rt: ContainerRuntime): Promise<boolean> {
    if (rt.autoStart) await rt.autoStart;
    if (rt.rec.State.Status !== "restarting") return false;
    if (rt.restartTimer) clearTimeout(rt.restartTimer);
    rt.restartTimer = null;
    this.#pending.delete(rt);
    rt.rec.State.Status = "exited";
    await this.#p.save(rt);
    return true;
  }

  /** A start by the user: no restart pending, the count and the backoff start anew, and the user's stop is forgotten. */
  userStart(rt: ContainerRuntime): void {
    if (rt.restartTimer) clearTimeout(rt.restartTimer);
    rt.restartTimer = null;
    this.#pending.delete(rt);
    rt.backoff.reset();
    rt.rec.RestartCount = 0;
    rt.rec.ManuallyStopped = false;
  }

  /** The engine closes: no exit from now on restarts, and every pending restart is cancelled. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#pending].map((rt) => this.cancel(rt)));
  }

  /**
   * Whether a stored container is to be started as its engine opens (moby's restore):
   * one that ran before, whose policy restarts it after its last exit — `always` even
   * when the user stopped it, `unless-stopped` unless the user did, `on-failure` after a
   * failure while retries remain.
   */
  static atOpen(rt: ContainerRuntime): boolean {
    const rec = rt.rec, s = rec.State;
    if (s.Status !== "exited" || !s.StartedAt) return false;
    return shouldRestart(policyOf(rec.HostConfig), { exitCode: s.ExitCode, manuallyStopped: !!rec.ManuallyStopped, restartCount: rec.RestartCount });
  }
}
