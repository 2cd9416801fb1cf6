/**
 * Platform adapters for the engine (`EnginePlatform` in src/engine/options.ts): bind
 * mounts of host directories on Node and Deno. Never imported by the edge bundle.
 *
 * @example
 * ```ts
 * import { nodePlatform } from "./mod.ts";
 * import { createEngine } from "../../src/engine/mod.ts";
 * import { DiskStore } from "../store/mod.ts";
 * const engine = await createEngine({ store: DiskStore.open(), platform: nodePlatform() });
 * await engine.containers.create({ Image: "toolbox", Cmd: ["ls", "/host"], HostConfig: { Binds: ["/srv/data:/host:ro"] } });
 * ```
 */
export { nodePlatform } from "./node.ts";
export { denoPlatform } from "./deno.ts";
export { HostDirVfs } from "./host_dir.ts";
export { runtimeHost, serverHost } from "./runtime.ts";
export { tuneNodeHeap } from "./node_heap.ts";
