/**
 * Image references in Docker's familiar form: `toolbox` means `toolbox:latest`,
 * `docker.io/library/foo:1` is `foo:1`, `127.0.0.1:5000/x` keeps its registry.
 *
 * The grammar and the checks are distribution/reference's (`ParseNormalizedNamed`,
 * regexp.go), with Docker's messages: a reference that fails them is refused before
 * anything is stored, so no name can reach the store that Docker would not accept.
 */
import { EngineError, invalid } from "./errors.ts";

const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";

/** `name [":" tag] ["@" digest]`, capturing the domain, the path, the tag and the digest. */
const REFERENCE_RE = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** The longest repository path (without the domain) Docker accepts. */
const NAME_TOTAL_LENGTH_MAX = 255;
/** Docker's message for a longer one. */
const NAME_TOO_LONG = `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`;
/**
 * Longer input is refused before the grammar runs (its regular expression is quadratic
 * in the worst case): no reference this long has a name within the limit — a tag is at
 * most 128 characters, a digest 135, a domain name 253.
 */
const MAX_REFERENCE_LENGTH = 1024;

interface Reference {
  /** Familiar repository name ("toolbox", "127.0.0.1:5000/demo"). */
  repo: string;
  tag: string;
  /** The digest after "@", when one was given. */
  digest?: string;
}

/** Parse and normalize a reference. Errors: EngineError "invalid" in Docker's wording. */
function parseReference(ref: string, tag?: string): Reference {
  const { domain, path, tag: own, digest } = parseNormalizedNamed(ref.trim());
  if (tag && !TAG_RE.test(tag)) throw invalid("invalid tag format");
  const familiarPath = domain === "docker.io" && path.startsWith("library/") && !path.slice(8).includes("/") ? path.slice(8) : path;
  const repo = domain === "docker.io" ? familiarPath : `${domain}/${familiarPath}`;
  return { repo, tag: tag || own || "latest", ...(digest ? { digest } : {}) };
}

/** Is this error the "invalid" one parseReference throws? */
export function isInvalidReference(err: unknown): err is EngineError {
  return err instanceof EngineError && err.kind === "invalid";
}

/** Docker's `ParseNormalizedNamed`: the canonical domain and path, the tag and the digest. */
function parseNormalizedNamed(s: string): { domain: string; path: string; tag?: string; digest?: string } {
  if (IDENTIFIER_RE.test(s)) throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  if (s.length > MAX_REFERENCE_LENGTH) throw invalid(NAME_TOO_LONG);
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(":");
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`);
  const full = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (REFERENCE_RE.test(full.toLowerCase())) throw invalid("repository name must be lowercase");
    throw invalid("invalid reference format");
  }
  const path = m[2]!;
  if (path.length > NAME_TOTAL_LENGTH_MAX) throw invalid(NAME_TOO_LONG);
  if (m[4]) checkDigest(m[4]);
  return { domain: m[1] ?? domain, path, tag: m[3], digest: m[4] };
}

/** go-digest's checks of the digest after "@". */
function checkDigest(digest: string): void {
  const [alg, hex] = digest.split(":") as [string, string];
  const want = DIGEST_HEX[alg];
  if (want === undefined) throw invalid("unsupported digest algorithm");
  if (hex.length !== want) throw invalid("invalid checksum digest length");
  if (!/^[a-f0-9]+$/.test(hex)) throw invalid("invalid checksum digest format");
}

/** Docker's `splitDockerDomain`: the registry a name is on, and the rest ("library/" added on Docker Hub). */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf("/");
  if (slash < 0) return ["docker.io", `library/${name}`];
  const maybeDomain = name.slice(0, slash), rest = name.slice(slash + 1);
  let domain = "docker.io", remote = name;
  if (maybeDomain === "localhost" || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    domain = maybeDomain === "index.docker.io" ? "docker.io" : maybeDomain;
    remote = rest;
  }
  if (domain === "docker.io" && !remote.includes("/")) remote = `library/${remote}`;
  return [domain, remote];
}

/** "repo:tag". */
function familiar(ref: Reference): string {
  return `${ref.repo}:${ref.tag}`;
}

/** Normalize to "repo:tag". Errors: EngineError "invalid" in Docker's wording. */
export function normalizeReference(ref: string, tag?: string): string {
  return familiar(parseReference(ref, tag));
}

/** A reference as a registry sees it (pull, push). */
export interface RemoteReference {
  /** The registry ("docker.io", "127.0.0.1:5000"). */
  registry: string;
  /** The repository's path on it ("library/toolbox", "demo"). */
  path: string;
  /** The familiar repository name ("toolbox", "127.0.0.1:5000/demo"). */
  repo: string;
  /** The tag ("latest" when none was given). */
  tag: string;
  digest?: string;
}

/** Split a reference for a registry. Errors: EngineError "invalid" in Docker's wording. */
export function remoteReference(ref: string, tag?: string): RemoteReference {
  const { domain, path } = parseNormalizedNamed(ref.trim());
  const r = parseReference(ref, tag);
  return { registry: domain, path, repo: r.repo, tag: r.tag, ...(r.digest ? { digest: r.digest } : {}) };
}
