/**
 * A platform's hint that a streaming loop has dropped many short-lived buffers: a streamed
 * load copies each input chunk (or each piece of inflated output) into the layer and drops
 * it. Where those bytes live outside the JS heap (Node's Buffers, a request body's chunks),
 * the collector feels no pressure from them and lets tens of MiB of dead ones wait, which
 * a 200 MB load's peak memory shows. The hint is a platform ability handed in with the
 * load's options (on Node a minor collection, server/platform/node_gc.ts); without one
 * nothing is hinted.
 */

/** Dropped bytes between two hints. */
export const CHURN_BYTES = 4 << 20;

/** Counts dropped bytes and gives the hint every CHURN_BYTES of them. */
export class Churn {
  #since = 0;
  constructor(readonly hint?: () => void) {}
  dropped(n: number): void {
    if ((this.#since += n) < CHURN_BYTES) return;
    this.#since = 0;
    this.hint?.();
  }
}
