/**
 * A DiskStore home that someone (an archive, a crash, a person, a disk) left in a bad
 * state still opens: what cannot be used is moved to quarantine/ and reported, the rest
 * is there. And keys of any length get file names the file system accepts.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore } from "../../server/store/mod.ts";
import { until } from "../_wait.ts";

const enc = new TextEncoder();
const homes: string[] = [];
const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), "strata-hostile-"));
  homes.push(h);
  return h;
};
/** Open with warnings collected (not printed). */
function open(home: string) {
  const lines: string[] = [];
  const store = DiskStore.open(home, { onWarning: (l) => lines.push(l) });
  return { store, lines };
}
/** Every file under a directory, "/"-separated, relative to it. */
function files(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}
/** The one quarantine folder's files (reasons.txt aside). */
function quarantined(home: string): string[] {
  return files(join(home, "quarantine")).map((f) => f.replace(/^[^/]+\//, "")).filter((f) => f !== "reasons.txt");
}

const t = suite("DiskStore with hostile contents");

t("a 2000-character key round-trips through a reopen, under a file name of at most 255 bytes", async () => {
  const home = newHome();
  const long = `registry.example.com/${"a/".repeat(990)}x:latest`;
  assert.ok(long.length >= 2000);
  const s = DiskStore.open(home);
  await s.putRecord("tag", long, { id: "sha256:1" });
  await s.putRecord("tag", "short:1", { id: "sha256:2" });
  await s.putBytes("logs", long, enc.encode("bytes"));
  await s.commit([{ kind: "image", key: long, value: { n: 1 } }, { kind: "image", key: "b", value: { n: 2 } }]);
  await s.close();
  for (const f of files(home)) for (const part of f.split("/")) assert.ok(part.length <= 255, `${part.length}-byte name`);
  const r = DiskStore.open(home);
  assert.equal(await r.getRecord("tag", long), { id: "sha256:1" });
  assert.equal(await r.listRecords("tag"), [[long, { id: "sha256:1" }], ["short:1", { id: "sha256:2" }]].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)));
  assert.equal(await r.listRecords("image"), [["b", { n: 2 }], [long, { n: 1 }]]);
  assert.equal(await r.getBytes("logs", long), enc.encode("bytes"));
  await r.deleteRecord("tag", long);
  assert.is(await r.getRecord("tag", long), undefined);
  assert.equal(r.warnings(), []);
  await r.close();
});

t("records written under today's names (encodeURIComponent, dots escaped) still open", async () => {
  const home = newHome();
  mkdirSync(join(home, "records", "tag"), { recursive: true });
  writeFileSync(join(home, "records", "tag", "127%2E0%2E0%2E1%3A5000%2Fdemo%3Av1.json"), JSON.stringify({ id: "sha256:a" }));
  const { store, lines } = open(home);
  assert.equal(await store.listRecords("tag"), [["127.0.0.1:5000/demo:v1", { id: "sha256:a" }]]);
  assert.equal(await store.getRecord("tag", "127.0.0.1:5000/demo:v1"), { id: "sha256:a" });
  assert.equal(lines, []);
  await store.close();
});

t("a truncated record, an undecodable name and a hashed name without its key are set aside; the rest opens", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  await s.putRecord("image", "good", { n: 1 });
  await s.putRecord("image", "bad", { n: 2 });
  await s.close();
  const dir = join(home, "records", "image");
  writeFileSync(join(dir, "bad.json"), '{"n": '); // truncated
  writeFileSync(join(dir, "%E0%A4%A.json"), "{}"); // not a URI encoding
  writeFileSync(join(dir, `long.${"0".repeat(64)}.json`), '{"n": 3}'); // a hashed name must carry its key
  const { store, lines } = open(home);
  assert.equal(await store.listRecords("image"), [["good", { n: 1 }]]);
  assert.equal(quarantined(home), [`records/image/%E0%A4%A.json`, "records/image/bad.json", `records/image/long.${"0".repeat(64)}.json`]);
  assert.is(lines.length, 3);
  assert.equal(store.warnings(), lines);
  const bad = lines.find((l) => l.includes("bad.json"))!;
  assert.match(bad, /^Store file records\/image\/bad\.json was set aside in quarantine\/[^/]+\/records\/image\/bad\.json: not valid JSON/);
  assert.ok(lines.some((l) => /%E0%A4%A\.json .*its name does not decode to a key/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /long\.0{64}\.json .*a record under a hashed name without its key/.test(l)), lines.join("\n"));
  assert.match(readFileSync(join(home, "quarantine", readdirSync(join(home, "quarantine"))[0]!, "reasons.txt"), "utf8"), /records\/image\/bad\.json: not valid JSON/);
  await store.close();
  const again = open(home); // the quarantine is not read again: nothing more to report
  assert.equal(again.lines, []);
  assert.equal(await again.store.listRecords("image"), [["good", { n: 1 }]]);
  await again.store.close();
});

t("a truncated or unreadable commit.json is set aside and the records before it open", async () => {
  for (const [what, make] of [
    ["truncated", (p: string) => writeFileSync(p, '[{"kind":"image","key":"a","value":{"n":')],
    ["not a list", (p: string) => writeFileSync(p, '{"kind":"image"}')],
    ["a directory", (p: string) => mkdirSync(p)],
  ] as const) {
    const home = newHome();
    const s = DiskStore.open(home);
    await s.putRecord("image", "kept", { n: 1 });
    await s.close();
    make(join(home, "commit.json"));
    const { store, lines } = open(home);
    assert.equal(await store.listRecords("image"), [["kept", { n: 1 }]], what);
    assert.not.ok(existsSync(join(home, "commit.json")), what);
    assert.is(lines.length, 1, what);
    assert.match(lines[0]!, /^Store file commit\.json was set aside in quarantine\/[^/]+\/commit\.json: a batch of record changes that cannot be applied: /);
    await store.close();
  }
});

t("a batch that fails part way puts back what it changed, and the home reopens as before it", async () => {
  const home = newHome();
  const s = DiskStore.open(home);
  await s.putRecord("image", "a", { v: "old" });
  mkdirSync(join(home, "records", "image", "b.json", "blocker"), { recursive: true }); // b cannot be written
  let error: Error | undefined;
  try {
    await s.commit([{ kind: "image", key: "a", value: { v: "new" } }, { kind: "image", key: "b", value: { v: 1 } }]);
  } catch (err) {
    error = err as Error;
  }
  assert.ok(error, "the batch must fail");
  assert.equal(await s.getRecord("image", "a"), { v: "old" });
  assert.not.ok(existsSync(join(home, "commit.json")));
  await s.close();
  rmSync(join(home, "records", "image", "b.json"), { recursive: true });
  const { store, lines } = open(home);
  assert.equal(await store.listRecords("image"), [["a", { v: "old" }]]);
  assert.equal(lines, []);
  await store.close();
});

/** A zombie: `sh` forks `sleep 0`, then becomes `sleep 30`, which never reaps it. */
async function zombie(): Promise<{ pid: number; parent: ReturnType<typeof spawn> }> {
  const parent = spawn("sh", ["-c", "sleep 0 & exec sleep 30"], { stdio: "ignore" });
  try {
    // Only /proc says when the child has become a zombie: no event to wait for.
    const pid = await until(() => _zombieOf(parent.pid!), { timeoutMs: 5000, what: "a zombie child of sh in /proc" });
    return { pid, parent };
  } catch (err) {
    parent.kill("SIGKILL");
    throw err;
  }
}

/** The pid of a zombie whose parent is `ppid`, or 0. */
function _zombieOf(ppid: number): number {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ESRCH") continue; // gone meanwhile
      throw err;
    }
    const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" && Number(parent) === ppid) return Number(name);
  }
  return 0;
}

const lock = suite("DiskStore lock");

lock("a lock naming a zombie process is stale: the home opens", async () => {
  if (!existsSync("/proc/self/stat")) return; // zombies are told apart through Linux's /proc
  const z = await zombie();
  try {
    process.kill(z.pid, 0); // kill() alone still calls it alive
    const home = newHome();
    writeFileSync(join(home, "lock"), String(z.pid));
    const s = DiskStore.open(home);
    assert.is(readFileSync(join(home, "lock"), "utf8"), String(process.pid));
    await s.close();
  } finally {
    z.parent.kill("SIGKILL");
  }
});

lock.after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

t.run();
lock.run();
