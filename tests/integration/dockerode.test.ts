import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { demultiplex } from "../../src/api/mod.ts";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import { until } from "../_wait.ts";
import { type Started, startServer } from "./_server.ts";

const t = suite("dockerode against the Node server");
const SAMPLES = fileURLToPath(new URL("../../rootfs-samples/", import.meta.url));
// deno-lint-ignore no-explicit-any
type Any = any;
let Docker: Any;
try {
  Docker = (await import("dockerode")).default;
} catch (err) {
  console.log(`skip: dockerode does not load here (${(err as Error).message.split("\n")[0]})`);
}
let server: Started;
let docker: Any;

/** The call's result, or a failure that names it after 15 s (a hang fails the test, not the suite). */
const within = (p: Promise<Any>, what: string): Promise<Any> => until(p, { what });

/** Collect a demultiplexed attach/logs stream into text. */
function collect(stream: Any, modem: Any): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough(), err = new PassThrough();
  const r = { stdout: "", stderr: "" };
  out.on("data", (d) => void (r.stdout += d));
  err.on("data", (d) => void (r.stderr += d));
  modem.demuxStream(stream, out, err);
  return new Promise((resolve) => stream.on("end", () => resolve(r)));
}

if (!Docker) {
  t.skip("dockerode calls", () => {});
} else {
  t.before(async () => {
    server = await startServer();
    docker = new Docker({ host: "127.0.0.1", port: server.port, protocol: "http" });
  });
  t.after(async () => void (await server.stop()));

  t("ping, version, listImages, getImage().inspect", async () => {
    assert.is(String(await within(docker.ping(), "docker.ping()")), "OK");
    assert.is((await within(docker.version(), "docker.version()")).ApiVersion, "1.47");
    const images = await within(docker.listImages(), "docker.listImages()") as Array<{ RepoTags: string[] }>;
    assert.ok(images.some((i) => i.RepoTags.includes("toolbox:latest")));
    const img = await within(docker.getImage("toolbox:latest").inspect(), "inspect toolbox:latest") as { RepoTags: string[]; RootFS: { Type: string } };
    assert.is(img.RootFS.Type, "layers");
    await within(docker.getImage("nosuch").inspect(), "inspect nosuch").then(() => assert.unreachable(), (err: Any) => assert.is(err.statusCode, 404));
  });

  t("createContainer, hijacked attach, start, wait, logs, remove", async () => {
    const c = await within(docker.createContainer({ Image: "toolbox", Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"], name: "dc1" }), "createContainer dc1");
    const stream = await within(c.attach({ stream: true, stdout: true, stderr: true, hijack: true }), "attach (hijack) to dc1");
    const seen = collect(stream, docker.modem);
    await within(c.start(), "c.start()");
    assert.equal(await within(c.wait(), "c.wait()"), { StatusCode: 3, Error: null });
    assert.equal(await within(seen, "the attach stream of dc1 to end"), { stdout: "out\n", stderr: "err\n" });
    const logs = await within(c.logs({ stdout: true, stderr: true }), "logs of dc1") as Buffer;
    assert.is(logs[0], 1); // multiplexed: the caller demuxes
    assert.equal(demultiplex(new Uint8Array(logs)), { stdout: "out\n", stderr: "err\n" });
    const list = await within(docker.listContainers({ all: true, filters: { name: ["dc1"] } }), "listContainers name=dc1") as Array<{ Names: string[]; State: string }>;
    assert.equal(list.map((x) => [x.Names[0], x.State]), [["/dc1", "exited"]]);
    await within(c.remove(), "c.remove()");
    await within(c.inspect(), "c.inspect()").then(() => assert.unreachable(), (err: Any) => assert.is(err.statusCode, 404));
  });

  t("docker.run() (Tty, plain attach, start, wait) returns the status code and the output", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => void (text += d));
    const [result, container] = await within(docker.run("toolbox", ["echo", "from run"], out), "docker.run(toolbox echo)") as [{ StatusCode: number }, Any];
    assert.is(result.StatusCode, 0);
    assert.match(text, /from run/);
    await within(container.remove({ force: true }), "container.remove({ force: true })");
  });

  t("docker.run() of a missing program resolves with StatusCode 127 and the message in the output", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => void (text += d));
    const [result, container] = await within(docker.run("toolbox", ["nosuchprog"], out), "docker.run(toolbox nosuchprog)") as [{ StatusCode: number; Error: unknown }, Any];
    assert.equal([result.StatusCode, result.Error], [127, null]);
    assert.match(text, /exec: "nosuchprog": executable file not found in \$PATH/);
    await within(container.remove({ force: true }), "container.remove({ force: true })");
  });

  t("exec: create, start with hijack, inspect for the exit code", async () => {
    const c = await within(docker.createContainer({ Image: "probes", Cmd: ["spin"], name: "dspin" }), "createContainer dspin");
    await within(c.start(), "c.start()");
    const exec = await within(c.exec({ Cmd: ["sh", "-c", "echo via exec; exit 4"], AttachStdout: true, AttachStderr: true }), "exec create in dspin");
    const stream = await within(exec.start({ hijack: true, stdin: false }), "exec start (hijack)");
    assert.match((await within(collect(stream, docker.modem), "the exec's output to end")).stdout, /via exec/);
    const info = await within(exec.inspect(), "exec.inspect()") as { ExitCode: number; Running: boolean };
    assert.is(info.ExitCode, 4);
    await within(c.remove({ force: true }), "c.remove({ force: true })");
    const left = await within(docker.listContainers({ all: true, filters: { name: ["dspin"] } }), "listContainers name=dspin") as unknown[];
    assert.equal(left, []);
  });

  t("loadImage streams JSON progress to the end and the image appears", async () => {
    await within(docker.getImage("demo").remove(), "remove demo");
    const stream = await within(docker.loadImage(readFileSync(`${SAMPLES}demo.tar`)), "loadImage demo.tar");
    const events = await within(new Promise<Any[]>((resolve, reject) => docker.modem.followProgress(stream, (err: Any, res: Any[]) => (err ? reject(err) : resolve(res)))), "the load's progress to end");
    assert.ok(events.some((e: Any) => /Loaded image: demo:latest/.test(e.stream ?? "")));
    assert.is((await within(docker.getImage("demo").inspect(), "inspect demo")).RepoTags[0], "demo:latest");
  });

  t("putArchive, infoArchive and getArchive: docker cp's endpoints as dockerode calls them", async () => {
    const c = await within(docker.createContainer({ Image: "toolbox", Cmd: ["cat", "/tmp/put/hello.txt"], name: "darch" }), "createContainer darch");
    const tar = writeTar([{ path: "put", type: "dir" }, { path: "put/hello.txt", type: "file", data: new TextEncoder().encode("via dockerode\n") }]);
    await within(c.putArchive(Buffer.from(tar), { path: "/tmp" }), "putArchive /tmp");
    const head = await within(c.infoArchive({ path: "/tmp/put/hello.txt" }), "infoArchive /tmp/put/hello.txt");
    const stat = JSON.parse(Buffer.from(head.headers["x-docker-container-path-stat"], "base64").toString()) as { name: string; size: number; mode: number };
    assert.equal([stat.name, stat.size, stat.mode], ["hello.txt", 14, 0o644]);
    head.resume();
    const got = await within(c.getArchive({ path: "/tmp/put" }), "getArchive /tmp/put");
    const chunks: Buffer[] = [];
    await within(new Promise((resolve, reject) => got.on("data", (d: Buffer) => chunks.push(d)).on("end", resolve).on("error", reject)), "the archive's end");
    const entries = indexTar(new Uint8Array(Buffer.concat(chunks)));
    assert.equal(entries.map((e) => [e.path, new TextDecoder().decode(e.data)]), [["put", ""], ["put/hello.txt", "via dockerode\n"]]);
    await within(c.start(), "start darch");
    assert.is((await within(c.wait(), "wait darch")).StatusCode, 0);
    const missing = await c.getArchive({ path: "/nope" }).then(() => null, (err: Any) => err);
    assert.is(missing?.statusCode, 404);
    assert.match(String(missing?.message), /Could not find the file \/nope in container/);
    await within(c.remove(), "remove darch");
  });
}

t.run();
