/** The whole tree of any filesystem as a comparable value, op lists applied to one, and fixtures. */
import { type FileSystem, type FsHandle, Layer, UnionFS, WritableLayer, exportUpper } from "../../src/fs/mod.ts";
import type { TarInput } from "../../src/tar/mod.ts";
import { writeTar } from "../../src/tar/mod.ts";

const DIR = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: true, follow: false };

/** "path type detail" lines for every entry, sorted; hard-link groups named by first path; `modes` adds each non-symlink's mode after its type. */
export function view(fs: FileSystem, opts: { modes?: boolean } = {}): string[] {
  const out: string[] = [];
  const groups = new Map<bigint, string>();
  const walk = (dir: string) => {
    const h = fs.open(dir || "/", DIR);
    const names = h.readdir(0n, 1e9).map((e) => e.name).filter((n) => n !== "." && n !== "..").sort();
    h.close();
    for (const name of names) {
      const path = `${dir}/${name}`;
      const st = fs.lstat(path);
      let detail = "";
      if (st.type === "file") {
        detail = JSON.stringify(new TextDecoder().decode(fs.readFile(path)));
        if (st.nlink > 1n) {
          const first = groups.get(st.ino);
          if (first) detail += ` =${first}`;
          else groups.set(st.ino, path);
        }
      } else if (st.type === "symlink") detail = `-> ${fs.readlink(path)}`;
      const mode = opts.modes && st.type !== "symlink" ? ` ${st.mode.toString(8)}` : "";
      out.push(`${path} ${st.type}${mode} ${detail}`.trimEnd());
      if (st.type === "dir") walk(path);
    }
  };
  walk("");
  return out;
}

export type Op =
  | ["write", string, string] | ["mkdir", string] | ["rmdir", string] | ["unlink", string]
  | ["rename", string, string] | ["link", string, string] | ["symlink", string, string] | ["chmod", string, number]
  /** Through fds: open an existing file for reading, and writing when asked (it takes the next slot), then act on a slot. */
  | ["fdopen", string, boolean] | ["fdwrite", number, string] | ["fdread", number] | ["fdtruncate", number, number] | ["fdclose", number];

const enc = new TextEncoder();

const RW = { read: true, write: true, create: false, exclusive: false, truncate: false, directory: false, follow: true };

/**
 * Apply one op; returns the errno name when it fails (both sides must fail alike), and
 * what an fd read. `fds` holds the op list's open fds (a closed slot stays empty).
 */
export function apply(fs: FileSystem, op: Op, fds: Array<FsHandle | undefined> = []): string {
  const fd = (i: number) => fds[i] ?? null;
  try {
    switch (op[0]) {
      case "chmod": fs.chmod(op[1], op[2]); break;
      case "fdopen": fds.push(fs.open(op[1], { ...RW, write: op[2] })); break;
      case "fdwrite": if (!fd(op[1])) return "no fd"; fd(op[1])!.write(enc.encode(op[2]), 1); break;
      case "fdtruncate": if (!fd(op[1])) return "no fd"; fd(op[1])!.truncate(op[2]); break;
      case "fdclose": if (!fd(op[1])) return "no fd"; fd(op[1])!.close(), fds[op[1]] = undefined; break;
      case "fdread": {
        const h = fd(op[1]);
        if (!h) return "no fd";
        const buf = new Uint8Array(h.size());
        return `read ${JSON.stringify([...buf.subarray(0, h.read(buf, 0))])} nlink ${h.stat().nlink}`;
      }
      case "write": {
        const h = fs.open(op[1], { read: false, write: true, create: true, exclusive: false, truncate: true, directory: false, follow: true });
        h.write(enc.encode(op[2]), 0);
        h.close();
        break;
      }
      case "mkdir": fs.mkdir(op[1]); break;
      case "rmdir": fs.rmdir(op[1]); break;
      case "unlink": fs.unlink(op[1]); break;
      case "rename": fs.rename(op[1], op[2]); break;
      case "link": fs.link(op[1], op[2]); break;
      case "symlink": fs.symlink(op[2], op[1]); break;
    }
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** Write a whole file, making its parent directories first (mkdir -p): a fixture, not an operation under test. */
export function put(fs: FileSystem, path: string, data: Uint8Array | string, opts?: { mode?: number }): void {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    try {
      fs.mkdir(dir);
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
  }
  fs.writeFile(path, typeof data === "string" ? enc.encode(data) : data, opts);
}

/** A union from tar fixtures (bottom layer first). */
export function unionOf(...layers: TarInput[][]): UnionFS {
  const lowers = layers.map((entries) => new Layer(writeTar(entries))).reverse();
  return new UnionFS({ lowers, upper: new WritableLayer() });
}

/** Commit a union's upper as one more layer and mount a fresh union over all of them. */
export function commit(fs: UnionFS): UnionFS {
  const layer = new Layer(exportUpper(fs));
  return new UnionFS({ lowers: [layer, ...fs.value.lowers], upper: new WritableLayer() });
}
