/**
 * Request bodies, validated with zod before the engine sees them, so a malformed body is
 * a 400 naming the field and nothing is half-created. Unknown fields pass through
 * (clients send the whole ContainerConfig; strata uses a part of it).
 */
import type { Context } from "hono";
// The namespace import lets the bundler leave out the parts of zod not used here (its locales, JSON Schema): a third of the CLI bundle's parse time.
import * as z from "zod";
import { ApiError } from "./errors.ts";

const strings = z.array(z.string());
const stringOrList = z.union([strings, z.string()]).nullable().optional();
const labels = z.record(z.string(), z.string()).nullable().optional();

const MountSpec = z.object({
  Type: z.enum(["volume", "bind", "tmpfs"]), Source: z.string().optional(), Target: z.string().min(1), ReadOnly: z.boolean().optional(),
  TmpfsOptions: z.object({ SizeBytes: z.number().int().nonnegative().optional(), Mode: z.number().int().nonnegative().optional() }).loose().nullable().optional(),
}).loose();

const RestartPolicy = z.object({ Name: z.string(), MaximumRetryCount: z.number().int().optional() }).loose().nullable().optional();

const consoleSize = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).nullable().optional();

const HostConfig = z.object({
  AutoRemove: z.boolean().optional(), Memory: z.number().int().nonnegative().optional(), ConsoleSize: consoleSize,
  Binds: strings.nullable().optional(), Mounts: z.array(MountSpec).nullable().optional(),
  RestartPolicy, ReadonlyRootfs: z.boolean().optional(), Tmpfs: z.record(z.string(), z.string()).nullable().optional(),
}).loose();

/** `POST /containers/{id}/update`: Docker's Resources fields and RestartPolicy. */
export const UpdateBody = z.object({ Memory: z.number().int().optional(), RestartPolicy }).loose();

/** `POST /containers/create`: ContainerConfig + HostConfig (+ NetworkingConfig, ignored). */
export const CreateBody = z.object({
  Image: z.string().min(1, "no image was given"),
  Cmd: stringOrList, Entrypoint: stringOrList, Env: strings.nullable().optional(), WorkingDir: z.string().optional(),
  Labels: labels, Tty: z.boolean().optional(), OpenStdin: z.boolean().optional(), StdinOnce: z.boolean().optional(),
  AttachStdin: z.boolean().optional(), AttachStdout: z.boolean().optional(), AttachStderr: z.boolean().optional(),
  User: z.string().optional(), Hostname: z.string().optional(), StopTimeout: z.number().int().nullable().optional(),
  Volumes: z.record(z.string(), z.object({}).loose()).nullable().optional(),
  HostConfig: HostConfig.nullable().optional(),
}).loose();

/** `POST /containers/{id}/exec`. */
export const ExecBody = z.object({
  Cmd: strings.min(1, "No exec command specified"), Env: strings.nullable().optional(), WorkingDir: z.string().optional(),
  Tty: z.boolean().optional(), AttachStdin: z.boolean().optional(), AttachStdout: z.boolean().optional(),
  AttachStderr: z.boolean().optional(), User: z.string().optional(), Detach: z.boolean().optional(),
  DetachKeys: z.string().optional(), ConsoleSize: consoleSize,
}).loose();

/** `POST /exec/{id}/start`: the CLI sends Detach/Tty; dockerode `{hijack, stdin}`. */
export const ExecStartBody = z.object({ Detach: z.boolean().optional(), Tty: z.boolean().optional() }).loose();

/** `POST /volumes/create`. */
export const VolumeBody = z.object({
  Name: z.string().optional(), Driver: z.string().optional(),
  DriverOpts: z.record(z.string(), z.string()).nullable().optional(), Labels: labels,
}).loose();

/** Parse and validate a JSON body. Errors: ApiError 400 naming the field ("Cmd", "HostConfig.Binds.0"). */
export function parseBody<T>(schema: z.ZodType<T>, raw: string): T {
  let json: unknown;
  try {
    json = raw.trim() ? JSON.parse(raw) : {};
  } catch (err) {
    throw new ApiError(400, `invalid JSON body: ${(err as Error).message}`);
  }
  const r = schema.safeParse(json ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join(".") || "(body)";
  throw new ApiError(400, `invalid body: field "${field}": ${issue.message}`);
}

/**
 * moby's `httputils.CheckForJSON` (API v1.47): a route that takes a JSON body refuses any
 * other Content-Type with 400; no Content-Type is fine only when the body is empty (the
 * docker CLI sends none for `commit`). This also keeps a web page from creating a
 * container: `text/plain` is what a browser may send cross-site without a preflight.
 * Errors: ApiError 400 "unsupported Content-Type header (text/plain): must be 'application/json'".
 */
export function checkJsonType(contentType: string | undefined | null, bodyLength: number): void {
  const ct = contentType ?? "";
  if (ct === "" && bodyLength === 0) return;
  const media = ct.split(";")[0]!.trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(media)) {
    throw new ApiError(400, `malformed Content-Type header (${ct}): mime: ${media ? "expected slash after first token" : "no media type"}`);
  }
  if (media !== "application/json") throw new ApiError(400, `unsupported Content-Type header (${ct}): must be 'application/json'`);
}

/** The body of a JSON route as text, after `checkJsonType` (a typed body is refused before it is read). */
export async function jsonText(c: Context): Promise<string> {
  const ct = c.req.header("content-type");
  if (ct) checkJsonType(ct, 1);
  const text = await c.req.text();
  checkJsonType(ct, text.length);
  return text;
}
