/** Engine events in `docker events` form, with subscribers and a bounded history for `since`. */

export interface EngineEvent {
  Type: "container" | "image" | "volume";
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
  /** Legacy fields Docker still sends for containers. */
  status?: string;
  id?: string;
  from?: string;
}

export class EventBus {
  history: EngineEvent[] = [];
  #subs = new Set<(e: EngineEvent) => void>();

  emit(type: EngineEvent["Type"], action: string, id: string, attributes: Record<string, string> = {}): void {
    const now = Date.now();
    const e: EngineEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: "local", time: Math.floor(now / 1000), timeNano: now * 1_000_000 };
    if (type === "container") Object.assign(e, { status: action, id, from: attributes["image"] ?? "" });
    this.history.push(e);
    if (this.history.length > 1000) this.history.shift();
    for (const s of this.#subs) s(e);
  }

  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }
}
