/**
 * The web page (docs/ui.md): the picture of images as stacks of layers and containers
 * as writable layers on them, a file browser that tags each entry with its layer, and
 * run/logs/stop/remove/commit — through nothing but the Engine API. Built by build.ts
 * (`npm run build:ui`) into dist/ui; served at /ui by the Node and Deno servers (serve.ts); the same files on
 * a static host run the engine in the page itself (local.ts).
 */
export { UI_DIR, uiFiles } from "./serve.ts";
// build.ts (esbuild, a devDependency) is imported by its users directly, never from here.
