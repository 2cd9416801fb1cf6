/**
 * Image references in Docker's familiar form: `toolbox` means `toolbox:latest`,
 * `docker.io/library/foo:1` is `foo:1`, `127.0.0.1:5000/x` keeps its registry.
 */
import { invalid } from "./errors.ts";

const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export interface Reference {
  /** Familiar repository name ("toolbox", "127.0.0.1:5000/demo"). */
  repo: string;
  tag: string;
}

/** Parse and normalize a reference. Errors: EngineError "invalid" in Docker's wording. */
export function parseReference(ref: string, tag?: string): Reference {
  let rest = ref.trim();
  let t = tag || undefined;
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    t ??= rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let repo = rest;
  for (const prefix of ["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"]) {
    if (repo.startsWith(prefix)) {
      repo = repo.slice(prefix.length);
      break;
    }
  }
  const slash = repo.indexOf("/");
  const host = slash > 0 ? repo.slice(0, slash) : "";
  const hasHost = host.includes(".") || host.includes(":") || host === "localhost";
  const path = hasHost ? repo.slice(slash + 1) : repo;
  if (!NAME_RE.test(path) || (hasHost && !/^[a-zA-Z0-9.-]+(:\d+)?$/.test(host))) {
    throw invalid(`invalid reference format: repository name (${repo}) must be lowercase`);
  }
  if (t !== undefined && !TAG_RE.test(t)) throw invalid(`invalid reference format: invalid tag "${t}"`);
  return { repo, tag: t ?? "latest" };
}

/** "repo:tag". */
export function familiar(ref: Reference): string {
  return `${ref.repo}:${ref.tag}`;
}

/** Normalize to "repo:tag". */
export function normalizeReference(ref: string, tag?: string): string {
  return familiar(parseReference(ref, tag));
}
