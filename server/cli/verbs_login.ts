/**
 * `strata login` and `strata logout`, as the docker CLI's: the engine checks the
 * credentials against the registry (`POST /auth`), and the CLI keeps them in the docker
 * CLI's config.json (_docker_config.ts), where `strata pull`/`push`/`run` and the docker
 * CLI itself find them. A password is never printed; `-p` gets Docker's warning.
 */
import { flag } from "./_args.ts";
import { credentialsFor, dockerConfigPath, eraseCredentials, hostOf, INDEX_SERVER, readDockerConfig, storeCredentials } from "./_docker_config.ts";
import type { Io } from "./_io.ts";
import { CliError, type Ctx, type Verb } from "./_verb.ts";
import { DaemonError } from "./client.ts";

interface AuthAnswer {
  Status: string;
  IdentityToken?: string;
}

const UNENCRYPTED = (path: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

export const login: Verb = {
  name: "login", usage: "[OPTIONS] [SERVER]", max: 1,
  summary: "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
  flags: [
    { long: "password", short: "p", type: "string", desc: "Password or Personal Access Token (PAT)" },
    { long: "password-stdin", type: "bool", desc: "Take the Password or Personal Access Token (PAT) from stdin" },
    { long: "username", short: "u", type: "string", desc: "Username" },
  ],
  async run(ctx, p) {
    let user = flag.str(p, "username") ?? "", password = flag.str(p, "password") ?? "";
    if (password) {
      await ctx.io.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
      if (flag.bool(p, "password-stdin")) throw new CliError("--password and --password-stdin are mutually exclusive");
    }
    if (flag.bool(p, "password-stdin")) {
      if (!user) throw new CliError("Must provide --username with --password-stdin");
      password = (await _readAll(ctx.io)).replace(/\n$/, "").replace(/\r$/, "");
    }
    const arg = p.args[0];
    const server = arg && arg !== "docker.io" ? hostOf(arg) : INDEX_SERVER;
    if (!user && !password && (await _storedLogin(ctx, server))) return 0;
    if (!user || !password) {
      if (!ctx.io.stdinTTY) throw new CliError("Error: Cannot perform an interactive login from a non TTY device");
      ({ user, password } = await _prompt(ctx.io, server, user, password));
    }
    const answer = await _auth(ctx, { username: user, password, serveraddress: server });
    await _keep(ctx, server, user, password, answer);
    return 0;
  },
};

export const logout: Verb = {
  name: "logout", usage: "[SERVER]", max: 1,
  summary: "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
  async run(ctx, p) {
    const arg = p.args[0];
    const server = arg && arg !== "docker.io" ? hostOf(arg) : INDEX_SERVER;
    await ctx.io.out(`Removing login credentials for ${server}\n`);
    eraseCredentials(arg ?? INDEX_SERVER, ctx.io.env);
    return 0;
  },
};

async function _auth(ctx: Ctx, body: { username: string; password: string; serveraddress: string }): Promise<AuthAnswer> {
  return await (await ctx.client()).json<AuthAnswer>("POST", "/auth", { body });
}

/** Keep what logged in (the identity token instead of the password when the registry gave one), then say so. */
async function _keep(ctx: Ctx, server: string, username: string, password: string, answer: AuthAnswer): Promise<void> {
  const env = ctx.io.env;
  const cfg = readDockerConfig(env);
  const helper = cfg.credHelpers?.[server] ?? cfg.credsStore;
  const path = storeCredentials(server, { username, password, identitytoken: answer.IdentityToken || undefined }, env);
  if (helper) await ctx.io.err(`WARNING: ${path} names the credential helper "docker-credential-${helper}"; strata does not run credential helpers and kept the credentials in the file\n`);
  await ctx.io.err(UNENCRYPTED(dockerConfigPath(env)));
  await ctx.io.out(`${answer.Status}\n`);
}

/**
 * The docker CLI's login with stored credentials (no -u, no -p): true when they still
 * work. Refused ones are said and the login goes on as if there were none.
 */
async function _storedLogin(ctx: Ctx, server: string): Promise<boolean> {
  const warnings: string[] = [];
  const creds = credentialsFor(server, ctx.io.env, { warn: (m) => void warnings.push(`${m}\n`) });
  for (const w of warnings) await ctx.io.err(w);
  if (!creds?.username || !creds.password) return false;
  await ctx.io.err(`Authenticating with existing credentials... [Username: ${creds.username}]\n\n Info -> To login with a different account, run 'strata logout' followed by 'strata login'\n\n`);
  try {
    await _keep(ctx, server, creds.username, creds.password, await _auth(ctx, { username: creds.username, password: creds.password, serveraddress: server }));
    return true;
  } catch (err) {
    if (!(err instanceof DaemonError)) throw err;
    await ctx.io.err(err.status === 401 ? "Stored credentials invalid or expired\n" : `Login did not succeed, error: Error response from daemon: ${err.message}\n`);
    return false;
  }
}

/** stdin to its end, as text. */
async function _readAll(io: Io): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of io.stdin()) parts.push(chunk);
  const all = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) (all.set(x, at), (at += x.length));
  return new TextDecoder().decode(all);
}

/** Ask for what is missing on the terminal: "Username: " echoed, "Password: " not. */
async function _prompt(io: Io, server: string, user: string, password: string): Promise<{ user: string; password: string }> {
  const keys = io.stdin()[Symbol.asyncIterator]();
  const pending: number[] = [];
  io.setRawMode(true);
  try {
    if (server !== INDEX_SERVER && !user) await io.out(`\nLogin with your password for ${server}\n\n`);
    if (!user) user = (await _line(io, keys, pending, "Username: ", true)).trim();
    if (!user) throw new CliError("Error: Non-null Username Required");
    if (!password) password = await _line(io, keys, pending, "Password: ", false);
    if (!password) throw new CliError("Error: Password Required");
    return { user, password };
  } finally {
    io.setRawMode(false);
  }
}

/** One line typed in raw mode: Enter ends it, Backspace erases, Ctrl-C or Ctrl-D gives up. */
async function _line(io: Io, keys: AsyncIterator<Uint8Array>, pending: number[], label: string, echo: boolean): Promise<string> {
  await io.out(label);
  const typed: number[] = [];
  for (;;) {
    if (!pending.length) {
      const r = await keys.next();
      if (r.done) throw new CliError("Error: the terminal closed before the login was typed");
      pending.push(...r.value);
    }
    const b = pending.shift()!;
    if (b === 0x0d || b === 0x0a) break;
    if (b === 0x03 || b === 0x04) throw new CliError("", 130);
    if (b === 0x7f || b === 0x08) {
      if (typed.length) (typed.pop(), echo && (await io.out("\b \b")));
      continue;
    }
    typed.push(b);
    if (echo) await io.out(new Uint8Array([b]));
  }
  await io.out("\r\n");
  return new TextDecoder().decode(new Uint8Array(typed));
}
