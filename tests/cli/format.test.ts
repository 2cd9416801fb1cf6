import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ago, ellipsis, goQuote, humanSize, shortId, table, tabwrite } from "../../server/cli/_format.ts";
import { formatList, render, TemplateError } from "../../server/cli/_template.ts";
import { progressText, ProgressBoard } from "../../server/cli/_progress.ts";
import { TarProgress } from "../../server/cli/_tar_progress.ts";
import { imageViews, PS_HEADERS, PS_TABLE, psView } from "../../server/cli/_views.ts";
import { dfRows, eventLine } from "../../server/cli/verbs_system.ts";
import { writeTar } from "../../src/tar/mod.ts";

const fmt = suite("output as the docker CLI prints it");

fmt("sizes are decimal with three significant digits (go-units)", () => {
  assert.is(humanSize(0), "0B");
  assert.is(humanSize(999), "999B");
  assert.is(humanSize(241_000), "241kB");
  assert.is(humanSize(2_345_678), "2.35MB");
  assert.is(humanSize(1_000_000), "1MB");
  assert.is(humanSize(12_345_678_901, 4), "12.35GB");
});

fmt("CREATED reads as docker's: the engine's go-units duration, then \" ago\"", () => {
  assert.is(ago(100, 100_000 + 300_000), "5 minutes ago");
  assert.is(ago(100, 100_000 + 3 * 86_400_000), "3 days ago");
  assert.is(ago(100, 99_000), "Less than a second ago"); // a clock behind the daemon's
});

fmt("tables pad every column but the last to its widest cell plus three, at least ten", () => {
  const out = table(["CONTAINER ID", "IMAGE", "NAMES"], [["abc", "toolbox", "c1"], ["def", "a-much-longer-image", "c2"]]);
  assert.is(out, [
    "CONTAINER ID   IMAGE                 NAMES",
    "abc            toolbox               c1",
    "def            a-much-longer-image   c2",
    "",
  ].join("\n"));
  assert.is(tabwrite("A\tB\n"), "A         B\n");
});

fmt("IDs, commands and quotes are cut and quoted as docker ps does", () => {
  assert.is(shortId("sha256:fa3e13a49272aaaaaaaa"), "fa3e13a49272");
  assert.is(ellipsis("sh -c echo data > /hello.txt", 20), "sh -c echo data > /…");
  assert.is(goQuote('say "hi"'), '"say \\"hi\\""');
});

fmt("templates render fields, json, pipes and functions", () => {
  const item = { ID: "abc", Names: "c1", Labels: { a: "1" }, List: ["x", "y"] };
  assert.is(render("{{.ID}}\\t{{.Names}}", item), "abc\tc1");
  assert.is(render("{{json .Labels}}", item), '{"a":"1"}');
  assert.is(render("{{.Names | upper}} {{join .List \",\"}} {{index .Labels \"a\"}}", item), "C1 x,y 1");
  assert.is(render("{{json .}}", { A: 1 }), '{"A":1}');
  assert.throws(() => render("{{.Nope}}", item), (e: unknown) => /can't evaluate field Nope/.test((e as Error).message));
  assert.throws(() => render("{{frob .ID}}", item), (e: unknown) => e instanceof TemplateError);
});

fmt("a table format prints docker's header names and aligns the rows", () => {
  const rows = [{ ID: "abc", Status: "Up 2 seconds", Names: "c1" }];
  assert.is(formatList("table {{.ID}}\t{{.Status}}\t{{.Names}}", rows, { headers: PS_HEADERS }), "CONTAINER ID   STATUS         NAMES\nabc            Up 2 seconds   c1\n");
  assert.is(formatList("json", rows), '{"ID":"abc","Status":"Up 2 seconds","Names":"c1"}\n');
});

fmt("ps rows show names without the slash and size with virtual size", () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 10);
  const v = psView({ Id: "0123456789abcdef", Names: ["/c1"], Image: "toolbox", ImageID: "sha256:x", Command: "sh -c echo data > /hello.txt", Created: now / 1000 - 4, State: "exited", Status: "Exited (0) 2 seconds ago", Labels: {}, SizeRw: 7, SizeRootFs: 202_000 }, { trunc: true, now });
  assert.is(v["ID"], "0123456789ab");
  assert.is(v["Names"], "c1");
  assert.is(v["Command"], '"sh -c echo data > /…"');
  assert.is(v["RunningFor"], "4 seconds ago");
  assert.is(v["Size"], "7B (virtual 202kB)");
  assert.ok(PS_TABLE.startsWith("table {{.ID}}"));
});

fmt("images list one row per tag, and <none> for an untagged image", () => {
  const rows = imageViews({ Id: "sha256:fa3e13a49272ffff", RepoTags: ["toolbox:latest", "127.0.0.1:5000/x"], Created: 0, Size: 241_000 }, { trunc: true });
  assert.equal(rows.map((r) => [r["Repository"], r["Tag"], r["ID"], r["Size"]]), [["toolbox", "latest", "fa3e13a49272", "241kB"], ["127.0.0.1:5000/x", "<none>", "fa3e13a49272", "241kB"]]);
  assert.is(imageViews({ Id: "sha256:aa", RepoTags: [], Created: 0, Size: 1 }, { trunc: true })[0]!["Repository"], "<none>");
});

fmt("system df computes reclaimable space with its percentage", () => {
  const rows = dfRows({ LayersSize: 1000, Images: [{ Size: 1000, SharedSize: 0, Containers: 0 }], Containers: [{ SizeRw: 10, State: "exited" }, { SizeRw: 30, State: "running" }], Volumes: [] });
  assert.equal(rows.map((r) => [r["Type"], r["TotalCount"], r["Active"], r["Size"], r["Reclaimable"]]), [
    ["Images", "1", "0", "1kB", "1kB (100%)"], ["Containers", "2", "1", "40B", "10B (25%)"], ["Local Volumes", "0", "0", "0B", "0B"], ["Build Cache", "0", "0", "0B", "0B"],
  ]);
});

fmt("events print time, type, action, actor and sorted attributes", () => {
  const line = eventLine({ Type: "container", Action: "start", Actor: { ID: "abc", Attributes: { name: "c1", image: "toolbox" } }, time: 1704153600, timeNano: 1704153600 * 1e9 + 123 * 2 ** 20 });
  assert.is(line, "2024-01-02T00:00:00.128974848Z container start abc (image=toolbox, name=c1)");
});

fmt("a progress bar fills to fifty characters with docker's counts", () => {
  assert.is(progressText(50, 100, true), `[${"=".repeat(25)}>${" ".repeat(25)}]      50B/100B`);
  assert.is(progressText(241_700, 241_700, false), " 241.7kB/241.7kB");
});

fmt("on a terminal each layer's line is rewritten in place; elsewhere each status prints once", () => {
  let tty = "";
  const board = new ProgressBoard((s) => void (tty += s), { tty: true, columns: 120 });
  board.update({ id: "aaa", status: "Loading layer", progressDetail: { current: 0, total: 10 } });
  board.update({ id: "bbb", status: "Loading layer", progressDetail: { current: 0, total: 10 } });
  board.update({ id: "aaa", status: "Loading layer", progressDetail: { current: 10, total: 10 } });
  assert.ok(tty.includes(`\x1b[2A\x1b[2K\raaa: Loading layer [${"=".repeat(50)}>]      10B/10B\x1b[2B\r`), JSON.stringify(tty));
  let plain = "";
  const p2 = new ProgressBoard((s) => void (plain += s), { tty: false, columns: 80 });
  p2.update({ id: "aaa", status: "Loading layer", progressDetail: { current: 1, total: 10 } });
  p2.update({ id: "aaa", status: "Loading layer", progressDetail: { current: 5, total: 10 } });
  assert.is(plain, "aaa: Loading layer\n");
});

fmt("a tar stream's layer blobs are followed as they pass, in any chunking", () => {
  const hex = "ab".repeat(32);
  const tar = writeTar([
    { path: "manifest.json", type: "file", data: new Uint8Array(2000) },
    { path: `blobs/sha256/${hex}`, type: "file", data: new Uint8Array(5000) },
  ]);
  const seen: string[] = [];
  const t = new TarProgress((e) => seen.push(`${e.id} ${e.current}/${e.total}${e.done ? " done" : ""}`));
  for (let i = 0; i < tar.length; i += 700) t.push(tar.subarray(i, i + 700));
  assert.is(seen[0], "abababababab 0/5000");
  assert.is(seen[seen.length - 1], "abababababab 5000/5000 done");
  assert.ok(seen.every((s) => s.startsWith("abababababab")));
});

fmt.run();
