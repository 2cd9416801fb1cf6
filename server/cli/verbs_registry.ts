/**
 * pull and push: the docker CLI's verbs and output. The engine (in this process, or a
 * server) talks to the registry; this side sends the stored credentials of the image's
 * registry (the docker CLI's config.json, `strata login`) as X-Registry-Auth and draws
 * the JSON-message stream as the docker CLI draws it (per-layer lines, rewritten in
 * place on a terminal). `pullFor` is what `run` and `create` call for an image that is
 * not local, as the docker CLI does after "Unable to find image … locally".
 */
import { remoteReference } from "../../src/engine/reference.ts"; // not mod.ts: the verb loads no engine
import { flag } from "./_args.ts";
import { credentialsFor } from "./_docker_config.ts";
import { ProgressBoard } from "./_progress.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import type { Client } from "./client.ts";
import { jsonMessages } from "./verbs_images.ts";

export const pull: Verb = {
  name: "pull", usage: "[OPTIONS] NAME[:TAG|@DIGEST]", summary: "Download an image from a registry", min: 1, max: 1,
  aliases: ["strata image pull", "strata pull"],
  flags: [
    { long: "platform", type: "string", desc: "Set platform if server is multi-platform capable (default: wasip1/wasm or wasi/wasm)" },
    { long: "quiet", short: "q", type: "bool", desc: "Suppress verbose output" },
  ],
  async run(ctx, p) {
    const ref = p.args[0]!;
    const quiet = flag.bool(p, "quiet");
    const named = _parse(ref);
    if (!named.given && !quiet) await ctx.io.out("Using default tag: latest\n");
    const code = await pullFor(ctx, await ctx.client(), ref, { platform: flag.str(p, "platform"), quiet, write: (s) => ctx.io.out(s), tty: ctx.io.stdoutTTY });
    if (code === 0) await ctx.io.out(`${named.canonical}\n`);
    return code;
  },
};

export const push: Verb = {
  name: "push", usage: "[OPTIONS] NAME[:TAG]", summary: "Upload an image to a registry", min: 1, max: 1,
  aliases: ["strata image push", "strata push"],
  flags: [{ long: "quiet", short: "q", type: "bool", desc: "Suppress verbose output" }],
  async run(ctx, p) {
    const ref = p.args[0]!;
    const named = _parse(ref);
    if (!named.given) await ctx.io.out("Using default tag: latest\n");
    const quiet = flag.bool(p, "quiet");
    const r = await (await ctx.client()).call("POST", `/images/${named.repo}/push`, { query: { tag: named.tag }, headers: _authHeader(ctx, named.registry) });
    const board = new ProgressBoard((s) => void ctx.io.out(s), { tty: ctx.io.stdoutTTY, columns: ctx.io.columns });
    const code = await jsonMessages(r.body, async (m) => {
      if (!quiet && m.status) board.update(m);
    }, async (msg) => void await ctx.io.err(`${msg}\n`));
    if (code === 0 && quiet) await ctx.io.out(`${named.canonical}\n`);
    return code;
  },
};

/**
 * Pull `ref` through the engine, drawing the progress with `write` (stderr for run and
 * create, as the docker CLI). Resolves with 0, or 1 after printing the stream's error.
 * Errors: DaemonError for an error before the stream (a missing tag: "manifest for X not found").
 */
export async function pullFor(ctx: Ctx, c: Client, ref: string, o: { platform?: string; quiet?: boolean; write: (s: string) => Promise<void> | void; tty: boolean; onError?: (message: string) => Promise<void> }): Promise<number> {
  const named = _parse(ref);
  const query = { fromImage: named.repo, tag: named.tag, platform: o.platform?.toLowerCase() };
  const r = await c.call("POST", "/images/create", { query, headers: _authHeader(ctx, named.registry) });
  const board = new ProgressBoard((s) => void o.write(s), { tty: o.tty, columns: ctx.io.columns });
  return await jsonMessages(r.body, async (m) => {
    if (!o.quiet && m.status) board.update(m);
  }, o.onError ?? (async (msg) => void await ctx.io.err(`${msg}\n`)));
}

/** The parts of a reference the CLI sends, and the fully qualified name Docker prints last. */
function _parse(ref: string): { repo: string; tag: string; registry: string; canonical: string; given: boolean } {
  let r;
  try {
    r = remoteReference(ref);
  } catch (err) {
    throw new CliError(`strata: ${(err as Error).message}.\nSee 'strata pull --help'.`, 1);
  }
  const given = /:[^/]+$/.test(ref) || ref.includes("@");
  const tag = r.digest ?? r.tag;
  const canonical = `${r.registry}/${r.path}${r.digest ? `@${r.digest}` : `:${r.tag}`}`;
  return { repo: r.repo, tag, registry: r.registry, canonical, given };
}

/** X-Registry-Auth with the stored credentials of `registry` (`e30=`, none, as the docker CLI sends). */
function _authHeader(ctx: Ctx, registry: string): Record<string, string> {
  const creds = credentialsFor(registry, ctx.io.env, { warn: (m) => void ctx.io.err(`${m}\n`) });
  const json = JSON.stringify(creds ? { ...creds, serveraddress: registry } : {});
  const bytes = new TextEncoder().encode(json);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return { "X-Registry-Auth": btoa(bin).replaceAll("+", "-").replaceAll("/", "_") };
}
