/** The verbs of `strata`, each a docker verb over the API client (in-process or remote). */
import { readFileSync, writeFileSync } from "node:fs";
import type { Client } from "./client.ts";
import { parseArgs } from "./_args.ts";
import { ago, format, humanSize, table, truncate } from "./_format.ts";

export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

const json = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

async function call(c: Client, path: string, init?: RequestInit): Promise<Response> {
  const r = await c.request(path, init);
  if (r.status >= 400) {
    const body = await r.text();
    let message = body;
    try { message = JSON.parse(body).message; } catch { /* not JSON */ }
    throw new CliError(`Error response from daemon: ${message}`);
  }
  return r;
}

const out = (s: string) => process.stdout.write(s);
const q = encodeURIComponent;

/** Demultiplex a Docker stream to our stdout/stderr (raw when TTY). */
async function pipeFrames(body: ReadableStream<Uint8Array> | null, raw: boolean): Promise<void> {
  if (!body) return;
  let buf = new Uint8Array(0);
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    if (raw) { process.stdout.write(chunk); continue; }
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf);
    next.set(chunk, buf.length);
    buf = next;
    while (buf.length >= 8) {
      const size = new DataView(buf.buffer, buf.byteOffset + 4, 4).getUint32(0);
      if (buf.length < 8 + size) break;
      (buf[0] === 2 ? process.stderr : process.stdout).write(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
  }
}

const CREATE_FLAGS = {
  values: { name: ["--name"], env: ["-e", "--env"], workdir: ["-w", "--workdir"], entrypoint: ["--entrypoint"], label: ["-l", "--label"], memory: ["-m", "--memory"], volume: ["-v", "--volume"], user: ["-u", "--user"], hostname: ["-h", "--hostname"], stopTimeout: ["--stop-timeout"] },
  bools: { rm: ["--rm"], detach: ["-d", "--detach"], interactive: ["-i", "--interactive"], tty: ["-t", "--tty"] },
};

function memory(v?: string): number | undefined {
  if (!v) return undefined;
  const m = v.match(/^(\d+)([bkmg]?)$/i);
  if (!m) throw new CliError(`invalid argument "${v}" for "-m, --memory" flag`, 125);
  return Number(m[1]) * ({ "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!);
}

async function createFrom(c: Client, argv: string[]) {
  const p = parseArgs(argv, CREATE_FLAGS, true);
  const [image, ...cmd] = p.args;
  if (!image) throw new CliError(`"create" requires at least 1 argument.`, 125);
  const labels = Object.fromEntries((p.flags["label"] ?? []).map((l) => [l.split("=")[0]!, l.split("=").slice(1).join("=")]));
  const body = {
    Image: image, Cmd: cmd.length ? cmd : undefined, Env: p.flags["env"], WorkingDir: p.flags["workdir"]?.[0], Labels: labels,
    Entrypoint: p.flags["entrypoint"] ? [p.flags["entrypoint"][0]!] : undefined, Tty: !!p.bools["tty"], OpenStdin: !!p.bools["interactive"],
    StdinOnce: !!p.bools["interactive"], AttachStdin: !!p.bools["interactive"], User: p.flags["user"]?.[0], Hostname: p.flags["hostname"]?.[0],
    StopTimeout: p.flags["stopTimeout"] ? Number(p.flags["stopTimeout"][0]) : undefined,
    HostConfig: { AutoRemove: !!p.bools["rm"], Memory: memory(p.flags["memory"]?.[0]), Binds: p.flags["volume"] },
  };
  const name = p.flags["name"]?.[0];
  const r = await c.request(`/containers/create${name ? `?name=${q(name)}` : ""}`, json(body));
  if (r.status >= 400) throw new CliError(`Error response from daemon: ${(await r.json() as { message: string }).message}`, 125);
  return { id: (await r.json() as { Id: string }).Id, p };
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export const VERBS: Record<string, { usage: string; run: (c: Client, argv: string[]) => Promise<number | void> }> = {
  run: {
    usage: "run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image\n\n  -d, --detach        Run in the background and print the container ID\n  -e, --env list      Set environment variables\n  -i, --interactive   Keep STDIN open\n      --name string   Assign a name\n      --rm            Remove the container when it exits\n  -m, --memory bytes  Memory limit\n  -w, --workdir       Working directory inside the container",
    async run(c, argv) {
      const { id, p } = await createFrom(c, argv);
      if (p.bools["detach"]) {
        await call(c, `/containers/${id}/start`, { method: "POST" });
        out(`${id}\n`);
        return 0;
      }
      if (p.bools["interactive"] && c.engine) c.engine.get(id).stdin = await readStdin();
      const attach = await call(c, `/containers/${id}/attach?stream=1&stdout=1&stderr=1`, { method: "POST" });
      const wait = call(c, `/containers/${id}/wait?condition=${p.bools["rm"] ? "removed" : "next-exit"}`, { method: "POST" });
      await call(c, `/containers/${id}/start`, { method: "POST" });
      await pipeFrames(attach.body, !!p.bools["tty"]);
      const status = await (await wait).json() as { StatusCode: number };
      return status.StatusCode;
    },
  },
  create: { usage: "create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate a new container", async run(c, argv) { out(`${(await createFrom(c, argv)).id}\n`); } },
  start: { usage: "start CONTAINER...\n\nStart one or more stopped containers", async run(c, argv) { for (const id of argv) { await call(c, `/containers/${q(id)}/start`, { method: "POST" }); out(`${id}\n`); } } },
  stop: {
    usage: "stop [-t SECONDS] CONTAINER...\n\nStop one or more running containers",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { time: ["-t", "--time", "--timeout"] } });
      for (const id of p.args) { await call(c, `/containers/${q(id)}/stop${p.flags["time"] ? `?t=${p.flags["time"][0]}` : ""}`, { method: "POST" }); out(`${id}\n`); }
    },
  },
  kill: { usage: "kill CONTAINER...\n\nKill one or more running containers", async run(c, argv) { for (const id of argv) { await call(c, `/containers/${q(id)}/kill`, { method: "POST" }); out(`${id}\n`); } } },
  restart: { usage: "restart CONTAINER...\n\nRestart one or more containers", async run(c, argv) { for (const id of argv) { await call(c, `/containers/${q(id)}/restart`, { method: "POST" }); out(`${id}\n`); } } },
  wait: { usage: "wait CONTAINER...\n\nBlock until containers stop, then print their exit codes", async run(c, argv) { for (const id of argv) out(`${(await (await call(c, `/containers/${q(id)}/wait`, { method: "POST" })).json() as { StatusCode: number }).StatusCode}\n`); } },
  rm: {
    usage: "rm [-f] [-v] CONTAINER...\n\nRemove one or more containers",
    async run(c, argv) {
      const p = parseArgs(argv, { bools: { force: ["-f", "--force"], volumes: ["-v", "--volumes"] } });
      for (const id of p.args) { await call(c, `/containers/${q(id)}?force=${p.bools["force"] ? 1 : 0}`, { method: "DELETE" }); out(`${id}\n`); }
    },
  },
  ps: {
    usage: "ps [-a] [-q] [-s] [--filter k=v] [--format TEMPLATE]\n\nList containers",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { filter: ["-f", "--filter"], format: ["--format"] }, bools: { all: ["-a", "--all"], quiet: ["-q", "--quiet"], size: ["-s", "--size"] } });
      const filters: Record<string, string[]> = {};
      for (const f of p.flags["filter"] ?? []) (filters[f.split("=")[0]!] ??= []).push(f.split("=").slice(1).join("="));
      const rows = await (await call(c, `/containers/json?all=${p.bools["all"] ? 1 : 0}&size=${p.bools["size"] ? 1 : 0}&filters=${q(JSON.stringify(filters))}`)).json() as Array<Record<string, unknown> & { Id: string; Names: string[]; Image: string; Command: string; Created: number; Status: string; SizeRw?: number; SizeRootFs?: number }>;
      if (p.bools["quiet"]) return void out(rows.map((r) => `${r.Id.slice(0, 12)}\n`).join(""));
      const view = rows.map((r) => ({ ...r, ID: r.Id.slice(0, 12), Names: r.Names[0]!.slice(1), Command: `"${truncate(r.Command, 20)}"`, CreatedAt: ago(r.Created), RunningFor: ago(r.Created).replace(/ ago$/, ""), Ports: "", Size: r.SizeRw === undefined ? "" : `${humanSize(r.SizeRw)} (virtual ${humanSize(r.SizeRootFs!)})` }));
      if (p.flags["format"]) return void out(format(p.flags["format"][0]!, view));
      const header = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", ...(p.bools["size"] ? ["SIZE"] : [])];
      out(table(header, view.map((r) => [r.ID, r.Image, r.Command, r.CreatedAt, r.Status, "", r.Names, ...(p.bools["size"] ? [r.Size] : [])])));
    },
  },
  logs: {
    usage: "logs [-f] [-t] [--tail N] CONTAINER\n\nFetch the logs of a container",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { tail: ["-n", "--tail"] }, bools: { follow: ["-f", "--follow"], timestamps: ["-t", "--timestamps"] } });
      const r = await call(c, `/containers/${q(p.args[0] ?? "")}/logs?stdout=1&stderr=1&follow=${p.bools["follow"] ? 1 : 0}&timestamps=${p.bools["timestamps"] ? 1 : 0}&tail=${p.flags["tail"]?.[0] ?? "all"}`);
      await pipeFrames(r.body, r.headers.get("Content-Type")?.includes("raw") ?? false);
    },
  },
  exec: {
    usage: "exec [-e VAR=v] [-w DIR] CONTAINER COMMAND [ARG...]\n\nExecute a command in a running container",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { env: ["-e", "--env"], workdir: ["-w", "--workdir"] }, bools: { interactive: ["-i", "--interactive"], tty: ["-t", "--tty"], detach: ["-d", "--detach"] } }, true);
      const [container, ...cmd] = p.args;
      const { Id } = await (await call(c, `/containers/${q(container ?? "")}/exec`, json({ Cmd: cmd, Env: p.flags["env"], WorkingDir: p.flags["workdir"]?.[0], Tty: !!p.bools["tty"] }))).json() as { Id: string };
      const r = await call(c, `/exec/${Id}/start`, json({ Detach: false, Tty: !!p.bools["tty"] }));
      await pipeFrames(r.body, !!p.bools["tty"]);
      return (await (await call(c, `/exec/${Id}/json`)).json() as { ExitCode: number }).ExitCode;
    },
  },
  inspect: {
    usage: "inspect [-f TEMPLATE] NAME...\n\nReturn low-level information on containers or images",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { format: ["-f", "--format"] } });
      const found: Array<Record<string, unknown>> = [];
      for (const name of p.args) {
        let r = await c.request(`/containers/${q(name)}/json`);
        if (r.status === 404) r = await c.request(`/images/${name}/json`);
        if (r.status === 404) throw new CliError(`Error: No such object: ${name}`);
        found.push(await r.json() as Record<string, unknown>);
      }
      out(p.flags["format"] ? format(p.flags["format"][0]!, found) : `${JSON.stringify(found, null, 4)}\n`);
    },
  },
  diff: { usage: "diff CONTAINER\n\nInspect changes to files or directories on a container's filesystem", async run(c, argv) { for (const ch of await (await call(c, `/containers/${q(argv[0] ?? "")}/changes`)).json() as Array<{ Path: string; Kind: number }>) out(`${"CAD"[ch.Kind]} ${ch.Path}\n`); } },
  export: {
    usage: "export [-o FILE] CONTAINER\n\nExport a container's filesystem as a tar archive",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { output: ["-o", "--output"] } });
      const bytes = new Uint8Array(await (await call(c, `/containers/${q(p.args[0] ?? "")}/export`)).arrayBuffer());
      if (p.flags["output"]) writeFileSync(p.flags["output"][0]!, bytes); else process.stdout.write(bytes);
    },
  },
  commit: {
    usage: "commit [-m MSG] [-c CHANGE] CONTAINER [REPOSITORY[:TAG]]\n\nCreate a new image from a container's changes",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { message: ["-m", "--message"], change: ["-c", "--change"], author: ["-a", "--author"] } });
      const [container, ref] = p.args;
      const params = new URLSearchParams({ container: container ?? "", comment: p.flags["message"]?.[0] ?? "", author: p.flags["author"]?.[0] ?? "" });
      if (ref) params.set("repo", ref);
      for (const ch of p.flags["change"] ?? []) params.append("changes", ch);
      out(`${(await (await call(c, `/commit?${params}`, { method: "POST" })).json() as { Id: string }).Id}\n`);
    },
  },
  images: {
    usage: "images [-q] [--format TEMPLATE]\n\nList images",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { format: ["--format"] }, bools: { quiet: ["-q", "--quiet"], all: ["-a", "--all"] } });
      const imgs = await (await call(c, "/images/json")).json() as Array<{ Id: string; RepoTags: string[]; Created: number; Size: number }>;
      const rows = imgs.flatMap((i) => (i.RepoTags.length ? i.RepoTags : ["<none>:<none>"]).map((t) => ({ ...i, Repository: t.slice(0, t.lastIndexOf(":")), Tag: t.slice(t.lastIndexOf(":") + 1), ID: i.Id.slice(7, 19), CreatedSince: ago(i.Created), Size: humanSize(i.Size) })));
      if (p.bools["quiet"]) return void out(rows.map((r) => `${r.ID}\n`).join(""));
      if (p.flags["format"]) return void out(format(p.flags["format"][0]!, rows));
      out(table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size])));
    },
  },
  load: {
    usage: "load [-i FILE] [-q]\n\nLoad an image from a tar archive or STDIN",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { input: ["-i", "--input"] }, bools: { quiet: ["-q", "--quiet"] } });
      const bytes = p.flags["input"] ? new Uint8Array(readFileSync(p.flags["input"][0]!)) : await readStdin();
      const r = await call(c, "/images/load", { method: "POST", body: bytes as Uint8Array<ArrayBuffer>, headers: { "Content-Type": "application/x-tar" } });
      for (const line of (await r.text()).split("\n").filter(Boolean)) {
        const m = JSON.parse(line) as { stream?: string; status?: string; id?: string; error?: string; progressDetail?: { total?: number } };
        if (m.error) throw new CliError(m.error);
        if (m.stream) out(m.stream);
        else if (m.status && !p.bools["quiet"]) out(`${m.id}: ${m.status} [${"=".repeat(40)}>] ${humanSize(m.progressDetail?.total ?? 0)}\n`);
      }
    },
  },
  save: {
    usage: "save [-o FILE] IMAGE...\n\nSave one or more images to a tar archive",
    async run(c, argv) {
      const p = parseArgs(argv, { values: { output: ["-o", "--output"] } });
      const bytes = new Uint8Array(await (await call(c, `/images/get?${p.args.map((n) => `names=${q(n)}`).join("&")}`)).arrayBuffer());
      if (p.flags["output"]) writeFileSync(p.flags["output"][0]!, bytes);
      else if (process.stdout.isTTY) throw new CliError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
      else process.stdout.write(bytes);
    },
  },
  tag: {
    usage: "tag SOURCE TARGET\n\nCreate a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    async run(c, argv) {
      const [src, target] = argv;
      const colon = target!.lastIndexOf(":");
      const [repo, tag] = colon > target!.lastIndexOf("/") ? [target!.slice(0, colon), target!.slice(colon + 1)] : [target!, "latest"];
      await call(c, `/images/${src}/tag?repo=${q(repo)}&tag=${q(tag)}`, { method: "POST" });
    },
  },
  rmi: {
    usage: "rmi [-f] IMAGE...\n\nRemove one or more images",
    async run(c, argv) {
      const p = parseArgs(argv, { bools: { force: ["-f", "--force"] } });
      for (const img of p.args) for (const r of await (await call(c, `/images/${img}?force=${p.bools["force"] ? 1 : 0}`, { method: "DELETE" })).json() as Array<{ Untagged?: string; Deleted?: string }>) out(r.Untagged ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`);
    },
  },
  history: {
    usage: "history IMAGE\n\nShow the history of an image",
    async run(c, argv) {
      const rows = await (await call(c, `/images/${argv[0]}/history`)).json() as Array<{ Id: string; Created: number; CreatedBy: string; Size: number; Comment: string }>;
      out(table(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], rows.map((r) => [r.Id === "<missing>" ? r.Id : r.Id.slice(7, 19), ago(r.Created), truncate(r.CreatedBy, 45), humanSize(r.Size), r.Comment])));
    },
  },
  system: {
    usage: "system df\n\nShow disk usage",
    async run(c, argv) {
      if (argv[0] !== "df") throw new CliError(`unknown command "system ${argv[0] ?? ""}"`, 125);
      const df = await (await call(c, "/system/df")).json() as { LayersSize: number; Images: Array<{ Containers: number }>; Containers: Array<{ SizeRw: number; State: string }> };
      out(table(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], [
        ["Images", String(df.Images.length), String(df.Images.filter((i) => i.Containers > 0).length), humanSize(df.LayersSize), ""],
        ["Containers", String(df.Containers.length), String(df.Containers.filter((x) => x.State === "running").length), humanSize(df.Containers.reduce((n, x) => n + (x.SizeRw ?? 0), 0)), ""],
        ["Local Volumes", "0", "0", "0B", "0B"],
        ["Build Cache", "0", "0", "0B", "0B"],
      ]));
    },
  },
  version: {
    usage: "version\n\nShow the strata version information",
    async run(c) {
      const v = await (await call(c, "/version")).json() as { Version: string; ApiVersion: string; Os: string; Arch: string };
      out(`Server: strata\n Engine:\n  Version:          ${v.Version}\n  API version:      ${v.ApiVersion}\n  OS/Arch:          ${v.Os}/${v.Arch}\n`);
    },
  },
  info: {
    usage: "info\n\nDisplay system-wide information",
    async run(c) {
      const i = await (await call(c, "/info")).json() as Record<string, unknown>;
      out(`Containers: ${i["Containers"]}\n Running: ${i["ContainersRunning"]}\n Stopped: ${i["ContainersStopped"]}\nImages: ${i["Images"]}\nServer Version: ${i["ServerVersion"]}\nStorage Driver: ${i["Driver"]}\nOperating System: ${i["OperatingSystem"]}\nDocker Root Dir: ${i["DockerRootDir"]}\n`);
    },
  },
};
