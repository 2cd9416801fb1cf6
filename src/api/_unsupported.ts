/**
 * The Engine API endpoints strata does not implement (moby's api/swagger.yaml, v1.47):
 * each answers 501 `{"message":"strata does not support <what>"}`, naming it, so a
 * client sees what is missing instead of a bare "page not found". Registered after every
 * real route (app.ts): Hono runs handlers in registration order, so a route another part
 * of the API serves is never shadowed; the catch-alls at the end cover the rest of
 * /containers/{id}/…, /images/{name}/… and the groups strata has nothing of. Plugins are
 * listed (none) and looked up (404), as a daemon without plugins answers.
 */
import type { Hono } from "hono";

/** [method, path, what] — the path in Hono's syntax; `*` as the method for every one. */
const UNSUPPORTED: Array<[string, string, string]> = [
  ["GET", "/images/search", "searching a registry (docker search)"],
  ["GET", "/distribution/:name{.+}/json", "distribution inspect (registry manifests)"],
  ["POST", "/session", "build sessions (BuildKit); use the classic builder (DOCKER_BUILDKIT=0)"],
  ["POST", "/grpc", "the gRPC endpoint (BuildKit)"],
  ["*", "/swarm", "swarm mode"],
  ["*", "/swarm/*", "swarm mode"],
  ["*", "/nodes", "swarm nodes"],
  ["*", "/nodes/*", "swarm nodes"],
  ["*", "/services", "swarm services"],
  ["*", "/services/*", "swarm services"],
  ["*", "/tasks", "swarm tasks"],
  ["*", "/tasks/*", "swarm tasks"],
  ["*", "/secrets", "swarm secrets"],
  ["*", "/secrets/*", "swarm secrets"],
  ["*", "/configs", "swarm configs"],
  ["*", "/configs/*", "swarm configs"],
  ["*", "/plugins", "plugins"],
  ["*", "/plugins/*", "plugins"],
  ["*", "/containers/:id/checkpoints", "checkpoints (CRIU)"],
  ["*", "/containers/:id/checkpoints/*", "checkpoints (CRIU)"],
  ["PUT", "/volumes/:name", "updating cluster volumes"],
];

/** Catch-alls for the rest of a group: `what` gets the path's last part. */
const GROUPS: Array<[string, (path: string) => string]> = [
  ["/containers/:id/*", (p) => `${lastPart(p)} of a container (${p})`],
  ["/images/*", (p) => `this image endpoint (${p})`],
  ["/exec/:id/*", (p) => `${lastPart(p)} of an exec instance (${p})`],
  ["/volumes/*", (p) => `this volume endpoint (${p})`],
  ["/system/*", (p) => `${p}`],
];

/** Container sub-resources strata serves (with some method): another method there is Docker's 404, not a 501. */
const SERVED = new Set(["json", "start", "stop", "kill", "restart", "rename", "resize", "changes", "wait", "attach", "ws", "logs", "export", "archive", "exec", "update", "stats", "top", "pause", "unpause"]);

const answer = (what: string) => Response.json({ message: `strata does not support ${what}` }, { status: 501 });

/** Register the 501 routes; call after every real route. */
export function unsupportedRoutes(app: Hono): void {
  // There are no plugins: listing them is an empty list, and one looked up is Docker's 404 (the docker
  // CLI's `inspect NAME` looks for a plugin after a container, image, network and volume, and needs that 404).
  app.get("/plugins", (c) => c.json([]));
  app.get("/plugins/:name{.+}/json", (c) => c.json({ message: `plugin "${c.req.param("name")}" not found` }, 404));
  for (const [method, path, what] of UNSUPPORTED) {
    if (method === "*") app.all(path, () => answer(what));
    else app.on(method, path, () => answer(what));
  }
  for (const [path, what] of GROUPS) {
    app.all(path, (c) => (path.startsWith("/containers/") && SERVED.has(lastPart(c.req.path)) ? c.json({ message: "page not found" }, 404) : answer(what(c.req.path))));
  }
}

function lastPart(path: string): string {
  return path.split("/").filter(Boolean).pop() ?? path;
}
