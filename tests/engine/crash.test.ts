/**
 * SIGKILL the process that runs the engine at random moments while it works, reopen the
 * disk store, and check that everything acknowledged is there and intact: images and
 * tags, volumes with their content, exited containers with their layers, and running
 * containers back as exited (255) with every write they completed.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { Layer, UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { DiskStore, StoreLockedError } from "../../server/store/mod.ts";

const ROUNDS = 6;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const t = suite("crash: SIGKILL of the engine's process");

type Ack = { kind: string; id?: string; ref?: string; path?: string; body?: string; code?: number; volume?: string };

/** Run the load until `killAfterMs` past its first ack, then SIGKILL it; returns its acks. */
function crashRound(home: string, round: number, killAfterMs: number, whileRunning: () => void): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", ["--import", "tsx", join(ROOT, "tests/engine/_crash_child.ts"), home, String(round)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const acks: Ack[] = [];
    let buf = "", err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const ack = JSON.parse(buf.slice(0, i)) as Ack;
        buf = buf.slice(i + 1);
        acks.push(ack);
        if (ack.kind === "open") {
          try {
            whileRunning();
          } catch (e) {
            reject(e);
          }
          setTimeout(() => child.kill("SIGKILL"), killAfterMs); // the random moment is the test's input, not a wait for something
        }
      }
    });
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve(acks) : reject(new Error(`load exited ${code}: ${err}`))));
  });
}

/** A file as `docker export` shows it. */
async function readFile(engine: Engine, id: string, path: string): Promise<string> {
  const fs = new UnionFS({ lowers: [new Layer(await engine.containers.export(id))], upper: new WritableLayer() });
  return new TextDecoder().decode(fs.readFile(path));
}

t("every acknowledged image, tag, volume and container write survives a SIGKILL, round after round", async () => {
  const home = mkdtempSync(join(tmpdir(), "strata-crash-"));
  const all: Ack[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const killAfter = 100 + Math.floor(Math.random() * 700);
      const acks = await crashRound(home, round, killAfter, () => {
        if (round === 0) assert.throws(() => DiskStore.open(home), (e: unknown) => e instanceof StoreLockedError && /in use by another strata engine/.test((e as Error).message));
      });
      all.push(...acks);
      const engine = await createEngine({ store: DiskStore.open(home) });
      try {
        for (const a of all) {
          if (a.kind === "image") assert.is((await engine.images.inspect(a.ref!)).Id, a.id);
          if (a.kind === "tag") assert.ok((await engine.images.inspect(a.ref!)).Id, `tag ${a.ref} lost`);
          if (a.kind === "running") {
            const s = (await engine.containers.inspect(a.id!)).State;
            assert.equal([s.Status, s.ExitCode], ["exited", 255], `running container ${a.id} state`);
          }
          if (a.kind === "write") assert.is(await readFile(engine, a.id!, a.path!), a.body, `write ${a.path} lost`);
          if (a.kind === "exited") {
            assert.equal([(await engine.containers.inspect(a.id!)).State.Status, a.code], ["exited", 0]);
            assert.is(await readFile(engine, a.id!, a.path!), a.body);
            const fs = await engine.volumes.mount(a.volume!);
            assert.is(new TextDecoder().decode(fs.readFile("/f")), a.body, `volume ${a.volume} content`);
          }
        }
      } finally {
        await engine.close();
      }
    }
    const writes = all.filter((a) => a.kind === "write").length;
    assert.ok(writes >= ROUNDS, `the load made progress (${writes} acknowledged writes)`);
    console.log(`  crash: ${ROUNDS} SIGKILLs, ${all.length} acknowledged operations checked (${writes} container writes)`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

t.run();
