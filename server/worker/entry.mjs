// worker_threads do not inherit the tsx loader reliably on Node 20, so the worker
// registers it before loading the TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("./entry.ts");
