// Node's worker_threads entry for _diverging_worker.ts (the tsx loader, registered as server/worker/entry.mjs does).
import { register } from "tsx/esm/api";

register();
await import("./_diverging_worker.ts");
