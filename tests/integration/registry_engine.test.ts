/**
 * The engine against a real registry (docker-registry on loopback): strata push, then a
 * pull into a fresh engine that runs the image; a second image that shares the base
 * layer says "Already exists" and the registry serves that layer's blob only once.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createEngine } from "../../src/engine/mod.ts";
import type { ProgressMessage } from "../../src/engine/images.ts";
import { MemoryStore } from "../../src/store/mod.ts";
import { RegistryClient, sha256 } from "../../src/oci/mod.ts";
import { readAll } from "../../src/tar/mod.ts";
import { run, sampleEngine } from "../engine/_samples.ts";
import { registryAuthMissing, registryMissing, startRegistry, type StartedRegistry } from "./_registry.ts";

const t = suite("engine pull and push against a real registry");
const missing = registryMissing();
let reg: StartedRegistry;

if (missing) {
  console.log(`skip: ${missing}; the engine's registry round trips are not tested`);
  t.skip("engine push/pull", () => {});
} else {
  t.before(async () => {
    reg = await startRegistry();
  });
  t.after(async () => {
    await reg?.stop();
  });

  t("strata push, then a pull into a fresh engine, which runs the image", async () => {
    const a = await sampleEngine(["toolbox"]);
    await a.images.tag("toolbox", `${reg.host}/round/trip:v1`);
    const pushed = await a.images.push(`${reg.host}/round/trip:v1`);
    const b = await createEngine({ store: new MemoryStore() });
    const pulled = await b.images.pull(`${reg.host}/round/trip:v1`);
    assert.is(pulled.digest, pushed.digest);
    assert.is(pulled.id, (await a.images.inspect("toolbox")).Id);
    const r = await run(b, { Image: `${reg.host}/round/trip:v1`, Cmd: ["sh", "-c", "echo round trip"] });
    assert.is(r.stdout, "round trip\n");
    await a.close();
    await b.close();
  });

  t("a second image sharing the base layer: Already exists, and the registry serves the base blob once", async () => {
    const a = await sampleEngine(["toolbox"]);
    const { Id } = await a.containers.create({ Image: "toolbox", Cmd: ["sh", "-c", "echo child > /child"] });
    await a.containers.start(Id);
    await a.containers.wait(Id);
    await a.containers.commit(Id, { repo: `${reg.host}/shared/child`, tag: "v1" });
    await a.images.tag("toolbox", `${reg.host}/shared/base:v1`);
    await a.images.push(`${reg.host}/shared/base:v1`);
    const lines: string[] = [];
    await a.images.push(`${reg.host}/shared/child:v1`, { onProgress: (m: ProgressMessage) => void lines.push(m.status ?? "") });
    assert.ok(lines.includes("Mounted from shared/base"), lines.join("\n"));
    const [base] = (await a.images.inspect("toolbox")).RootFS.Layers;
    const b = await createEngine({ store: new MemoryStore() });
    await reg.sync();
    const before = reg.blobGets(base); // the first test pulled the same layer from another repository
    await b.images.pull(`${reg.host}/shared/base:v1`);
    const seen: string[] = [];
    await b.images.pull(`${reg.host}/shared/child:v1`, { onProgress: (m: ProgressMessage) => void seen.push(`${m.status} ${m.id ?? ""}`) });
    assert.ok(seen.includes(`Already exists ${base!.slice(7, 19)}`), seen.join("\n"));
    await reg.sync();
    assert.is(reg.blobGets(base) - before, 1);
    const r = await run(b, { Image: `${reg.host}/shared/child:v1`, Cmd: ["cat", "/child"] });
    assert.is(r.stdout, "child\n");
    await a.close();
    await b.close();
  });
  t("the client against the real registry: a chunked upload, and a blob read resumed by Range after a cut", async () => {
    const blob = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 255);
    const digest = await sha256(blob);
    let cut = true;
    const ranges: string[] = [];
    // The first blob GET is cut after 100 kB, as a reset connection would end it.
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const range = new Headers(init?.headers).get("range");
      if (range) ranges.push(`${range} -> ${res.status}`);
      if (!(init?.method ?? "GET").startsWith("G") || !String(input).includes("/blobs/sha256:") || !cut || !res.body) return res;
      cut = false;
      const reader = res.body.getReader();
      let sent = 0;
      return new Response(new ReadableStream<Uint8Array>({
        async pull(c) {
          const r = await reader.read();
          if (r.done || sent >= 100_000) return void (await reader.cancel(), c.error(new TypeError("terminated")));
          sent += r.value.length;
          c.enqueue(r.value);
        },
      }), { status: res.status, headers: res.headers });
    };
    const client = new RegistryClient(reg.host, { fetch: cutting, retryDelayMs: 0 });
    assert.is(await client.pushBlob("chunked/blob", digest, blob, { action: "push", chunkBytes: 64 * 1024 }), "uploaded");
    assert.ok(await client.hasBlob("chunked/blob", digest, "push"));
    assert.equal(await readAll(client.blob("chunked/blob", { digest, size: blob.length }, { action: "pull" })), blob);
    assert.is(ranges.length, 1);
    assert.match(ranges[0]!, /^bytes=\d+- -> 206$/);
  });
  t("a registry with htpasswd auth: push and pull with the credentials; without them, pull access denied", async () => {
    const why = registryAuthMissing();
    if (why) return console.log(`skip: ${why}`);
    const secured = await startRegistry({ auth: { user: "strata", password: "s3cret" } });
    try {
      const credentials = async (host: string) => (host === secured.host ? { username: "strata", password: "s3cret" } : undefined);
      const a = await sampleEngine(["toolbox"]);
      await a.images.tag("toolbox", `${secured.host}/private/box:v1`);
      await a.images.push(`${secured.host}/private/box:v1`, { credentials });
      const b = await createEngine({ store: new MemoryStore() });
      let denied = "";
      await b.images.pull(`${secured.host}/private/box:v1`).catch((e: Error) => void (denied = e.message));
      assert.is(denied, `pull access denied for ${secured.host}/private/box, repository does not exist or may require 'docker login': no basic auth credentials`);
      await b.images.pull(`${secured.host}/private/box:v1`, { credentials });
      assert.is((await run(b, { Image: `${secured.host}/private/box:v1`, Cmd: ["echo", "private"] })).stdout, "private\n");
      await a.close();
      await b.close();
    } finally {
      await secured.stop();
    }
  });
}

t.run();
