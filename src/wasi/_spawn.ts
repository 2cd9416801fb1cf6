/**
 * The `strata.spawn` host import, exactly as docs/wasi-host.md specifies it: read argv,
 * env and cwd from the caller's memory, give the child the caller's fds as its 0, 1, 2,
 * run it to completion in this thread over the same filesystem, return its status
 * (127 not found, 126 cannot run) or a negative WASI errno for a bad call. The caller's
 * runner runs the child (runSync hands itself in; a suspendable run hands in its own and
 * the status is a promise), so this file only speaks the ABI.
 */
import { type Fd, type WASI, wasi } from "@bjorn3/browser_wasi_shim";

/** What the child runs with; the rest (filesystem, control, limits) is the parent's. */
interface SpawnRequest {
  argv: string[];
  env: string[];
  cwd: string;
  stdio: [Fd, Fd, Fd];
}

const decoder = new TextDecoder();

function strings(bytes: Uint8Array): string[] {
  const out = decoder.decode(bytes).split("\0");
  if (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

export function spawnImport(w: WASI, runChild: (child: SpawnRequest) => number | Promise<number>) {
  return (argvPtr: number, argvLen: number, envPtr: number, envLen: number, cwdPtr: number, cwdLen: number, fdsPtr: number): number | Promise<number> => {
    const buf = w.inst.exports.memory.buffer;
    if (argvPtr + argvLen > buf.byteLength || envPtr + envLen > buf.byteLength || cwdPtr + cwdLen > buf.byteLength || fdsPtr + 12 > buf.byteLength) {
      return -wasi.ERRNO_FAULT;
    }
    const argv = strings(new Uint8Array(buf, argvPtr, argvLen));
    if (argv.length === 0) return -wasi.ERRNO_INVAL;
    const env = strings(new Uint8Array(buf, envPtr, envLen));
    const cwd = decoder.decode(new Uint8Array(buf, cwdPtr, cwdLen)) || "/";
    const view = new DataView(buf);
    const stdio: Fd[] = [];
    for (let i = 0; i < 3; i++) {
      const fd = w.fds[view.getInt32(fdsPtr + i * 4, true)];
      if (!fd) return -wasi.ERRNO_BADF;
      stdio.push(fd);
    }
    return runChild({ argv, env, cwd, stdio: stdio as [Fd, Fd, Fd] });
  };
}
