/** `strata push`, `strata pull` and a daemonless `strata run` of a remote image, against a real registry. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";
import { registryMissing, startRegistry, type StartedRegistry } from "../integration/_registry.ts";

const t = suite("strata pull, push and run of a remote image (daemonless)");
const missing = registryMissing();
const home = tempHome(), other = tempHome(), config = tempHome();
let reg: StartedRegistry;
// DOCKER_CONFIG: a config dir of its own, so the user's docker logins are not read.
const env = { DOCKER_CONFIG: config };
const run = (argv: string[], h = home) => cli(argv, { home: h, env });

if (missing) {
  console.log(`skip: ${missing}; strata's registry verbs are not tested`);
  t.skip("strata pull/push", () => {});
} else {
  t.before(async () => {
    reg = await startRegistry();
    assert.is((await run(["load", "-i", TOOLBOX])).code, 0);
  });
  t.after(async () => {
    await reg?.stop();
    for (const d of [home, other, config]) rmSync(d, { recursive: true, force: true });
  });

  t("push prints the docker CLI's lines; a second push finds the layer already there", async () => {
    assert.is((await run(["tag", "toolbox", `${reg.host}/cli/tb:v1`])).code, 0);
    const r = await run(["push", `${reg.host}/cli/tb:v1`]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/cli/tb\\]\\n[0-9a-f]{12}: Preparing\\n`));
    assert.match(r.stdout, /[0-9a-f]{12}: Pushed\nv1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    assert.match((await run(["push", `${reg.host}/cli/tb:v1`])).stdout, /[0-9a-f]{12}: Layer already exists\n/);
  });

  t("pull into another store prints each layer's steps and the full name last; -q prints only the name", async () => {
    const r = await run(["pull", `${reg.host}/cli/tb:v1`], other);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^v1: Pulling from cli\/tb\n[0-9a-f]{12}: Pulling fs layer\n/);
    assert.match(r.stdout, /[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\n/);
    assert.match(r.stdout, `Status: Downloaded newer image for ${reg.host}/cli/tb:v1\n${reg.host}/cli/tb:v1\n`);
    assert.is((await run(["pull", "-q", `${reg.host}/cli/tb:v1`], other)).stdout, `${reg.host}/cli/tb:v1\n`);
  });

  t("run of an image that is not local pulls it (progress on stderr), then runs it", async () => {
    assert.is((await run(["tag", "toolbox", `${reg.host}/cli/runme:v2`])).code, 0);
    assert.is((await run(["push", `${reg.host}/cli/runme:v2`])).code, 0);
    const r = await run(["run", "--rm", `${reg.host}/cli/runme:v2`, "echo", "ran it"], other);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, "ran it\n");
    assert.match(r.stderr, new RegExp(`^Unable to find image '${reg.host}/cli/runme:v2' locally\\nv2: Pulling from cli/runme\\n`));
    const nope = await run(["run", "--rm", `${reg.host}/cli/runme:nope`], other);
    assert.is(nope.code, 125);
    assert.match(nope.stderr, `strata: Error response from engine: manifest for ${reg.host}/cli/runme:nope not found: manifest unknown: manifest unknown`);
  });
}

t.run();
