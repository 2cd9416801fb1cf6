/**
 * V8's newer accounting of external memory, on a Node whose V8 still has it behind a
 * flag. Where processes suspend (JSPI), one isolate holds hundreds of live processes, and
 * each one's linear memory (about 1.1 MiB for the toolbox, whose stack alone is 1 MiB) is
 * V8 external memory. V8 before 15.0 starts a full collection whenever external memory
 * has grown 64 MiB since the last one, however small the JS heap: under Node 26 (V8 14.6),
 * a burst of 1,000 `sh -c 'sleep 1; echo done'` on shared workers ran about 12 full
 * collections per worker, each finding almost nothing to free, and V8's background threads
 * spent 0.84-1.15 s of CPU per burst on them (Deno 2.9, V8 15.0: 0.30-0.41 s).
 *
 * `--external-memory-accounted-in-global-limit` counts external memory in the heap's global
 * limit, which grows with what survives, instead (measured, six runs alternating: 0.34-0.54 s
 * of background CPU, and the bursts after the first ended in 1690-1978 ms rather than
 * 2005-2378 ms; bench/results/preempt_node_jspi_flag.md). V8 made that the default and
 * then removed the flag (chromium bug 361124432): it is set here only where it exists, V8
 * 13 and 14 (Node 24 to 26; Node 20 and 22 have V8 11 and 12), and only with JSPI, since
 * without it a process has a worker and an isolate of its own. The flag is read at each
 * check, so setting it as the server starts serves the main isolate too and every worker
 * started after it.
 */
import { setFlagsFromString } from "node:v8";
import process from "node:process";
import { suspendable } from "../../src/wasi/mod.ts";

const FLAG = "--external-memory-accounted-in-global-limit";
let done = false;

/** Whether this V8 has the flag (and it is worth setting): 13.x or 14.x, with JSPI. */
export function wantsGlobalExternalLimit(v8 = process.versions.v8, jspi = suspendable): boolean {
  const major = Number(v8.split(".")[0]);
  return jspi && (major === 13 || major === 14);
}

/** Set the flag once, where wanted; returns it when set (by this call or an earlier one), or null. */
export function tuneNodeHeap(): string | null {
  if (!wantsGlobalExternalLimit()) return null;
  if (!done) {
    setFlagsFromString(FLAG);
    done = true;
  }
  return FLAG;
}
