#!/usr/bin/env node
// The `strata` command (package.json "bin"): registers tsx's loader, then runs the TypeScript CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exit(await main(process.argv.slice(2)));
