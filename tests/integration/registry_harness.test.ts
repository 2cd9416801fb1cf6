/**
 * The test registry harness (_registry.ts) itself: it serves the distribution API, counts
 * the blob GETs in its access log, and with auth refuses requests without the htpasswd
 * credentials.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { registryAuthMissing, registryMissing, startRegistry, type StartedRegistry } from "./_registry.ts";

const t = suite("the test registry (docker-registry) harness");

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return "sha256:" + [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Upload a blob the minimal way (reference §8.4): POST → Location, PUT Location&digest with the body. */
async function putBlob(reg: StartedRegistry, repo: string, bytes: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<string> {
  const digest = await sha256(bytes);
  const post = await fetch(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: "POST", headers });
  await post.body?.cancel();
  assert.is(post.status, 202);
  const location = new URL(post.headers.get("location")!, reg.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: bytes, headers: { ...headers, "Content-Type": "application/octet-stream" } });
  await put.body?.cancel();
  assert.is(put.status, 201);
  return digest;
}

const why = registryMissing();
if (why) {
  console.log(`skip: ${why}; the registry harness tests are skipped`);
  t.skip("the registry harness", () => {});
} else {
  t("serves /v2/ on a loopback port and counts the blob GETs it answered, per digest", async () => {
    const reg = await startRegistry();
    try {
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      const v2 = await fetch(`${reg.url}/v2/`);
      assert.is(v2.status, 200);
      assert.is(v2.headers.get("docker-distribution-api-version"), "registry/2.0");
      await v2.body?.cancel();
      const a = await putBlob(reg, "harness/a", new TextEncoder().encode("layer a\n"));
      const b = await putBlob(reg, "harness/a", new TextEncoder().encode("layer b\n"));
      for (const d of [a, a, b]) {
        const got = await fetch(`${reg.url}/v2/harness/a/blobs/${d}`);
        assert.is(got.status, 200);
        await got.arrayBuffer();
      }
      const missing = await fetch(`${reg.url}/v2/harness/a/blobs/sha256:${"0".repeat(64)}`);
      await missing.body?.cancel();
      assert.is(missing.status, 404);
      await reg.sync();
      assert.is(reg.blobGets(), 3, reg.log());
      assert.is(reg.blobGets(a), 2);
      assert.is(reg.blobGets(b), 1);
      assert.match(reg.log(), /"GET \/v2\/ HTTP\/1.1" 200/);
    } finally {
      await reg.stop();
    }
  });

  const whyAuth = registryAuthMissing();
  if (whyAuth) {
    console.log(`skip: ${whyAuth}; the registry-with-auth harness test is skipped`);
  } else {
    t("with auth, refuses anonymous and wrong credentials with a Basic challenge and serves the right ones", async () => {
      const reg = await startRegistry({ auth: { user: "tester", password: "s3cret pass" } });
      try {
        const anon = await fetch(`${reg.url}/v2/`);
        await anon.body?.cancel();
        assert.is(anon.status, 401);
        assert.match(anon.headers.get("www-authenticate") ?? "", /^Basic realm="strata-test-registry"/);
        const basic = (u: string, p: string) => ({ Authorization: `Basic ${btoa(`${u}:${p}`)}` });
        const wrong = await fetch(`${reg.url}/v2/`, { headers: basic("tester", "nope") });
        await wrong.body?.cancel();
        assert.is(wrong.status, 401);
        const ok = await fetch(`${reg.url}/v2/`, { headers: basic("tester", "s3cret pass") });
        await ok.body?.cancel();
        assert.is(ok.status, 200);
        await putBlob(reg, "harness/private", new Uint8Array([1, 2, 3]), basic("tester", "s3cret pass"));
      } finally {
        await reg.stop();
      }
    });
  }
}

t.run();
