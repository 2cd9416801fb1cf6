/**
 * The build context: the tar the client sends (plain or gzip, as `docker build` sends it
 * with or without --compress), indexed without copying, read as a filesystem through the
 * union filesystem's chroot-like lookup (a symlink in the context resolves inside it,
 * never out of it), with what `.dockerignore` excludes left out. The tar reader refuses
 * a `..` or absolute member name, so a hostile archive cannot place a file outside it.
 * The Dockerfile is read from it (moby remotecontext/detect.go: `-f` names a path in
 * the context; `Dockerfile` falls back to `dockerfile`), and it and `.dockerignore` are
 * left out of what COPY sees when `.dockerignore` lists them.
 */
import { IgnoreMatcher, parseDockerignore } from "../dockerfile/mod.ts";
import { FsError, Layer, UnionFS, WritableLayer } from "../fs/mod.ts";
import { detectCompression, gunzip, indexTar, type MakeInflater, readAll, type TarEntry, UnsupportedMediaTypeError } from "../tar/mod.ts";
import { invalid } from "./errors.ts";
import { sourcePath } from "./_build_paths.ts";

const NAME = "the build context";
const dec = new TextDecoder();

export class BuildContext {
  readonly #bytes: Uint8Array;
  readonly #entries: TarEntry[];
  readonly #whole: UnionFS;
  #visible: UnionFS | undefined;

  private constructor(bytes: Uint8Array, entries: TarEntry[]) {
    this.#bytes = bytes;
    this.#entries = entries;
    this.#whole = mount(bytes, entries);
  }

  /**
   * Read a context tar, whole or streamed (at most `maxBytes`, inflated or not).
   * Errors: TarSyntaxError/TarRangeError naming the context and the offset; gzip errors;
   * UnsupportedMediaTypeError for another compression.
   */
  static async read(input: Uint8Array | ReadableStream<Uint8Array>, o: { maxBytes?: number; inflater?: MakeInflater } = {}): Promise<BuildContext> {
    let bytes = input instanceof Uint8Array ? input : await readAll(input, { name: NAME, maxBytes: o.maxBytes });
    const kind = bytes.length ? detectCompression(bytes) : "none";
    if (kind === "gzip") bytes = await gunzip(bytes, { name: NAME, maxBytes: o.maxBytes, inflater: o.inflater });
    else if (kind !== "none") throw new UnsupportedMediaTypeError(NAME, `application/x-${kind}`);
    return new BuildContext(bytes, indexTar(bytes, { name: NAME }));
  }

  /**
   * The Dockerfile's text. Errors: invalid "Cannot locate specified Dockerfile: NAME",
   * "the Dockerfile (NAME) cannot be empty", or a path outside the context.
   */
  dockerfile(name: string): string {
    const text = this.#read(name);
    if (text === undefined) {
      if (name === "Dockerfile" && this.#read("dockerfile") !== undefined) return this.dockerfile("dockerfile");
      throw invalid(`Cannot locate specified Dockerfile: ${name}`);
    }
    if (text === "") throw invalid(`the Dockerfile (${name}) cannot be empty`);
    return text;
  }

  /** Hide what `.dockerignore` (at the context's root) excludes from `filesystem()`. Errors: its parse errors. */
  applyDockerignore(): void {
    const text = this.#read(".dockerignore");
    if (text === undefined) return;
    const matcher = new IgnoreMatcher(parseDockerignore(text));
    const kept = this.#entries.filter((e) => e.path === "" || !matcher.matches(e.path));
    if (kept.length !== this.#entries.length) this.#visible = mount(this.#bytes, kept);
  }

  /** The context as COPY and ADD see it. */
  filesystem(): UnionFS {
    return this.#visible ?? this.#whole;
  }

  #read(name: string): string | undefined {
    try {
      return dec.decode(this.#whole.readFile(sourcePath(name)));
    } catch (err) {
      if (err instanceof FsError && (err.code === "ENOENT" || err.code === "ENOTDIR" || err.code === "EISDIR" || err.code === "ELOOP")) return undefined;
      throw err;
    }
  }
}

/** A read-only view of some entries of the context (a layer with nothing above it). */
function mount(bytes: Uint8Array, entries: TarEntry[]): UnionFS {
  return new UnionFS({ lowers: [new Layer(bytes, { entries, name: NAME })], upper: new WritableLayer() });
}
