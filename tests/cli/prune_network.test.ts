/** strata system prune, network, images REPO[:TAG] and the daemonless error wording, on a disk store without a daemon. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const t = suite("strata system prune and network, daemonless");
const home = tempHome();
const run = (argv: string[], o: { stdin?: string } = {}) => cli(argv, { home, ...o });

t.before(async () => void assert.is((await run(["load", "-i", TOOLBOX])).code, 0));
t.after(() => rmSync(home, { recursive: true, force: true }));

t("network ls lists Docker's predefined networks; inspect shows one; create says containers have no network", async () => {
  const ls = await run(["network", "ls"]);
  assert.is(ls.code, 0, ls.stderr);
  const lines = ls.stdout.trimEnd().split("\n");
  assert.is(lines[0], "NETWORK ID     NAME      DRIVER    SCOPE");
  assert.equal(lines.slice(1).map((l) => l.split(/\s+/).slice(1)), [["bridge", "bridge", "local"], ["host", "host", "local"], ["none", "null", "local"]]);
  const ins = await run(["network", "inspect", "--format", "{{.Name}} {{.Driver}}", "none"]);
  assert.is(ins.stdout, "none null\n");
  const create = await run(["network", "create", "mynet"]);
  assert.is(create.code, 1);
  assert.match(create.stderr, /^Error response from engine: strata does not support creating networks: strata containers have no network/);
});

t("images REPO[:TAG] lists only the matching tags", async () => {
  assert.is((await run(["tag", "toolbox", "toolbox:v2"])).code, 0);
  assert.is((await run(["tag", "toolbox", "other:1"])).code, 0);
  const rows = (await run(["images", "--format", "{{.Repository}}:{{.Tag}}", "toolbox"])).stdout.trim().split("\n").sort();
  assert.equal(rows, ["toolbox:latest", "toolbox:v2"]);
  assert.is((await run(["images", "--format", "{{.Repository}}:{{.Tag}}", "toolbox:v2"])).stdout, "toolbox:v2\n");
  await run(["rmi", "toolbox:v2", "other:1"]);
});

t("system prune asks first, then prints Docker's sections and one total; --filter label= narrows it", async () => {
  await run(["create", "--name", "keep", "--label", "keep=1", "toolbox", "true"]);
  await run(["create", "--name", "drop", "toolbox", "true"]);
  const no = await run(["system", "prune"], { stdin: "n\n" });
  assert.is(no.stdout, "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ");
  assert.is((await run(["ps", "-aq"])).stdout.trim().split("\n").length, 2);
  const filtered = await run(["system", "prune", "-f", "--filter", "label!=keep"]);
  assert.is(filtered.code, 0, filtered.stderr);
  assert.match(filtered.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
  assert.is((await run(["ps", "-a", "--format", "{{.Names}}"])).stdout, "keep\n");
  const all = await run(["system", "prune", "-f"]);
  assert.match(all.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
  assert.match((await run(["system", "prune", "-f"])).stdout, /^Total reclaimed space: 0B\n$/);
  const bad = await run(["system", "prune", "-f", "--volumes", "--filter", "until=1h"]);
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /The "until" filter is not supported with "--volumes"/);
});

t("container, image and volume prune take --filter", async () => {
  await run(["volume", "create", "--label", "a=1", "v1"]);
  await run(["volume", "create", "v2"]);
  assert.is((await run(["volume", "prune", "-a", "-f", "--filter", "label=a"])).stdout, "Deleted Volumes:\nv1\n\nTotal reclaimed space: 0B\n");
  assert.equal((await run(["volume", "ls", "-q"])).stdout, "v2\n");
  await run(["create", "--name", "young", "toolbox", "true"]);
  assert.is((await run(["container", "prune", "-f", "--filter", "until=2000-01-01T00:00:00Z"])).stdout, "Total reclaimed space: 0B\n");
  assert.is((await run(["image", "prune", "-a", "-f", "--filter", "label=nosuch"])).stdout, "Total reclaimed space: 0B\n");
  await run(["rm", "young"]);
});

t("daemonless errors come from the engine, not a daemon", async () => {
  const rm = await run(["rm", "nosuch"]);
  assert.is(rm.stderr, "Error response from engine: No such container: nosuch\n");
});

t.run();
