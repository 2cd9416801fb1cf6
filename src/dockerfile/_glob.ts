/**
 * A small wildcard matcher run as a state set (Thompson's construction), so that matching
 * costs at most the text's length times the pattern's: moby compiles shell patterns and
 * .dockerignore patterns to Go regular expressions, which never backtrack, and a
 * backtracking JavaScript RegExp of the same text could take exponential time on a
 * pattern like `*a*a*a*a*b` (a Dockerfile or a .dockerignore is user input).
 */

/** One step of a pattern: one character, a run of characters (zero or more), or `(.*\/)?` (nothing, or anything ending in `/`). */
export type GlobToken =
  | { t: "one"; test: (c: string) => boolean }
  | { t: "loop"; test: (c: string) => boolean }
  | { t: "dirs" };

/** A run of states reachable together; `start[j]` is the earliest start of a thread in state j (for searches). */
class StateSet {
  readonly start: Float64Array;
  readonly list: number[] = [];
  constructor(size: number) {
    this.start = new Float64Array(size).fill(Infinity);
  }
  clear(): void {
    for (const j of this.list) this.start[j] = Infinity;
    this.list.length = 0;
  }
  /** Add state j (and what it reaches without a character) for a thread that began at `from`. */
  add(tokens: readonly GlobToken[], j: number, from: number): void {
    for (;;) {
      if (this.start[j]! <= from) return;
      if (this.start[j] === Infinity) this.list.push(j);
      this.start[j] = from;
      const tok = tokens[j];
      if (!tok || tok.t === "one") return;
      j++; // a loop or `(.*/)?` may match nothing
    }
  }
}

/** Advance every thread of `cur` over character `c` into `next`. */
function step(tokens: readonly GlobToken[], cur: StateSet, next: StateSet, c: string): void {
  next.clear();
  for (const j of cur.list) {
    const tok = tokens[j];
    const from = cur.start[j]!;
    if (!tok) continue;
    if (tok.t === "one") {
      if (tok.test(c)) next.add(tokens, j + 1, from);
    } else if (tok.t === "loop") {
      if (tok.test(c)) next.add(tokens, j, from);
    } else if (c !== "\n") {
      next.add(tokens, j, from);
      if (c === "/") next.add(tokens, j + 1, from);
    }
  }
}

/** Whether the whole of `text` matches. */
export function globMatch(tokens: readonly GlobToken[], text: string): boolean {
  const m = tokens.length;
  let cur = new StateSet(m + 1), next = new StateSet(m + 1);
  cur.add(tokens, 0, 0);
  for (const c of text) {
    step(tokens, cur, next, c);
    [cur, next] = [next, cur];
    if (!cur.list.length) return false;
  }
  return cur.start[m] !== Infinity;
}

/** The shortest and longest prefix of `chars` that matches, in characters; undefined when none does. */
export function globPrefix(tokens: readonly GlobToken[], chars: readonly string[]): { shortest: number; longest: number } | undefined {
  const m = tokens.length;
  let cur = new StateSet(m + 1), next = new StateSet(m + 1);
  cur.add(tokens, 0, 0);
  let shortest = -1, longest = -1;
  for (let i = 0; ; i++) {
    if (cur.start[m] !== Infinity) {
      if (shortest < 0) shortest = i;
      longest = i;
    }
    if (i === chars.length || !cur.list.length) break;
    step(tokens, cur, next, chars[i]!);
    [cur, next] = [next, cur];
  }
  return shortest < 0 ? undefined : { shortest, longest };
}

/** The leftmost match at or after `from`, the longest of those that start there: [start, end) in characters. */
export function globSearch(tokens: readonly GlobToken[], chars: readonly string[], from: number): { start: number; end: number } | undefined {
  const m = tokens.length;
  let cur = new StateSet(m + 1), next = new StateSet(m + 1);
  let best: { start: number; end: number } | undefined;
  for (let i = from; ; i++) {
    if (!best) cur.add(tokens, 0, i); // a thread may begin here, until a match has begun earlier
    const s = cur.start[m]!;
    if (s !== Infinity && (!best || s < best.start || (s === best.start && i > best.end))) best = { start: s, end: i };
    if (i === chars.length) break;
    step(tokens, cur, next, chars[i]!);
    [cur, next] = [next, cur];
    if (best) {
      // Threads that began after the match cannot make it more leftmost.
      const keep = cur.list.filter((j) => cur.start[j]! <= best!.start);
      if (!keep.length) break;
    }
  }
  return best;
}
