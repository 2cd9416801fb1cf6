/**
 * `--format` as the docker CLI takes it: a Go-template-like subset. Actions: `{{.Field}}`,
 * `{{.A.B}}`, `{{.}}`, `{{json .}}` / `{{json .Field}}`, `{{.Field | json}}`,
 * `{{upper …}}`, `{{lower …}}`, `{{title …}}`, `{{join .List ","}}`, `{{index .Map "key"}}`,
 * `{{println …}}`, quoted strings; `\t` and `\n` escapes in the text. The format
 * "table TEMPLATE" prints a header row and aligns columns; "table" alone and "json"
 * are the docker CLI's shorthands.
 */
import { tabwrite } from "./_format.ts";

/** A format mistake, reported as the docker CLI does: "template parsing error: …". */
export class TemplateError extends Error {}

type Value = unknown;

/** Render one item through a template (no header, no alignment). */
export function render(template: string, item: Value): string {
  const text = template.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  let out = "", pos = 0;
  for (const m of text.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/g)) {
    out += text.slice(pos, m.index);
    out += _stringify(_pipeline(m[1]!, item));
    pos = m.index! + m[0].length;
  }
  if (text.indexOf("{{", pos) >= 0) throw new TemplateError(`template parsing error: template: :1: unclosed action`);
  return out + text.slice(pos);
}

interface FormatOptions {
  /** Header names for fields in "table" output: { ID: "CONTAINER ID", RunningFor: "CREATED" }. */
  headers?: Record<string, string>;
  /** The template "table" alone means. */
  defaultTable?: string;
}

/** Render a list: one line per item, or an aligned table with a header for "table …". */
export function formatList(format: string, items: readonly Value[], o: FormatOptions = {}): string {
  let f = format.trim() === "table" && o.defaultTable ? o.defaultTable : format;
  if (f === "json") f = "{{json .}}";
  if (!f.startsWith("table")) return items.map((i) => `${render(f, i)}\n`).join("");
  const body = f.slice(5).trimStart();
  const header = body.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => _headerName(action, o.headers ?? {}));
  const rows = items.map((i) => render(body, i));
  return tabwrite([header.replace(/\\t/g, "\t"), ...rows].join("\n") + "\n");
}

function _headerName(action: string, headers: Record<string, string>): string {
  const m = action.match(/^(?:json\s+)?\.(\w+)/);
  if (!m) return "";
  return headers[m[1]!] ?? m[1]!.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

function _pipeline(src: string, dot: Value): Value {
  const stages = src.split(/\s+\|\s+/);
  let v: Value = _command(stages[0]!, dot, undefined);
  for (const stage of stages.slice(1)) v = _command(stage, dot, { v });
  return v;
}

function _command(src: string, dot: Value, piped: { v: Value } | undefined): Value {
  const words = _words(src);
  if (words.length === 0) throw new TemplateError(`template parsing error: template: :1: missing value for command`);
  const head = words[0]!;
  const args = words.slice(1).map((w) => _operand(w, dot));
  if (piped) args.push(piped.v);
  if (head.startsWith(".") || head.startsWith('"') || /^-?\d/.test(head)) {
    if (args.length) throw new TemplateError(`template parsing error: template: :1: can't give argument to non-function ${head}`);
    return _operand(head, dot);
  }
  const fn = FUNCS[head];
  if (!fn) throw new TemplateError(`template parsing error: template: :1: function "${head}" not defined`);
  return fn(...args);
}

const FUNCS: Record<string, (...a: Value[]) => Value> = {
  json: (v) => JSON.stringify(v ?? null),
  upper: (v) => _stringify(v).toUpperCase(),
  lower: (v) => _stringify(v).toLowerCase(),
  title: (v) => _stringify(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: (list, sep) => (Array.isArray(list) ? list.map(_stringify).join(_stringify(sep)) : _stringify(list)),
  index: (v, key) => (v as Record<string, unknown> | undefined)?.[String(key)],
  println: (...a) => `${a.map(_stringify).join(" ")}\n`,
  print: (...a) => a.map(_stringify).join(""),
  len: (v) => (Array.isArray(v) || typeof v === "string" ? v.length : Object.keys(v ?? {}).length),
};

function _operand(w: string, dot: Value): Value {
  if (w === ".") return dot;
  if (w.startsWith('"')) return JSON.parse(w);
  if (/^-?\d+$/.test(w)) return Number(w);
  if (!w.startsWith(".")) throw new TemplateError(`template parsing error: template: :1: function "${w}" not defined`);
  let v: Value = dot;
  for (const key of w.slice(1).split(".")) {
    if (v === null || typeof v !== "object" || !(key in (v as object))) {
      throw new TemplateError(`template: :1: executing "" at <${w}>: can't evaluate field ${key}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function _words(src: string): string[] {
  return src.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function _stringify(v: Value): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(_stringify).join(" ")}]`;
  if (typeof v === "object") return `map[${Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => `${k}:${_stringify(x)}`).join(" ")}]`;
  return String(v);
}
