/**
 * The memory budget of image loads: one per engine, shared by every load in progress. A
 * load holds what it reads until it is stored (inflated layers, copied members; a Layer
 * is a zero-copy index into its tar, so the inflated size is memory), so each load takes
 * a lease and reserves bytes as it keeps them. A reservation past the budget is refused
 * at once with LoadBudgetError (not queued: a load waiting on memory would hold its
 * request open), and the lease gives everything back when its load ends, however it
 * ends. A reservation stands for memory actually held: the bytes of a buffer still
 * alive are not given back early, or other loads would fill the budget beside them.
 * So gunzip frees its own buffer (a resizable ArrayBuffer shrunk to 0) the moment it
 * is refused and releases those bytes then, and the rest of a refused load is given
 * back when it has unwound (src/tar/gzip.ts).
 *
 * @example
 * ```ts
 * const budget = new LoadBudget(2 * 2 ** 30);
 * const lease = budget.lease("toolbox.tar");
 * try {
 *   lease.reserve(layer.length); // throws LoadBudgetError past the budget
 * } finally {
 *   lease.end();
 * }
 * ```
 */
import type { MemoryAccount } from "../tar/mod.ts";

/**
 * Default budget: 2 GiB, the API's default limit on a `docker load` body (src/api
 * `maxLoadBytes`), so one load of the largest plain archive the API accepts fits, two
 * layers at the default layer limit fit at once, and any number of gzip bombs at once
 * stay within it (docs/benchmarks.md, load_bomb).
 */
export const DEFAULT_LOAD_MEMORY = 2 * 2 ** 30;

/** A load refused because the budget cannot hold what it would keep. */
export class LoadBudgetError extends RangeError {
  override name = "LoadBudgetError";
  constructor(readonly archive: string, readonly budget: number, readonly held: number, readonly others: number, readonly wanted: number) {
    super(`Cannot load ${archive}: it would pass the memory budget for image loads of ${budget} bytes ` +
      `(this load holds ${held} bytes, other loads ${others}, and ${wanted} more were asked for); ` +
      `raise the budget with the engine option loadMemoryBytes (the server's --load-memory flag)${others > 0 ? ", or retry when the other loads end" : ""}`);
  }
}

/**
 * One load's share of the budget: what it reserved so far (`held`), given back by
 * `release` (bytes freed) and `end`. After a refusal it refuses every reservation with
 * the same error.
 */
export interface LoadLease extends MemoryAccount {
  readonly held: number;
  /** Give back everything this load reserved. Idempotent. */
  end(): void;
}

/** Bytes held by loads in progress, against a limit. */
export class LoadBudget {
  #used = 0;
  constructor(readonly limit: number = DEFAULT_LOAD_MEMORY) {
    if (!(limit >= 0)) throw new RangeError(`invalid load memory budget: ${limit}`);
  }

  /** Bytes reserved by all loads in progress. */
  get used(): number {
    return this.#used;
  }

  /** A lease for one load of `archive` (named in its errors). */
  lease(archive: string): LoadLease {
    let held = 0, refused: LoadBudgetError | undefined;
    return {
      get held() {
        return held;
      },
      reserve: (bytes) => {
        if (refused) throw refused;
        if (this.#used + bytes > this.limit) throw (refused = new LoadBudgetError(archive, this.limit, held, this.#used - held, bytes));
        this.#used += bytes;
        held += bytes;
      },
      release: (bytes) => {
        const n = Math.min(bytes, held);
        held -= n;
        this.#used -= n;
      },
      end: () => {
        this.#used -= held;
        held = 0;
      },
    };
  }
}
