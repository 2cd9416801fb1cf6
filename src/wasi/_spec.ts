/** argv, env and cwd of a container's process from its spec (Docker semantics). */
import type { ProcessSpec } from "./types.ts";
import { DEFAULT_PATH } from "./resolve.ts";

interface Launch {
  argv: string[];
  env: string[];
  cwd: string;
  /** stdio are a terminal. */
  tty: boolean;
}

/**
 * argv = Entrypoint + Cmd; cwd = WorkingDir. The env is built as Docker's daemon builds
 * it (CreateDaemonEnvironment, then the runtime's HOME): PATH, HOSTNAME and, with a
 * terminal, TERM=xterm first; the image's Env then the container's replace those in
 * place or follow them; HOME last when nothing set it. Docker injects no PWD (a shell
 * sets it for itself).
 */
export function launchOf(spec: ProcessSpec): Launch {
  const argv = [...(spec.entrypoint ?? []), ...(spec.cmd ?? [])];
  const merged = new Map<string, string>([["PATH", DEFAULT_PATH]]);
  if (spec.hostname) merged.set("HOSTNAME", spec.hostname);
  if (spec.tty) merged.set("TERM", "xterm");
  for (const e of [...(spec.imageEnv ?? []), ...(spec.env ?? [])]) {
    const at = e.indexOf("=");
    merged.set(at < 0 ? e : e.slice(0, at), at < 0 ? "" : e.slice(at + 1));
  }
  if (!merged.has("HOME")) merged.set("HOME", spec.home ?? "/root");
  return { argv, env: [...merged].map(([k, v]) => `${k}=${v}`), cwd: spec.workingDir || "/", tty: !!spec.tty };
}
