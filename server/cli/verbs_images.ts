/** The image verbs: images, load (per-layer progress), import, save (per-layer progress on a terminal), tag, rmi, history, image prune. */
import { readFileSync } from "node:fs";
import { flag } from "./_args.ts";
import { ago, ellipsis, humanSize, shortId, table } from "./_format.ts";
import { ProgressBoard } from "./_progress.ts";
import { TarProgress } from "./_tar_progress.ts";
import { formatList } from "./_template.ts";
import { CliError, type Verb } from "./_verb.ts";
import { IMAGES_HEADERS, IMAGES_TABLE, type ImageRow, imageViews } from "./_views.ts";
import { DaemonError } from "./client.ts";
import { filtersQuery, splitRef, writeBody } from "./verbs_containers.ts";

export const images: Verb = {
  name: "images", usage: "[OPTIONS] [REPOSITORY[:TAG]]", summary: "List images", max: 1,
  aliases: ["strata image ls", "strata image list", "strata images"],
  flags: [
    { long: "all", short: "a", type: "bool", desc: "Show all images (default hides intermediate images)" },
    { long: "digests", type: "bool", desc: "Show digests" },
    { long: "filter", short: "f", type: "list", valueName: "filter", desc: "Filter output based on conditions provided" },
    { long: "format", type: "string", desc: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE' (Go template)" },
    { long: "no-trunc", type: "bool", desc: "Don't truncate output" },
    { long: "quiet", short: "q", type: "bool", desc: "Only show image IDs" },
  ],
  async run(ctx, p) {
    const filters = [...flag.list(p, "filter"), ...(p.args[0] ? [`reference=${p.args[0]}`] : [])];
    const rows = await (await ctx.client()).json<ImageRow[]>("GET", "/images/json", { query: { filters: filtersQuery(filters) } });
    rows.sort((a, b) => b.Created - a.Created);
    const trunc = !flag.bool(p, "no-trunc");
    const views = rows.flatMap((r) => imageViews(r, { trunc }));
    if (flag.bool(p, "quiet")) return void await ctx.io.out([...new Set(views.map((v) => v["ID"]))].map((id) => `${id}\n`).join(""));
    const def = flag.bool(p, "digests") ? IMAGES_TABLE.replace("{{.Tag}}", "{{.Tag}}\t{{.Digest}}") : IMAGES_TABLE;
    await ctx.io.out(formatList(flag.str(p, "format") ?? def, views, { headers: IMAGES_HEADERS, defaultTable: def }));
  },
};

export const load: Verb = {
  name: "load", usage: "[OPTIONS]", summary: "Load an image from a tar archive or STDIN", max: 0, aliases: ["strata image load", "strata load"],
  flags: [
    { long: "input", short: "i", type: "string", desc: "Read from tar archive file, instead of STDIN" },
    { long: "quiet", short: "q", type: "bool", desc: "Suppress the load output" },
  ],
  async run(ctx, p) {
    const input = flag.str(p, "input");
    if (!input && ctx.io.stdinTTY) throw new CliError("strata: requested load from stdin, but stdin is empty", 1);
    const bytes = input ? new Uint8Array(readFileSync(input)) : await _readAll(ctx.io.stdin());
    // Progress only on a terminal, as the docker CLI asks (quiet=1 otherwise).
    const quiet = flag.bool(p, "quiet") || !ctx.io.stdoutTTY;
    const r = await (await ctx.client()).call("POST", "/images/load", { query: { quiet: quiet || undefined }, raw: bytes as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
    const board = new ProgressBoard((s) => void ctx.io.out(s), { tty: ctx.io.stdoutTTY, columns: ctx.io.columns });
    return await jsonMessages(r.body, async (m) => {
      if (m.stream) await ctx.io.out(m.stream);
      else if (m.status) board.update(m);
    }, async (msg) => void await ctx.io.err(`${msg}\n`));
  },
};

export const importVerb: Verb = {
  name: "import", usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", summary: "Import the contents from a tarball to create a filesystem image", min: 1, max: 2,
  aliases: ["strata image import", "strata import"],
  flags: [
    { long: "change", short: "c", type: "list", desc: "Apply Dockerfile instruction to the created image" },
    { long: "message", short: "m", type: "string", desc: "Set commit message for imported image" },
    { long: "platform", type: "string", desc: "Set platform if server is multi-platform capable" },
  ],
  async run(ctx, p) {
    const [source, ref] = p.args as [string, string | undefined];
    // As the docker CLI: "-" is stdin, a URL is the server's to fetch, anything else a file sent as the body.
    const url = /^https?:\/\//i.test(source);
    const body = source === "-" ? await _readAll(ctx.io.stdin()) : url ? undefined : _readFile(source);
    const r = await (await ctx.client()).call("POST", "/images/create", {
      query: { fromSrc: url ? source : "-", repo: ref, message: flag.str(p, "message"), platform: flag.str(p, "platform")?.toLowerCase(), changes: flag.list(p, "change") },
      ...(body ? { raw: body as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } } : {}),
    });
    return await jsonMessages(r.body, async (m) => {
      if (m.status) await ctx.io.out(`${m.status}\n`);
    }, async (msg) => void await ctx.io.err(`${msg}\n`));
  },
};

type JsonMessage = { stream?: string; status?: string; id?: string; error?: string; progressDetail?: { current?: number; total?: number } };

/** Read a JSON-lines message stream; an `error` line ends it with exit 1. */
export async function jsonMessages(body: ReadableStream<Uint8Array> | null, each: (m: JsonMessage) => Promise<void>, onError: (msg: string) => Promise<void>): Promise<number> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of (body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const m = JSON.parse(line) as JsonMessage;
      if (m.error) { await onError(m.error); return 1; }
      await each(m);
    }
  }
  return 0;
}

/** A file's bytes; a missing or unreadable one in the Go CLI's words ("open x.tar: no such file or directory"), exit 1. */
function _readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") throw new CliError(`open ${path}: no such file or directory`, 1);
    if (code === "EACCES") throw new CliError(`open ${path}: permission denied`, 1);
    if (code === "EISDIR") throw new CliError(`read ${path}: is a directory`, 1);
    throw err;
  }
}

async function _readAll(src: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of src) { parts.push(c); n += c.length; }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of parts) { out.set(c, at); at += c.length; }
  return out;
}

export const save: Verb = {
  name: "save", usage: "[OPTIONS] IMAGE [IMAGE...]", summary: "Save one or more images to a tar archive (streamed to STDOUT by default)", min: 1,
  aliases: ["strata image save", "strata save"],
  flags: [{ long: "output", short: "o", type: "string", desc: "Write to a file, instead of STDOUT" }],
  async run(ctx, p) {
    const output = flag.str(p, "output");
    const r = await (await ctx.client()).call("GET", "/images/get", { query: { names: p.args } });
    // Per-layer progress on stderr while the archive streams, when stderr is a terminal.
    const board = ctx.io.stderrTTY ? new ProgressBoard((s) => void ctx.io.err(s), { tty: true, columns: ctx.io.columns }) : undefined;
    const tar = board ? new TarProgress((e) => board.update({ id: e.id, status: e.done ? "Saved" : "Saving", progressDetail: { current: e.current, total: e.total } })) : undefined;
    await writeBody(ctx.io, r.body, output, tar ? (b) => tar.push(b) : undefined);
  },
};

export const tag: Verb = {
  name: "tag", usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", summary: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", min: 2, max: 2,
  aliases: ["strata image tag", "strata tag"],
  async run(ctx, p) {
    const [repo, t] = splitRef(p.args[1]!);
    await (await ctx.client()).call("POST", `/images/${p.args[0]}/tag`, { query: { repo, tag: t ?? "latest" } });
  },
};

export const rmi: Verb = {
  name: "rmi", usage: "[OPTIONS] IMAGE [IMAGE...]", summary: "Remove one or more images", min: 1,
  aliases: ["strata image rm", "strata image remove", "strata rmi"],
  flags: [
    { long: "force", short: "f", type: "bool", desc: "Force removal of the image" },
    { long: "no-prune", type: "bool", desc: "Do not delete untagged parents" },
  ],
  async run(ctx, p) {
    const c = await ctx.client();
    let failed = 0;
    for (const name of p.args) {
      try {
        const items = await c.json<Array<{ Untagged?: string; Deleted?: string }>>("DELETE", `/images/${name}`, { query: { force: flag.bool(p, "force") || undefined } });
        await ctx.io.out(items.map((i) => (i.Untagged ? `Untagged: ${i.Untagged}\n` : `Deleted: ${i.Deleted}\n`)).join(""));
      } catch (err) {
        if (!(err instanceof DaemonError)) throw err;
        failed++;
        await ctx.io.err(`${err.response}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

export const history: Verb = {
  name: "history", usage: "[OPTIONS] IMAGE", summary: "Show the history of an image", min: 1, max: 1, aliases: ["strata image history", "strata history"],
  flags: [
    { long: "human", short: "H", type: "bool", desc: "Print sizes and dates in human readable format", default: "true" },
    { long: "no-trunc", type: "bool", desc: "Don't truncate output" },
    { long: "quiet", short: "q", type: "bool", desc: "Only show image IDs" },
  ],
  async run(ctx, p) {
    const rows = await (await ctx.client()).json<Array<{ Id: string; Created: number; CreatedBy: string; Size: number; Comment: string }>>("GET", `/images/${p.args[0]}/history`);
    const trunc = !flag.bool(p, "no-trunc"), human = p.flags["human"] !== false;
    const id = (i: string) => (i === "<missing>" || !trunc ? i : shortId(i));
    if (flag.bool(p, "quiet")) return void await ctx.io.out(rows.map((r) => `${id(r.Id)}\n`).join(""));
    await ctx.io.out(table(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], rows.map((r) => [
      id(r.Id), human ? ago(r.Created) : new Date(r.Created * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      trunc ? ellipsis(r.CreatedBy.replace(/\s+/g, " "), 45) : r.CreatedBy, human ? humanSize(r.Size) : String(r.Size), r.Comment,
    ])));
  },
};

export const imagePrune: Verb = {
  name: "prune", usage: "[OPTIONS]", summary: "Remove unused images", max: 0,
  flags: [
    { long: "all", short: "a", type: "bool", desc: "Remove all unused images, not just dangling ones" },
    { long: "filter", type: "list", valueName: "filter", desc: "Provide filter values (e.g. \"until=<timestamp>\")" },
    { long: "force", short: "f", type: "bool", desc: "Do not prompt for confirmation" },
  ],
  async run(ctx, p) {
    const r = await (await ctx.client()).json<{ ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed: number }>("POST", "/images/prune", {
      query: { filters: filtersQuery([...flag.list(p, "filter"), `dangling=${!flag.bool(p, "all")}`]) },
    });
    const items = r.ImagesDeleted ?? [];
    const list = items.map((i) => (i.Untagged ? `untagged: ${i.Untagged}` : `deleted: ${i.Deleted}`)).join("\n");
    await ctx.io.out(`${items.length ? `Deleted Images:\n${list}\n\n` : ""}Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
