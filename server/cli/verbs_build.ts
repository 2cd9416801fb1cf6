/**
 * `strata build` (and `strata image build`): the docker CLI's classic build. The context
 * directory is sent as a tar (owners 0:0, what its `.dockerignore` excludes left out, the
 * Dockerfile and `.dockerignore` always sent, as the docker CLI does); `-` reads the
 * context tar, or a lone Dockerfile, from stdin; `-f -` reads the Dockerfile from stdin,
 * and a Dockerfile from stdin or outside the context goes in under a random name that
 * the context's `.dockerignore` then lists (docker CLI AddDockerfileToBuildContext). The
 * output is the server's stream as the docker CLI prints it; a failed step exits with
 * its code (a failed RUN's exit status), as `docker build` does.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { IgnoreMatcher, parseDockerignore } from "../../src/dockerfile/mod.ts";
import { type TarInput, writeTar } from "../../src/tar/mod.ts";
import { flag, type Parsed } from "./_args.ts";
import { progressText } from "./_progress.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";

export const build: Verb = {
  name: "build", usage: "[OPTIONS] PATH | -", summary: "Build an image from a Dockerfile", min: 1, max: 1,
  aliases: ["strata image build", "strata build", "strata builder build"],
  flags: [
    { long: "build-arg", type: "list", desc: "Set build-time variables" },
    { long: "file", short: "f", type: "string", desc: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
    { long: "force-rm", type: "bool", desc: "Always remove intermediate containers" },
    { long: "iidfile", type: "string", desc: "Write the image ID to the file" },
    { long: "label", type: "list", desc: "Set metadata for an image" },
    { long: "no-cache", type: "bool", desc: "Do not use cache when building the image" },
    { long: "platform", type: "string", desc: "Set platform if server is multi-platform capable" },
    { long: "pull", type: "bool", desc: "Always attempt to pull a newer version of the image (strata has no registry client yet: ignored)" },
    { long: "quiet", short: "q", type: "bool", desc: "Suppress the build output and print image ID on success" },
    { long: "rm", type: "bool", desc: "Remove intermediate containers after a successful build", default: "true" },
    { long: "tag", short: "t", type: "list", desc: "Name and optionally a tag in the 'name:tag' format" },
    { long: "target", type: "string", desc: "Set the target build stage to build." },
  ],
  async run(ctx, p) {
    const { tar, dockerfile } = await _context(ctx, p);
    const quiet = flag.bool(p, "quiet");
    if (!quiet) await ctx.io.out(`Sending build context to Docker daemon  ${progressText(tar.length, 0, false).trim()}\n`);
    const r = await (await ctx.client()).call("POST", "/build", {
      query: { ..._query(ctx, p), dockerfile }, raw: tar as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" },
    });
    let id = "";
    const said: string[] = []; // -q: the server sends the id alone, or what it said before it failed
    try {
      await _messages(r.body, async (m) => {
        if (m.aux?.ID) id = m.aux.ID;
        if (m.stream) quiet ? said.push(m.stream) : await ctx.io.out(m.stream);
      });
    } catch (err) {
      if (quiet && err instanceof CliError) await ctx.io.err(said.join(""));
      throw err;
    }
    if (quiet) await ctx.io.out(id = said.join(""));
    const iidfile = flag.str(p, "iidfile");
    if (iidfile && !id) throw new CliError(`strata: Server did not provide an image ID. Cannot write ${iidfile}`, 1);
    if (iidfile) writeFileSync(iidfile, id);
  },
};

/** The query of POST /build. */
function _query(ctx: Ctx, p: Parsed): Record<string, string | boolean | string[] | undefined> {
  const args: Record<string, string | null> = {};
  for (const a of flag.list(p, "build-arg")) {
    const eq = a.indexOf("=");
    args[eq < 0 ? a : a.slice(0, eq)] = eq < 0 ? ctx.io.env[a] ?? null : a.slice(eq + 1);
  }
  const labels: Record<string, string> = {};
  for (const l of flag.list(p, "label")) {
    const eq = l.indexOf("=");
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? "" : l.slice(eq + 1);
  }
  return {
    t: flag.list(p, "tag"), target: flag.str(p, "target"), buildargs: JSON.stringify(args), labels: JSON.stringify(labels),
    nocache: flag.bool(p, "no-cache") || undefined, rm: p.flags["rm"] !== false, forcerm: flag.bool(p, "force-rm") || undefined,
    q: flag.bool(p, "quiet") || undefined, platform: flag.str(p, "platform"), version: "1",
  };
}

type Message = { stream?: string; aux?: { ID?: string }; error?: string; errorDetail?: { code?: number; message?: string } };

/** Read the JSON-message stream. Errors: CliError with an error message's text and code (1 without one), as the docker CLI exits. */
async function _messages(body: ReadableStream<Uint8Array> | null, each: (m: Message) => Promise<void>): Promise<void> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of (body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const m = JSON.parse(line) as Message;
      if (m.error || m.errorDetail) throw new CliError(m.errorDetail?.message ?? m.error ?? "", m.errorDetail?.code || 1);
      await each(m);
    }
  }
}

/** The context tar and the Dockerfile's name in it. */
async function _context(ctx: Ctx, p: Parsed): Promise<{ tar: Uint8Array; dockerfile: string }> {
  const path = p.args[0]!;
  const file = flag.str(p, "file");
  if (/^(https?|git):\/\/|^git@/.test(path)) throw new CliError(`strata: cannot build from a remote context (${path}): clone or download it and build from the directory`, 1);
  if (path === "-") {
    if (file === "-") throw new CliError("strata: invalid argument: can't use stdin for both build context and dockerfile", 1);
    const input = await _readAll(ctx.io.stdin());
    if (_isArchive(input)) return { tar: input, dockerfile: file ?? "Dockerfile" };
    return { tar: writeTar([{ path: "Dockerfile", type: "file", mode: 0o600, data: input }]), dockerfile: "Dockerfile" };
  }
  const root = resolve(path);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`strata: unable to prepare context: path "${path}" not found`, 1);
  const df = file === "-" ? undefined : file ? resolve(file) : join(root, "Dockerfile");
  const inside = df !== undefined && !relative(root, df).startsWith("..") && !isAbsolute(relative(root, df));
  const ignoreText = _text(join(root, ".dockerignore"));
  const rel = inside ? relative(root, df).split("\\").join("/") : "";
  const entries = _walk(root, new IgnoreMatcher(parseDockerignore(ignoreText ?? "")), [".dockerignore", rel]);
  if (inside) {
    if (!statSync(df, { throwIfNoEntry: false })) throw new CliError(`strata: unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${df}: no such file or directory`, 1);
    return { tar: writeTar(entries, { sort: true }), dockerfile: rel };
  }
  // A Dockerfile from stdin or from outside the context: added under a random name, which .dockerignore then lists.
  const data = file === "-" ? await _readAll(ctx.io.stdin()) : new Uint8Array(readFileSync(df!));
  const name = `.dockerfile.${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  const ignore = new TextEncoder().encode(`${ignoreText ?? ""}\n${name}\n`);
  const kept = entries.filter((e) => e.path !== ".dockerignore");
  kept.push({ path: name, type: "file", mode: 0o600, data }, { path: ".dockerignore", type: "file", mode: 0o600, data: ignore });
  return { tar: writeTar(kept, { sort: true }), dockerfile: name };
}

/** The context directory's entries (owners 0:0), without what .dockerignore excludes, `keep` always kept. */
function _walk(root: string, ignore: IgnoreMatcher, keep: string[], prefix = ""): TarInput[] {
  const out: TarInput[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const full = join(root, rel);
    const st = lstatSync(full);
    const skip = !keep.includes(rel) && ignore.matches(rel);
    const base = { path: rel, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), uid: 0, gid: 0 };
    if (st.isDirectory()) {
      if (!skip) out.push({ ...base, type: "dir" });
      out.push(..._walk(root, ignore, keep, rel));
    } else if (skip) continue;
    else if (st.isSymbolicLink()) out.push({ ...base, type: "symlink", linkname: readlinkSync(full) });
    else if (st.isFile()) out.push({ ...base, type: "file", data: new Uint8Array(readFileSync(full)) });
  }
  return out;
}

function _text(path: string): string | undefined {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? readFileSync(path, "utf8") : undefined;
}

/** A tar (ustar magic at 257) or a gzip stream, as the docker CLI tells a context from a Dockerfile on stdin. */
function _isArchive(b: Uint8Array): boolean {
  if (b[0] === 0x1f && b[1] === 0x8b) return true;
  return b.length >= 262 && new TextDecoder().decode(b.subarray(257, 262)) === "ustar";
}

async function _readAll(src: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of src) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of parts) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
