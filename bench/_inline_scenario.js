/**
 * The scenario of bench/inline.bench.ts, in plain JavaScript: bench/inline.bench.ts runs it
 * in Node against the edge bundle under `deno serve` (over HTTP), and as its source text in
 * a Chromium tab against the engine in the page (evaluated there as is: no build step, no
 * helper it could miss). `call(method, path, body)` answers `{ status, text }`; `now()` is
 * the clock of the side that calls.
 *
 * 1. `sleepers` containers started together, each `sleep 2` (the toolbox), while `/_ping`
 *    is asked one request after another: how long until all have started and until all have
 *    ended (they sleep together: one after another would take `sleepers` × 2 s), and the
 *    pings' p99.
 * 2. `rounds` times: a `spin` container (probes) stopped (`stop?t=60`: it ends at its next
 *    preemption point, 143), and another killed (137): from the request until its wait answered.
 */
export default async function inlineScenario(call, now, sleepers, rounds) {
  const json = async (method, path, body) => {
    const r = await call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.text ? JSON.parse(r.text) : undefined;
  };
  const create = async (image, cmd) => (await json("POST", "/containers/create", { Image: image, Cmd: cmd })).Id;
  const ids = [];
  for (let i = 0; i < sleepers; i++) ids.push(await create("toolbox", ["sleep", "2"]));
  const t0 = now();
  let started = 0, ended = 0;
  const runs = Promise.all(ids.map(async (id) => {
    await json("POST", `/containers/${id}/start`);
    started = Math.max(started, now() - t0);
    const { StatusCode } = await json("POST", `/containers/${id}/wait`);
    ended = Math.max(ended, now() - t0);
    return StatusCode;
  }));
  let done = false;
  runs.then(() => (done = true), () => (done = true));
  const pings = [];
  while (!done) {
    const t = now();
    const r = await call("GET", "/_ping");
    if (r.status !== 200) throw new Error(`/_ping: ${r.status}`);
    pings.push(now() - t);
  }
  const codes = await runs;
  if (codes.some((c) => c !== 0)) throw new Error(`sleepers exited ${[...new Set(codes)].join(", ")}`);
  for (const id of ids) await call("DELETE", `/containers/${id}`);
  pings.sort((a, b) => a - b);
  const ends = async (how, expect) => {
    const out = [];
    for (let i = 0; i < rounds; i++) {
      const id = await create("probes", ["spin"]);
      await json("POST", `/containers/${id}/start`);
      await new Promise((r) => setTimeout(r, 100)); // spinning by now
      const t = now();
      await json("POST", how === "stop" ? `/containers/${id}/stop?t=60` : `/containers/${id}/kill`);
      const { StatusCode } = await json("POST", `/containers/${id}/wait`);
      out.push(now() - t);
      if (StatusCode !== expect) throw new Error(`a spinner ended by ${how} exited ${StatusCode}, not ${expect}`);
      await call("DELETE", `/containers/${id}?force=1`);
    }
    return out;
  };
  const stops = await ends("stop", 143);
  const kills = await ends("kill", 137);
  return { started, ended, pings: pings.length, pingP99: pings[Math.floor(pings.length * 0.99)], pingMax: pings.at(-1), stops, kills };
}
