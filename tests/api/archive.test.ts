import { suite } from "uvu";
import * as assert from "uvu/assert";
import { indexTar, type TarInput, writeTar } from "../../src/tar/mod.ts";
import { message, post, runThrough, sampleApi } from "./_app.ts";

const t = suite("API: docker cp (HEAD, GET and PUT /containers/{id}/archive)");
const enc = new TextEncoder(), dec = new TextDecoder();
const file = (path: string, text: string): TarInput => ({ path, type: "file", data: enc.encode(text), mode: 0o644 });
const put = (body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): RequestInit => ({ method: "PUT", body: body as BodyInit, headers: { "Content-Type": "application/x-tar", ...headers } });
const statOf = (r: Response) => JSON.parse(atob(r.headers.get("X-Docker-Container-Path-Stat")!)) as Record<string, unknown>;

t("HEAD answers the stat in X-Docker-Container-Path-Stat (base64 JSON, moby's fields in moby's order); a missing path 404", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo hello > /tmp/f; ln -s f /tmp/l"] }, "c1");
  const r = await req("/v1.47/containers/c1/archive?path=/tmp/f", { method: "HEAD" });
  assert.is(r.status, 200);
  const raw = atob(r.headers.get("X-Docker-Container-Path-Stat")!);
  assert.match(raw, /^\{"name":"f","size":6,"mode":420,"mtime":"[^"]+","linkTarget":""\}$/);
  assert.equal(statOf(await req("/containers/c1/archive?path=/tmp/l", { method: "HEAD" })).linkTarget, "/tmp/f");
  assert.is((await req("/containers/c1/archive?path=/tmp/none", { method: "HEAD" })).status, 404);
  const missing = await req("/containers/c1/archive?path=/tmp/none");
  assert.equal([missing.status, await message(missing)], [404, "Could not find the file /tmp/none in container c1"]);
  const noPath = await req("/containers/c1/archive");
  assert.equal([noPath.status, await message(noPath)], [400, "bad parameter: pathcannot be empty"]);
  assert.is((await req("/containers/nope/archive?path=/", { method: "HEAD" })).status, 404);
});

t("GET answers a tar of the path with the stat header and application/x-tar", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "mkdir /tmp/d; echo a > /tmp/d/a"] }, "c1");
  const r = await req("/v1.47/containers/c1/archive?path=/tmp/d");
  assert.equal([r.status, r.headers.get("Content-Type")], [200, "application/x-tar"]);
  assert.equal(statOf(r).name, "d");
  assert.equal(statOf(r).mode, 2 ** 31 + 0o755);
  const entries = indexTar(new Uint8Array(await r.arrayBuffer()));
  assert.equal(entries.map((e) => [e.path, dec.decode(e.data)]), [["d", ""], ["d/a", "a\n"]]);
});

t("PUT extracts and answers 200 with no body; its options come from the query; errors are moby's", async () => {
  const { req } = await sampleApi();
  const { Id } = await (await req("/containers/create?name=c1", post({ Image: "toolbox", Cmd: ["cat", "/tmp/new/f"] }))).json() as { Id: string };
  const ok = await req("/v1.47/containers/c1/archive?path=%2Ftmp&noOverwriteDirNonDir=true", put(writeTar([{ path: "new", type: "dir" }, file("new/f", "put\n")])));
  assert.equal([ok.status, await ok.text()], [200, ""]);
  const tmp = await req("/containers/c1/archive?path=/tmp/new/f");
  assert.equal(dec.decode(indexTar(new Uint8Array(await tmp.arrayBuffer()))[0]!.data), "put\n");
  const conflict = await req("/containers/c1/archive?path=/tmp&noOverwriteDirNonDir=true", put(writeTar([file("new", "x")])));
  assert.equal([conflict.status, await message(conflict)], [400, `cannot overwrite directory "/tmp/new" with non-directory "/tmp"`]);
  const notDir = await req("/containers/c1/archive?path=/tmp/new/f", put(writeTar([file("x", "x")])));
  assert.equal([notDir.status, await message(notDir)], [400, "extraction point is not a directory"]);
  const missing = await req("/containers/c1/archive?path=/nope", put(writeTar([file("x", "x")])));
  assert.equal([missing.status, await message(missing)], [404, "Could not find the file /nope in container c1"]);
  const noTar = await req("/containers/c1/archive?path=/tmp", put(enc.encode("{}".repeat(300))));
  assert.equal([noTar.status, await message(noTar)], [400, "Cannot read the archive: bad header checksum at offset 0"]);
  assert.is((await req(`/containers/${Id}/start`, post())).status, 204);
});

t("a PUT body streams past the JSON limit; past maxArchiveBytes it is refused: 413 for its Content-Length, 400 as a chunked body grows", async () => {
  const { req } = await sampleApi(["toolbox"], { maxJsonBytes: 4096, maxArchiveBytes: 64 * 1024 });
  await req("/containers/create?name=c1", post({ Image: "toolbox", Cmd: ["true"] }));
  const fits = writeTar([file("f", "x".repeat(20_000))]);
  assert.is((await req("/containers/c1/archive?path=/tmp", put(fits))).status, 200);
  assert.is((await req("/v1.47/containers/c1/archive?path=/tmp", put(fits))).status, 200); // versioned, as the docker CLI asks
  const big = writeTar([file("g", "y".repeat(100_000))]);
  const declared = await req("/containers/c1/archive?path=/tmp", put(big, { "Content-Length": String(big.length) }));
  assert.equal([declared.status, await message(declared)], [413, "request body exceeds the limit of 65536 bytes"]);
  const chunked = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(big), c.close()) });
  const grown = await req("/containers/c1/archive?path=/tmp", { ...put(chunked), duplex: "half" } as RequestInit);
  assert.is(grown.status, 400);
  assert.match(await message(grown), /65536 bytes/);
  const g = await req("/containers/c1/archive?path=/tmp/g", { method: "HEAD" });
  assert.is(g.status, 404); // nothing of it was written
});

t.run();
