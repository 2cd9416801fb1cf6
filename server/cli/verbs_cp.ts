/**
 * `strata cp`, both directions, as the docker CLI 28 does it over the Engine API's
 * archive endpoints: `cp CONTAINER:SRC DEST|-` (`GET /containers/{id}/archive`; with
 * `-L` the source is stat-ed first and a symlink followed) and `cp SRC|- CONTAINER:DEST`
 * (the destination stat-ed with `HEAD`, the local tar's top entry named for `cp`'s
 * meaning, then `PUT` with `noOverwriteDirNonDir`, and `copyUIDGID` for `-a`). Both tars
 * stream: neither side is held whole. Daemonless the same requests go to the engine in
 * this process (_local.ts). On a terminal, or unless `-q`, it ends with the docker CLI's
 * "Successfully copied 2.05kB to c1:/tmp" (the bytes of the tar that went across).
 */
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { flag } from "./_args.ts";
import {
  type CopyInfo, copyInfoDestinationPath, copyInfoSourcePath, getRebaseName, hostTar, nameRebaser, prepareArchiveCopy, resolveLocalPath,
  splitPathDirEntry, untarHost,
} from "./_cp_host.ts";
import { humanSize } from "./_format.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { type Client, DaemonError } from "./client.ts";

/** "c1:/etc/hosts" → ["c1", "/etc/hosts"]; a local path (absolute, or "./x:y") → [undefined, path] (the docker CLI's splitCpArg). */
export function splitCpArg(arg: string): [string | undefined, string] {
  if (arg.startsWith("/")) return [undefined, arg];
  const colon = arg.indexOf(":");
  if (colon < 0 || arg.startsWith(".")) return [undefined, arg];
  return [arg.slice(0, colon), arg.slice(colon + 1)];
}

/** What moby puts in X-Docker-Container-Path-Stat. */
interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}
const MODE_DIR = 2 ** 31, MODE_SYMLINK = 2 ** 27, MODE_DEVICE = 2 ** 26, MODE_IRREGULAR = 2 ** 19;
const has = (mode: number, bit: number) => Math.floor(mode / bit) % 2 === 1;

export const cp: Verb = {
  name: "cp", usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tstrata cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", min: 2, max: 2,
  summary: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  aliases: ["strata container cp", "strata cp"],
  flags: [
    { long: "archive", short: "a", type: "bool", desc: "Archive mode (copy all uid/gid information)" },
    { long: "follow-link", short: "L", type: "bool", desc: "Always follow symbol link in SRC_PATH" },
    { long: "quiet", short: "q", type: "bool", desc: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached" },
  ],
  async run(ctx, p) {
    if (p.args[0] === "") throw new CliError("source can not be empty");
    if (p.args[1] === "") throw new CliError("destination can not be empty");
    const [srcC, src] = splitCpArg(p.args[0]!), [dstC, dst] = splitCpArg(p.args[1]!);
    if (srcC !== undefined && dstC !== undefined) throw new CliError("copying between containers is not supported");
    if (srcC === undefined && dstC === undefined) throw new CliError("must specify at least one container source");
    // Without -q the summary shows on a terminal only (the docker CLI's default).
    const quiet = typeof p.flags["quiet"] === "boolean" ? p.flags["quiet"] : !ctx.io.stdoutTTY;
    const o = { quiet, followLink: flag.bool(p, "follow-link"), copyUIDGID: flag.bool(p, "archive") };
    const c = await ctx.client();
    if (srcC !== undefined) return await fromContainer(ctx, c, srcC, src, dst, o);
    return await toContainer(ctx, c, dstC!, dst, src, o);
  },
};

interface CpOptions {
  quiet: boolean;
  followLink: boolean;
  copyUIDGID: boolean;
}

function archivePath(container: string): string {
  return `/containers/${encodeURIComponent(container)}/archive`;
}

/** HEAD: the stat of a container path, or undefined when the engine says it is not there (or anything else: the copy goes on without it, as docker's does). */
async function statPath(c: Client, container: string, path: string): Promise<PathStat | undefined> {
  try {
    return decodeStat(await c.call("HEAD", archivePath(container), { query: { path } }));
  } catch (err) {
    if (err instanceof DaemonError) return undefined;
    throw err;
  }
}

function decodeStat(r: Response): PathStat {
  const raw = r.headers.get("X-Docker-Container-Path-Stat") ?? "";
  const bytes = Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as PathStat;
}

/** The bytes of `stream` as they pass, added to `count.n`. */
function counted(stream: ReadableStream<Uint8Array>, count: { n: number }): ReadableStream<Uint8Array> {
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => (count.n += chunk.length, c.enqueue(chunk)) }));
}

async function fromContainer(ctx: Ctx, c: Client, container: string, src: string, dst: string, o: CpOptions): Promise<number> {
  const dstPath = dst === "-" ? dst : resolveLocalPath(dst);
  if (dst !== "-") validateOutputPath(dstPath);
  let srcPath = src, rebaseName = "";
  if (o.followLink) {
    const st = await statPath(c, container, srcPath);
    if (st && has(st.mode, MODE_SYMLINK)) {
      const target = st.linkTarget.startsWith("/") ? st.linkTarget : `${splitPathDirEntry(srcPath)[0]}/${st.linkTarget}`;
      [srcPath, rebaseName] = getRebaseName(srcPath, target);
    }
  }
  const r = await c.call("GET", archivePath(container), { query: { path: srcPath } });
  const stat = decodeStat(r);
  const body = r.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
  if (dstPath === "-") {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) await ctx.io.out(chunk);
    return 0;
  }
  const count = { n: 0 };
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: has(stat.mode, MODE_DIR), rebaseName };
  const dstInfo = copyInfoDestinationPath(dstPath);
  const rebase = rebaseName ? nameRebaser(splitPathDirEntry(srcPath)[1], rebaseName) : (n: string) => n;
  const { dir, rename } = prepareArchiveCopy(srcInfo, dstInfo);
  let failure: unknown;
  try {
    await untarHost(counted(body, count), dir, (n) => rename(rebase(n)));
  } catch (err) {
    failure = err;
  }
  if (!o.quiet) await ctx.io.err(`Successfully copied ${humanSize(count.n)} to ${dstPath}\n`);
  if (failure) throw failure;
  return 0;
}

async function toContainer(ctx: Ctx, c: Client, container: string, dst: string, src: string, o: CpOptions): Promise<number> {
  const srcPath = src === "-" ? src : resolveLocalPath(src);
  const dstInfo: CopyInfo = { path: dst, exists: false, isDir: false, rebaseName: "" };
  let st = await statPath(c, container, dst);
  if (st && has(st.mode, MODE_SYMLINK)) {
    dstInfo.path = st.linkTarget.startsWith("/") ? st.linkTarget : `${splitPathDirEntry(dst)[0]}/${st.linkTarget}`;
    st = await statPath(c, container, dstInfo.path);
  }
  if (st) {
    if (has(st.mode, MODE_DEVICE)) throw new CliError(`destination "${container}:${dst}" must be a directory or a regular file: got a device`);
    if (has(st.mode, MODE_IRREGULAR)) throw new CliError(`destination "${container}:${dst}" must be a directory or a regular file: got an irregular file`);
    dstInfo.exists = true;
    dstInfo.isDir = has(st.mode, MODE_DIR);
  }
  const count = { n: 0 };
  let content: ReadableStream<Uint8Array>, dstDir: string;
  if (srcPath === "-") {
    if (!dstInfo.isDir) throw new CliError(`destination "${container}:${dst}" must be a directory`);
    content = streamOf(ctx.io.stdin()); // not counted: the docker CLI reports 0B for stdin
    dstDir = dstInfo.path;
  } else {
    const srcInfo = copyInfoSourcePath(srcPath, o.followLink);
    const prepared = prepareArchiveCopy(srcInfo, dstInfo);
    content = counted(hostTar(srcInfo, prepared.rename), count);
    dstDir = prepared.dir;
  }
  let failure: unknown;
  try {
    await c.call("PUT", archivePath(container), {
      query: { path: dstDir, noOverwriteDirNonDir: "true", copyUIDGID: o.copyUIDGID ? "true" : undefined },
      raw: content, headers: { "Content-Type": "application/x-tar" },
    });
  } catch (err) {
    failure = err;
  }
  if (!o.quiet) await ctx.io.err(`Successfully copied ${humanSize(count.n)} to ${container}:${dstInfo.path}\n`);
  if (failure) throw failure;
  return 0;
}

/** The docker CLI's ValidateOutputPath: the destination's directory must exist; what is there must be a directory or a regular file. */
function validateOutputPath(path: string): void {
  const dir = dirname(path.replace(/\/+$/, "") || "/");
  if (!existsSync(dir)) throw new CliError(`invalid output path: directory "${dir}" does not exist`);
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // nothing there yet
  }
  if (st.isDirectory() || st.isFile()) return;
  throw new CliError(`invalid output path: "${path}" must be a directory or a regular file: ${st.isCharacterDevice() || st.isBlockDevice() ? "got a device" : "got an irregular file"}`);
}

/** Stdin as a stream, read as the request sends it. */
function streamOf(src: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  }, { highWaterMark: 0 });
}
