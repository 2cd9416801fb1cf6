import { suite } from "uvu";
import * as assert from "uvu/assert";
import { run, sampleEngine } from "./_samples.ts";

/**
 * A browser tab that is not cross-origin isolated has no SharedArrayBuffer: the engine
 * runs its containers inline there (the web page's in-browser mode, docs/ui.md). Here
 * the global is taken away for the suite and given back after it.
 */
const t = suite("engine: without SharedArrayBuffer (a page that is not cross-origin isolated), containers run inline");
const g = globalThis as { SharedArrayBuffer?: unknown };
let saved: unknown;

t.before(() => {
  saved = g.SharedArrayBuffer;
  delete g.SharedArrayBuffer;
});
t.after(() => {
  g.SharedArrayBuffer = saved;
});

t("run, write, sleep, exit status: no ReferenceError, the same answers", async () => {
  assert.is(typeof g.SharedArrayBuffer, "undefined");
  const engine = await sampleEngine(["toolbox"]);
  try {
    const r = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "echo hi; echo x > /f; sleep 0.05; echo bye"] });
    assert.equal({ code: r.code, out: r.stdout }, { code: 0, out: "hi\nbye\n" });
    assert.equal(await engine.containers.changes(r.id), [{ Path: "/f", Kind: 1 }]);
    const err = await run(engine, { Image: "toolbox", Cmd: ["sh", "-c", "exit 3"] });
    assert.is(err.code, 3);
  } finally {
    await engine.close({ graceMs: 100 });
  }
});

t.run();
