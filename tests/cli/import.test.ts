/** `strata import`: daemonless, through the same client path as every verb; a file, stdin, or a URL (which strata's engine refuses). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempHome, TOOLBOX } from "./_cli.ts";

const t = suite("cli: import");

t("export then import from a file: the id is printed, -m and -c shape the image, and it runs", async () => {
  const home = tempHome();
  const run = (argv: string[], stdin?: string) => cli(argv, { home, stdin });
  await run(["load", "-q", "-i", TOOLBOX]);
  assert.is((await run(["run", "--name", "src", "toolbox", "sh", "-c", "echo carried > /root/n"])).code, 0);
  const exported = await run(["export", "src"]);
  const tar = join(home, "src.tar");
  writeFileSync(tar, exported.bytes);
  const r = await run(["import", "-m", "by the cli", "-c", 'CMD ["cat", "/root/n"]', "--change", "ENV A=1", tar, "mine:v1"]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
  assert.is((await run(["run", "--rm", "mine:v1"])).stdout, "carried\n");
  const inspect = await run(["image", "inspect", "--format", "{{.Comment}} {{json .Config.Env}}", "mine:v1"]);
  assert.is(inspect.stdout, 'by the cli ["A=1"]\n');
});

t("errors: a change Docker refuses, a missing file, a URL", async () => {
  const home = tempHome();
  const bad = await cli(["import", "-c", "RUN echo", "-"], { home, stdin: "" });
  assert.equal([bad.code, bad.stderr], [1, "Error response from engine: RUN is not a valid change command\n"]);
  const missing = await cli(["import", join(home, "absent.tar")], { home });
  assert.equal([missing.code, missing.stderr.trim()], [1, `open ${join(home, "absent.tar")}: no such file or directory`]);
  const url = await cli(["image", "import", "https://example.com/rootfs.tar", "x"], { home });
  assert.is(url.code, 1);
  assert.match(url.stderr, /^Error response from engine: cannot import from https:\/\/example\.com\/rootfs\.tar: strata does not download images/);
});

t.run();
