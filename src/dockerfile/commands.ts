/**
 * Typed commands (buildkit frontend/dockerfile/instructions): one per instruction, strings
 * still unexpanded (see expandCommand), flags and argument counts checked with Docker's
 * messages, HEALTHCHECK durations parsed to nanoseconds.
 */
import type { Heredoc, Instruction } from "./parser.ts";
import { DockerfileError, LineError } from "./errors.ts";
import { type FlagKind, parseFlags, type FlagValues } from "./_flags.ts";
import { KEYWORDS } from "./_line_parsers.ts";
import { withSuggestion } from "./_suggest.ts";
import { parseHeredocWord } from "./_heredoc.ts";
import { parseGoDuration } from "./_duration.ts";

/** A COPY/ADD source given inline as a heredoc (`COPY <<EOF /dst`). */
export interface InlineSource {
  path: string;
  data: string;
  expand: boolean;
}

/** One instruction, typed; strings unexpanded. HEALTHCHECK durations in nanoseconds. */
export type Command =
  | { kind: "from"; image: string; stage?: string; platform?: string }
  | { kind: "run"; shell: boolean; cmd: string[]; heredocs?: Heredoc[]; mounts?: string[]; network?: string; security?: string; devices?: string[]; flagsUsed?: string[] }
  | {
    kind: "copy" | "add"; sources: string[]; dest: string; from?: string; chown?: string; chmod?: string; link?: boolean;
    contents?: InlineSource[]; exclude?: string[]; parents?: boolean; checksum?: string; keepGitDir?: boolean; unpack?: boolean;
  }
  | { kind: "env"; pairs: [string, string][] }
  | { kind: "label"; pairs: [string, string][] }
  | { kind: "arg"; args: { name: string; value?: string }[] }
  | { kind: "workdir"; path: string }
  | { kind: "user"; user: string }
  | { kind: "cmd" | "entrypoint"; shell: boolean; cmd: string[] }
  | { kind: "expose"; ports: string[] }
  | { kind: "volume"; paths: string[] }
  | { kind: "shell"; shell: string[] }
  | { kind: "stopsignal"; signal: string }
  | { kind: "healthcheck"; test: string[] | null; interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number }
  | { kind: "onbuild"; expression: string }
  | { kind: "maintainer"; name: string };

const atLeastOne = (k: string) => new LineError(`${k} requires at least one argument`);
const exactlyOne = (k: string) => new LineError(`${k} requires exactly one argument`);
const noDestination = (k: string) => new LineError(`${k} requires at least two arguments, but only one was provided. Destination could not be determined`);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

type Parser = (inst: Instruction, flags: (spec: Record<string, FlagKind>) => FlagValues) => Command;

const str = (v: FlagValues[string] | undefined) => (typeof v === "string" ? v : undefined);
const bool = (v: FlagValues[string] | undefined) => (typeof v === "boolean" ? v : undefined);
const strs = (v: FlagValues[string] | undefined) => (Array.isArray(v) ? v : undefined);

/** Drop keys whose value is undefined, so commands compare and print cleanly. */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function pairs(inst: Instruction): [string, string][] {
  const { args, keyword } = inst;
  if (!args.length) throw atLeastOne(keyword);
  if (args.length % 3) throw new LineError(`Bad input to ${keyword}, too many arguments`);
  const out: [string, string][] = [];
  for (let i = 0; i < args.length; i += 3) {
    if (!args[i]) throw new LineError(`${keyword} names can not be blank`);
    out.push([args[i]!, args[i + 1]!]);
  }
  return out;
}

/** Sources and destination; heredoc sources become inline contents (buildkit parseSourcesAndDest). */
function sourcesAndDest(inst: Instruction): { sources: string[]; dest: string; contents?: InlineSource[] } {
  const dest = inst.args[inst.args.length - 1]!;
  if (parseHeredocWord(dest)) throw new LineError(`${inst.keyword} cannot accept a heredoc as a destination`);
  const docs = new Map((inst.heredocs ?? []).map((h) => [h.name, h]));
  const sources: string[] = [];
  const contents: InlineSource[] = [];
  for (const src of inst.args.slice(0, -1)) {
    const h = parseHeredocWord(src);
    if (!h) sources.push(src);
    else contents.push({ path: h.name, data: docs.get(h.name)?.content ?? "", expand: h.expand });
  }
  return contents.length ? { sources, dest, contents } : { sources, dest };
}

function interval(v: string | undefined, name: string): number | undefined {
  if (!v) return undefined;
  const d = parseGoDuration(v);
  if (d === 0) return undefined;
  if (d < 1e6) throw new LineError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return d;
}

function healthcheck(inst: Instruction, flags: (spec: Record<string, FlagKind>) => FlagValues): Command {
  if (!inst.args.length) throw atLeastOne("HEALTHCHECK");
  const type = inst.args[0]!.toUpperCase();
  const rest = inst.args.slice(1);
  if (type === "NONE") {
    if (rest.length) throw new LineError("HEALTHCHECK NONE takes no arguments");
    return { kind: "healthcheck", test: null };
  }
  const f = flags({ interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" });
  if (type !== "CMD") throw new LineError(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  if (!rest.length) throw new LineError("Missing command after HEALTHCHECK CMD");
  const test = inst.json ? ["CMD", ...rest] : ["CMD-SHELL", rest.join(" ")];
  let retries: number | undefined;
  const r = str(f["retries"]);
  if (r) {
    if (!/^[+-]?\d+$/.test(r)) throw new LineError(`strconv.ParseInt: parsing ${JSON.stringify(r)}: invalid syntax`);
    retries = Number(r);
    if (retries < 0) throw new LineError(`--retries cannot be negative (${retries})`);
  }
  return clean({
    kind: "healthcheck" as const, test,
    interval: interval(str(f["interval"]), "interval"), timeout: interval(str(f["timeout"]), "timeout"),
    startPeriod: interval(str(f["start-period"]), "start-period"), startInterval: interval(str(f["start-interval"]), "start-interval"),
    retries: retries || undefined,
  });
}

function onbuild(inst: Instruction, flags: (spec: Record<string, FlagKind>) => FlagValues): Command {
  if (!inst.args.length) throw atLeastOne("ONBUILD");
  flags({});
  const trigger = inst.args[0]!.trim().toUpperCase();
  if (trigger === "ONBUILD") throw new LineError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "MAINTAINER" || trigger === "FROM") throw new LineError(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = inst.original.replace(/^\s*ONBUILD\s*/i, "");
  for (const h of inst.heredocs ?? []) expression += `\n${h.content}${h.name}`;
  return { kind: "onbuild", expression };
}

const PARSERS: Record<string, Parser> = {
  FROM(inst, flags) {
    const { args } = inst;
    let stage: string | undefined;
    if (args.length === 3 && args[1]!.toLowerCase() === "as") {
      stage = args[2]!.toLowerCase();
      if (!STAGE_NAME.test(stage)) throw new LineError(`invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`);
    } else if (args.length !== 1) throw new LineError("FROM requires either one or three arguments");
    const f = flags({ platform: "string" });
    return clean({ kind: "from" as const, image: args[0]!, stage, platform: str(f["platform"]) || undefined });
  },
  RUN(inst, flags) {
    // The classic builder refuses every RUN flag at build time ("the --mount option requires BuildKit"); they parse here.
    const f = flags({ mount: "strings", network: "string", security: "string", device: "strings" });
    if (!inst.args.length && !inst.heredocs?.length) throw atLeastOne("RUN");
    const used = Object.keys(f);
    return clean({
      kind: "run" as const, shell: !inst.json, cmd: inst.json ? inst.args : [inst.args.join(" ")], heredocs: inst.heredocs,
      mounts: strs(f["mount"]), network: str(f["network"]), security: str(f["security"]), devices: strs(f["device"]), flagsUsed: used.length ? used : undefined,
    });
  },
  CMD: (inst, flags) => (flags({}), { kind: "cmd", shell: !inst.json, cmd: inst.json ? inst.args : inst.args.length ? [inst.args.join(" ")] : [] }),
  ENTRYPOINT: (inst, flags) => (flags({}), { kind: "entrypoint", shell: !inst.json, cmd: inst.json ? inst.args : inst.args.length ? [inst.args.join(" ")] : [] }),
  SHELL(inst, flags) {
    flags({});
    if (!inst.args.length) throw atLeastOne("SHELL");
    if (!inst.json) throw new LineError("SHELL requires the arguments to be in JSON form");
    return { kind: "shell", shell: inst.args };
  },
  COPY(inst, flags) {
    if (inst.args.length < 2) throw noDestination("COPY");
    const f = flags({ chown: "string", from: "string", chmod: "string", link: "bool", exclude: "strings", parents: "bool" });
    return clean({
      kind: "copy" as const, ...sourcesAndDest(inst), from: str(f["from"]) || undefined, chown: str(f["chown"]) || undefined, chmod: str(f["chmod"]) || undefined,
      link: bool(f["link"]) || undefined, exclude: strs(f["exclude"]), parents: bool(f["parents"]) || undefined,
    });
  },
  ADD(inst, flags) {
    if (inst.args.length < 2) throw noDestination("ADD");
    const f = flags({ chown: "string", chmod: "string", link: "bool", "keep-git-dir": "bool", checksum: "string", unpack: "bool", exclude: "strings" });
    return clean({
      kind: "add" as const, ...sourcesAndDest(inst), chown: str(f["chown"]) || undefined, chmod: str(f["chmod"]) || undefined, link: bool(f["link"]) || undefined,
      exclude: strs(f["exclude"]), checksum: str(f["checksum"]) || undefined, keepGitDir: bool(f["keep-git-dir"]), unpack: bool(f["unpack"]),
    });
  },
  ENV: (inst, flags) => (flags({}), { kind: "env", pairs: pairs(inst) }),
  LABEL: (inst, flags) => (flags({}), { kind: "label", pairs: pairs(inst) }),
  ARG(inst) {
    if (!inst.args.length) throw atLeastOne("ARG");
    return {
      kind: "arg",
      args: inst.args.map((a) => {
        const eq = a.indexOf("=");
        if (eq === 0) throw new LineError("ARG names can not be blank");
        return eq < 0 ? { name: a } : { name: a.slice(0, eq), value: a.slice(eq + 1) };
      }),
    };
  },
  WORKDIR(inst, flags) {
    if (inst.args.length !== 1) throw exactlyOne("WORKDIR");
    flags({});
    return { kind: "workdir", path: inst.args[0]! };
  },
  USER(inst, flags) {
    if (inst.args.length !== 1) throw exactlyOne("USER");
    flags({});
    return { kind: "user", user: inst.args[0]! };
  },
  EXPOSE(inst, flags) {
    if (!inst.args.length) throw atLeastOne("EXPOSE");
    flags({});
    return { kind: "expose", ports: [...inst.args].sort() };
  },
  VOLUME(inst, flags) {
    if (!inst.args.length) throw atLeastOne("VOLUME");
    flags({});
    const paths = inst.args.map((v) => v.trim());
    if (paths.some((v) => v === "")) throw new LineError("VOLUME specified can not be an empty string");
    return { kind: "volume", paths };
  },
  STOPSIGNAL(inst) {
    if (inst.args.length !== 1) throw exactlyOne("STOPSIGNAL");
    return { kind: "stopsignal", signal: inst.args[0]! };
  },
  MAINTAINER(inst, flags) {
    if (inst.args.length !== 1) throw exactlyOne("MAINTAINER");
    flags({});
    return { kind: "maintainer", name: inst.args[0]! };
  },
  HEALTHCHECK: healthcheck,
  ONBUILD: onbuild,
};

/**
 * Type one instruction. Errors: DockerfileError with the line — "unknown instruction: RUNN (did you mean RUN?)",
 * "unknown flag: --chwon (did you mean chown?)", "WORKDIR requires exactly one argument", …
 * @example toCommand(parseDockerfile("FROM a\nCOPY --chown=1:1 x /y").instructions[1]) // { kind: "copy", sources: ["x"], dest: "/y", chown: "1:1" }
 */
export function toCommand(inst: Instruction): Command {
  const parse = PARSERS[inst.keyword];
  try {
    if (!parse) {
      const written = inst.original.split(/\s/, 1)[0] ?? inst.keyword;
      throw new LineError(withSuggestion(`unknown instruction: ${written}`, written, KEYWORDS, false));
    }
    return parse(inst, (spec) => parseFlags(inst.rawFlags ?? Object.entries(inst.flags).map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`)), spec));
  } catch (e) {
    if (e instanceof DockerfileError && e.line === undefined) throw new DockerfileError(e.detail, inst.line);
    if (e instanceof LineError) throw new DockerfileError(e.message, inst.line);
    throw e;
  }
}
