import { suite } from "uvu";
import * as assert from "uvu/assert";
import { serveHijack, type HijackConn, wantsHijack } from "../../src/api/mod.ts";
import { frame } from "../../src/api/mod.ts";
import { quietFor, until } from "../_wait.ts";
import { demultiplex, message, post, runThrough, sampleApi } from "./_app.ts";

const t = suite("API: logs, attach, exec and the hijacked connection");
const enc = new TextEncoder(), dec = new TextDecoder();
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

/** An in-memory connection: what the server writes, and a stdin the test feeds; `answered` resolves at the server's first write (its status line). */
function fakeConn() {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const stdin = new ReadableStream<Uint8Array>({ start: (c) => void (ctrl = c) });
  const written: Uint8Array[] = [];
  let ended!: () => void, onAnswer!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const answered = new Promise<void>((r) => (onAnswer = r));
  const closers: Array<() => void> = [];
  const conn: HijackConn = { stdin, write: (b) => (written.push(b), onAnswer()), end: () => ended(), onClose: (fn) => void closers.push(fn) };
  const all = () => {
    const out = new Uint8Array(written.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of written) { out.set(b, at); at += b.length; }
    return out;
  };
  const split = () => {
    const b = all();
    const text = dec.decode(b);
    const at = text.indexOf("\r\n\r\n");
    return { head: text.slice(0, at), body: b.subarray(enc.encode(text.slice(0, at + 4)).length) };
  };
  return { conn, done, answered, feed: (s: string) => ctrl.enqueue(enc.encode(s)), close: () => ctrl.close(), split, hangUp: () => closers.forEach((f) => f()) };
}

/** A hijack request as the docker CLI sends it: a JSON body says so in its Content-Type. */
const hreq = (url: string, body = "", headers: Record<string, string> = {}) => {
  const all: Record<string, string> = { host: "127.0.0.1:2375", ...(body ? { "content-type": "application/json" } : {}), ...headers };
  return { method: "POST", url, body: enc.encode(body), header: (n: string) => all[n.toLowerCase()] };
};

t("frame() writes Docker's 8-byte header: stream id, three zeros, big-endian size", () => {
  assert.equal([...frame("stdout", enc.encode("hi\n"))], [1, 0, 0, 0, 0, 0, 0, 3, 104, 105, 10]);
  assert.equal([...frame("stderr", new Uint8Array(300)).subarray(0, 8)], [2, 0, 0, 0, 0, 0, 1, 44]);
});

t("logs: multiplexed stdout and stderr apart, only the streams asked for, tail, timestamps", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "echo one; echo err >&2; echo two; echo three"] }, "lg");
  const all = await req("/v1.47/containers/lg/logs?stdout=1&stderr=1&tail=all");
  assert.is(all.headers.get("Content-Type"), "application/vnd.docker.multiplexed-stream");
  assert.equal(demultiplex(await bytes(all)), { stdout: "one\ntwo\nthree\n", stderr: "err\n" });
  assert.equal(demultiplex(await bytes(await req("/containers/lg/logs?stderr=1"))), { stdout: "", stderr: "err\n" });
  assert.is(demultiplex(await bytes(await req("/containers/lg/logs?stdout=1&tail=2"))).stdout, "two\nthree\n");
  const ts = demultiplex(await bytes(await req("/containers/lg/logs?stdout=true&timestamps=true&tail=1"))).stdout;
  assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
  const none = await req("/containers/lg/logs");
  assert.is(none.status, 400);
  assert.is((await req("/containers/nosuch/logs?stdout=1")).status, 404);
});

t("logs -t: one timestamp per line, not per write; an unfinished last line at exit is logged", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["sh", "-c", "printf 'ls: '; printf 'cannot access x\\n'; printf 'no newline'"] }, "parts");
  const ts = demultiplex(await bytes(await req("/containers/parts/logs?stdout=1&timestamps=1"))).stdout;
  assert.match(ts, /^\S+Z ls: cannot access x\n\S+Z no newline$/);
});

t("logs of a TTY container are raw, without frames", async () => {
  const { req } = await sampleApi();
  await runThrough(req, { Image: "toolbox", Cmd: ["echo", "raw"], Tty: true }, "tty");
  const r = await req("/containers/tty/logs?stdout=1&stderr=1");
  assert.is(r.headers.get("Content-Type"), "application/vnd.docker.raw-stream");
  assert.is(await r.text(), "raw\r\n"); // a terminal's output: \n → \r\n, also without -i
});

t("logs follow=1 stays open until the container exits and then ends", async () => {
  const { req, engine } = await sampleApi();
  const { Id } = await (await req("/containers/create?name=fl", post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true }))).json() as { Id: string };
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  engine.containers.attach(Id, { stdin: new ReadableStream({ start: (c) => void (ctrl = c) }) });
  await req("/containers/fl/start", post());
  const r = await req("/containers/fl/logs?stdout=1&follow=1");
  let finished = false;
  const body = bytes(r).then((b) => { finished = true; return b; });
  // An inline process starts at its stdin's end, so nothing marks "running, and the log
  // still open" but time: the response must NOT end within it.
  await quietFor(20);
  assert.is(finished, false);
  ctrl.enqueue(enc.encode("followed\n"));
  ctrl.close();
  assert.is(demultiplex(await until(body, { what: "the followed log to end at the container's exit" })).stdout, "followed\n");
});

t("plain attach (dockerode without hijack) streams the output of a run and ends at exit", async () => {
  const { req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["sh", "-c", "echo out; echo err >&2"] }))).json() as { Id: string };
  const att = await req(`/containers/${Id}/attach?stream=true&stdout=true&stderr=true`, post());
  assert.is(att.status, 200);
  assert.is(att.headers.get("Content-Type"), "application/vnd.docker.multiplexed-stream");
  await req(`/containers/${Id}/start`, post());
  assert.equal(demultiplex(await bytes(att)), { stdout: "out\n", stderr: "err\n" });
  assert.is((await req(`/containers/nosuch/attach?stream=1`, post())).status, 404);
});

t("attach's stream defaults to false, as Docker's: logs=1 of an exited container answers its log and ends", async () => {
  const { req } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["echo", "done"] }))).json() as { Id: string };
  await req(`/containers/${Id}/start`, post());
  await req(`/containers/${Id}/wait`, post());
  const att = await req(`/containers/${Id}/attach?logs=1&stdout=1`, post());
  assert.is(att.status, 200);
  assert.is(demultiplex(await until(bytes(att), { what: "the attach to end after the log" })).stdout, "done\n");
});

t("wantsHijack picks attach and exec start with an Upgrade header, versioned or not", () => {
  assert.ok(wantsHijack("POST", "/v1.47/containers/abc/attach?stream=1", "tcp"));
  assert.ok(wantsHijack("POST", "/exec/abc/start", "tcp"));
  assert.not.ok(wantsHijack("POST", "/v1.47/containers/abc/attach", undefined));
  assert.not.ok(wantsHijack("POST", "/v1.47/containers/abc/start", "tcp"));
  assert.not.ok(wantsHijack("GET", "/v1.47/containers/abc/attach", "tcp"));
});

t("hijacked attach: 101 UPGRADED, stdin sent before start reaches the program, its EOF ends it, the connection closes at exit", async () => {
  const { req, engine } = await sampleApi();
  const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["sh", "-c", "cat; echo bye >&2"], OpenStdin: true, StdinOnce: true, AttachStdin: true }))).json() as { Id: string };
  const f = fakeConn();
  const served = serveHijack(engine, hreq(`/v1.47/containers/${Id}/attach?stderr=1&stdout=1&stream=1&stdin=1`), f.conn);
  f.feed("typed before start\n");
  f.close(); // the client's half-close, before /start as the docker CLI does it
  await until(f.answered, { what: "101 UPGRADED (the attach is in place)" });
  assert.is((await req(`/containers/${Id}/start`, post())).status, 204);
  await f.done;
  await served;
  const { head, body } = f.split();
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp$/);
  assert.equal(demultiplex(body), { stdout: "typed before start\n", stderr: "bye\n" });
});

t("hijacked attach to a missing container answers 404 in Docker's shape and closes", async () => {
  const { engine } = await sampleApi();
  const f = fakeConn();
  await serveHijack(engine, hreq("/v1.47/containers/nosuch/attach?stream=1"), f.conn);
  await f.done;
  const { head, body } = f.split();
  assert.match(head, /^HTTP\/1\.1 404 Not Found/);
  assert.equal(JSON.parse(dec.decode(body)), { message: "No such container: nosuch" });
});

t("hijack with a token requires it (401 otherwise)", async () => {
  const { engine } = await sampleApi();
  const f = fakeConn();
  await serveHijack(engine, hreq("/containers/x/attach"), f.conn, { token: "t0k" });
  assert.match(f.split().head, /^HTTP\/1\.1 401 Unauthorized/);
});

t("exec: create 201 on a running container, hijacked start streams output, inspect gives the exit code", async () => {
  const { req, engine } = await sampleApi();
  const { Id } = await (await req("/containers/create?name=ex1", post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true }))).json() as { Id: string };
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  engine.containers.attach(Id, { stdin: new ReadableStream({ start: (c) => void (ctrl = c) }) });
  await req("/containers/ex1/start", post());
  const c = await req("/v1.47/containers/ex1/exec", post({ Cmd: ["sh", "-c", "echo in-exec; echo e >&2; exit 5"], AttachStdout: true, AttachStderr: true }));
  assert.is(c.status, 201);
  const { Id: execId } = await c.json() as { Id: string };
  const f = fakeConn();
  await serveHijack(engine, hreq(`/v1.47/exec/${execId}/start`, JSON.stringify({ Detach: false, Tty: false })), f.conn);
  await f.done;
  const { head, body } = f.split();
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
  assert.equal(demultiplex(body), { stdout: "in-exec\n", stderr: "e\n" });
  const info = await (await req(`/exec/${execId}/json`)).json() as { ExitCode: number; Running: boolean; ContainerID: string };
  assert.is(info.ExitCode, 5);
  assert.is(info.Running, false);
  assert.is(info.ContainerID, Id);
  const plain = await (await req(`/exec/${(await (await req("/containers/ex1/exec", post({ Cmd: ["echo", "plain"] }))).json() as { Id: string }).Id}/start`, post({ hijack: true, stdin: false })));
  assert.is(demultiplex(await bytes(plain)).stdout, "plain\n");
  ctrl.close();
});

t("exec errors: 409 when the container is not running, 400 without Cmd, 404 for a missing exec", async () => {
  const { req } = await sampleApi();
  await req("/containers/create?name=idle", post({ Image: "toolbox", Cmd: ["true"] }));
  const r = await req("/containers/idle/exec", post({ Cmd: ["true"] }));
  assert.is(r.status, 409);
  assert.match(await message(r), /is not running/);
  const noCmd = await req("/containers/idle/exec", post({ AttachStdout: true }));
  assert.is(noCmd.status, 400);
  assert.match(await message(noCmd), /field "Cmd"/);
  assert.is((await req("/exec/nosuch/json")).status, 404);
  assert.is((await req("/exec/nosuch/start", post({}))).status, 404);
});

t("an exec that fails after its stream began says why on the stream's stdout (moby's err + \\r\\n), plain and hijacked", async () => {
  for (const hijacked of [false, true]) {
    const { req, engine } = await sampleApi();
    const { Id } = await (await req("/containers/create", post({ Image: "toolbox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true }))).json() as { Id: string };
    engine.containers.attach(Id, { stdin: new ReadableStream() });
    await req(`/containers/${Id}/start`, post());
    const { Id: execId } = await (await req(`/containers/${Id}/exec`, post({ Cmd: ["true"], AttachStdout: true }))).json() as { Id: string };
    await engine.containers.remove(Id, { force: true }); // the exec's container is gone before it starts
    let out: Uint8Array;
    if (hijacked) {
      const f = fakeConn();
      await serveHijack(engine, hreq(`/exec/${execId}/start`, JSON.stringify({ Detach: false, Tty: false })), f.conn);
      await f.done;
      out = f.split().body;
    } else out = await bytes(await req(`/exec/${execId}/start`, post({ Detach: false, Tty: false })));
    assert.equal(demultiplex(out), { stdout: `No such container: ${Id}\r\n`, stderr: "" });
  }
});

t.run();
