/**
 * `asEngineApi`: the API codes against `EngineApi` (src/engine/types.ts). An engine that
 * already implements it passes through untouched; the earlier flat `Engine` class
 * (create/start/… on the engine itself, no volumes) is wrapped so the API works while
 * the engine moves to the grouped shape.
 * XXX: remove once `createEngine` returns an `EngineApi`.
 */
import {
  commit, type Engine, type EngineApi, EngineError, type EngineEvent, type EventsOptions, Execs, filterValues, info,
  type LogEntry, type LogsOptions, systemDf, versionInfo,
} from "../engine/mod.ts";
import type { AttachOptions, AttachSession, ContainersApi, ImagesApi, VolumesApi } from "../engine/mod.ts";

/** The engine as `EngineApi`, whatever shape it came in. */
export function asEngineApi(engine: Engine | EngineApi): EngineApi {
  const maybe = engine as { containers?: { create?: unknown } };
  if (typeof maybe.containers?.create === "function") return engine as EngineApi;
  const e = engine as Engine;
  const cached = _wrapped.get(e);
  if (cached) return cached;
  const execs = new Execs(e);
  const api: EngineApi = {
    containers: _containers(e),
    exec: { create: (ref, o) => execs.create(ref, o), start: (id, io) => execs.start(id, io), inspect: (id) => execs.inspect(id) as never },
    images: _images(e),
    volumes: _NO_VOLUMES,
    events: { subscribe: (fn) => e.events.subscribe(fn), stream: (o) => _events(e, o) },
    systemDf: () => systemDf(e) as never,
    info: (o) => info(e, o),
    version: () => versionInfo(),
    close: (o) => e.close(o),
  };
  _wrapped.set(e, api);
  return api;
}

const _wrapped = new WeakMap<Engine, EngineApi>();

function _containers(e: Engine): ContainersApi {
  return {
    create: (o) => e.create(o),
    start: (ref) => e.start(ref),
    stop: (ref, t) => e.stop(ref, t),
    kill: (ref, s) => e.kill(ref, s),
    restart: (ref, t) => e.restart(ref, t),
    wait: (ref, c) => e.wait(ref, c),
    remove: (ref, o) => e.remove(ref, o),
    rename: (ref, n) => e.rename(ref, n),
    list: (o) => e.list(o) as never,
    inspect: (ref, o) => e.inspect(ref, o) as never,
    logs: (ref, o) => _logs(e, ref, o),
    attach: (ref, o) => _attach(e, ref, o),
    changes: (ref) => e.changes(ref),
    export: (ref) => e.export(ref),
    commit: (ref, o = {}) => commit(e, { container: ref, ...o }),
    prune: async () => {
      const deleted: string[] = [];
      for (const c of await e.list({ all: true })) {
        if (c.State === "running") continue;
        await e.remove(c.Id);
        deleted.push(c.Id);
      }
      return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
    },
  };
}

function _images(e: Engine): ImagesApi {
  return {
    load: (bytes, o) => e.images.load(bytes, o),
    list: () => e.images.list(),
    inspect: (ref) => e.images.inspect(ref),
    history: (ref) => e.images.history(ref),
    tag: (src, target) => e.images.tag(src, target),
    remove: (ref, o) => e.removeImage(ref, o),
    save: (refs) => e.images.save(refs),
    prune: async (o = {}) => {
      const deleted: Array<{ Untagged?: string; Deleted?: string }> = [];
      for (const img of await e.images.list()) {
        if ((img.RepoTags.length && !o.all) || e.imageUser(img.Id)) continue;
        deleted.push(...await e.removeImage(img.Id, { force: true }));
      }
      return { ImagesDeleted: deleted, SpaceReclaimed: 0 };
    },
  };
}

const _unavailable = () => Promise.reject(new EngineError("unavailable", "volumes are not supported by this engine yet"));
const _NO_VOLUMES: VolumesApi = { create: _unavailable, list: _unavailable, inspect: _unavailable, remove: _unavailable, prune: _unavailable };

/** Past entries, then (with follow) live ones until the process exits or the signal aborts. */
async function* _logs(e: Engine, ref: string, o: LogsOptions = {}): AsyncIterable<LogEntry> {
  const rt = e.get(ref);
  const tail = o.tail === "all" ? undefined : o.tail;
  const past = rt.logs.select({ stdout: o.stdout, stderr: o.stderr, since: o.since, until: o.until, tail });
  if (!o.follow || rt.rec.State.Status !== "running") return yield* past;
  const q = _queue<LogEntry>(o.signal);
  const stop = rt.logs.follow((x) => (x ? q.push(x) : q.end()));
  try {
    yield* past;
    for await (const x of q.iter) if (x.stream === "stdout" ? o.stdout !== false : o.stderr !== false) yield x;
  } finally {
    stop();
  }
}

function _attach(e: Engine, ref: string, o: AttachOptions = {}): AttachSession {
  const rt = e.get(ref);
  const ctl = new AbortController();
  const q = _queue<LogEntry>(ctl.signal);
  if (o.logs) for (const x of rt.logs.entries) q.push(x);
  if (o.stdin) rt.stdin = o.stdin;
  const stop = o.stream === false ? () => {} : rt.logs.follow((x) => (x ? q.push(x) : q.end()));
  if (o.stream === false) q.end();
  const keep = (x: LogEntry) => (x.stream === "stdout" ? o.stdout !== false : o.stderr !== false);
  return {
    output: (async function* () {
      for await (const x of q.iter) if (keep(x)) yield x;
    })(),
    close: () => {
      stop();
      ctl.abort();
    },
  };
}

async function* _events(e: Engine, o: EventsOptions = {}): AsyncIterable<EngineEvent> {
  const f = o.filters ?? {};
  const match = (x: EngineEvent) => ["type", "event", "container", "image", "volume"].every((k) => {
    const vs = filterValues(f, k);
    if (!vs.length) return true;
    if (k === "type") return vs.includes(x.Type);
    if (k === "event") return vs.includes(x.Action);
    return x.Type === k && vs.some((v) => x.Actor.ID.startsWith(v) || x.Actor.Attributes["name"] === v);
  });
  const q = _queue<EngineEvent>(o.signal);
  if (o.since !== undefined) for (const x of e.events.history) if (x.time >= o.since && (o.until === undefined || x.time <= o.until)) q.push(x);
  const live = o.until === undefined || o.until * 1000 > Date.now();
  const unsub = live ? e.events.subscribe((x) => q.push(x)) : () => {};
  const timer = o.until !== undefined && live ? setTimeout(() => q.end(), o.until * 1000 - Date.now()) : undefined;
  if (!live) q.end();
  try {
    for await (const x of q.iter) if (match(x)) yield x;
  } finally {
    unsub();
    clearTimeout(timer);
  }
}

/** An async queue: push, end, and an iterator that ends at end() or when the signal aborts. */
function _queue<T>(signal?: AbortSignal) {
  const items: T[] = [];
  let done = false;
  let wake: (() => void) | null = null;
  const poke = () => { wake?.(); wake = null; };
  signal?.addEventListener("abort", () => { done = true; poke(); }, { once: true });
  return {
    push: (x: T) => { if (!done) { items.push(x); poke(); } },
    end: () => { done = true; poke(); },
    iter: (async function* () {
      for (;;) {
        while (items.length) yield items.shift()!;
        if (done || signal?.aborted) return;
        await new Promise<void>((r) => (wake = r));
      }
    })(),
  };
}
