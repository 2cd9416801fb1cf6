/**
 * The verbs on a running container's processes: `docker pause`/`unpause`, `docker top`
 * and `docker stats`, with Docker's messages and events. The processes themselves are
 * the container's (`rt.processes`, _processes.ts), started by the lifecycle and exec;
 * this part only reads them and holds or releases them.
 *
 * A pause holds every process of the container at its next system call or preemption
 * point (src/wasi/_preempt.ts), or in the wait it is in, and marks the container paused
 * (State.Paused; "paused" wherever Docker shows a status). An inline engine (no worker
 * host: an edge worker, a browser tab) holds its processes by suspending them where the
 * platform has JSPI; without it they run on the engine's own thread, which cannot be
 * held: pause answers 409 there.
 */
import type { ContainerRegistry } from "./_registry.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { conflict } from "./errors.ts";
import { emitContainerEvent, type EventBus } from "./events.ts";
import { memoryLimit, readStats, type StatsJson, statsStream } from "./stats.ts";
import { psStyle, type TopResult, topTable } from "./top.ts";

interface ProcVerbParts {
  registry: Pick<ContainerRegistry, "get" | "holds" | "save">;
  events: EventBus;
  /** The engine's default memory cap (stats' limit when the container sets none). */
  defaultMemory?: number;
  /** The engine's processes can be held: they run in workers, or inline where they can suspend (JSPI). */
  canPause: boolean;
}

/** `GET /containers/{id}/stats` options. */
export interface StatsOptions {
  /** One document a second until the signal aborts (Docker's default); false: one. */
  stream?: boolean;
  /** With stream false: at once, without the second reading that gives precpu_stats. */
  oneShot?: boolean;
  signal?: AbortSignal;
}

export class ProcVerbs {
  readonly #p: ProcVerbParts;
  constructor(parts: ProcVerbParts) {
    this.#p = parts;
  }

  #running(ref: string): ContainerRuntime {
    const rt = this.#p.registry.get(ref);
    if (rt.rec.State.Status !== "running") throw conflict(`container ${rt.rec.Id} is not running`);
    return rt;
  }

  /** Errors: not-found; conflict when not running, already paused, or in an inline engine. */
  async pause(ref: string): Promise<void> {
    const rt = this.#running(ref);
    if (rt.rec.State.Paused) throw conflict(`container ${rt.rec.Id} is already paused`);
    if (!this.#p.canPause || !rt.processes.pausable) {
      throw conflict(`cannot pause container ${rt.rec.Id}: pause is not available in inline mode without JSPI (this engine runs programs on its own thread, and this platform cannot suspend them)`);
    }
    rt.processes.pause();
    rt.rec.State.Paused = true;
    await this.#p.registry.save(rt);
    emitContainerEvent(this.#p.events, rt.rec, "pause");
  }

  /** Errors: not-found; conflict when not paused. */
  async unpause(ref: string): Promise<void> {
    const rt = this.#p.registry.get(ref);
    if (rt.rec.State.Status !== "running" || !rt.rec.State.Paused) throw conflict(`Container ${rt.rec.Id} is not paused`);
    rt.processes.resume();
    rt.rec.State.Paused = false;
    await this.#p.registry.save(rt);
    emitContainerEvent(this.#p.events, rt.rec, "unpause");
  }

  /** Errors: not-found; conflict when not running; internal for ps arguments it does not take (Docker's "Error running ps"). */
  top(ref: string, psArgs?: string): TopResult {
    const rt = this.#running(ref);
    psStyle(psArgs);
    const c = rt.rec.Config;
    return topTable(rt.processes.programs(), psArgs, {
      user: c.User, tty: c.Tty, paused: !!rt.rec.State.Paused, memoryLimit: memoryLimit(rt.rec, this.#p.defaultMemory),
    });
  }

  /** The container's figures (stats.ts); a stopped one's are zeros. The stream ends when the container is removed. Errors: not-found. */
  stats(ref: string, o: StatsOptions = {}): AsyncIterable<StatsJson> {
    const rt = this.#p.registry.get(ref);
    const { registry, defaultMemory } = this.#p;
    const signal = o.signal;
    async function* docs(): AsyncGenerator<StatsJson> {
      for await (const doc of statsStream((pre) => readStats(rt, pre, { defaultMemory }), { stream: o.stream ?? true, oneShot: o.oneShot, signal })) {
        yield doc;
        if (!registry.holds(rt)) return;
      }
    }
    return docs();
  }
}
