/**
 * `docker cp`'s routes: `HEAD /containers/{id}/archive?path=` (the path's stat, in the
 * `X-Docker-Container-Path-Stat` header: base64 of its JSON), `GET` (the same header and
 * a tar of the path, streamed) and `PUT` (a tar to extract into the directory at path;
 * `noOverwriteDirNonDir`, `copyUIDGID`), with moby's statuses: 200, 404 for a missing
 * container or path, 400 for what the request gets wrong. The PUT body streams into the
 * engine (never whole in memory here); a Content-Length past `maxArchiveBytes` is refused
 * at once (413), a chunked body that grows past it as it is read (400).
 */
import type { Context, Hono } from "hono";
import type { EngineApi, PathStat } from "../engine/mod.ts";
import { ApiError } from "./errors.ts";
import { bool } from "./_query.ts";

/** The header moby's router sets from ContainerPathStat (api/server/router/container/copy.go). */
const PATH_STAT_HEADER = "X-Docker-Container-Path-Stat";

export function archiveRoutes(app: Hono, engine: EngineApi, o: { maxArchiveBytes: number }): void {
  const ct = engine.containers;
  // Hono answers a HEAD with this GET route (without its body): a HEAD only stats.
  app.get("/containers/:id/archive", async (c) => {
    const id = c.req.param("id"), path = pathOf(c);
    if (c.req.method === "HEAD") return new Response(null, { headers: { [PATH_STAT_HEADER]: encodeStat(await ct.statPath(id, path)) } });
    const { stat, tar } = await ct.getArchive(id, path);
    return new Response(tar, { headers: { "Content-Type": "application/x-tar", [PATH_STAT_HEADER]: encodeStat(stat) } });
  });
  app.put("/containers/:id/archive", async (c) => {
    const path = pathOf(c);
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > o.maxArchiveBytes) throw new ApiError(413, `request body exceeds the limit of ${o.maxArchiveBytes} bytes`);
    const body = c.req.raw.body ?? new Uint8Array(0);
    await ct.putArchive(c.req.param("id"), path, body, {
      noOverwriteDirNonDir: bool(c, "noOverwriteDirNonDir"), copyUIDGID: bool(c, "copyUIDGID"), maxBytes: o.maxArchiveBytes,
    });
    return c.body(null, 200);
  });
}

/** The `path` query; moby's 400 when it is missing (its message lacks the space, as moby's does). */
function pathOf(c: Context): string {
  const path = c.req.query("path");
  if (!path) throw new ApiError(400, "bad parameter: pathcannot be empty");
  return path;
}

/** base64 of the stat's JSON (UTF-8), as moby's setContainerPathStatHeader writes it. */
function encodeStat(stat: PathStat): string {
  const json = new TextEncoder().encode(JSON.stringify({ name: stat.name, size: stat.size, mode: stat.mode, mtime: stat.mtime, linkTarget: stat.linkTarget }));
  let bin = "";
  for (let i = 0; i < json.length; i += 0x8000) bin += String.fromCharCode(...json.subarray(i, i + 0x8000));
  return btoa(bin);
}
