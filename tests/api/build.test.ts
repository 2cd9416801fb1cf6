/**
 * `POST /build` as the docker CLI and dockerode call it (no socket): the query's options,
 * the JSON-message stream, `q=1`, errors before the first step as HTTP errors and after
 * it in the stream (with a failed RUN's code), the body limit.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { contextOf } from "../engine/_build.ts";
import { message, sampleApi } from "./_app.ts";

const t = suite("POST /build");
const tarBody = (body: Uint8Array): RequestInit => ({ method: "POST", body: body as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
const lines = async (r: Response) => (await r.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

t("a build answers a JSON-message stream: stream text, the aux id, Successfully tagged for each t", async () => {
  const { req, engine } = await sampleApi();
  const ctx = contextOf(null, { Dockerfile: "FROM toolbox\nARG X\nRUN echo x=$X\n" });
  const q = `t=a1&t=a2:v&buildargs=${encodeURIComponent(JSON.stringify({ X: "42" }))}&labels=${encodeURIComponent(JSON.stringify({ l: "v" }))}&rm=1&version=1`;
  const r = await req(`/v1.47/build?${q}`, tarBody(ctx));
  assert.is(r.status, 200);
  assert.is(r.headers.get("content-type"), "application/json");
  const msgs = await lines(r);
  const text = msgs.map((m) => m["stream"] ?? "").join("");
  assert.match(text, /^Step 1\/4 : FROM toolbox\n/);
  assert.match(text, /\nx=42\n/);
  assert.match(text, /Step 4\/4 : LABEL l=v\n/);
  const id = (msgs.find((m) => m["aux"])!["aux"] as { ID: string }).ID;
  assert.ok(text.endsWith(`Successfully built ${id.slice(7, 19)}\nSuccessfully tagged a1:latest\nSuccessfully tagged a2:v\n`), text);
  assert.is((await engine.images.inspect("a2:v")).Id, id);
});

t("q=1 answers the image id alone; with a failure, what was said and the error", async () => {
  const { req } = await sampleApi();
  const ok = await lines(await req("/build?q=1", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\nRUN echo hi\n" }))));
  assert.is(ok.length, 1);
  assert.match(ok[0]!["stream"] as string, /^sha256:[a-f0-9]{64}\n$/);
  const bad = await lines(await req("/build?q=1", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\nRUN exit 2\n" }))));
  assert.match(bad[0]!["stream"] as string, /^Step 1\/2/);
  assert.equal(bad.at(-1), { errorDetail: { code: 2, message: "The command '/bin/sh -c exit 2' returned a non-zero code: 2" }, error: "The command '/bin/sh -c exit 2' returned a non-zero code: 2" });
});

t("a failure after the first step is in the stream, with the RUN's exit status as its code", async () => {
  const { req } = await sampleApi();
  const msgs = await lines(await req("/build", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\nRUN exit 9\n" }))));
  assert.equal(msgs.at(-1)!["errorDetail"], { code: 9, message: "The command '/bin/sh -c exit 9' returned a non-zero code: 9" });
  const copy = await lines(await req("/build", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\nCOPY nope /\n" }))));
  assert.equal(copy.at(-1)!["errorDetail"], { message: "COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist" });
});

t("errors before the build says anything are HTTP errors in Docker's shape", async () => {
  const { req } = await sampleApi();
  const missing = await req("/build?dockerfile=Nope", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\n" })));
  assert.equal([missing.status, await message(missing)], [400, "Cannot locate specified Dockerfile: Nope"]);
  const syntax = await req("/build", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\nNOPE x\n" })));
  assert.is(syntax.status, 400);
  assert.match(await message(syntax), /^dockerfile parse error on line 2: unknown instruction: NOPE/);
  const args = await req("/build?buildargs=%7Bnot", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\n" })));
  assert.is(args.status, 400);
  assert.match(await message(args), /^error reading build args: /);
  const kit = await req("/build?version=2", tarBody(contextOf(null, { Dockerfile: "FROM toolbox\n" })));
  assert.is(kit.status, 400);
  assert.match(await message(kit), /BuildKit/);
  const notTar = await req("/build", tarBody(new TextEncoder().encode("FROM toolbox\n".repeat(50))));
  assert.is(notTar.status, 400);
  assert.match(await message(notTar), /^Cannot read the build context: /);
});

t("a context larger than the limit is refused with 413 before it is read", async () => {
  const { req } = await sampleApi(["toolbox"], { maxLoadBytes: 4096 });
  const big = contextOf(null, { Dockerfile: "FROM toolbox\n", blob: "x".repeat(10_000) });
  const r = await req("/build", { ...tarBody(big), headers: { "Content-Type": "application/x-tar", "Content-Length": String(big.length) } });
  assert.is(r.status, 413);
});

t.run();
