/**
 * Worker hosts for the tests of shared workers: the runtime's host, counting the threads
 * it starts (a test asserts how many a load took), each closed at its suite's end.
 */
import { closeWorkers, type WorkerHost } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";

/** A maker of counting hosts for suite `t`, whose end closes every one's workers. */
export function countingHosts(t: { after(fn: () => Promise<void>): void }): () => WorkerHost & { spawned: number } {
  const hosts: WorkerHost[] = [];
  t.after(async () => {
    for (const h of hosts) await closeWorkers(h);
  });
  return () => {
    const base = runtimeHost().workerHost;
    const host = { ...base, spawned: 0, spawn: () => (host.spawned++, base.spawn()) };
    hosts.push(host);
    return host;
  };
}
