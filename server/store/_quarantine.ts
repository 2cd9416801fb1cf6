/**
 * The quarantine of a home: files that cannot be used (a record that is not JSON, a name
 * that does not decode, a batch that cannot be applied, a record the engine found naming
 * a missing blob) are moved to HOME/quarantine/<time>/<their path in the home>, with the
 * reason appended to reasons.txt there, and reported: a warning the engine shows in
 * `docker info` and a line on stderr. Nothing is deleted, so a person can look at it.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";

const QUARANTINE_DIR = "quarantine";

export class Quarantine {
  readonly warnings: string[] = [];
  /** Files that could not be moved: skipped from then on (reported once). */
  readonly #skipped = new Set<string>();
  #dir: string | undefined;

  constructor(readonly home: string, readonly onWarning: (line: string) => void) {}

  /** Is `rel` a file that could not be moved aside (so it is ignored)? */
  skipped(rel: string): boolean {
    return this.#skipped.has(rel);
  }

  /** Move `rel` (a path in the home, "/"-separated) aside and report why. */
  setAside(rel: string, reason: string): void {
    if (this.#skipped.has(rel)) return;
    let where: string;
    try {
      where = this.#move(rel, reason);
    } catch (err) {
      this.#skipped.add(rel);
      this.#report(`Store file ${rel} is ignored: ${reason}; it could not be moved to ${QUARANTINE_DIR}/ (${(err as Error).message})`);
      return;
    }
    this.#report(`Store file ${rel} was set aside in ${where}: ${reason}`);
  }

  #move(rel: string, reason: string): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    this.#dir ??= stamp;
    let dir = this.#dir;
    for (let n = 2; existsSync(join(this.home, QUARANTINE_DIR, dir, rel)); n++) dir = `${this.#dir}.${n}`;
    const target = join(this.home, QUARANTINE_DIR, dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(this.home, rel), target);
    appendFileSync(join(this.home, QUARANTINE_DIR, dir, "reasons.txt"), `${rel}: ${reason}\n`);
    return `${QUARANTINE_DIR}/${dir}/${rel}`;
  }

  #report(line: string): void {
    this.warnings.push(line);
    this.onWarning(line);
  }
}
