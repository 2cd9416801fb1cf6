/**
 * Where a registry is and how to reach it: Docker Hub's name ("docker.io") is served by
 * registry-1.docker.io; loopback registries (127.0.0.0/8, ::1, localhost) are reached over
 * plain HTTP, as dockerd treats them as insecure by default (moby registry/config.go),
 * and so is any host listed as insecure (the server's `--insecure-registry`: host,
 * host:port or an IPv4 CIDR). Every other registry needs HTTPS. Unlike dockerd, an
 * insecure registry is not tried over HTTPS first with its certificate unchecked: the
 * web platform's fetch cannot skip a certificate check.
 */

/** Docker Hub's canonical name, and the host that serves its API. */
export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_API = "registry-1.docker.io";

/** "https://host" or "http://host" for a registry name. */
export function registryOrigin(registry: string, insecure: readonly string[] = []): string {
  const host = registry === DOCKER_HUB || registry === "index.docker.io" ? DOCKER_HUB_API : registry;
  return `${isInsecure(host, insecure) ? "http" : "https"}://${host}`;
}

/** Is `host` ("127.0.0.1:5000", "[::1]:5000", "reg.local") reached over plain HTTP? */
export function isInsecure(host: string, insecure: readonly string[] = []): boolean {
  const { name, port } = splitHost(host);
  if (name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  return insecure.some((entry) => {
    const e = entry.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");
    if (e.includes("/")) return inCidr(name, e);
    const want = splitHost(e);
    return want.name === name && (want.port === undefined || want.port === port);
  });
}

function splitHost(host: string): { name: string; port?: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(host) ?? /^([^:]+)(?::(\d+))?$/.exec(host);
  return m ? { name: m[1]!.toLowerCase(), port: m[2] } : { name: host.toLowerCase() };
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split("/") as [string, string];
  const bits = Number(bitsText);
  const a = ipv4(ip), b = ipv4(net);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}
