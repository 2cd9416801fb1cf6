/**
 * Program resolution inside the container rootfs, as runc does it in a real container:
 * an argv[0] with a "/" is a path (relative ones from the working directory), anything
 * else is searched in the container's PATH. argv[0] is kept as given, so a symlink to a
 * multi-call binary still tells it which applet to be. A "#!" line runs its interpreter
 * (from the rootfs) with the script's path. Failures carry Docker's messages and codes;
 * a file that is not WebAssembly (an ELF binary…) is 126 with Linux's "exec format
 * error" and what the file is.
 */
import type { FileSystem } from "../fs/mod.ts";
import { unshared } from "../tar/mod.ts";
import { isWasm } from "./module_info.ts";

/** Docker's PATH when the image sets none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const MAX_INTERPRETER_DEPTH = 4;

export type Resolution =
  | { ok: true; path: string; argv: string[]; bytes: Uint8Array }
  | { ok: false; exitCode: 126 | 127; message: string };

/** What is at `path`, or false. Most PATH entries miss: an FsError, which takes no stack (src/fs/errors.ts). */
function isFile(vfs: FileSystem, path: string): "file" | "dir" | false {
  try {
    const t = vfs.stat(path).type;
    return t === "dir" ? "dir" : "file";
  } catch {
    return false;
  }
}

/** The value of NAME in a "NAME=value" list (the last one wins). */
function envValue(env: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const e of env) if (e.startsWith(`${name}=`)) value = e.slice(name.length + 1);
  return value;
}

function locate(vfs: FileSystem, name: string, env: readonly string[], cwd: string): string | Resolution {
  if (name.includes("/")) {
    const path = name.startsWith("/") ? name : `${cwd === "/" ? "" : cwd}/${name}`;
    const kind = isFile(vfs, path);
    if (!kind) return { ok: false, exitCode: 127, message: `exec: "${name}": stat ${name}: no such file or directory` };
    if (kind === "dir") return { ok: false, exitCode: 126, message: `exec: "${name}": is a directory` };
    return path;
  }
  for (const dir of (envValue(env, "PATH") ?? DEFAULT_PATH).split(":")) {
    if (!dir) continue;
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    if (isFile(vfs, path) === "file") return path;
  }
  return { ok: false, exitCode: 127, message: `exec: "${name}": executable file not found in $PATH` };
}

/** Find argv[0] in the rootfs and read it; follows "#!" lines to a WebAssembly interpreter. */
export function resolveProgram(vfs: FileSystem, argv: readonly string[], env: readonly string[], cwd = "/", depth = 0): Resolution {
  if (argv.length === 0 || argv[0] === "") return { ok: false, exitCode: 127, message: "no command specified" };
  const found = locate(vfs, argv[0], env, cwd);
  if (typeof found !== "string") return found;
  const bytes = vfs.readFile(found);
  if (isWasm(bytes)) return { ok: true, path: found, argv: [...argv], bytes };
  if (bytes[0] === 0x23 && bytes[1] === 0x21 && depth < MAX_INTERPRETER_DEPTH) {
    const end = bytes.indexOf(0x0a);
    const line = new TextDecoder().decode(unshared(bytes.subarray(2, end < 0 ? Math.min(bytes.length, 256) : end))).trim();
    const [interpreter, ...rest] = line.split(/\s+/);
    if (interpreter?.startsWith("/")) {
      const arg = rest.length ? [rest.join(" ")] : [];
      return resolveProgram(vfs, [interpreter, ...arg, found, ...argv.slice(1)], env, cwd, depth + 1);
    }
  }
  return { ok: false, exitCode: 126, message: `exec ${found}: exec format error: ${whatItIs(bytes)}` };
}

/** What a file that is neither WebAssembly nor a script is, by its first bytes (as file(1) would say). */
function whatItIs(bytes: Uint8Array): string {
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) return "an ELF binary, not a WebAssembly module (strata runs WASI programs only)";
  if (bytes[0] === 0x23 && bytes[1] === 0x21) return "a script whose #! line names no interpreter strata can run";
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) return "a WebAssembly component or another binary version, not a WASI preview1 module";
  return "neither a WebAssembly module nor a script with a #! line";
}
