/** Engine events in `docker events` form, with subscribers, a bounded history for `since`, and filtered streams. */
import { values } from "./_filters.ts";
import { queue } from "./_logs_io.ts";
import type { EventsApi } from "./api.ts";
import type { EventsOptions } from "./options.ts";
import type { ContainerRecord, Filters } from "./wire.ts";

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

let seq = 0;

export class EventBus implements EventsApi {
  history: EngineEvent[] = [];
  #subs = new Set<(e: EngineEvent) => void>();

  emit(type: EngineEvent["Type"], action: string, id: string, attributes: Record<string, string> = {}): void {
    const now = Date.now();
    const e: EngineEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: "local", time: Math.floor(now / 1000), timeNano: now * 1_000_000 + (seq++ % 1_000_000) };
    if (type === "container") Object.assign(e, { status: action, id, from: attributes["image"] ?? "" });
    this.history.push(e);
    if (this.history.length > 1000) this.history.shift();
    for (const s of this.#subs) s(e);
  }

  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  stream(o: EventsOptions = {}): AsyncIterable<EngineEvent> {
    return eventStream(this, o);
  }

  get listeners(): number {
    return this.#subs.size;
  }
}

/** A container's event, with the attributes Docker gives it: image, name, the container's labels, then `extra`. */
export function emitContainerEvent(bus: EventBus, rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  bus.emit("container", action, rec.Id, { image: rec.Image, name: rec.Name, ...rec.Config.Labels, ...extra });
}

/** `docker events --filter`: type, event, container (id or name), image, volume, label. */
function eventMatches(e: EngineEvent, filters: Filters): boolean {
  const test = (key: string, fn: (v: string) => boolean) => {
    const vs = values(filters, key);
    return vs.length === 0 || vs.some(fn);
  };
  const a = e.Actor.Attributes;
  return test("type", (v) => e.Type === v)
    && test("event", (v) => e.Action === v || e.Action.startsWith(`${v}:`))
    && test("container", (v) => e.Type === "container" && (e.Actor.ID.startsWith(v) || a["name"] === v))
    && test("image", (v) => a["image"] === v || e.Actor.ID === v || (e.Type === "image" && a["name"] === v))
    && test("volume", (v) => e.Type === "volume" && e.Actor.ID === v)
    && test("label", (v) => {
      const [k, val] = v.split("=");
      return val === undefined ? k! in a : a[k!] === val;
    });
}

/** Recorded events from `since`, then live ones until `until` or the signal. */
async function* eventStream(bus: EventBus, o: EventsOptions = {}): AsyncIterable<EngineEvent> {
  const f = o.filters ?? {};
  const until = o.until;
  const inRange = (e: EngineEvent) => (o.since === undefined || e.timeNano / 1e9 >= o.since) && (until === undefined || e.timeNano / 1e9 <= until);
  const q = queue<EngineEvent>(o.signal);
  const unsub = until !== undefined && until * 1000 <= Date.now() ? () => {} : bus.subscribe((e) => q.push(e));
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (until !== undefined && until * 1000 > Date.now()) timer = setTimeout(() => q.end(), until * 1000 - Date.now());
  try {
    if (o.since !== undefined) for (const e of bus.history.slice()) if (inRange(e) && eventMatches(e, f)) yield e;
    if (until !== undefined && until * 1000 <= Date.now()) return;
    for await (const e of q.iter) {
      if (until !== undefined && e.timeNano / 1e9 > until) return;
      if (eventMatches(e, f)) yield e;
    }
  } finally {
    unsub();
    clearTimeout(timer);
  }
}
