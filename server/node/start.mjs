// `npm start`: the API server (server/node/main.ts) from the Node bundle (dist/node/server.mjs,
// rebuilt when a source is newer: server/bundle/), or the TypeScript sources through tsx
// when there is no way to build it. Arguments as main.ts's.
import { loadBuilt } from "../bundle/load.mjs";

const { main } = await loadBuilt("server", new URL("./main.ts", import.meta.url));
main(process.argv.slice(2)).catch((err) => {
  console.error(`strata: ${err.message}`);
  process.exit(1);
});
