/**
 * `strata cp`, both directions, as tar streams as Docker does: `cp CONTAINER:SRC DEST|-`
 * and `cp SRC|- CONTAINER:DEST`. The Engine API's archive endpoints
 * (`GET/PUT /containers/{id}/archive?path=`) carry the tar. Where a server lacks the GET,
 * the subtree is cut out of the container's export instead.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { indexTar, type TarEntry, type TarInput, writeTar } from "../../src/tar/mod.ts";
import { flag } from "./_args.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { type Client, DaemonError } from "./client.ts";

/** "c1:/etc/hosts" → ["c1", "/etc/hosts"]; a host path (no colon before a slash) → [undefined, path]. */
export function splitCpArg(arg: string): [string | undefined, string] {
  if (arg === "-" || arg.startsWith("/") || arg.startsWith(".")) return [undefined, arg];
  const colon = arg.indexOf(":");
  return colon > 0 ? [arg.slice(0, colon), arg.slice(colon + 1) || "/"] : [undefined, arg];
}

export const cp: Verb = {
  name: "cp", usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tstrata cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", min: 2, max: 2,
  summary: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  aliases: ["strata container cp", "strata cp"],
  flags: [
    { long: "archive", short: "a", type: "bool", desc: "Archive mode (copy all uid/gid information)" },
    { long: "follow-link", short: "L", type: "bool", desc: "Always follow symbol link in SRC_PATH" },
    { long: "quiet", short: "q", type: "bool", desc: "Suppress progress output during copy" },
  ],
  async run(ctx, p) {
    const [srcC, src] = splitCpArg(p.args[0]!), [dstC, dst] = splitCpArg(p.args[1]!);
    if (srcC && dstC) throw new CliError("strata: copying between containers is not supported", 1);
    if (!srcC && !dstC) throw new CliError("strata: must specify at least one container source", 1);
    const c = await ctx.client();
    if (srcC) return await _fromContainer(ctx, c, srcC, src, dst, flag.bool(p, "quiet"));
    return await _toContainer(ctx, c, dstC!, dst, src);
  },
};

async function _fromContainer(ctx: Ctx, c: Client, container: string, src: string, dst: string, quiet: boolean): Promise<number> {
  const tar = await archiveOf(c, container, src);
  if (dst === "-") {
    await ctx.io.out(tar);
    return 0;
  }
  const entries = indexTar(tar);
  const top = entries[0]?.path.split("/")[0] ?? basename(src);
  // Docker: into an existing directory the source keeps its name; otherwise it takes DEST's name.
  const into = existsSync(dst) && statSync(dst).isDirectory();
  let bytes = 0;
  for (const e of entries) {
    const rel = e.path === top ? "" : e.path.slice(top.length + 1);
    const target = into ? join(dst, top, rel) : join(dst, rel);
    bytes += _extract(e, target);
  }
  if (!quiet) await ctx.io.err(`Successfully copied ${_size(bytes)} to ${dst}\n`);
  return 0;
}

function _size(n: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let i = 0, v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toFixed(i ? 1 : 0))}${units[i]}`;
}

function _extract(e: TarEntry, target: string): number {
  if (e.type === "dir") { mkdirSync(target, { recursive: true }); return 0; }
  mkdirSync(dirname(target), { recursive: true });
  if (e.type === "symlink") {
    if (!existsSync(target)) symlinkSync(e.linkname, target);
    return 0;
  }
  if (e.type === "file" || e.type === "hardlink") {
    writeFileSync(target, e.data, { mode: e.mode & 0o777 });
    return e.size;
  }
  return 0;
}

/** A tar of SRC in the container, named from its basename (GET /archive, or cut from the export). */
async function archiveOf(c: Client, container: string, src: string): Promise<Uint8Array> {
  const id = encodeURIComponent(container);
  try {
    return new Uint8Array(await (await c.call("GET", `/containers/${id}/archive`, { query: { path: src } })).arrayBuffer());
  } catch (err) {
    if (!(err instanceof DaemonError) || err.status !== 404 || !/page not found/i.test(err.message)) throw err;
  }
  const all = indexTar(new Uint8Array(await (await c.call("GET", `/containers/${id}/export`)).arrayBuffer()));
  const path = src.replace(/^\/+|\/+$/g, "").replace(/\/\.$/, "");
  const name = basename(path) || "/";
  const picked = all.filter((e) => path === "" || e.path === path || e.path.startsWith(`${path}/`));
  if (!picked.length) throw new DaemonError(404, `Could not find the file ${src} in container ${container}`);
  const rename = (p: string) => (path === "" ? p : name + p.slice(path.length));
  return writeTar(picked.map((e): TarInput => ({
    path: rename(e.path), type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, data: e.data,
    linkname: e.type === "hardlink" ? rename(e.linkname) : e.linkname,
  })));
}

async function _toContainer(ctx: Ctx, c: Client, container: string, dst: string, src: string): Promise<number> {
  const tar = src === "-" ? await _readAll(ctx.io.stdin()) : writeTar(_walk(src, basename(src)));
  try {
    await c.call("PUT", `/containers/${encodeURIComponent(container)}/archive`, { query: { path: dst }, raw: tar as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
  } catch (err) {
    if (err instanceof DaemonError && err.status === 404 && /page not found/i.test(err.message)) {
      throw new CliError("strata: this engine cannot copy into a container yet (no PUT /containers/{id}/archive)", 125);
    }
    throw err;
  }
  return 0;
}

function _walk(host: string, name: string): TarInput[] {
  const st = lstatSync(host);
  const base = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isSymbolicLink()) return [{ path: name, type: "symlink", linkname: readlinkSync(host), ...base }];
  if (st.isDirectory()) return [{ path: name, type: "dir", ...base }, ...readdirSync(host).sort().flatMap((n) => _walk(join(host, n), `${name}/${n}`))];
  return [{ path: name, type: "file", data: new Uint8Array(readFileSync(host)), ...base }];
}

async function _readAll(src: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of src) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of parts) { out.set(c, at); at += c.length; }
  return out;
}
