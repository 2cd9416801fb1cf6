#!/usr/bin/env node
// The `strata` command (package.json "bin"): runs the CLI's bundle (dist/node/cli.mjs, built
// at install and by `npm run build:cli`, rebuilt when a source is newer: server/bundle/),
// or the TypeScript sources through tsx when there is no way to build it.
import { loadBuilt } from "../bundle/load.mjs";

const { main } = await loadBuilt("cli", new URL("./main.ts", import.meta.url));
process.exit(await main(process.argv.slice(2)));
