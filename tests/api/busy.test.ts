/**
 * The API answers while a container computes: a program with a bind mount and a volume
 * runs in a worker like any other (src/wasi rootfs_transfer.ts: a bind goes as its
 * description, a volume as its layers), so a loop with no system call in it never holds
 * the server's event loop. Under Node (worker_threads) and Deno (web Workers), as the
 * servers are set up (server/platform runtimeHost).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApi } from "../../src/api/mod.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { outputUntil, SAMPLES } from "../engine/_samples.ts";
import { post } from "./_app.ts";

const host = runtimeHost();
const t = suite("the API while a container computes");
t.after(() => closeWorkers(host.workerHost));

t("GET /containers/json answers while a program with a bind mount and a volume spins", async () => {
  const dir = mkdtempSync(join(tmpdir(), "strata-busy-"));
  try {
    writeFileSync(join(dir, "f"), "held\n");
    const engine = await createEngine({ store: new MemoryStore(), ...host });
    await engine.images.load(new Uint8Array(readFileSync(`${SAMPLES}probes.tar`)), { name: "probes.tar" });
    const app = createApi(engine);
    const body = { Image: "probes", Cmd: ["spin", "/h/f"], HostConfig: { Binds: [`${dir}:/h`, "busydata:/v"] } };
    const { Id } = await (await app.request("/containers/create", post(body))).json() as { Id: string };
    assert.is((await app.request(`/containers/${Id}/start`, post())).status, 204);
    await outputUntil(engine, Id, "open\n"); // it has its bind's file open, and spins from here on
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const list = await (await app.request("/containers/json")).json() as Array<{ Id: string; State: string }>;
      times.push(Math.round(performance.now() - t0));
      assert.equal(list.map((c) => [c.Id, c.State]), [[Id, "running"]]);
    }
    // A bound on a hang, not a timing target: answered at all means the event loop was free (they take a few ms).
    assert.ok(Math.max(...times) < 2000, `each list answered while the program spun (${times.join(", ")} ms)`);
    assert.is((await app.request(`/containers/${Id}/kill`, post())).status, 204);
    assert.equal(await (await app.request(`/containers/${Id}/wait`, post())).json(), { StatusCode: 137, Error: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
