/**
 * The `X-Registry-Auth` header of pull and push: base64url (or standard base64) of the
 * Engine API's AuthConfig JSON (moby `api/types/registry` `DecodeAuthConfig`). The docker
 * CLI sends `e30=` (`{}`) when it has no credentials; dockerode sends no header. A header
 * that is not base64 of a JSON object is a 400 in moby's words ("invalid X-Registry-Auth
 * header: …"); moby's own pull and push routes ignore that error, strata says so instead,
 * since a typo in credentials should not turn into an anonymous pull.
 */
import { type AuthConfig, authCredentials, EngineError } from "../engine/mod.ts";
import type { RegistryCredentials } from "../oci/mod.ts";
import { ApiError } from "./errors.ts";

/** The fields of moby's AuthConfig (`email` is deprecated and unused). */
const FIELDS = ["username", "password", "auth", "email", "serveraddress", "identitytoken", "registrytoken"] as const;

/** Longest header read: an AuthConfig is small; a huge one is a mistake or an attack. */
const MAX_HEADER = 64 * 1024;

/**
 * The credentials in an X-Registry-Auth header; undefined when there is none or it
 * carries none (`e30=`). Errors: ApiError 400 "invalid X-Registry-Auth header: …".
 * @example registryAuth(btoa(JSON.stringify({ username: "u", password: "p" }))) // { username: "u", password: "p" }
 */
export function registryAuth(header: string | undefined): RegistryCredentials | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const cfg = authConfig(_json(_decodeBase64(header.trim())), "X-Registry-Auth header");
  try {
    return authCredentials(cfg);
  } catch (err) {
    if (err instanceof EngineError) throw _invalid("X-Registry-Auth header", err.message.replace(/^invalid auth configuration: /, ""));
    throw err;
  }
}

/**
 * An AuthConfig object (the header's JSON, or `POST /auth`'s body) checked field by
 * field: an object whose credential fields are strings. Errors: ApiError 400 saying
 * which field is wrong, in `what` ("X-Registry-Auth header").
 */
export function authConfig(doc: unknown, what: string): AuthConfig {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw _invalid(what, "not a JSON object");
  const o = doc as Record<string, unknown>, out: Record<string, string> = {};
  for (const k of FIELDS) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw _invalid(what, `"${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

function _invalid(what: string, why: string): ApiError {
  return new ApiError(400, `invalid ${what}: ${why}`);
}

/** base64url with or without padding, or standard base64, to bytes. */
function _decodeBase64(text: string): Uint8Array {
  if (text.length > MAX_HEADER) throw _invalid("X-Registry-Auth header", `longer than ${MAX_HEADER} characters`);
  const std = text.replaceAll("-", "+").replaceAll("_", "/");
  const body = std.replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std) || body.length % 4 === 1) throw _invalid("X-Registry-Auth header", "not base64");
  const bin = atob(body + "=".repeat((4 - body.length % 4) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function _json(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    if (err instanceof TypeError) throw _invalid("X-Registry-Auth header", "not UTF-8");
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw _invalid("X-Registry-Auth header", `not JSON (${err.message})`);
    throw err;
  }
}
