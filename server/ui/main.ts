/**
 * The page (docs/ui.md). It finds its engine — the server that served it (`GET /_ping`
 * answers OK), or, on a static host or with `?mode=browser`, an engine of its own in the
 * page (local.ts, loaded only then) — and then draws the picture of images and
 * containers (layers_view.ts), a run form, and for the selected container its actions
 * (stop, remove, commit), its logs as they stream, and its files (files_view.ts). The
 * picture is drawn again on every event of `GET /events`.
 */
import { ApiFailure, Client, type ApiFetch, type ContainerSummary } from "./client.ts";
import { h } from "./dom.ts";
import { FilesPanel } from "./files_view.ts";
import { renderLayers, type ImageInfo } from "./layers_view.ts";
import { splitCommand } from "./command.ts";
import type { PageTerminal } from "./terminal.ts";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

interface Ui {
  client: Client;
  files: FilesPanel;
  selected: string | null;
  containers: ContainerSummary[];
  logs: AbortController | null;
  terminal: PageTerminal | null;
}

async function boot(): Promise<void> {
  const t0 = performance.now();
  const mode = new URLSearchParams(location.search).get("mode") ?? ((await servedHere()) ? "served" : "browser");
  const status = $("#mode");
  let fetcher: ApiFetch;
  if (mode === "served") {
    fetcher = (path, init) => fetch(path, init);
    status.textContent = `served by ${location.host}`;
  } else {
    status.textContent = "starting the engine in this page…";
    const { localFetch } = await import("./local.ts");
    fetcher = await localFetch(new URL(".", location.href), (line) => (status.textContent = line));
    const jspi = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function";
    status.textContent = `engine in this page (${crossOriginIsolated ? "workers" : jspi ? "inline, suspendable" : "inline"})`;
    if (!crossOriginIsolated) {
      status.title = jspi
        ? "programs run on this page's thread and let it go while they wait and every few milliseconds while they compute"
        : "programs run on this page's thread and hold it while they compute; each is ended after 30 s";
    }
  }
  document.body.dataset.mode = mode;
  const ui: Ui = { client: new Client(fetcher, sessionStorage.getItem("strata-token") ?? undefined), files: null!, selected: null, containers: [], logs: null, terminal: null };
  ui.files = new FilesPanel(ui.client, showError);
  (globalThis as { strata?: unknown }).strata = { client: ui.client, mode }; // for the console and the tests
  $("#files").replaceWith(ui.files.el);
  ui.files.show(null);
  // A terminal needs stdin that streams: served, or in the page with workers (isolated) or suspendable programs (JSPI).
  const jspiHere = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function";
  setupRun(ui, mode === "served" || crossOriginIsolated || jspiHere, mode !== "served");
  await drawWithToken(ui);
  document.body.dataset.ready = "1";
  document.body.dataset.firstPictureMs = String(Math.round(performance.now())); // since navigation began
  document.body.dataset.bootMs = String(Math.round(performance.now() - t0));
  void follow(ui);
}

/** Does the server that served this page speak the API? */
async function servedHere(): Promise<boolean> {
  try {
    const r = await fetch("/_ping");
    return r.status === 401 || (r.ok && (await r.text()) === "OK");
  } catch {
    return false;
  }
}

/** The first drawing; a server with a token answers 401 and the page asks for it once. */
async function drawWithToken(ui: Ui): Promise<void> {
  try {
    await draw(ui);
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 401)) throw err;
    const token = prompt("This server needs its API token (strata serve --token):");
    if (!token) throw err;
    sessionStorage.setItem("strata-token", token);
    location.reload();
  }
}

let drawing: Promise<void> | null = null, again = false;

/** Draw the picture anew (coalescing bursts of events into one more drawing). */
function redraw(ui: Ui): void {
  if (drawing) return void (again = true);
  drawing = draw(ui).catch(showError).finally(() => {
    drawing = null;
    if (again) again = false, redraw(ui);
  });
}

async function draw(ui: Ui): Promise<void> {
  const [list, containers] = await Promise.all([ui.client.images(), ui.client.containers()]);
  const images: ImageInfo[] = await Promise.all(list.map(async (i) => ({ inspect: await ui.client.image(i.Id), history: await ui.client.history(i.Id) })));
  images.sort((a, b) => (a.inspect.RepoTags[0] ?? "~").localeCompare(b.inspect.RepoTags[0] ?? "~"));
  ui.containers = containers;
  if (ui.selected && !containers.some((c) => c.Id === ui.selected)) select(ui, null);
  $("#picture").replaceChildren(renderLayers(images, containers, ui.selected, (id) => select(ui, id)));
  const names = images.flatMap((i) => i.inspect.RepoTags);
  const datalist = $("#image-names");
  datalist.replaceChildren(...names.map((n) => h("option", { value: n })));
  renderActions(ui);
}

/** Follow the event stream; each event redraws (and refreshes the selected container's files). */
async function follow(ui: Ui): Promise<void> {
  for (;;) {
    try {
      await ui.client.events((e) => {
        redraw(ui);
        if (e.Type === "container" && e.Actor.ID === ui.selected && ["die", "start", "commit"].includes(e.Action)) void ui.files.refresh();
      }, new AbortController().signal);
    } catch (err) {
      showError(err);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function select(ui: Ui, id: string | null): void {
  if (ui.selected === id) return;
  ui.selected = id;
  ui.logs?.abort();
  ui.logs = null;
  $("#logs").textContent = "";
  ui.files.show(id);
  for (const b of document.querySelectorAll<HTMLElement>(".writable")) b.classList.toggle("selected", b.title.startsWith(`${id}\n`));
  renderActions(ui);
  if (!id) return;
  const ctl = new AbortController();
  ui.logs = ctl;
  const out = $("#logs");
  void ui.client.logs(id, (text, stream) => {
    out.append(stream === "stderr" ? h("span", { class: "stderr" }, [text]) : text);
    out.scrollTop = out.scrollHeight;
  }, ctl.signal).catch((err) => !ctl.signal.aborted && showError(err));
}

let commitRepo: HTMLInputElement | undefined;

function renderActions(ui: Ui): void {
  const c = ui.containers.find((x) => x.Id === ui.selected);
  const box = $("#actions");
  if (!c) return void box.replaceChildren(h("p", { class: "empty" }, ["no container selected"]));
  const act = (label: string, run: () => Promise<unknown>, testid: string) => h("button", { "data-testid": testid, onclick: () => void run().catch(showError) }, [label]);
  // One input for the page's life: the picture is redrawn on every event, and what is typed must survive it.
  const repo = (commitRepo ??= h("input", { placeholder: "repository[:tag]", "data-testid": "commit-repo", size: "18" }));
  // Moved into the new row, the input would lose the focus (and the keys typed next) at every event.
  const typing = document.activeElement === repo, [from, to] = [repo.selectionStart, repo.selectionEnd];
  box.replaceChildren(
    h("div", { class: "who" }, [h("strong", {}, [c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12)]), ` ${c.Image} · ${c.Status} · `, h("code", {}, [c.Command])]),
    h("div", { class: "buttons" }, [
      act("stop", () => ui.client.stop(c.Id), "stop"),
      act("remove", () => ui.client.remove(c.Id), "remove"),
      repo,
      act("commit", async () => {
        const [r, tag] = repo.value.trim().split(/:(?=[^/:]*$)/);
        await ui.client.commit(c.Id, r ?? "", tag ?? "");
      }, "commit"),
    ]),
  );
  if (typing) {
    repo.focus();
    repo.setSelectionRange(from, to);
  }
}

function setupRun(ui: Ui, canTerminal: boolean, inPage: boolean): void {
  const form = $<HTMLFormElement>("#run");
  const it = $<HTMLInputElement>("[data-testid=run-it]");
  if (!canTerminal) {
    it.disabled = true;
    it.parentElement!.title = "a terminal needs stdin that streams: in this page, workers (a cross-origin isolated page) or JSPI";
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const env = String(data.get("env") ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
    void (async () => {
      const cmd = splitCommand(String(data.get("cmd") ?? ""));
      const tty = it.checked && canTerminal;
      const id = await ui.client.create({ image: String(data.get("image") ?? "").trim(), cmd, env, name: String(data.get("name") ?? "").trim() || undefined, tty });
      ui.terminal?.close();
      ui.terminal = null;
      $("#terminal-box").hidden = !tty;
      if (tty) {
        const { openTerminal } = await import("./terminal.ts"); // xterm.js: loaded for the first terminal only
        ui.terminal = openTerminal($("#terminal"), ui.client, id, inPage);
        await ui.terminal.ready;
      }
      await ui.client.start(id);
      await draw(ui);
      select(ui, id);
    })().catch(showError);
  });
}

function showError(err: unknown): void {
  const bar = $("#error");
  bar.textContent = err instanceof Error ? err.message : String(err);
  bar.hidden = false;
  clearTimeout(Number(bar.dataset.timer));
  bar.dataset.timer = String(setTimeout(() => (bar.hidden = true), 8000));
}

boot().catch((err) => {
  showError(err);
  $("#mode").textContent = "failed to start";
  document.body.dataset.failed = "1";
});
