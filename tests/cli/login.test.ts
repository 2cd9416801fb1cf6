/**
 * `strata login`/`logout` and the docker CLI's config.json (server/cli/_docker_config.ts):
 * where credentials are kept and found, against a real registry with htpasswd auth.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authKey, credentialsFor, dockerConfigPath, eraseCredentials, INDEX_SERVER, storeCredentials } from "../../server/cli/_docker_config.ts";
import { registryAuthMissing, startRegistry, type StartedRegistry } from "../integration/_registry.ts";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const t = suite("cli: login, logout and the docker config's credentials");

const configDir = () => mkdtempSync(join(tmpdir(), "strata-docker-config-"));
const readConfig = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

t("the config file is $DOCKER_CONFIG/config.json, else ~/.docker/config.json; Docker Hub's key is its index server", () => {
  assert.is(dockerConfigPath({ DOCKER_CONFIG: "/x/y" }), join("/x/y", "config.json"));
  assert.is(dockerConfigPath({ HOME: "/home/u" }), join("/home/u", ".docker", "config.json"));
  for (const hub of ["docker.io", "index.docker.io", "https://index.docker.io/v1/", "registry-1.docker.io"]) assert.is(authKey(hub), INDEX_SERVER, hub);
  assert.is(authKey("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
});

t("credentials kept as the docker CLI keeps them are found again: auth, legacy keys with a scheme, identity tokens", () => {
  const dir = configDir(), env = { DOCKER_CONFIG: dir };
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    auths: {
      "127.0.0.1:5000": { auth: btoa("u:p:with:colons") },
      "https://old.example:443/v1/": { auth: btoa("legacy:pw") },
      [INDEX_SERVER]: { auth: btoa("hubuser:"), identitytoken: "refresh-me" },
      "empty.example": {},
    },
    psFormat: "table {{.ID}}",
  }));
  assert.equal(credentialsFor("127.0.0.1:5000", env), { username: "u", password: "p:with:colons" });
  assert.equal(credentialsFor("old.example:443", env), { username: "legacy", password: "pw" });
  assert.equal(credentialsFor("docker.io", env), { username: "hubuser", identitytoken: "refresh-me" });
  assert.is(credentialsFor("empty.example", env), undefined);
  assert.is(credentialsFor("elsewhere:1", env), undefined);
  assert.is(credentialsFor("x", { DOCKER_CONFIG: configDir() }), undefined); // no file at all
});

t("storing keeps the file's other fields, writes mode 0600, and erasing removes every key form of the host", () => {
  const dir = configDir(), env = { DOCKER_CONFIG: dir };
  writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "http://reg:1": { auth: btoa("a:b") } }, detachKeys: "ctrl-x" }));
  storeCredentials("reg:1", { username: "me", password: "sëcret" }, env);
  const cfg = readConfig(dir);
  assert.is(cfg.detachKeys, "ctrl-x");
  assert.equal(cfg.auths["reg:1"], { auth: btoa(String.fromCharCode(...new TextEncoder().encode("me:sëcret"))) });
  assert.is(statSync(join(dir, "config.json")).mode & 0o777, 0o600);
  assert.equal(credentialsFor("reg:1", env), { username: "me", password: "sëcret" });
  storeCredentials("reg:2", { username: "me", password: "unused", identitytoken: "tok" }, env);
  assert.equal(readConfig(dir).auths["reg:2"], { auth: btoa("me:"), identitytoken: "tok" });
  assert.ok(eraseCredentials("reg:1", env));
  assert.equal(Object.keys(readConfig(dir).auths), ["reg:2"]);
  assert.not.ok(eraseCredentials("reg:1", env));
});

t("a credential helper is not run: it is warned about, and a broken file is warned about and read as empty", () => {
  const dir = configDir(), env = { DOCKER_CONFIG: dir }, warnings: string[] = [];
  writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "reg:1": {} }, credsStore: "desktop" }));
  assert.is(credentialsFor("reg:1", env, { warn: (m) => warnings.push(m) }), undefined);
  assert.match(warnings[0]!, /names the credential helper "docker-credential-desktop"; strata does not run credential helpers, so reg:1 is accessed without credentials/);
  writeFileSync(join(dir, "config.json"), "{not json");
  assert.is(credentialsFor("reg:1", env, { warn: (m) => warnings.push(m) }), undefined);
  assert.match(warnings[1]!, /^WARNING: Error loading config file: .*config\.json: /);
  assert.throws(() => storeCredentials("reg:1", { username: "u", password: "p" }, env), /config\.json/); // not overwritten
  assert.is(readFileSync(join(dir, "config.json"), "utf8"), "{not json");
});

t("login's usage errors are Docker's, and nothing is stored", async () => {
  const home = tempHome(), dir = configDir(), env = { DOCKER_CONFIG: dir };
  const both = await cli(["login", "-u", "u", "-p", "pw", "--password-stdin", "reg:1"], { home, env, stdin: "x" });
  assert.equal([both.code, both.stderr], [1, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n--password and --password-stdin are mutually exclusive\n"]);
  const noUser = await cli(["login", "--password-stdin", "reg:1"], { home, env, stdin: "x" });
  assert.equal([noUser.code, noUser.stderr], [1, "Must provide --username with --password-stdin\n"]);
  const noTty = await cli(["login", "reg:1"], { home, env });
  assert.equal([noTty.code, noTty.stderr], [1, "Error: Cannot perform an interactive login from a non TTY device\n"]);
  const out = await cli(["logout", "reg:1"], { home, env });
  assert.equal([out.code, out.stdout], [0, "Removing login credentials for reg:1\n"]);
  assert.throws(() => readFileSync(join(dir, "config.json")));
});

const why = registryAuthMissing();
if (why) {
  console.log(`skip: ${why}; strata login against a registry is skipped`);
} else {
  let reg: StartedRegistry;
  t.before(async () => {
    reg = await startRegistry({ auth: { user: "tester", password: "p4ss word" } });
  });
  t.after(async () => await reg?.stop());

  t("strata login --password-stdin checks with the registry, keeps the login in config.json, never prints the password; logout forgets it", async () => {
    const home = tempHome(), dir = configDir(), env = { DOCKER_CONFIG: dir };
    const ok = await cli(["login", "-u", "tester", "--password-stdin", reg.host], { home, env, stdin: "p4ss word\n" });
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stdout, "Login Succeeded\n");
    assert.match(ok.stderr, /WARNING! Your credentials are stored unencrypted in '.*config\.json'\./);
    assert.not.match(ok.stdout + ok.stderr, /p4ss/);
    assert.equal(readConfig(dir).auths[reg.host], { auth: btoa("tester:p4ss word") });
    assert.equal(credentialsFor(reg.host, env), { username: "tester", password: "p4ss word" });

    const again = await cli(["login", reg.host], { home, env });
    assert.is(again.code, 0, again.stderr);
    assert.is(again.stdout, "Login Succeeded\n");
    assert.match(again.stderr, /^Authenticating with existing credentials\.\.\. \[Username: tester\]\n/);

    const out = await cli(["logout", reg.host], { home, env });
    assert.equal([out.code, out.stdout], [0, `Removing login credentials for ${reg.host}\n`]);
    assert.equal(readConfig(dir).auths, {});
  });

  t("strata push and pull use the login strata login kept; without it the registry refuses them", async () => {
    const home = tempHome(), dir = configDir(), env = { DOCKER_CONFIG: dir };
    const ref = `${reg.host}/cli/toolbox:v1`;
    assert.is((await cli(["load", "-q", "-i", TOOLBOX], { home })).code, 0);
    assert.is((await cli(["tag", "toolbox", ref], { home })).code, 0);
    const refused = await cli(["push", ref], { home, env });
    assert.is(refused.code, 1);
    assert.is((await cli(["login", "-u", "tester", "--password-stdin", reg.host], { home, env, stdin: "p4ss word" })).code, 0);
    const push = await cli(["push", ref], { home, env });
    assert.is(push.code, 0, push.stderr);
    assert.match(push.stdout, /v1: digest: sha256:[a-f0-9]{64}/);
    const other = tempHome();
    const pull = await cli(["pull", ref], { home: other, env });
    assert.is(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, `Status: Downloaded newer image for ${ref}`);
    const anon = await cli(["pull", ref], { home: tempHome(), env: { DOCKER_CONFIG: configDir() } });
    assert.is(anon.code, 1);
  });

  t("a wrong password is refused with the daemon's message and exit 1, and nothing is stored", async () => {
    const home = tempHome(), dir = configDir(), env = { DOCKER_CONFIG: dir };
    const bad = await cli(["login", "-u", "tester", "-p", "wrong", reg.host], { home, env });
    assert.is(bad.code, 1);
    assert.is(bad.stderr, `WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from engine: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized\n`);
    assert.not.match(bad.stdout + bad.stderr, /wrong/);
    assert.throws(() => readFileSync(join(dir, "config.json")));
    // Stored credentials that no longer work are said to be so, then the login asks for new ones.
    storeCredentials(reg.host, { username: "tester", password: "stale" }, env);
    const stale = await cli(["login", reg.host], { home, env });
    assert.is(stale.code, 1);
    assert.match(stale.stderr, /Stored credentials invalid or expired\nError: Cannot perform an interactive login from a non TTY device\n$/);
  });
}

t.run();
