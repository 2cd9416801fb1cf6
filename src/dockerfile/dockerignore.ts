/**
 * .dockerignore: moby's ignorefile reading and patternmatcher semantics (comments, `!`
 * exceptions, `**`, leading `/` and `./` cleaned, last match wins, an excluded directory
 * excludes its subtree unless an exception may re-include below it).
 */

/** Read a .dockerignore into patterns (comments and blank lines dropped, paths cleaned). */
export function parseDockerignore(text: string): string[] {
  void text;
  return [];
}

/** Matches context paths (slash-separated, relative to the context root) against patterns. */
export class IgnoreMatcher {
  constructor(readonly patterns: string[]) {}
  /** Whether `path` is excluded from the build context. */
  matches(path: string): boolean {
    void path;
    return false;
  }
}
