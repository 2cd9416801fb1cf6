/**
 * server/platform/node_heap.ts: V8's newer accounting of external memory is asked for only
 * where the flag exists (V8 13 and 14) and processes share an isolate (JSPI), and the
 * running Node's own flag list agrees with the version rule.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { tuneNodeHeap, wantsGlobalExternalLimit } from "../../server/platform/node_heap.ts";

const test = suite("node heap: external memory in the global limit");
const deno = "Deno" in globalThis;

test("wanted on V8 13 and 14 with JSPI, nowhere else", () => {
  assert.is(wantsGlobalExternalLimit("14.6.202.34-node.40", true), true); // Node 26
  assert.is(wantsGlobalExternalLimit("13.6.233.10-node.18", true), true); // Node 24, --experimental-wasm-jspi
  assert.is(wantsGlobalExternalLimit("14.6.202.34-node.40", false), false); // a process per isolate: nothing to gain
  assert.is(wantsGlobalExternalLimit("11.3.244.8-node.33", true), false); // Node 20: no such flag
  assert.is(wantsGlobalExternalLimit("12.4.254.21-node.33", true), false); // Node 22
  assert.is(wantsGlobalExternalLimit("15.0.245.2-rusty", true), false); // V8 15: the default, and the flag is gone
});

if (deno) console.log("skip: node heap: under Deno the flag is never set (its V8 15 accounts external memory so by default)");
(deno ? test.skip : test)("the running Node's V8 has the flag exactly where the rule says it may", () => {
  const r = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8", maxBuffer: 1 << 24 });
  assert.is(r.status, 0, r.stderr);
  const has = r.stdout.includes("--external-memory-accounted-in-global-limit");
  const major = Number(process.versions.v8.split(".")[0]);
  assert.is(has, major === 13 || major === 14, `V8 ${process.versions.v8}: flag listed ${has}`);
  assert.is(tuneNodeHeap(), wantsGlobalExternalLimit() ? "--external-memory-accounted-in-global-limit" : null);
});

test.run();
