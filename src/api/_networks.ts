/**
 * /networks/*: strata containers have no network (a WASI program has no sockets), so
 * there are only Docker's three predefined networks, listed as Docker lists them so
 * that tools which look for `bridge` find it: `bridge` and `host` with no container on
 * them, `none` with every running container (each runs as `--network none` would).
 * Creating, connecting and disconnecting answer 501 saying why; removing a predefined
 * network is Docker's 403; prune has nothing to delete (Docker never prunes these), so
 * `docker system prune` goes through.
 */
import type { Context, Hono } from "hono";
import type { ContainerSummary, EngineApi } from "../engine/mod.ts";
import { filterValues, filters } from "./_query.ts";

/** Docker's three predefined networks; ids are fixed (Docker's are random per daemon). */
const PREDEFINED = [
  { Name: "bridge", Id: "5d1f0a6c0e2b4f3a8c7d9e1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e", Driver: "bridge" },
  { Name: "host", Id: "8e2a1b7d1f3c5a4b9d8e0f2c3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f", Driver: "host" },
  { Name: "none", Id: "9f3b2c8e2a4d6b5c0e9f1a3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a", Driver: "null" },
] as const;

type Predefined = typeof PREDEFINED[number];

const NO_NETWORK = "strata containers have no network (a WASI program has no sockets); only the predefined networks bridge, host and none exist";

/** `docker network inspect` of one predefined network. */
function networkView(n: Predefined, containers: ContainerSummary[]) {
  const on = n.Name === "none" ? containers.filter((c) => c.State === "running") : [];
  return {
    Name: n.Name, Id: n.Id, Created: "0001-01-01T00:00:00Z", Scope: "local", Driver: n.Driver, EnableIPv4: n.Name === "bridge", EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false,
    ConfigFrom: { Network: "" }, ConfigOnly: false,
    Containers: Object.fromEntries(on.map((c) => [c.Id, { Name: c.Names[0]!.slice(1), EndpointID: "", MacAddress: "", IPv4Address: "", IPv6Address: "" }])),
    Options: {}, Labels: {},
  };
}

/** The predefined network named by name, full id or id prefix; undefined when none is. */
function find(ref: string): Predefined | undefined {
  return PREDEFINED.find((n) => n.Name === ref || n.Id === ref) ?? (ref.length >= 1 ? PREDEFINED.find((n) => n.Id.startsWith(ref)) : undefined);
}

/** `docker network ls --filter`: name (substring), id (prefix), driver, type (builtin|custom), scope. */
function matches(n: Predefined, f: ReturnType<typeof filters>): boolean {
  const test = (key: string, fn: (v: string) => boolean) => {
    const vs = filterValues(f, key);
    return vs.length === 0 || vs.some(fn);
  };
  return test("name", (v) => n.Name.includes(v)) && test("id", (v) => n.Id.startsWith(v)) && test("driver", (v) => v === n.Driver)
    && test("type", (v) => v === "builtin") && test("scope", (v) => v === "local") && test("label", () => false);
}

const notFound = (c: Context, ref: string) => c.json({ message: `network ${ref} not found` }, 404);
const unsupported = (c: Context, what: string) => c.json({ message: `strata does not support ${what}: ${NO_NETWORK}` }, 501);

export function networkRoutes(app: Hono, engine: EngineApi): void {
  const containers = () => engine.containers.list({ all: true });
  app.get("/networks", async (c) => {
    const f = filters(c), all = await containers();
    return c.json(PREDEFINED.filter((n) => matches(n, f)).map((n) => networkView(n, all)));
  });
  app.post("/networks/create", (c) => unsupported(c, "creating networks"));
  app.post("/networks/prune", (c) => c.json({ NetworksDeleted: null }));
  app.get("/networks/:id", async (c) => {
    const n = find(c.req.param("id"));
    return n ? c.json(networkView(n, await containers())) : notFound(c, c.req.param("id"));
  });
  app.delete("/networks/:id", (c) => {
    const n = find(c.req.param("id"));
    return n ? c.json({ message: `${n.Name} is a pre-defined network and cannot be removed` }, 403) : notFound(c, c.req.param("id"));
  });
  app.post("/networks/:id/connect", (c) => unsupported(c, "connecting containers to networks"));
  app.post("/networks/:id/disconnect", (c) => unsupported(c, "disconnecting containers from networks"));
}
