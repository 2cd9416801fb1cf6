import { suite } from "uvu";
import * as assert from "uvu/assert";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("endpoints strata does not implement");

t("answer 501 naming what is not supported, never page not found", async () => {
  const { req } = await sampleApi([]);
  for (const [method, path, what] of [
    ["GET", "/v1.47/swarm", "swarm mode"], ["POST", "/v1.47/swarm/init", "swarm mode"], ["GET", "/v1.47/services", "swarm services"],
    ["GET", "/v1.47/nodes", "swarm nodes"], ["GET", "/v1.47/secrets", "swarm secrets"], ["GET", "/v1.47/configs", "swarm configs"],
    ["POST", "/v1.47/plugins/pull", "plugins"], ["GET", "/v1.47/images/search?term=x", "docker search"], ["POST", "/v1.47/session", "BuildKit"],
    ["GET", "/v1.47/distribution/toolbox/json", "distribution"], ["GET", "/v1.47/containers/x/checkpoints", "checkpoints"],
    ["POST", "/v1.47/containers/x/frobnicate", "frobnicate of a container"],
  ]) {
    const r = await req(path!, { method });
    assert.is(r.status, 501, `${method} ${path}`);
    const m = await message(r);
    assert.ok(m.startsWith("strata does not support") && m.includes(what!), `${path}: ${m}`);
  }
});

t("there are no plugins: the list is empty and a lookup is Docker's 404 (docker inspect NAME needs it)", async () => {
  const { req } = await sampleApi([]);
  assert.equal(await (await req("/v1.47/plugins")).json(), []);
  const r = await req("/v1.47/plugins/nosuch/json");
  assert.is(r.status, 404);
  assert.is(await message(r), 'plugin "nosuch" not found');
});

t("real routes are not shadowed by the catch-alls", async () => {
  const { req } = await sampleApi([]);
  assert.is(await message(await req("/v1.47/containers/nosuch/json")), "No such container: nosuch");
  assert.is((await req("/v1.47/containers/nosuch/start", post())).status, 404);
  assert.is((await req("/v1.47/containers/json")).status, 200);
  assert.is(await message(await req("/v1.47/images/nosuch/json")), "No such image: nosuch:latest");
  // A served resource with a method it does not take is Docker's 404, not a 501.
  assert.is((await req("/v1.47/containers/nosuch/start")).status, 404);
  assert.is((await req("/v1.47/not-an-endpoint")).status, 404);
});

t.run();
