import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uiFiles } from "../../server/ui/mod.ts";

const t = suite("ui: the page's files as the servers answer them (server/ui/serve.ts)");
let dir: string, outside: string;

t.before(() => {
  outside = mkdtempSync(join(tmpdir(), "strata-ui-"));
  dir = join(outside, "ui");
  mkdirSync(join(dir, "chunks"), { recursive: true });
  writeFileSync(join(dir, "index.html"), "<h1>page</h1>");
  writeFileSync(join(dir, "chunks", "a.js"), "export {}");
  writeFileSync(join(outside, "secret.txt"), "secret");
});
t.after(() => rmSync(outside, { recursive: true, force: true }));

t("files with their types; / is index.html; a directory or a missing file is null (404)", async () => {
  const files = uiFiles(dir);
  const index = (await files("/"))!;
  assert.is(index.headers.get("Content-Type"), "text/html; charset=utf-8");
  assert.is(await index.text(), "<h1>page</h1>");
  assert.is((await files("/chunks/a.js"))!.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  assert.is(await files("/chunks"), null);
  assert.is(await files("/nothing.css"), null);
});

t("nothing outside the folder is read: .., encoded .., NUL; a malformed escape is a 404", async () => {
  const files = uiFiles(dir);
  for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/chunks/../../secret.txt", "/a%00.js", "/%E0%A4%A.js"]) assert.is(await files(p), null, p);
});

t("before the build, the page says what to run", async () => {
  const r = (await uiFiles(join(outside, "unbuilt"))("/"))!;
  assert.is(r.status, 404);
  assert.equal(await r.json(), { message: "the web page is not built: run npm run build:ui" });
});

t.run();
