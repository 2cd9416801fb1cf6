import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type FlagDef, formatOptions, parseArgs, UsageError } from "../../server/cli/_args.ts";
import { CREATE_FLAGS, createBody, memoryBytes } from "../../server/cli/verbs_run.ts";
import { splitCpArg } from "../../server/cli/verbs_cp.ts";
import { filtersQuery, sinceValue, splitRef } from "../../server/cli/verbs_containers.ts";

const PS: FlagDef[] = [
  { long: "all", short: "a", type: "bool", desc: "Show all" },
  { long: "quiet", short: "q", type: "bool", desc: "Only IDs" },
  { long: "filter", short: "f", type: "list", desc: "Filter" },
  { long: "last", short: "n", type: "int", desc: "Last n" },
  { long: "format", type: "string", desc: "Format" },
];
const RUN = [...CREATE_FLAGS, { long: "detach", short: "d", type: "bool", desc: "" } as FlagDef];

const args = suite("docker-style arguments");

args("combined short flags set each boolean", () => {
  const p = parseArgs(["-aq"], PS);
  assert.equal(p.flags, { all: true, quiet: true });
});

args("a value flag takes the rest of a short group or the next word", () => {
  assert.equal(parseArgs(["-n3"], PS).flags["last"], 3);
  assert.equal(parseArgs(["-an", "4"], PS).flags, { all: true, last: 4 });
  assert.equal(parseArgs(["--format={{.ID}}"], PS).flags["format"], "{{.ID}}");
  assert.equal(parseArgs(["--format", "table {{.ID}}"], PS).flags["format"], "table {{.ID}}");
});

args("repeated list flags keep every value in order", () => {
  assert.equal(parseArgs(["-f", "status=exited", "--filter=name=c1", "-flabel=x"], PS).flags["filter"], ["status=exited", "name=c1", "label=x"]);
});

args("booleans accept =false, and -- ends the flags", () => {
  const p = parseArgs(["--all=false", "--", "-q"], PS);
  assert.equal(p.flags["all"], false);
  assert.equal(p.args, ["-q"]);
});

args("run stops reading flags at the image, so the command keeps its own", () => {
  const p = parseArgs(["--rm", "-it", "-e", "A=1", "toolbox", "sh", "-c", "echo $A", "-e"], RUN, { interspersed: false });
  assert.equal(p.args, ["toolbox", "sh", "-c", "echo $A", "-e"]);
  assert.equal(p.flags, { rm: true, interactive: true, tty: true, env: ["A=1"] });
});

args("unknown flags and missing values are usage errors with docker's wording", () => {
  assert.throws(() => parseArgs(["--bogus"], PS), (e: unknown) => e instanceof UsageError && e.message === "unknown flag: --bogus" && e.code === 125);
  assert.throws(() => parseArgs(["-aZ"], PS), (e: unknown) => (e as Error).message === "unknown shorthand flag: 'Z' in -aZ");
  assert.throws(() => parseArgs(["--format"], PS), (e: unknown) => (e as Error).message === "flag needs an argument: --format");
  assert.throws(() => parseArgs(["-n", "x"], PS), (e: unknown) => /invalid argument "x" for "-n, --last" flag/.test((e as Error).message));
});

args("--help and -h ask for help unless -h is taken (run -h is --hostname)", () => {
  assert.ok(parseArgs(["--help"], PS).help);
  assert.ok(parseArgs(["-h"], PS).help);
  const p = parseArgs(["-h", "box", "toolbox"], RUN, { interspersed: false });
  assert.not.ok(p.help);
  assert.equal(p.flags["hostname"], "box");
});

args("--help lists options in a column as the docker CLI does", () => {
  const text = formatOptions(PS);
  assert.ok(text.includes("  -a, --all             Show all"), text);
  assert.ok(text.includes("      --format string   Format"), text);
  assert.ok(text.includes("  -n, --last int        Last n"), text);
});

args("run's flags become the create body docker sends", () => {
  const p = parseArgs(["--name", "c1", "-e", "A=1", "-v", "data:/data", "-w", "/tmp", "-l", "k=v=w", "-m", "64m", "-i", "--rm", "toolbox", "echo", "hi"], RUN, { interspersed: false });
  const { name, body } = createBody(p);
  assert.is(name, "c1");
  assert.equal(body["Cmd"], ["echo", "hi"]);
  assert.equal(body["Env"], ["A=1"]);
  assert.equal(body["Labels"], { k: "v=w" });
  assert.is(body["OpenStdin"], true);
  assert.equal(body["HostConfig"], { AutoRemove: true, Memory: 64 * 1024 * 1024, Binds: ["data:/data"], Mounts: [] });
  assert.is(memoryBytes("1g"), 1024 ** 3);
});

args("references, cp arguments, filters and --since read as docker reads them", () => {
  assert.equal(splitRef("127.0.0.1:5000/img"), ["127.0.0.1:5000/img", undefined]);
  assert.equal(splitRef("mine:v1"), ["mine", "v1"]);
  assert.equal(splitCpArg("c1:/etc/hosts"), ["c1", "/etc/hosts"]);
  assert.equal(splitCpArg("./local:file"), [undefined, "./local:file"]);
  assert.equal(splitCpArg("-"), [undefined, "-"]);
  assert.is(filtersQuery(["status=exited", "status=created", "name=c1"]), '{"status":{"exited":true,"created":true},"name":{"c1":true}}');
  assert.is(sinceValue("10m", 1_000_000_000), String((1_000_000_000 - 600_000) / 1000));
  assert.is(sinceValue("2024-01-02T00:00:00Z"), "1704153600");
});

args.run();
