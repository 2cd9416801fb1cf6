/**
 * `docker import` and `docker commit --change` with the real docker CLI, and
 * `docker.importImage()` with dockerode, against the Node server.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { runClient, type Started, startServer } from "./_server.ts";
import { until } from "../_wait.ts";

const t = suite("docker import and commit --change, real clients");
const hasDocker = spawnSync("docker", ["--version"]).status === 0;
const hasGzip = spawnSync("gzip", ["--version"]).status === 0;
// deno-lint-ignore no-explicit-any
type Any = any;
let Docker: Any;
try {
  Docker = (await import("dockerode")).default;
} catch (err) {
  console.log(`skip: dockerode does not load here (${(err as Error).message.split("\n")[0]})`);
}
let server: Started;
let dir: string;

const docker = (args: string[], input?: string) => runClient("docker", args, { env: { DOCKER_HOST: server.url }, input, timeoutMs: 20_000 });
/** A shell pipeline with DOCKER_HOST set (the CLI reads the tar from the pipe, as a user's would). */
const sh = (script: string) => runClient("sh", ["-c", script], { env: { DOCKER_HOST: server.url }, timeoutMs: 20_000 });

if (!hasDocker && !Docker) {
  console.log("skip: neither the docker CLI nor dockerode is here; docker import's client tests are skipped");
  t.skip("docker import with real clients", () => {});
} else {
  t.before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), "strata-import-"));
  });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  if (!hasDocker) console.log("skip: the docker CLI is not installed; its import tests are skipped");
  else {
    t("docker export c | docker import - img round-trips, and the image runs", async () => {
      assert.is((await docker(["run", "--name", "exp", "toolbox", "sh", "-c", "echo round-trip > /root/note"])).code, 0);
      const imp = await sh("docker export exp | docker import - roundtrip:v1");
      assert.is(imp.code, 0, imp.err);
      assert.match(imp.out, /^sha256:[a-f0-9]{64}\n$/);
      assert.is((await docker(["run", "--rm", "roundtrip:v1", "cat", "/root/note"])).out, "round-trip\n");
      const history = await docker(["history", "--format", "{{.CreatedBy}}|{{.Comment}}", "roundtrip:v1"]);
      assert.is(history.out, "|Imported from -\n");
      assert.is((await docker(["images", "--format", "{{.Repository}}:{{.Tag}}", "roundtrip"])).out, "roundtrip:v1\n");
    });

    t("--change, -m and --platform; a gzip tar from a file", async () => {
      const tar = join(dir, "exp.tar");
      assert.is((await docker(["export", "-o", tar, "exp"])).code, 0);
      const src = hasGzip ? (spawnSync("gzip", ["-k", tar]), `${tar}.gz`) : tar;
      const imp = await docker(["import", "--change", 'CMD ["sh","-c","echo hi"]', "-c", "ENV GREETING=hello", "-c", "EXPOSE 8080", "-m", "imported by hand", "--platform", "linux/amd64", src, "changed"]);
      assert.is(imp.code, 0, imp.err);
      assert.is((await docker(["run", "--rm", "changed"])).out, "hi\n");
      const inspect = await docker(["image", "inspect", "--format", "{{.Comment}}|{{.Os}}/{{.Architecture}}|{{json .Config.Env}}|{{json .Config.ExposedPorts}}", "changed"]);
      assert.is(inspect.out, 'imported by hand|linux/amd64|["GREETING=hello"]|{"8080/tcp":{}}\n');
    });

    t("hostile input: garbage, an empty stdin, a bad change, a URL — Docker-shaped errors, nothing stored", async () => {
      const before = (await docker(["images", "-aq"])).out;
      const garbage = await sh("yes not-a-tar | head -c 3000 | docker import - junk");
      assert.is(garbage.code, 1);
      assert.match(garbage.err, /Error response from daemon: Cannot read the tar from stdin/);
      const empty = await docker(["import", "-", "junk"], "");
      assert.is(empty.code, 1);
      assert.match(empty.err, /the tar from stdin is empty/);
      const change = await sh("docker export exp | docker import -c 'RUN rm -rf /' - junk");
      assert.match(change.err, /Error response from daemon: RUN is not a valid change command/);
      const url = await docker(["import", "http://127.0.0.1:1/rootfs.tar", "junk"]);
      assert.match(url.err, /strata does not download images/);
      assert.is((await docker(["images", "-aq"])).out, before);
    });

    t("docker commit --change takes every instruction Docker accepts there", async () => {
      const r = await docker(["commit", "-c", "EXPOSE 9000", "-c", "VOLUME /data", "-c", "LABEL a=b", "-c", "USER 1000", "-c", "STOPSIGNAL SIGINT",
        "-c", "HEALTHCHECK --interval=5s CMD true", "-c", "ONBUILD RUN echo x", "-c", "WORKDIR /root", "exp", "committed"]);
      assert.is(r.code, 0, r.err);
      const inspect = await docker(["image", "inspect", "--format",
        "{{json .Config.ExposedPorts}}|{{json .Config.Volumes}}|{{.Config.Labels.a}}|{{.Config.User}}|{{.Config.StopSignal}}|{{json .Config.Healthcheck}}|{{json .Config.OnBuild}}|{{.Config.WorkingDir}}", "committed"]);
      assert.is(inspect.out, '{"9000/tcp":{}}|{"/data":{}}|b|1000|SIGINT|{"Test":["CMD-SHELL","true"],"Interval":5000000000}|["RUN echo x"]|/root\n');
      const bad = await docker(["commit", "-c", "RUN echo", "exp", "nope"]);
      assert.equal([bad.code, bad.err.trim()], [1, "Error response from daemon: RUN is not a valid change command"]);
    });
  }

  if (!Docker) console.log("skip: dockerode does not load; its import test is skipped");
  else {
    t("dockerode: importImage() of a container's export, then run it", async () => {
      const api = new Docker({ host: "127.0.0.1", port: server.port, protocol: "http" });
      const c: Any = await until(api.createContainer({ Image: "toolbox", Cmd: ["sh", "-c", "echo via-dockerode > /root/d"] }), { what: "createContainer" });
      await until(c.start(), { what: "start" });
      await until(c.wait(), { what: "wait" });
      const exported: Readable = await until(c.export(), { what: "export" });
      const chunks: Buffer[] = [];
      for await (const chunk of exported) chunks.push(chunk as Buffer);
      const file = join(dir, "dockerode.tar");
      writeFileSync(file, Buffer.concat(chunks));
      const stream = await until(api.importImage(file, { repo: "dockerode-import", tag: "v1", message: "from dockerode", changes: ['CMD ["cat", "/root/d"]'] }), { what: "importImage" });
      const messages: Array<{ status?: string; error?: string }> = await until(new Promise((resolve, reject) => api.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never)))), { what: "the import's messages" });
      assert.equal(messages.map((m) => /^sha256:[a-f0-9]{64}$/.test(m.status ?? "")), [true]);
      const img: Any = await until(api.getImage("dockerode-import:v1").inspect(), { what: "inspect" });
      assert.is(img.Id, messages[0]!.status);
      assert.is(img.Comment, "from dockerode");
      assert.equal(img.Config.Cmd, ["cat", "/root/d"]);
    });
  }
}

t.run();
