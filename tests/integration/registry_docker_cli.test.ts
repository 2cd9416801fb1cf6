/**
 * The docker CLI's push, pull and `run` of a remote image through the strata server,
 * against a real registry (docker-registry on loopback: plain HTTP, as Docker does); and
 * dockerode's pull, which sends no X-Registry-Auth and reads the progress to its end.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { runClient, type Started, startServer } from "./_server.ts";
import { registryMissing, startRegistry, type StartedRegistry } from "./_registry.ts";

const t = suite("docker push, pull and run through strata against a real registry");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
const missing = !hasDocker ? "the docker CLI is not installed" : registryMissing();
let server: Started;
let reg: StartedRegistry;
const docker = (args: string[]) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, timeoutMs: 60_000 });

if (missing) {
  console.log(`skip: ${missing}; the registry tests of the docker CLI are skipped`);
  t.skip("docker push/pull", () => {});
} else {
  t.before(async () => {
    reg = await startRegistry();
    server = await startServer();
  });
  t.after(async () => {
    await server?.stop();
    await reg?.stop();
  });

  t("docker push sends the image, and a second push finds every layer already there", async () => {
    assert.is((await docker(["tag", "toolbox", `${reg.host}/tb:v1`])).code, 0);
    const first = await docker(["push", `${reg.host}/tb:v1`]);
    assert.is(first.code, 0, first.err);
    assert.match(first.out, `The push refers to repository [${reg.host}/tb]`);
    assert.match(first.out, /: Pushed/);
    assert.match(first.out, /v1: digest: sha256:[a-f0-9]{64} size: \d+/);
    const second = await docker(["push", `${reg.host}/tb:v1`]);
    assert.match(second.out, /: Layer already exists/);
    assert.is(second.out.match(/digest: (sha256:[a-f0-9]{64})/)?.[1], first.out.match(/digest: (sha256:[a-f0-9]{64})/)?.[1]);
  });

  t("docker pull of a removed image downloads it again; a second pull says it is up to date", async () => {
    assert.is((await docker(["rmi", `${reg.host}/tb:v1`])).code, 0);
    const pulled = await docker(["pull", `${reg.host}/tb:v1`]);
    assert.is(pulled.code, 0, pulled.err);
    assert.match(pulled.out, "v1: Pulling from tb");
    assert.match(pulled.out, /Digest: sha256:[a-f0-9]{64}/);
    assert.match(pulled.out, `Status: Downloaded newer image for ${reg.host}/tb:v1`);
    const again = await docker(["pull", `${reg.host}/tb:v1`]);
    assert.match(again.out, `Status: Image is up to date for ${reg.host}/tb:v1`);
  });

  t("docker run of an image that is not local pulls it first, then runs it", async () => {
    assert.is((await docker(["tag", "toolbox", `${reg.host}/runme:v2`])).code, 0);
    assert.is((await docker(["push", `${reg.host}/runme:v2`])).code, 0);
    assert.is((await docker(["rmi", `${reg.host}/runme:v2`])).code, 0);
    const r = await docker(["run", "--rm", `${reg.host}/runme:v2`, "echo", "pulled and ran"]);
    assert.is(r.code, 0, r.err);
    assert.match(r.err, `Unable to find image '${reg.host}/runme:v2' locally`);
    assert.match(r.out, "pulled and ran");
  });

  t("dockerode pulls with followProgress (no X-Registry-Auth) and sees Docker's messages", async () => {
    // deno-lint-ignore no-explicit-any
    let Docker: any;
    try {
      Docker = (await import("dockerode")).default;
    } catch (err) {
      return console.log(`skip: dockerode does not load here (${(err as Error).message.split("\n")[0]})`);
    }
    assert.is((await docker(["rmi", `${reg.host}/tb:v1`])).code, 0);
    const d = new Docker({ host: "127.0.0.1", port: server.port, protocol: "http" });
    const stream = await d.pull(`${reg.host}/tb:v1`);
    const events = await new Promise<Array<{ status?: string }>>((resolve, reject) => d.modem.followProgress(stream, (err: Error | null, out: Array<{ status?: string }>) => (err ? reject(err) : resolve(out))));
    assert.match(events.at(-1)!.status!, `Status: Downloaded newer image for ${reg.host}/tb:v1`);
    assert.is((await d.getImage(`${reg.host}/tb:v1`).inspect()).RepoTags.includes(`${reg.host}/tb:v1`), true);
  });

  t("a pull of a missing tag or repository fails in Docker's words", async () => {
    const r = await docker(["pull", `${reg.host}/tb:nope`]);
    assert.is(r.code, 1);
    assert.match(r.err, `manifest for ${reg.host}/tb:nope not found: manifest unknown`);
    const p = await docker(["push", `${reg.host}/absent:v9`]);
    assert.is(p.code, 1);
    assert.match(p.err, `An image does not exist locally with the tag: ${reg.host}/absent`);
  });
}

t.run();
