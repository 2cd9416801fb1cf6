/**
 * The engine's platform on Deno: the same host-directory bind mounts as on Node, through
 * Deno's node:fs (which needs --allow-read/--allow-write for the directories bound).
 */
export { nodePlatform as denoPlatform } from "./node.ts";
