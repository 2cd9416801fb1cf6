/**
 * The runtime-agnostic proof (run by the test command): bundled with esbuild for
 * --platform=neutral and run under `deno run` with no permissions. It builds an image in
 * memory, loads it into an engine over MemoryStore, runs a WASI program inline in a
 * container, and answers an API request, all without touching the platform.
 */
import { createApi, createEngine, MemoryStore, oci, tar } from "../src/mod.ts";

// The hello probe, embedded by esbuild's binary loader (--loader:.wasm=binary).
// @ts-ignore: a wasm import is esbuild's, not TypeScript's
import program from "../wasm/dist/hello.wasm";

const layer = tar.writeTar([{ path: "bin", type: "dir" }, { path: "bin/ok", type: "file", mode: 0o755, data: program as Uint8Array }]);
const diffId = await oci.sha256(layer);
const configBytes = oci.encodeConfig({ architecture: "wasm", os: "wasip1", config: { Cmd: ["/bin/ok"] }, rootfs: { type: "layers", diff_ids: [diffId] }, history: [] });
const archive = await oci.writeDockerArchive([{ configBytes, layers: [{ diffId, tar: layer }], repoTags: ["smoke:latest"] }]);

const engine = await createEngine({ store: new MemoryStore() });
await engine.images.load(archive);
const { Id } = await engine.containers.create({ Image: "smoke" });
await engine.containers.start(Id);
const { StatusCode } = await engine.containers.wait(Id);
let out = "";
for await (const e of engine.containers.logs(Id)) out += new TextDecoder().decode(e.data);
const res = await createApi(engine).request("/v1.47/containers/json?all=1");
const list = await res.json() as Array<{ Id: string }>;
if (StatusCode !== 0 || out !== "Hello from WebAssembly!\n" || list[0]?.Id !== Id) throw new Error(`core smoke failed: ${StatusCode} ${JSON.stringify(out)} ${res.status}`);
console.log("core smoke: ok");
