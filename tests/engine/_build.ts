/** Builds in tests: contexts made from the fixtures in tests/build/ (plus changes), and a build that keeps its output. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions, Engine } from "../../src/engine/mod.ts";
import { indexTar, type TarInput, writeTar } from "../../src/tar/mod.ts";

export const FIXTURES = fileURLToPath(new URL("../build/", import.meta.url));
const enc = new TextEncoder();

/** A context tar: the fixture directory `name` (or nothing), with `add` entries added or replaced (a string is a file's text). */
export function contextOf(name: string | null, add: Record<string, string | TarInput> = {}): Uint8Array {
  const entries = new Map<string, TarInput>();
  if (name) for (const e of walk(join(FIXTURES, name), "")) entries.set(e.path, e);
  for (const [path, v] of Object.entries(add)) entries.set(path, typeof v === "string" ? { path, type: "file", mode: 0o644, data: enc.encode(v) } : { ...v, path });
  return writeTar([...entries.values()], { sort: true, mtime: 1_700_000_000 });
}

function walk(root: string, prefix: string): TarInput[] {
  const out: TarInput[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    const st = statSync(join(root, path));
    if (st.isDirectory()) out.push({ path, type: "dir", mode: 0o755 }, ...walk(root, path));
    else out.push({ path, type: "file", mode: st.mode & 0o111 ? 0o755 : 0o644, data: new Uint8Array(readFileSync(join(root, path))) });
  }
  return out;
}

export interface Built {
  id?: string;
  /** Everything the build said, as the docker CLI prints it (stream texts). */
  output: string;
  /** The image ids of the `aux` messages. */
  aux: string[];
  error?: Error & { code?: number; kind?: string };
}

/** Build, keeping the output; a failure is returned, not thrown. */
export async function build(engine: Engine, context: Uint8Array, o: BuildOptions = {}): Promise<Built> {
  let output = "";
  const aux: string[] = [];
  try {
    const r = await engine.builder.build(context, { ...o, onOutput: (m) => void ("stream" in m ? (output += m.stream) : aux.push(m.aux.ID)) });
    return { id: r.id, output, aux };
  } catch (err) {
    return { output, aux, error: err as Built["error"] };
  }
}

/** The "Step N/M : …" lines and what each said after it, by step: ["Step 2/4 : RUN x", " ---> Using cache", …]. */
export function steps(output: string): string[][] {
  const out: string[][] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith("Step ")) out.push([line]);
    else if (out.length && line) out.at(-1)!.push(line);
  }
  return out;
}

/** The entries of an image's top layer, as "type path[ -> target]" with mode and owner. */
export async function topLayer(engine: Engine, ref: string): Promise<string[]> {
  const layers = (await engine.images.inspect(ref)).RootFS.Layers;
  const tar = await engine.images.layerBytes(layers.at(-1)!);
  return indexTar(tar).map((e) => `${e.type} ${e.path}${e.linkname ? ` -> ${e.linkname}` : ""} ${e.mode.toString(8)} ${e.uid}:${e.gid}`);
}
