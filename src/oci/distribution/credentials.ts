/**
 * Credentials for a registry, in the fields of the Engine API's X-Registry-Auth JSON
 * (moby api/types/registry AuthConfig): a username and password, an identity token (an
 * OAuth2 refresh token a `docker login` got), or a registry token used as it is.
 */

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, exchanged at the token realm (grant_type=refresh_token). */
  identitytoken?: string;
  /** A bearer token sent as it is. */
  registrytoken?: string;
}

/** Where a client finds the credentials of a registry host ("127.0.0.1:5000", "docker.io"). */
export type CredentialsFor = (registry: string) => Promise<RegistryCredentials | undefined>;

/** "Basic base64(user:password)"; UTF-8 safe. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
