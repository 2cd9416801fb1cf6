/**
 * Files that change names while they are open: a temp file unlinked at once and used
 * through its descriptor (SQLite's sort spill, `tmpfile()`), a file renamed while open
 * and written after, a file that lives on under a hard link only. A process in a worker
 * sends its changes as the union filesystem's own records, which name inodes
 * (src/wasi/change_link.ts), so the engine's copy ends as the process left it: the
 * same as inline, where the process changes the engine's copy itself. What the engine
 * holds is read back through a commit (an export of the engine's copy) in a new container.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { output, outputUntil, run, sampleEngine } from "./_samples.ts";
import { shWaitFor, until } from "../_wait.ts";
import { watchUncaught } from "../wasi/_helpers.ts";

const { workerHost } = runtimeHost();
const t = suite("files renamed or unlinked while open");
let uncaught: ReturnType<typeof watchUncaught>;
t.before.each(() => void (uncaught = watchUncaught()));
t.after.each(() => {
  uncaught.stop();
  uncaught.check();
});
t.after(() => closeWorkers(workerHost));

type Engine = Awaited<ReturnType<typeof sampleEngine>>;

/** What `script` prints in a container made from what container `id` left behind. */
async function afterwards(engine: Engine, id: string, script: string): Promise<string> {
  const { Id: image } = await engine.containers.commit(id, {});
  const r = await run(engine, { Image: image, Cmd: ["sh", "-c", script] });
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
}

const RECORDS = 20_000;

/** Both modes, and their results side by side: they must be the same. */
async function bothModes(body: (engine: Engine) => Promise<string>): Promise<void> {
  const seen: Record<string, string> = {};
  for (const mode of ["inline", "worker"] as const) {
    const engine = await sampleEngine(["probes"], mode === "worker" ? { workerHost } : {});
    seen[mode] = await body(engine);
  }
  assert.is(seen.worker, seen.inline);
}

t("a database-style external sort through an unlinked temp file, a rename while open and a hard link ends the same in a worker as inline", async () => {
  await bothModes(async (engine) => {
    const r = await run(engine, { Image: "probes", Cmd: ["sh", "-c", `mkdir /data && tmpsort ${RECORDS} /data/sorted`] });
    assert.is(r.code, 0, r.stderr);
    const sum = /^sorted 20000 records, checksum ([0-9a-f]{16})\n$/.exec(r.stdout)?.[1];
    assert.ok(sum, r.stdout);
    const seen = await afterwards(engine, r.id, "ls -a /data /tmp; tail -c 27 /data/sorted; cat /data/sorted.link; wc -c < /data/sorted");
    const trailer = `end ${RECORDS} ${sum}\n`;
    assert.is(seen, `/data:\n.\n..\nsorted\nsorted.link\n\n/tmp:\n.\n..\n${trailer}${trailer}${RECORDS * 64 + trailer.length}\n`);
    return seen;
  });
});

t("a shell's rename of the file it is writing to keeps both writes (sh -c '{ mv a b; echo; } > a')", async () => {
  await bothModes(async (engine) => {
    const r = await run(engine, { Image: "probes", Cmd: ["sh", "-c", "mkdir -p /tmp; echo old > /tmp/a; { mv /tmp/a /tmp/b; echo hello; } > /tmp/a; echo after > /tmp/c"] });
    assert.is(r.code, 0, r.stderr);
    const seen = await afterwards(engine, r.id, "ls /tmp; cat /tmp/b /tmp/c");
    assert.is(seen, "b\nc\nhello\nafter\n");
    return seen;
  });
});

t("a file written after its directory was renamed, and one unlinked while open, replay exactly", async () => {
  await bothModes(async (engine) => {
    // sh holds each group's output file open while the group renames or removes it.
    const script = "mkdir -p /w/d; { mv /w/d /w/e; echo inside; } > /w/d/f; { rm /w/gone; echo lost; } > /w/gone; ls -R /w; cat /w/e/f";
    const r = await run(engine, { Image: "probes", Cmd: ["sh", "-c", script] });
    assert.equal([r.code, r.stderr], [0, ""]);
    assert.is(r.stdout, "/w:\ne\n\n/w/e:\nf\ninside\n");
    const seen = await afterwards(engine, r.id, "ls -R /w; cat /w/e/f");
    assert.is(seen, r.stdout);
    return seen;
  });
});

t("a file an exec unlinks while the main process holds it open stays writable through the main process's fd (each in its own worker)", async () => {
  const engine = await sampleEngine(["probes"], { workerHost });
  // The group's output file stays open in the main process while it waits for the exec.
  const script = `{ echo first; echo ready >&2; ${shWaitFor("/go")}; echo late; } > /tmp/held; echo done`;
  const { Id } = await engine.containers.create({ Image: "probes", Cmd: ["sh", "-c", script] });
  await engine.containers.start(Id);
  await outputUntil(engine, Id, "ready\n");
  const ex = engine.exec.create(Id, { Cmd: ["sh", "-c", "rm /tmp/held; touch /go"] });
  assert.is(await engine.exec.start(ex.Id), 0);
  // The exec let the inode go; the main process still writes it: its records must apply.
  const status = await until(engine.containers.wait(Id), { what: "the main process's end" });
  assert.equal(status, { StatusCode: 0, Error: null });
  assert.equal(await output(engine, Id), { stdout: "done\n", stderr: "ready\n" });
  const seen = await afterwards(engine, Id, "ls -a /tmp");
  assert.is(seen, ".\n..\n");
});

t.run();
