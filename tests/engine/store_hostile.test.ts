/**
 * Nothing may brick the store (issue 12): a reference Docker refuses is refused with
 * Docker's message before anything is stored, wherever it comes in (load's RepoTags, tag,
 * commit, create); and an engine opens a home holding bad records, setting them aside
 * and saying so in `docker info`'s Warnings.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApi } from "../../src/api/mod.ts";
import { createEngine, type Engine } from "../../src/engine/mod.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { writeDockerArchive } from "../../src/oci/mod.ts";
import { DiskStore } from "../../server/store/mod.ts";
import { dir, file } from "../tar/_fixtures.ts";
import { makeImage } from "../oci/_images.ts";

const homes: string[] = [];
const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), "strata-engine-hostile-"));
  homes.push(h);
  return h;
};
const archive = async (tags: string[], content = "wasm") => await writeDockerArchive([await makeImage([[dir("bin"), file("bin/sh", content)]], tags)]);

async function engineOn(home: string): Promise<{ engine: Engine; lines: string[] }> {
  const lines: string[] = [];
  const engine = await createEngine({ store: DiskStore.open(home, { onWarning: (l) => lines.push(l) }) });
  return { engine, lines };
}

/** Blobs and records: what "nothing stored" is measured against. */
async function contents(engine: Engine) {
  const kinds = await Promise.all(["image", "tag", "layer", "container"].map((k) => engine.store.listRecords(k)));
  return { blobs: await engine.store.listBlobs(), kinds };
}

async function failure(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, EngineError);
    return [(err as EngineError).kind, (err as Error).message];
  }
  throw new Error("expected a failure");
}

const t = suite("engine on a hostile store");

t("a load whose RepoTag is 5000 characters is refused with Docker's message, stores nothing, and the home reopens", async () => {
  const home = newHome();
  const a = await engineOn(home);
  await a.engine.images.load(await archive(["keep:1"]));
  const before = await contents(a.engine);
  const long = "a".repeat(5000);
  assert.equal(await failure(a.engine.images.load(await archive([long], "other"))), ["invalid", "repository name must not be more than 255 characters"]);
  assert.equal(await contents(a.engine), before);
  await a.engine.close();
  const b = await engineOn(home);
  const api = createApi(b.engine);
  const images = await api.request("/v1.47/images/json");
  assert.is(images.status, 200);
  assert.equal(((await images.json()) as Array<{ RepoTags: string[] }>).map((i) => i.RepoTags), [["keep:1"]]);
  const tag = await api.request(`/v1.47/images/keep:1/tag?repo=${long}`, { method: "POST" });
  assert.is(tag.status, 400);
  assert.equal(await tag.json(), { message: "repository name must not be more than 255 characters" });
  assert.equal(((await (await api.request("/v1.47/info")).json()) as { Warnings: string[] }).Warnings, []);
  assert.equal(b.lines, []);
  await b.engine.close();
});

/** [reference, Docker's message, also as create's Image?] */
const BAD: Array<[string, string, boolean]> = [
  ["Toolbox:1", "invalid reference format: repository name (library/Toolbox) must be lowercase", true],
  ["team/Tools", "invalid reference format: repository name (team/Tools) must be lowercase", true],
  ["a..b:1", "invalid reference format", true],
  ["a/../b", "invalid reference format", true],
  ["-a", "invalid reference format", true],
  ["a b", "invalid reference format", true],
  [`a:${"x".repeat(129)}`, "invalid reference format", true],
  ["a:-x", "invalid reference format", true],
  ["host:port/a", "invalid reference format", true],
  ["a@sha256:00", "invalid reference format", true],
  ["a@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm", true],
  ["a".repeat(248), "repository name must not be more than 255 characters", true], // "library/" + 248 > 255, as Docker counts
  [`x/${"a".repeat(256)}`, "repository name must not be more than 255 characters", true],
  ["a".repeat(64), `invalid repository name (${"a".repeat(64)}), cannot specify 64-byte hexadecimal strings`, false],
];

t("invalid references are refused with Docker's message through load, tag, commit and create, and nothing is stored", async () => {
  const home = newHome();
  const { engine } = await engineOn(home);
  await engine.images.load(await archive(["keep:1"]));
  const { Id } = await engine.containers.create({ Image: "keep:1", name: "cc" });
  const before = await contents(engine);
  for (const [ref, message, viaCreate] of BAD) {
    const want: [string, string] = ["invalid", message];
    const shown = ref.slice(0, 40);
    assert.equal(await failure(engine.images.load(await archive([ref], "other"))), want, `load ${shown}`);
    assert.equal(await failure(engine.images.tag("keep:1", ref)), want, `tag ${shown}`);
    assert.equal(await failure(engine.containers.commit(Id, { repo: ref })), want, `commit ${shown}`);
    if (viaCreate) assert.equal(await failure(engine.containers.create({ Image: ref })), want, `create ${shown}`);
    assert.equal(await contents(engine), before, `after ${shown}`);
  }
  // The longest names Docker takes are taken.
  await engine.images.tag("keep:1", "a".repeat(247));
  await engine.images.tag("keep:1", `localhost:5000/${"a".repeat(255)}:${"t".repeat(128)}`);
  assert.is((await engine.images.inspect(`localhost:5000/${"a".repeat(255)}:${"t".repeat(128)}`)).RepoTags.length, 3);
  await engine.close();
});

t("an engine opens a home with an image whose blob is gone and a truncated container record: those are set aside and reported", async () => {
  const home = newHome();
  const a = await engineOn(home);
  const [keep] = (await a.engine.images.load(await archive(["keep:1"]))).images;
  const [lost] = (await a.engine.images.load(await archive(["lost:1"], "lost"))).images;
  const good = await a.engine.containers.create({ Image: "keep:1", name: "good" });
  const bad = await a.engine.containers.create({ Image: "keep:1", name: "bad" });
  const lostLayer = (await a.engine.images.layers("lost:1"))[0]!.diffId;
  await a.engine.close();
  rmSync(join(home, "blobs", "sha256", lostLayer.slice(7)));
  writeFileSync(join(home, "records", "container", `${bad.Id}.json`), '{"Id": "');
  const b = await engineOn(home);
  const api = createApi(b.engine);
  const images = await api.request("/v1.47/images/json");
  assert.is(images.status, 200);
  assert.equal(((await images.json()) as Array<{ Id: string; RepoTags: string[] }>).map((i) => [i.Id, i.RepoTags]), [[keep!.id, ["keep:1"]]]);
  assert.equal((await b.engine.containers.list({ all: true })).map((c) => [c.Id, c.Names]), [[good.Id, ["/good"]]]);
  const { Warnings } = (await (await api.request("/v1.47/info")).json()) as { Warnings: string[] };
  assert.is(Warnings.length, 4, Warnings.join("\n"));
  const has = (re: RegExp) => assert.ok(Warnings.some((w) => re.test(w)), `${re} in\n${Warnings.join("\n")}`);
  has(new RegExp(`^WARNING: Store file records/container/${bad.Id}\\.json was set aside in quarantine/[^/]+/records/container/${bad.Id}\\.json: not valid JSON`));
  has(new RegExp(`^WARNING: Store file records/image/sha256%3A${lost!.id.slice(7)}\\.json was set aside in .*: image ${lost!.id} names blob ${lostLayer}, which is not in the store$`));
  has(/^WARNING: Store file records\/tag\/lost%3A1\.json was set aside in .*: tag "lost:1" names image "sha256:[a-f0-9]{64}", which is not in the store$/);
  has(new RegExp(`^WARNING: Store file records/layer/sha256%3A[a-f0-9]{64}\\.json was set aside in .*: layer "sha256:[a-f0-9]{64}" names blob ${lostLayer}, which is not in the store$`));
  assert.equal(b.lines, Warnings.map((w) => w.slice("WARNING: ".length)));
  const q = join(home, "quarantine", readdirSync(join(home, "quarantine"))[0]!, "records");
  assert.ok(existsSync(join(q, "container", `${bad.Id}.json`)));
  assert.ok(existsSync(join(q, "image", `sha256%3A${lost!.id.slice(7)}.json`)));
  // The rest works: the image that was lost loads again, and the good container's image is in use.
  await b.engine.images.load(await archive(["lost:1"], "lost"));
  assert.equal((await b.engine.images.list()).map((i) => i.RepoTags[0]).sort(), ["keep:1", "lost:1"]);
  await b.engine.close();
});

t("a home an earlier version bricked (a 5000-character tag left in commit.json, an image record without its blobs) opens", async () => {
  const home = newHome();
  const a = await engineOn(home);
  await a.engine.images.load(await archive(["keep:1"]));
  await a.engine.close();
  const id = `sha256:${"1".repeat(64)}`, layer = `sha256:${"2".repeat(64)}`;
  const image = { id, diffIds: [layer], chainIds: [layer], layerSizes: [1024], created: "", loaded: 0 };
  const batch = [
    { kind: "layer", key: layer, value: { diffId: layer, size: 1024 } },
    { kind: "image", key: id, value: image },
    { kind: "tag", key: `${"a".repeat(5000)}:latest`, value: { id } },
  ];
  writeFileSync(join(home, "records", "image", `sha256%3A${"1".repeat(64)}.json`), JSON.stringify(image)); // applied before the failure
  writeFileSync(join(home, "commit.json"), JSON.stringify(batch));
  const b = await engineOn(home);
  assert.equal((await b.engine.images.list()).map((i) => i.RepoTags), [["keep:1"]]);
  assert.is(b.lines.length, 3, b.lines.join("\n"));
  assert.ok(b.lines.some((l) => l.includes("repository name must not be more than 255 characters")), b.lines.join("\n"));
  assert.ok(b.lines.some((l) => l.endsWith(`image ${id} names blob ${id}, which is not in the store`)), b.lines.join("\n"));
  assert.not.ok(existsSync(join(home, "commit.json")));
  await b.engine.close();
  const c = await engineOn(home); // and it stays open: nothing left to set aside
  assert.equal(c.lines, []);
  await c.engine.close();
});

t.after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

t.run();
