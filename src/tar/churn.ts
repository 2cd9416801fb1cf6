/**
 * A platform's hint that a streaming loop has dropped many short-lived buffers: a streamed
 * load copies each input chunk (or each piece of inflated output) into the layer and drops
 * it. Where those bytes live outside the JS heap (Node's Buffers, a request body's chunks),
 * the collector feels no pressure from them and lets tens of MiB of dead ones wait, which
 * a 200 MB load's peak memory shows. server/ installs a minor collection on Node
 * (`setCollectHint`, server/platform/node_gc.ts); elsewhere the hint does nothing.
 */

/** Dropped bytes between two hints. */
export const CHURN_BYTES = 4 << 20;

let hint: (() => void) | undefined;

/** Install the collection hint (undefined: none). */
export function setCollectHint(fn: (() => void) | undefined): void {
  hint = fn;
}

/** Counts dropped bytes and gives the hint every CHURN_BYTES of them. */
export class Churn {
  #since = 0;
  dropped(n: number): void {
    if ((this.#since += n) < CHURN_BYTES) return;
    this.#since = 0;
    hint?.();
  }
}
