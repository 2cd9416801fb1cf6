/**
 * `docker stats` (`GET /containers/{id}/stats`): a container's figures in Docker's
 * StatsJSON shape (Engine API v1.47, cgroup v2 style), one document, or one a second.
 *
 * - memory_stats.usage: the linear memory of the container's live programs (main,
 *   spawned children, execs) plus the bytes its writable layer holds (a container's
 *   files live in memory or in the store, not in a page cache: they are its own);
 *   `stats.anon` and `stats.file` are the two parts. The limit is the container's
 *   `--memory`, else the engine's default cap, else 4 GiB (what a wasm32 program can
 *   address).
 * - cpu_stats.cpu_usage.total_usage: the time its processes' threads ran, ns (all of it
 *   user mode; src/wasi/_meter.ts says how it is measured); system_cpu_usage: the wall
 *   clock times online_cpus, ns, so the docker CLI's CPU % is the share of one core.
 * - blkio_stats: bytes read and written through files (op "read"/"write").
 * - pids_stats.current: its live programs; limit 0 (none).
 * A stopped container answers zeros (Docker's empty stats: name and id only).
 */
import type { ContainerRuntime } from "./_runtime.ts";
import { isoTime } from "./_format.ts";

/** What a wasm32 program can address: the memory limit when nothing smaller is set. */
const WASM32_MEMORY = 4 * 2 ** 30;

/** Docker's interval between two streamed documents. */
const STATS_INTERVAL_MS = 1000;

interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/** Docker's StatsJSON as strata fills it (no networks: a strata container has none). */
export interface StatsJson {
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: Array<{ major: number; minor: number; op: string; value: number }> | null;
    io_serviced_recursive: null; io_queue_recursive: null; io_service_time_recursive: null; io_wait_time_recursive: null;
    io_merged_recursive: null; io_time_recursive: null; sectors_recursive: null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** One reading, kept for the next document's `pre` fields. */
interface StatsSample {
  at: number;
  cpu: CpuStats;
}

const ZERO_TIME = isoTime(0);
const noCpu = (): CpuStats => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});
const noBlkio = (): StatsJson["blkio_stats"] => ({
  io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null,
  io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
});

function onlineCpus(): number {
  return (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency || 1;
}

/** A container's memory limit: its `--memory`, else the engine's default cap, else what a wasm32 program can address. */
export function memoryLimit(rec: ContainerRuntime["rec"], defaultMemory?: number): number {
  return rec.HostConfig.Memory || defaultMemory || WASM32_MEMORY;
}

/** The figures of `rt` now; `pre` is the previous reading of the same stream. Returns the document and this reading. */
export function readStats(
  rt: Pick<ContainerRuntime, "rec" | "processes" | "fs">, pre: StatsSample | null, o: { defaultMemory?: number } = {},
): { doc: StatsJson; sample: StatsSample | null } {
  const rec = rt.rec;
  const base = {
    name: `/${rec.Name}`, id: rec.Id, read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: noBlkio(), num_procs: 0,
    storage_stats: {}, cpu_stats: noCpu(), precpu_stats: noCpu(), memory_stats: {},
  };
  if (rec.State.Status !== "running") return { doc: base, sample: null };
  const at = Date.now();
  const u = rt.processes.usage();
  const cpus = onlineCpus();
  const cpuNs = Math.round(u.cpuMs * 1e6);
  const cpu: CpuStats = {
    cpu_usage: { total_usage: cpuNs, usage_in_kernelmode: 0, usage_in_usermode: cpuNs },
    system_cpu_usage: Math.round((performance.timeOrigin + performance.now()) * 1e6) * cpus, online_cpus: cpus,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
  const file = rt.fs?.upper.size() ?? 0;
  const doc: StatsJson = {
    ...base, read: isoTime(at), preread: pre ? isoTime(pre.at) : ZERO_TIME,
    pids_stats: { current: u.pids, limit: 0 },
    blkio_stats: {
      ...noBlkio(),
      io_service_bytes_recursive: [{ major: 0, minor: 0, op: "read", value: u.readBytes }, { major: 0, minor: 0, op: "write", value: u.writtenBytes }],
    },
    cpu_stats: cpu, precpu_stats: pre?.cpu ?? noCpu(),
    memory_stats: {
      usage: u.memoryBytes + file, limit: memoryLimit(rec, o.defaultMemory),
      stats: { anon: u.memoryBytes, file },
    },
  };
  return { doc, sample: { at, cpu } };
}

/** Resolves after `ms`, or at once when `signal` aborts (its timer cleared: a client that goes away leaves nothing behind). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/**
 * The documents of one stats request, as Docker sends them: with `stream`, one at once
 * and then one a second until the signal aborts; without, one — after a second's second
 * reading (so that its precpu_stats give a CPU %, as Docker does), or at once with
 * `oneShot` (precpu_stats empty) or for a stopped container.
 */
export async function* statsStream(
  read: (pre: StatsSample | null) => ReturnType<typeof readStats>,
  o: { stream: boolean; oneShot?: boolean; signal?: AbortSignal; intervalMs?: number },
): AsyncGenerator<StatsJson> {
  const interval = o.intervalMs ?? STATS_INTERVAL_MS;
  let r = read(null);
  if (!o.stream) {
    if (!o.oneShot && r.sample) {
      await sleep(interval, o.signal);
      if (o.signal?.aborted) return;
      r = read(r.sample);
    }
    yield r.doc;
    return;
  }
  for (;;) {
    yield r.doc;
    await sleep(interval, o.signal);
    if (o.signal?.aborted) return;
    r = read(r.sample);
  }
}
