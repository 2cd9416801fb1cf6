/**
 * `docker update` (`POST /containers/{id}/update`): a container's limits and restart
 * policy changed after its creation. strata enforces one limit, `Memory` (the cap of the
 * program's WebAssembly memory), and applies it from the container's next start: a
 * running program's memory cap cannot change (it is fixed when its module is
 * instantiated), which the answer's Warnings say. The restart policy applies at the
 * container's next exit. Every other resource Docker's update takes (CPU shares and
 * quotas, cpusets, block I/O weights, PIDs, swap…) limits nothing here: a value that
 * would set one is discarded with a warning, as Docker discards a limit its kernel
 * cannot enforce ("Your kernel does not support … discarded"), and a value that leaves
 * it unset (the docker CLI sends zeros for the flags not given) is accepted silently.
 */
import { checkPolicyUpdate } from "./_restart_policy.ts";
import type { ContainerRuntime } from "./_runtime.ts";
import { conflict, invalid } from "./errors.ts";
import type { RestartPolicy } from "./wire.ts";

/** The body of `POST /containers/{id}/update`: Docker's Resources fields and RestartPolicy. */
export interface UpdateOptions {
  /** WebAssembly memory cap in bytes; 0 leaves it as it is. */
  Memory?: number;
  /** Applied when its Name is not empty (the docker CLI sends an empty one without --restart). */
  RestartPolicy?: RestartPolicy | null;
  [resource: string]: unknown;
}

/** Resources whose "unset" values are not 0/empty: PIDs 0 and -1 mean no limit, MemorySwap -1 unlimited, MemorySwappiness -1 the default. */
const UNSET: Record<string, readonly unknown[]> = { PidsLimit: [0, -1], MemorySwap: [-1], MemorySwappiness: [-1] };

/** Fields of the body that are not resources strata could be asked to limit. */
const NOT_RESOURCES = new Set(["Memory", "RestartPolicy"]);

/** Whether a resource value sets a limit (rather than leaving it unset, as the docker CLI sends every flag not given). */
function sets(name: string, v: unknown): boolean {
  if (v == null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  return !(UNSET[name] ?? []).includes(v);
}

/**
 * Apply an update to a container's record (the caller saves it and emits `update`).
 * Returns Docker's Warnings. Errors: invalid (a bad memory value or restart policy);
 * conflict while it is being removed.
 */
export function applyUpdate(rt: ContainerRuntime, o: UpdateOptions): string[] {
  const rec = rt.rec, hc = rec.HostConfig;
  if (rec.State.Status === "removing") throw conflict(`Cannot update container ${rec.Id}: container is marked for removal and cannot be "update"`);
  const memory = o.Memory ?? 0;
  if (!Number.isSafeInteger(memory) || memory < 0) throw invalid(`Invalid memory limit: ${String(o.Memory)}: it must be a whole number of bytes`);
  const policy = o.RestartPolicy?.Name ? o.RestartPolicy : null;
  if (policy) checkPolicyUpdate(policy, !!hc.AutoRemove, rec.Id);
  const warnings: string[] = [];
  for (const [name, v] of Object.entries(o)) {
    if (!NOT_RESOURCES.has(name) && sets(name, v)) warnings.push(`strata does not enforce ${name}: the limit was discarded`);
  }
  if (memory) {
    hc.Memory = memory;
    if (rec.State.Status === "running") warnings.push("The memory limit applies from the container's next start: a running WebAssembly program's memory cap cannot change");
  }
  if (policy) hc.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  return warnings;
}
