/**
 * The sqlite sample image: SQLite's own shell, built from upstream's amalgamation
 * (wasm/src/sqlite/), run in containers the way `docker run -i sqlite` runs it, with the
 * SQL on stdin. Where Debian's sqlite3 is on this machine it is the oracle: it reads the
 * database a container left on a bind mount, writes one a container then reads, and
 * prints .mode csv output that must be the same byte for byte. Without it, those parts
 * say why and skip; everything else still runs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { until } from "../_wait.ts";
import { output, sampleEngine } from "../engine/_samples.ts";

type Engine = Awaited<ReturnType<typeof sampleEngine>>;
type CreateOptions = Parameters<Engine["containers"]["create"]>[0];

const host = runtimeHost();
const t = suite("the sqlite sample image");
t.after(() => closeWorkers(host.workerHost));

/** Why Debian's sqlite3 cannot be the oracle here, or "" when it can. */
function _nativeMissing(): string {
  const probe = spawnSync("sqlite3", ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "the native sqlite3 is not installed (apt-get install sqlite3; scripts/install-tools.sh does)";
  return "";
}
const NATIVE_MISSING = _nativeMissing();

/** What the native sqlite3 prints for `sql` on stdin, with `args`. */
function native(args: string[], sql: string) {
  const r = spawnSync("sqlite3", args, { input: sql, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `docker run -i` with `stdin` piped in: create, attach stdin, start, wait (up to `timeoutMs`). */
async function runWith(engine: Engine, stdin: string, opts: Partial<CreateOptions> = {}, timeoutMs = 15_000) {
  const { Id } = await engine.containers.create({ Image: "sqlite", OpenStdin: true, StdinOnce: true, ...opts });
  const bytes = new TextEncoder().encode(stdin);
  engine.containers.attach(Id, { stdin: new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }), stream: false });
  await engine.containers.start(Id);
  const { StatusCode } = await until(engine.containers.wait(Id), { timeoutMs, what: `the exit of sqlite3 ${JSON.stringify(opts.Cmd ?? [])}` });
  return { id: Id, code: StatusCode, ...(await output(engine, Id)) };
}

const withHostDir = async (body: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "strata-sqlite-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

t("in a pipe the image's default command prints the results only: no banner, no prompt", async () => {
  const engine = await sampleEngine(["sqlite"]);
  const r = await runWith(engine, "select sqlite_version();\nselect 40 + 2, 'a' || 'b';\n");
  assert.equal([r.code, r.stdout, r.stderr], [0, "3.52.0\n42|ab\n", ""]);
});

t("with -t it is interactive, as on a terminal: the banner, a prompt per statement, box output", async () => {
  const engine = await sampleEngine(["sqlite"]);
  // ^D ends the input, as on a terminal: with -t the client's end does not close stdin (Docker's StdinOnce closes it without a TTY only).
  const r = await runWith(engine, "select 40 + 2;\n\x04", { Tty: true });
  assert.is(r.code, 0);
  // Through the terminal: the typed line is echoed (it was all typed before the start), and every \n is written \r\n.
  assert.ok(r.stdout.startsWith("select 40 + 2;\r\nSQLite version 3.52.0 2026-03-06 16:01:44\r\nEnter \".help\" for usage hints.\r\n"), r.stdout);
  assert.ok(r.stdout.includes("sqlite> ╭────────╮\r\n│ 40 + 2 │\r\n╞════════╡\r\n│     42 │\r\n╰────────╯\r\nsqlite> "), r.stdout);
});

t("an SQL error goes to stderr with its line, the rest still runs, and the status is 1, as the native sqlite3", async () => {
  const engine = await sampleEngine(["sqlite"]);
  const sql = "select 1;\nselect * from nope;\nselect 2;\n";
  const r = await runWith(engine, sql, { Cmd: ["sqlite3"] });
  assert.equal([r.code, r.stdout, r.stderr], [1, "1\n2\n", "Parse error near line 2: no such table: nope\n"]);
  if (NATIVE_MISSING) return console.log(`skip: comparing the error with the native sqlite3: ${NATIVE_MISSING}`);
  const n = native([], sql);
  assert.equal([r.code, r.stdout, r.stderr], [n.code, n.stdout, n.stderr]);
});

t("the shell's file functions: realpath() from WorkingDir through symlinks, writefile() and readfile()", async () => {
  const engine = await sampleEngine(["sqlite"]);
  const sql = "select realpath('.'), realpath('../bin/sh'), realpath('/usr/bin/../bin/./sqlite3');\n" +
    "select writefile('/tmp/w', 'data'), readfile('/tmp/w'), writefile('/tmp/m', 'x', 420);\n";
  const r = await runWith(engine, sql, { WorkingDir: "/etc" });
  assert.equal([r.code, r.stdout, r.stderr], [0, "/etc|/bin/toolbox|/usr/bin/sqlite3\n4|data|1\n", ""]);
});

const BIG_SQL = `
create table t(id integer primary key, k text not null, v integer not null);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 200000)
  insert into t select x, printf('key%06d', (x * 7919) % 200000), x % 1000 from c;
create index t_k on t(k);
select count(*), sum(v) from t;
explain query plan select id, v from t where k = 'key000123';
select id, v from t where k = 'key000123';
pragma page_count;
delete from t where id % 2 = 0;
vacuum;
pragma integrity_check;
pragma page_count;
select count(*), count(distinct k) from t;
`;

t("200,000 rows, an index the query uses, VACUUM and integrity_check, on a bind mount the host then reads", async () => {
  await withHostDir(async (dir) => {
    const engine = await sampleEngine(["sqlite"], host);
    // A relative name: the database lands in WorkingDir, on the bind.
    const r = await runWith(engine, BIG_SQL, { Cmd: ["sqlite3", "big.db"], WorkingDir: "/data", HostConfig: { Binds: [`${dir}:/data`] } }, 120_000);
    assert.is(r.stderr, "");
    assert.is(r.code, 0);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.slice(0, 4), ["200000|99900000", "QUERY PLAN", "`--SEARCH t USING INDEX t_k (k=?)", "174517|517"]);
    const [before, ok, after, counts] = [Number(lines[4]), lines[5], Number(lines[6]), lines[7]];
    assert.equal([ok, counts, lines.length], ["ok", "100000|100000", 8]);
    assert.ok(after < before * 0.7, `VACUUM gave back the deleted half's pages (${before} → ${after})`);

    // The file on the host: no journal or lock left beside it, SQLite's header, its size.
    assert.equal(readdirSync(dir), ["big.db"]);
    const file = readFileSync(join(dir, "big.db"));
    assert.is(new TextDecoder().decode(file.subarray(0, 16)), "SQLite format 3\0");
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const pageSize = view.getUint16(16), pageCount = view.getUint32(28);
    assert.equal([pageSize, pageCount, file.length], [4096, after, after * 4096]);

    if (NATIVE_MISSING) return console.log(`skip: reading the database with the native sqlite3: ${NATIVE_MISSING}`);
    const n = native([join(dir, "big.db")], "pragma integrity_check;\nselect count(*), sum(v) from t;\ninsert into t values (200001, 'host', 7);\n");
    assert.equal([n.code, n.stdout, n.stderr], [0, "ok\n100000|50000000\n", ""]);
    // and back: a container reads what the host's sqlite3 wrote, through a read-only bind
    // (where the dot-file lock cannot be made: wasm/src/sqlite/wasi_locks.c), and cannot write it
    const back = await runWith(engine, "select count(*), max(id) from t; select v from t where k = 'host';\ndelete from t;\n",
      { Cmd: ["sqlite3", "/data/big.db"], HostConfig: { Binds: [`${dir}:/data:ro`] } });
    assert.equal([back.code, back.stdout, back.stderr], [1, "100001|200001\n7\n", "Error near line 2: attempt to write a readonly database\n"]);
    assert.equal(readdirSync(dir), ["big.db"]);
  });
});

const CSV_SQL = `.headers on
.mode csv
create table p(id integer primary key, name text, note text, score real);
insert into p values (1, 'plain', null, 1.5), (2, 'with, comma', 'say "hi"', -0.25),
  (3, 'two
lines', '', 1e10), (4, ' spaced ', 'ünïcödé', 3.0), (5, 'tab\there', 'x', 0.1);
select * from p order by id;
select count(*) as n, sum(score) as total, group_concat(name, '|') as names, avg(id) from p;
select 1 as "a,b", 'q"uote' as "c""d";
`;
const CSV_OUT = [
  "id,name,note,score", "1,plain,,1.5", '2,"with, comma","say ""hi""",-0.25', '3,"two\nlines","",10000000000.0',
  '4," spaced ","ünïcödé",3.0', '5,"tab\there",x,0.1', "n,total,names,avg(id)",
  '5,10000000004.35,"plain|with, comma|two\nlines| spaced |tab\there",3.0', '"a,b","c""d"', '1,"q""uote"', "",
].join("\r\n");

t(".mode csv with .headers on quotes as RFC 4180 says, byte for byte what the native sqlite3 prints", async () => {
  const engine = await sampleEngine(["sqlite"], host);
  const r = await runWith(engine, CSV_SQL, { Cmd: ["sqlite3", "/p.db"] });
  assert.equal([r.code, r.stderr], [0, ""]);
  assert.is(r.stdout, CSV_OUT);
  assert.equal((await engine.containers.changes(r.id)).map((c) => `${c.Kind} ${c.Path}`), ["1 /p.db"]);
  if (NATIVE_MISSING) return console.log(`skip: comparing .mode csv with the native sqlite3: ${NATIVE_MISSING}`);
  assert.is(r.stdout, native([":memory:"], CSV_SQL).stdout);
});

t.run();
