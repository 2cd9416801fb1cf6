/**
 * The engine's platform on Node: bind mounts of host directories. Hand it to
 * `createEngine({ store, platform: nodePlatform() })`; the edge and browser builds hand
 * in nothing, so no host path is reachable there.
 */
import { statSync } from "node:fs";
import { EngineError, type EnginePlatform } from "../../src/engine/mod.ts";
import { HostDirVfs } from "./host_dir.ts";

export function nodePlatform(): EnginePlatform {
  return {
    bindDir(hostPath, o) {
      if (!hostPath.startsWith("/")) throw new EngineError("invalid", `invalid mount config for type "bind": invalid mount path: '${hostPath}' mount path must be absolute`);
      const st = statSync(hostPath, { throwIfNoEntry: false });
      if (!st) throw new EngineError("invalid", `invalid mount config for type "bind": bind source path does not exist: ${hostPath}`);
      if (!st.isDirectory()) throw new EngineError("invalid", `invalid mount config for type "bind": bind source path is not a directory: ${hostPath}`);
      return new HostDirVfs(hostPath, { readOnly: o.readOnly }); // the engine's view puts its own readOnly over it too
    },
  };
}
