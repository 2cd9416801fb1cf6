/**
 * `docker login`/`logout` through the server against a real registry with htpasswd auth:
 * the docker CLI asks the server (POST /auth), keeps the login in its own config.json
 * (DOCKER_CONFIG, a temp dir here) and sends it with each push and pull (X-Registry-Auth).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registryAuthMissing, startRegistry, type StartedRegistry } from "./_registry.ts";
import { runClient, type Started, startServer } from "./_server.ts";

const t = suite("docker login, logout, and push/pull with credentials, through the server");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
const why = !hasDocker ? "the docker CLI is not installed" : registryAuthMissing();

let server: Started, reg: StartedRegistry, config: string;
const docker = (args: string[], input?: string) =>
  runClient("docker", args, { env: { DOCKER_HOST: server.url, DOCKER_CONFIG: config }, input, timeoutMs: 60_000 });

if (why) {
  console.log(`skip: ${why}; docker login through the server is skipped`);
  t.skip("docker login through the server", () => {});
} else {
  t.before(async () => {
    [server, reg] = await Promise.all([startServer(), startRegistry({ auth: { user: "tester", password: "s3cret" } })]);
    config = mkdtempSync(join(tmpdir(), "strata-docker-config-"));
  });
  t.after(async () => {
    await Promise.all([server?.stop(), reg?.stop()]);
    rmSync(config, { recursive: true, force: true });
  });

  t("docker login --password-stdin: Login Succeeded, and the CLI keeps the login in its config.json", async () => {
    const r = await docker(["login", "-u", "tester", "--password-stdin", reg.host], "s3cret\n");
    assert.is(r.code, 0, r.err);
    assert.is(r.out, "Login Succeeded\n");
    const auths = JSON.parse(readFileSync(join(config, "config.json"), "utf8")).auths;
    assert.equal(auths[reg.host], { auth: btoa("tester:s3cret") });
  });

  t("docker login with a wrong password: the daemon's 401 in moby's words, exit 1", async () => {
    const r = await docker(["login", "-u", "tester", "--password-stdin", reg.host], "wrong\n");
    assert.is(r.code, 1);
    assert.match(r.err, `Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
  });

  t("with the login kept, docker push and pull through the server carry the credentials (X-Registry-Auth)", async () => {
    const login = await docker(["login", "-u", "tester", "--password-stdin", reg.host], "s3cret\n");
    assert.is(login.code, 0, login.err);
    const ref = `${reg.host}/private/toolbox:v1`;
    assert.is((await docker(["tag", "toolbox", ref])).code, 0);
    const push = await docker(["push", ref]);
    assert.is(push.code, 0, push.err);
    assert.match(push.out, /v1: digest: sha256:[a-f0-9]{64} size: \d+/);
    assert.is((await docker(["rmi", ref])).code, 0);
    const pull = await docker(["pull", ref]);
    assert.is(pull.code, 0, pull.err);
    assert.match(pull.out, `Status: Downloaded newer image for ${ref}`);
    const ran = await docker(["run", "--rm", ref, "echo", "private"]);
    assert.is(ran.out, "private\n");
  });

  t("docker logout forgets the login", async () => {
    const login = await docker(["login", "-u", "tester", "--password-stdin", reg.host], "s3cret\n");
    assert.is(login.code, 0, login.err);
    const r = await docker(["logout", reg.host]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, `Removing login credentials for ${reg.host}\n`);
    assert.equal(JSON.parse(readFileSync(join(config, "config.json"), "utf8")).auths, {});
    assert.ok(existsSync(join(config, "config.json")));
  });

  t("logged out, a push and a pull are refused by the registry, in Docker's words", async () => {
    const ref = `${reg.host}/private/toolbox:v1`;
    const pull = await docker(["pull", `${reg.host}/private/other:v1`]);
    assert.is(pull.code, 1);
    assert.match(pull.err, /Error response from daemon: .*no basic auth credentials/);
    const push = await docker(["push", ref]);
    assert.is(push.code, 1);
    assert.match(push.err, /^no basic auth credentials$/m); // dockerd's words
  });
}

t.run();
