/**
 * `POST /auth` (docker login) against a real registry with htpasswd auth, and the
 * X-Registry-Auth header decoding of pull and push (`registryAuth`).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { registryAuth } from "../../src/api/_registry_auth.ts";
import { ApiError } from "../../src/api/mod.ts";
import { registryAuthMissing, startRegistry, type StartedRegistry } from "../integration/_registry.ts";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("API: POST /auth and X-Registry-Auth");

const b64url = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replaceAll("+", "-").replaceAll("/", "_");

t("X-Registry-Auth: none, e30= and empty fields carry no credentials", () => {
  assert.is(registryAuth(undefined), undefined);
  assert.is(registryAuth(""), undefined);
  assert.is(registryAuth("e30="), undefined);
  assert.is(registryAuth("e30"), undefined); // unpadded
  assert.is(registryAuth(b64url(JSON.stringify({ username: "", password: "", serveraddress: "127.0.0.1:5000" }))), undefined);
});

t("X-Registry-Auth: base64url and standard base64 of the AuthConfig JSON, UTF-8 passwords, `auth` as user:password", () => {
  // "ü?>" encodes to bytes whose base64 holds "/" and "+" (standard) or "_" and "-" (url).
  const cfg = { username: "ünï", password: "p?>ü~~~:colon", serveraddress: "127.0.0.1:5000" };
  const json = JSON.stringify(cfg);
  const std = btoa(String.fromCharCode(...new TextEncoder().encode(json)));
  assert.ok(/[+/]/.test(std), "the fixture exercises the alphabets' difference");
  const want = { username: "ünï", password: "p?>ü~~~:colon" };
  assert.equal(registryAuth(std), want);
  assert.equal(registryAuth(b64url(json)), want);
  assert.equal(registryAuth(b64url(json).replace(/=+$/, "")), want);
  assert.equal(registryAuth(b64url(JSON.stringify({ auth: btoa("u:p:q") }))), { username: "u", password: "p:q" });
  assert.equal(registryAuth(b64url(JSON.stringify({ identitytoken: "tok", email: "x@y" }))), { identitytoken: "tok" });
  assert.equal(registryAuth(b64url(JSON.stringify({ registrytoken: "rt" }))), { registrytoken: "rt" });
});

t("X-Registry-Auth: not base64, not JSON, not an object, a wrong field type, a bad `auth` are 400s saying so", () => {
  const cases: Array<[string, RegExp]> = [
    ["!!!", /^invalid X-Registry-Auth header: not base64$/],
    ["e30=e30=", /^invalid X-Registry-Auth header: not base64$/],
    [b64url("{nope"), /^invalid X-Registry-Auth header: not JSON/],
    [b64url("[1]"), /^invalid X-Registry-Auth header: not a JSON object$/],
    [b64url("null"), /^invalid X-Registry-Auth header: not a JSON object$/],
    [b64url(JSON.stringify({ username: 7 })), /^invalid X-Registry-Auth header: "username" is not a string$/],
    [b64url(JSON.stringify({ auth: "bm9jb2xvbg==" })), /^invalid X-Registry-Auth header: "auth" is not base64 of "user:password"$/],
    ["A".repeat(70_000), /longer than 65536 characters/],
  ];
  for (const [header, want] of cases) {
    try {
      registryAuth(header);
      assert.unreachable(`${header.slice(0, 20)} was accepted`);
    } catch (err) {
      assert.instance(err, ApiError);
      assert.is((err as ApiError).status, 400);
      assert.match((err as Error).message, want);
    }
  }
});

t("POST /auth with a body that is not an AuthConfig is a 400", async () => {
  const { req } = await sampleApi([]);
  for (const [body, want] of [["", /empty/], ["{x", /invalid JSON body/], ["[]", /not a JSON object/], ['{"password":1}', /"password" is not a string/]] as const) {
    const r = await req("/v1.47/auth", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    assert.is(r.status, 400, body);
    assert.match(await message(r), want);
  }
  const bad = await req("/v1.47/auth", post({ serveraddress: "http://[bad" }));
  assert.is(bad.status, 400);
  assert.match(await message(bad), /^unable to parse server address/);
});

const why = registryAuthMissing();
if (why) {
  console.log(`skip: ${why}; POST /auth against a registry is skipped`);
} else {
  let reg: StartedRegistry;
  t.before(async () => {
    reg = await startRegistry({ auth: { user: "tester", password: "right pass" } });
  });
  t.after(async () => await reg?.stop());

  t("POST /auth answers Login Succeeded for the registry's credentials, in every address form", async () => {
    const { req } = await sampleApi([]);
    for (const serveraddress of [reg.host, `http://${reg.host}`, `https://${reg.host}/v2/`]) {
      const r = await req("/v1.47/auth", post({ username: "tester", password: "right pass", serveraddress }));
      assert.is(r.status, 200, serveraddress);
      assert.equal(await r.json(), { Status: "Login Succeeded", IdentityToken: "" });
    }
    const viaAuth = await req("/auth", post({ auth: btoa("tester:right pass"), serveraddress: reg.host }));
    assert.is(viaAuth.status, 200);
  });

  t("POST /auth with a wrong password or none is a 401 in moby's words, naming the URL tried", async () => {
    const { req } = await sampleApi([]);
    for (const body of [{ username: "tester", password: "wrong" }, { username: "nobody", password: "right pass" }, {}]) {
      const r = await req("/v1.47/auth", post({ ...body, serveraddress: reg.host }));
      assert.is(r.status, 401, JSON.stringify(body));
      assert.is(await message(r), `login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
    }
  });

  t("POST /auth to a registry that does not answer is a 503 saying why", async () => {
    const { req } = await sampleApi([]);
    const { freePort } = await import("../integration/_server.ts");
    const port = await freePort();
    const r = await req("/v1.47/auth", post({ username: "tester", password: "x", serveraddress: `127.0.0.1:${port}` }));
    assert.is(r.status, 503);
    assert.match(await message(r), new RegExp(`127\\.0\\.0\\.1:${port}/v2/`));
  });
}

t.run();
