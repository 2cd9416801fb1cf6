/**
 * Per-layer progress as the docker CLI draws it (moby pkg/jsonmessage): one line per id,
 * `ID: Status [=====>      ]  1.2MB/3.4MB`, rewritten in place on a terminal by moving
 * the cursor up to the id's line. The bar shows only on terminals wider than 110
 * columns, as Docker's; off a terminal only status changes are printed, once each.
 */
import { humanSize } from "./_format.ts";

interface ProgressMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

/** `[=====>     ]  1.2MB/3.4MB` (bar only when `bar`). */
export function progressText(current: number, total: number, bar: boolean): string {
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current, 4).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const box = bar ? `[${"=".repeat(pct)}>${" ".repeat(Math.max(0, 50 - pct))}] ` : "";
  const cur = humanSize(current, 4);
  return box + (current > total ? cur.padStart(8) : `${cur.padStart(8)}/${humanSize(total, 4)}`);
}

/** A board of progress lines keyed by id. */
export class ProgressBoard {
  readonly #ids: string[] = [];
  readonly #last = new Map<string, string>();
  constructor(private readonly write: (s: string) => void, private readonly o: { tty: boolean; columns: number }) {}

  update(m: ProgressMessage): void {
    if (!m.id) {
      if (m.status) this.write(`${m.status}\n`);
      return;
    }
    const d = m.progressDetail ?? {};
    const progress = this.o.tty ? progressText(d.current ?? 0, d.total ?? 0, this.o.columns > 110) : "";
    const line = `${m.id}: ${m.status ?? ""}${progress ? ` ${progress}` : ""}`;
    const at = this.#ids.indexOf(m.id);
    if (!this.o.tty) {
      if (this.#last.get(m.id) !== m.status) this.write(`${line}\n`);
      this.#last.set(m.id, m.status ?? "");
      return;
    }
    if (at < 0) {
      this.#ids.push(m.id);
      this.write(`${line}\n`);
      return;
    }
    const up = this.#ids.length - at;
    this.write(`\x1b[${up}A\x1b[2K\r${line}\x1b[${up}B\r`);
  }
}
