/**
 * The web page in a real browser (Debian's chromium, driven by playwright-core): load it,
 * run a container, see its logs, its diff in the file browser and a file's contents,
 * commit it, and see the new image's stack one layer taller than its parent's — served
 * by the Node server at /ui, and as static files running the engine in the page. A page
 * of another origin, in the same browser, still cannot drive the server. Screenshots go
 * to test-artifacts/ (gitignored).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { buildUi } from "../../server/ui/build.ts";
import { uiFiles } from "../../server/ui/mod.ts";
import { freePort, ROOT, startServer, type Started } from "./_server.ts";

const t = suite("the web page in a real browser: run → logs → diff → commit, served and in the page");

/** Debian's chromium (CHROMIUM_PATH to point elsewhere). */
function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
}

const chromium = chromiumPath();
const ARTIFACTS = join(ROOT, "test-artifacts");

// deno-lint-ignore no-explicit-any
type Page = any;
// deno-lint-ignore no-explicit-any
let browser: any, server: Started, statics: Server, staticPort: number, isolated: Server, isolatedPort: number, evil: Server, evilPort: number;

/** A static host for `dir`; without `headers` (COOP/COEP) the page is not cross-origin isolated there. */
async function staticHost(files: (path: string) => Promise<Response | null>, port: number, headers: Record<string, string> = {}): Promise<Server> {
  const s = createServer(async (req, res) => {
    const r = await files(new URL(req.url ?? "/", "http://x").pathname);
    if (!r) return void res.writeHead(404).end("not found");
    res.writeHead(r.status, { ...Object.fromEntries(r.headers), ...headers });
    res.end(new Uint8Array(await r.arrayBuffer()));
  });
  await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
  return s;
}

if (!chromium) {
  console.log("skip: chromium is not installed (apt-get install chromium; scripts/install-tools.sh does); the web page's browser tests are skipped");
  t.skip("the page in a browser", () => {});
} else {
  t.before(async () => {
    const dir = await buildUi();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer(["--home", "memory"]);
    staticPort = await freePort();
    statics = await staticHost(uiFiles(dir), staticPort);
    isolatedPort = await freePort();
    isolated = await staticHost(uiFiles(dir), isolatedPort, { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
    evilPort = await freePort();
    evil = await staticHost(async () => new Response("<!doctype html><title>another site</title>", { headers: { "Content-Type": "text/html" } }), evilPort);
    const { chromium: pw } = await import("playwright-core");
    browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox"] });
  });
  t.after(async () => {
    await browser?.close();
    await server?.stop();
    statics?.close();
    isolated?.close();
    evil?.close();
  });

  /** The whole flow on a loaded page; `shot` names the screenshot. */
  const flow = async (url: string, mode: string, shot: string, status?: string) => {
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e: Error) => errors.push(e.message));
    try {
      await page.goto(url);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      assert.is(await page.getAttribute("body", "data-mode"), mode);
      if (status) assert.is(await page.textContent("[data-testid=mode]"), status);
      // The picture: toolbox's one layer is shared by the other sample images, drawn once.
      const base = page.locator(".layer.shared");
      assert.ok((await base.count()) >= 1, "a shared layer is drawn");
      const toolboxLayers = Number(await page.getAttribute('[data-image="toolbox:latest"]', "data-layers"));
      assert.is(toolboxLayers, 1);

      await page.fill("[data-testid=run-image]", "toolbox");
      await page.fill("[data-testid=run-cmd]", `sh -c "echo hello from the page; echo \\$GREETING > /made.txt"`);
      await page.fill("[data-testid=run-env]", "GREETING=bonjour");
      await page.fill("[data-testid=run-name]", `ui-${shot.replace(/\.png$/, "")}`);
      await page.click("[data-testid=run]");
      await page.waitForFunction(() => document.querySelector("#logs")?.textContent?.includes("hello from the page"), null, { timeout: 30_000 });
      await page.waitForSelector(`[data-container="ui-${shot.replace(/\.png$/, "")}"]`, { timeout: 30_000 });

      // The diff in the file browser: /made.txt added, from the writable layer; its contents.
      const row = page.locator('tr[data-path="/made.txt"]');
      await row.waitFor({ timeout: 30_000 });
      assert.is(await row.getAttribute("data-kind"), "added");
      assert.is((await row.locator(".chip").textContent())?.trim(), "writable");
      await row.locator("a").click();
      await page.waitForFunction(() => document.querySelector("[data-testid=file-content]")?.textContent === "bonjour\n", null, { timeout: 30_000 });
      // A directory of the image: entries tagged with the toolbox layer.
      const bin = page.locator('tr[data-path="/bin"] .chip');
      assert.match((await bin.textContent()) ?? "", /^[0-9a-f]{12}$/);

      // Commit: a new image whose stack is the toolbox's and one layer more.
      await page.fill("[data-testid=commit-repo]", `snap-${mode}:v1`);
      await page.click("[data-testid=commit]");
      const label = page.locator(`[data-image="snap-${mode}:v1"]`);
      await label.waitFor({ timeout: 30_000 });
      assert.is(Number(await label.getAttribute("data-layers")), toolboxLayers + 1);
      await page.screenshot({ path: join(ARTIFACTS, shot) });
      assert.equal(errors, []);
      assert.is(await page.locator("#error").isHidden(), true, await page.locator("#error").textContent());
    } catch (err) {
      await page.screenshot({ path: join(ARTIFACTS, `failed-${shot}`) }).catch(() => {});
      throw new Error(`${(err as Error).message}\nthe page said: ${await page.locator("#error").textContent().catch(() => "?")}`);
    } finally {
      await page.close();
    }
  };

  t("served by the Node server at /ui", async () => {
    await flow(`http://127.0.0.1:${server.port}/ui/`, "served", "ui-served.png");
    // The page drove the server itself: the container and the image are there for any client.
    const names = ((await (await fetch(`http://127.0.0.1:${server.port}/images/json`)).json()) as Array<{ RepoTags: string[] }>).flatMap((i) => i.RepoTags);
    assert.ok(names.includes("snap-served:v1"), names.join(","));
  });

  t("served: a container run with -it gets a terminal in the page (xterm.js over the attach websocket)", async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`http://127.0.0.1:${server.port}/ui/`);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      await page.fill("[data-testid=run-image]", "toolbox");
      await page.fill("[data-testid=run-cmd]", "sh");
      await page.fill("[data-testid=run-env]", "");
      await page.fill("[data-testid=run-name]", "ui-terminal");
      await page.check("[data-testid=run-it]");
      await page.click("[data-testid=run]");
      await page.waitForSelector("[data-testid=terminal] .xterm", { timeout: 30_000 });
      await page.waitForSelector('[data-container="ui-terminal"]', { timeout: 30_000 });
      await page.click("[data-testid=terminal]");
      await page.keyboard.type("echo typed-$((6*7))\n");
      await page.waitForFunction(() => document.querySelector("[data-testid=terminal] .xterm-rows")?.textContent?.includes("typed-42"), null, { timeout: 30_000 });
      await page.screenshot({ path: join(ARTIFACTS, "ui-terminal.png") });
      await page.keyboard.type("exit 5\n");
      const wait = await fetch(`http://127.0.0.1:${server.port}/containers/ui-terminal/wait`, { method: "POST" });
      assert.equal(await wait.json(), { StatusCode: 5, Error: null });
    } finally {
      await page.close();
    }
  });

  t("served: what is typed in the commit box keeps its focus when an event redraws the page", async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`http://127.0.0.1:${server.port}/ui/`);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      await fetch(`http://127.0.0.1:${server.port}/containers/create?name=ui-focus`, { method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json" } });
      await page.click('[data-container="ui-focus"]', { timeout: 30_000 });
      await page.click("[data-testid=commit-repo]");
      await page.keyboard.type("snap");
      // An event (a container made by another client) redraws the picture and the actions.
      await fetch(`http://127.0.0.1:${server.port}/containers/create?name=ui-focus-2`, { method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json" } });
      await page.waitForSelector('[data-container="ui-focus-2"]', { timeout: 30_000 });
      await page.keyboard.type("-x");
      assert.is(await page.inputValue("[data-testid=commit-repo]"), "snap-x");
    } finally {
      await page.close();
    }
  });

  t("as static files, with the engine in the page (no server, no SharedArrayBuffer)", async () => {
    await flow(`http://127.0.0.1:${staticPort}/`, "browser", "ui-browser.png");
    const names = ((await (await fetch(`http://127.0.0.1:${server.port}/images/json`)).json()) as Array<{ RepoTags: string[] }>).flatMap((i) => i.RepoTags);
    assert.not.ok(names.includes("snap-browser:v1"), "the in-page engine is the page's own");
  });

  /** Run `sh` with -it in the page's own engine, type into its terminal, and see it exit with the status typed. */
  const inPageTerminal = async (page: Page, name: string, shot: string) => {
    await page.fill("[data-testid=run-image]", "toolbox");
    await page.fill("[data-testid=run-cmd]", "sh");
    await page.fill("[data-testid=run-env]", "");
    await page.fill("[data-testid=run-name]", name);
    await page.check("[data-testid=run-it]");
    await page.click("[data-testid=run]");
    await page.waitForSelector("[data-testid=terminal] .xterm", { timeout: 30_000 });
    await page.waitForSelector(`[data-container="${name}"].running`, { timeout: 30_000 });
    await page.click("[data-testid=terminal]");
    await page.keyboard.type("echo typed-$((6*7))\n");
    await page.waitForFunction(() => document.querySelector("[data-testid=terminal] .xterm-rows")?.textContent?.includes("typed-42"), null, { timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, shot) });
    await page.keyboard.type("exit 5\n");
    await page.waitForSelector(`[data-container="${name}"].exited`, { timeout: 30_000 });
    assert.match((await page.getAttribute(`[data-container="${name}"]`, "title")) ?? "", /Exited \(5\)/);
  };

  t("in the page without workers, a sleeping or spinning container frees the tab (JSPI): another runs meanwhile, and stop ends each with 143", async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`http://127.0.0.1:${staticPort}/`);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      if (!(await page.evaluate(() => typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === "function"))) {
        return console.log("skip: this chromium has no JSPI (WebAssembly.Suspending): inline programs cannot suspend in its tabs");
      }
      const run = async (name: string, cmd: string, image = "toolbox") => {
        await page.fill("[data-testid=run-image]", image);
        await page.fill("[data-testid=run-cmd]", cmd);
        await page.fill("[data-testid=run-env]", "");
        await page.fill("[data-testid=run-name]", name);
        await page.click("[data-testid=run]");
      };
      await run("sleeper", "sleep 60");
      await page.waitForSelector('[data-container="sleeper"].running', { timeout: 30_000 });
      // The tab is not held: a second container runs to its end while the first sleeps.
      await run("second", "echo while the sleeper sleeps");
      await page.waitForFunction(() => document.querySelector("#logs")?.textContent?.includes("while the sleeper sleeps"), null, { timeout: 30_000 });
      await page.waitForSelector('[data-container="second"].exited', { timeout: 30_000 });
      assert.ok(await page.locator('[data-container="sleeper"].running').count() === 1, "the sleeper still runs");
      await page.click('[data-container="sleeper"]');
      await page.click("[data-testid=stop]");
      await page.waitForSelector('[data-container="sleeper"].exited', { timeout: 30_000 });
      assert.match((await page.getAttribute('[data-container="sleeper"]', "title")) ?? "", /Exited \(143\)/);
      // A program that makes no system call lets the tab go at its preemption points, and a stop reaches it.
      await run("spinner", "spin", "probes");
      await page.waitForSelector('[data-container="spinner"].running', { timeout: 30_000 });
      await run("third", "echo while the spinner spins");
      await page.waitForSelector('[data-container="third"].exited', { timeout: 30_000 });
      await page.click('[data-container="spinner"]');
      await page.click("[data-testid=stop]");
      await page.waitForSelector('[data-container="spinner"].exited', { timeout: 30_000 });
      assert.match((await page.getAttribute('[data-container="spinner"]', "title")) ?? "", /Exited \(143\)/);
      // -it in the page: the in-page engine's attach streams the keys in (JSPI: the shell suspends while it waits for them).
      await inPageTerminal(page, "ui-tab-terminal", "ui-terminal-in-page.png");
    } finally {
      await page.close();
    }
  });

  t("on a cross-origin isolated static host (COOP/COEP), the page's engine runs programs in web Workers, -it included", async () => {
    await flow(`http://127.0.0.1:${isolatedPort}/`, "browser", "ui-browser-isolated.png", "engine in this page (workers)");
    // -it there too: stdin streams into the worker.
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`http://127.0.0.1:${isolatedPort}/`);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      await inPageTerminal(page, "ui-iso-terminal", "ui-terminal-isolated.png");
    } finally {
      await page.close();
    }
  });

  t("a page of another origin cannot drive the server that serves the page", async () => {
    const page: Page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      const result = await page.evaluate(async (port: number) => {
        const tries: string[] = [];
        for (const init of [
          { method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "application/json" } },
          { method: "POST", body: JSON.stringify({ Image: "toolbox", Cmd: ["true"] }), headers: { "Content-Type": "text/plain" }, mode: "no-cors" as RequestMode },
        ]) {
          try {
            const r = await fetch(`http://127.0.0.1:${port}/containers/create?name=pwned`, init);
            tries.push(`status ${r.status}`);
          } catch (err) {
            tries.push(`refused: ${(err as Error).message}`);
          }
        }
        return tries;
      }, server.port);
      assert.is(result.length, 2);
      const list = (await (await fetch(`http://127.0.0.1:${server.port}/containers/json?all=1`)).json()) as Array<{ Names: string[] }>;
      assert.not.ok(list.some((c) => c.Names.includes("/pwned")), `a foreign page created a container (${result.join("; ")})`);
    } finally {
      await page.close();
    }
  });
}

t.run();
