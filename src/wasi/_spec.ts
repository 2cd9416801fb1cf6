/** argv, env and cwd of a container's process from its spec (Docker semantics). */
import type { ProcessSpec } from "./types.ts";
import { DEFAULT_PATH } from "./resolve.ts";

interface Launch {
  argv: string[];
  env: string[];
  cwd: string;
}

/** argv = Entrypoint + Cmd; env = image Env overlaid by container Env (plus PATH and PWD); cwd = WorkingDir. */
export function launchOf(spec: ProcessSpec): Launch {
  const argv = [...(spec.entrypoint ?? []), ...(spec.cmd ?? [])];
  const merged = new Map<string, string>();
  for (const e of [...(spec.imageEnv ?? []), ...(spec.env ?? [])]) {
    const at = e.indexOf("=");
    merged.set(at < 0 ? e : e.slice(0, at), at < 0 ? "" : e.slice(at + 1));
  }
  const cwd = spec.workingDir || "/";
  if (!merged.has("PATH")) merged.set("PATH", DEFAULT_PATH);
  merged.set("PWD", cwd);
  return { argv, env: [...merged].map(([k, v]) => `${k}=${v}`), cwd };
}
