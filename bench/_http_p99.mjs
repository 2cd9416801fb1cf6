// A client in a process of its own, for bench/sleepers.bench.ts: GETs each path N times,
// one after another, against the server at BASE (keep-alive, as the docker CLI's client),
// and prints the p99 of each in ms as one JSON line. `{id}` in a path takes the ids given
// after `--ids`, in turn.
//   node bench/_http_p99.mjs BASE N PATH... --ids ID...
const args = process.argv.slice(2);
const at = args.indexOf("--ids");
const [base, n, ...paths] = at < 0 ? args : args.slice(0, at);
const ids = at < 0 ? [] : args.slice(at + 1);
const out = {};
for (const path of paths) {
  const ms = [];
  for (let i = 0; i < Number(n); i++) {
    const url = base + path.replace("{id}", ids[(i * 7919) % Math.max(1, ids.length)] ?? "");
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    ms.push(performance.now() - t);
  }
  out[path] = ms.sort((a, b) => a - b)[Math.floor(ms.length * 0.99)];
}
console.log(JSON.stringify(out));
