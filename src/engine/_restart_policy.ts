/**
 * Restart policies (`HostConfig.RestartPolicy`, `docker run --restart`), as Docker's
 * daemon applies them (moby daemon/restartmanager): which policies there are and how a
 * bad one is refused, whether an exit restarts the container, and the backoff between
 * restarts — 100 ms at first, doubled at each restart, at most a minute, and back to
 * 100 ms once a run lasted 10 seconds. The backoff lives as long as the engine holds the
 * container (Docker's restart manager is in memory too); a user's start begins it anew.
 */
import { invalid } from "./errors.ts";
import type { HostConfig, RestartPolicy } from "./wire.ts";

/** The policies Docker knows, in the order its error message lists them. */
const POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;

/** The first delay, its multiplier, the cap, and how long a run must last to reset it (moby restartmanager). */
const FIRST_DELAY_MS = 100;
const BACKOFF_MULTIPLIER = 2;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** The policy of a container ("no" when none was given). */
export function policyOf(hc: HostConfig): Required<RestartPolicy> {
  const p = hc.RestartPolicy;
  return { Name: p?.Name || "no", MaximumRetryCount: p?.MaximumRetryCount ?? 0 };
}

/**
 * Refuse a policy Docker refuses, in its words (moby daemon validateRestartPolicy), and
 * a restart policy with AutoRemove. Errors: invalid.
 */
export function checkRestartPolicy(p: RestartPolicy | null | undefined, autoRemove: boolean): void {
  if (!p || !p.Name) return;
  const max = p.MaximumRetryCount ?? 0;
  if (!Number.isInteger(max)) throw invalid(`invalid restart policy: maximum retry count must be an integer`);
  if (p.Name === "on-failure") {
    if (max < 0) throw invalid("invalid restart policy: maximum retry count cannot be negative");
  } else if ((POLICIES as readonly string[]).includes(p.Name)) {
    if (max !== 0) throw invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'${max < 0 ? " and cannot be negative" : ""}`);
  } else {
    throw invalid(`invalid restart policy: unknown policy '${p.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (autoRemove && p.Name !== "no") throw invalid("can't create 'AutoRemove' container with restart policy");
}

/** `docker update --restart` (moby daemon.update): Docker's checks, then no policy on an AutoRemove container. Errors: invalid. */
export function checkPolicyUpdate(p: RestartPolicy, autoRemove: boolean, id: string): void {
  checkRestartPolicy(p, false);
  if (autoRemove && p.Name !== "no") throw invalid(`Cannot update container ${id}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
}

/** What decides a restart: the exit, whether the user stopped the container, and how often it was restarted already. */
interface ExitFacts {
  exitCode: number;
  /** Stopped or killed by the user (or, at an engine's start, remembered so). */
  manuallyStopped: boolean;
  restartCount: number;
}

/** Whether the policy restarts a container after this exit (moby RestartManager.ShouldRestart). */
export function shouldRestart(policy: Required<RestartPolicy>, f: ExitFacts): boolean {
  switch (policy.Name) {
    case "always":
      return true;
    case "unless-stopped":
      return !f.manuallyStopped;
    case "on-failure": {
      const max = policy.MaximumRetryCount;
      return f.exitCode !== 0 && (max === 0 || f.restartCount < max);
    }
    default:
      return false;
  }
}

/** The delay before each restart of one container. */
export class RestartBackoff {
  #delay = 0;

  /** The delay before the next restart, after a run of `ranMs`. */
  next(ranMs: number): number {
    if (ranMs >= RESET_AFTER_MS) this.#delay = 0;
    this.#delay = this.#delay === 0 ? FIRST_DELAY_MS : Math.min(this.#delay * BACKOFF_MULTIPLIER, MAX_DELAY_MS);
    return this.#delay;
  }

  /** Start again at the first delay (a user's start). */
  reset(): void {
    this.#delay = 0;
  }
}
