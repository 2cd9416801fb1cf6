/**
 * EXPOSE's port specs as go-connections' nat.ParsePortSpecs reads them:
 * `80`, `80/udp`, `8000-8010/tcp`, even `127.0.0.1:8080:80` (only the container port is
 * exposed). Each becomes `port/proto` ("80" → "80/tcp"), a range one entry per port.
 */
import { LineError } from "./errors.ts";

const PROTOS = new Set(["tcp", "udp", "sctp"]);
/** Most ports one EXPOSE may open: a range is expanded port by port, so it is bounded. */
const MAX_PORTS = 65536;

function portRange(ports: string): [number, number] | undefined {
  const parse = (s: string) => (/^\d+$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined);
  const [a, b, ...more] = ports.split("-");
  if (more.length) return undefined;
  const start = parse(a!);
  const end = b === undefined ? start : parse(b);
  if (start === undefined || end === undefined || end < start) return undefined;
  return [start, end];
}

function splitParts(raw: string): { ip: string; host: string; container: string } {
  const parts = raw.split(":");
  const n = parts.length;
  const container = parts[n - 1]!;
  if (n === 1) return { ip: "", host: "", container };
  if (n === 2) return { ip: "", host: parts[0]!, container };
  return { ip: parts.slice(0, n - 2).join(":"), host: parts[n - 2]!, container };
}

/** `["80", "53/udp", "9000-9001"]` → `["80/tcp", "53/udp", "9000/tcp", "9001/tcp"]`. Errors: LineError ("invalid containerPort: x", "invalid proto: x"). */
export function exposedPorts(specs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of specs) {
    const { host, container: withProto } = splitParts(raw);
    const slash = withProto.indexOf("/");
    const port = slash < 0 ? withProto : withProto.slice(0, slash);
    if (!port) throw new LineError(`no port specified: ${raw}<empty>`);
    const proto = (slash < 0 || slash === withProto.length - 1 ? "tcp" : withProto.slice(slash + 1)).toLowerCase();
    const range = portRange(port);
    if (!range) throw new LineError(`invalid containerPort: ${port}`);
    if (host) {
      const hostRange = portRange(host);
      if (!hostRange) throw new LineError(`invalid hostPort: ${host}`);
      if (range[1] !== range[0] && range[1] - range[0] !== hostRange[1] - hostRange[0]) {
        throw new LineError(`invalid ranges specified for container and host Ports: ${port} and ${host}`);
      }
    }
    if (!PROTOS.has(proto)) throw new LineError(`invalid proto: ${proto}`);
    for (let p = range[0]; p <= range[1] && out.size < MAX_PORTS; p++) out.add(`${p}/${proto}`);
  }
  return [...out];
}
