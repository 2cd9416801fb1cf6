/**
 * Answering a registry's challenge (distribution spec, "Token Authentication"; Docker's
 * token and OAuth2 flows): Basic sends the credentials with every request; Bearer gets a
 * token at the challenge's realm for the scopes a request needs — anonymously, with the
 * credentials as Basic, or by exchanging an identity token (an OAuth2 refresh token) —
 * and keeps it per scope. A registry token in the credentials is sent as it is.
 */
import { type Challenge } from "./_challenge.ts";
import { basicAuthorization, type RegistryCredentials } from "./credentials.ts";
import { boundedText, parseErrorBody, describeErrors, RegistryError } from "./errors.ts";

/** The client id strata names itself with at an OAuth2 token endpoint. */
const CLIENT_ID = "strata";

export class Authorizer {
  #basic: string | undefined;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, string>();
  #creds: Promise<RegistryCredentials | undefined> | undefined;

  constructor(readonly registry: string, readonly loadCredentials: () => Promise<RegistryCredentials | undefined>, readonly fetchFn: typeof fetch) {}

  #credentials(): Promise<RegistryCredentials | undefined> {
    return (this.#creds ??= this.loadCredentials());
  }

  /** The Authorization header for a request needing `scope`, when one is known. */
  async header(scope: string): Promise<string | undefined> {
    if (this.#basic) return this.#basic;
    if (this.#challenge?.scheme !== "bearer") return undefined;
    const token = this.#tokens.get(scope);
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * Answer a challenge for `scope`; true when a retry can carry new credentials.
   * Errors: RegistryError when the token realm refuses (wrong credentials).
   */
  async answer(challenge: Challenge, scope: string, signal?: AbortSignal): Promise<boolean> {
    const creds = await this.#credentials();
    if (challenge.scheme === "basic") {
      // moby's words when a Basic registry is asked with nothing to send (docker push/pull before a login).
      if (!creds?.username) throw new RegistryError("no basic auth credentials", 401);
      if (this.#basic) return false;
      this.#basic = basicAuthorization(creds.username, creds.password ?? "");
      return true;
    }
    if (challenge.scheme !== "bearer") return false;
    this.#challenge = challenge;
    if (creds?.registrytoken) {
      if (this.#tokens.get(scope) === creds.registrytoken) return false;
      this.#tokens.set(scope, creds.registrytoken);
      return true;
    }
    const scopes = [...new Set([...scope.split(" "), ...(challenge.params["scope"] ?? "").split(" ")].filter((s) => s))];
    const token = await this.#fetchToken(challenge, scopes, creds, signal);
    if (this.#tokens.get(scope) === token) return false; // the same token was refused a moment ago
    this.#tokens.set(scope, token);
    return true;
  }

  async #fetchToken(challenge: Challenge, scopes: string[], creds: RegistryCredentials | undefined, signal?: AbortSignal): Promise<string> {
    const realm = challenge.params["realm"];
    if (!realm || !/^https?:\/\//.test(realm)) throw new RegistryError(`Cannot authenticate to ${this.registry}: its challenge names no token realm (${realm ?? "none"})`, 401);
    const url = new URL(realm);
    const service = challenge.params["service"];
    let res: Response;
    if (creds?.identitytoken) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identitytoken, client_id: CLIENT_ID });
      if (service) form.set("service", service);
      if (scopes.length) form.set("scope", scopes.join(" "));
      res = await this.fetchFn(url, { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" }, signal });
    } else {
      if (service) url.searchParams.set("service", service);
      for (const s of scopes) url.searchParams.append("scope", s);
      if (creds?.username) url.searchParams.set("account", creds.username);
      const headers: Record<string, string> = creds?.username ? { Authorization: basicAuthorization(creds.username, creds.password ?? "") } : {};
      res = await this.fetchFn(url, { headers, signal });
    }
    const text = await boundedText(res, 1 << 20);
    if (!res.ok) {
      const errors = parseErrorBody(text);
      const said = errors.length ? describeErrors(errors) : res.status === 401 ? "unauthorized: incorrect username or password" : `${res.status} ${res.statusText}`;
      throw new RegistryError(`Cannot get a token for ${this.registry} from ${url.origin}: ${said}`, res.status, errors);
    }
    let doc: { token?: unknown; access_token?: unknown };
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new RegistryError(`Cannot get a token for ${this.registry} from ${url.origin}: the answer is not JSON`, res.status, [], { cause: err });
    }
    const token = typeof doc?.token === "string" && doc.token ? doc.token : typeof doc?.access_token === "string" ? doc.access_token : "";
    if (!token) throw new RegistryError(`Cannot get a token for ${this.registry} from ${url.origin}: the answer holds no token`, res.status);
    return token;
  }
}
