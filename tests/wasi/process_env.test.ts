/**
 * The process environment Docker gives, for stock wasi-libc programs (tests/wasi/fixtures/cwd.c
 * links chdir as real programs with a `cd` do): the working directory holds for relative
 * paths and getcwd, stdio are pipes unless there is a terminal, and the env is Docker's.
 * Each case runs inline and in a worker.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, runProcess, type ProcessSpec, type RunOptions } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { textSink, unionWithFixtures } from "./_helpers.ts";

const { workerHost: host } = runtimeHost();

const FILES: Record<string, string> = { "/data/in.json": "data's in.json\n", "/in.json": "the root's in.json\n", "/data/sub/deep": "deep\n" };

function rootfs() {
  const fs = unionWithFixtures();
  fs.mkdir("/data");
  fs.mkdir("/data/sub");
  for (const [path, text] of Object.entries(FILES)) fs.writeFile(path, new TextEncoder().encode(text));
  return fs;
}

/**
 * The same C program built for Linux with the machine's C compiler and run natively in a
 * directory laid out as the rootfs above, from <dir>/data with stdio piped: what Linux
 * prints, with <dir> taken out of the paths. Undefined (and a printed reason) without a compiler.
 */
function onLinux(args: string[]): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "strata-cwd-"));
  try {
    const exe = join(dir, "cwd");
    const cc = spawnSync("cc", ["-O2", "-o", exe, fileURLToPath(new URL("./fixtures/cwd.c", import.meta.url))], { encoding: "utf8" });
    if (cc.error || cc.status !== 0) {
      console.log(`skip: the native comparison: no C compiler for this machine (${cc.error?.message ?? cc.stderr.trim()})`);
      return undefined;
    }
    mkdirSync(join(dir, "data/sub"), { recursive: true });
    for (const [path, text] of Object.entries(FILES)) writeFileSync(join(dir, path), text);
    const r = spawnSync(exe, args, { cwd: join(dir, "data"), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    return r.stdout.replaceAll(dir, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(spec: ProcessSpec, mode: "inline" | "worker", extra: Partial<RunOptions> = {}) {
  const stdout = textSink(), stderr = textSink();
  const r = await runProcess(spec, { rootfs: rootfs(), stdout, stderr, mode, workerHost: mode === "worker" ? host : undefined, ...extra }).done;
  return { code: r.exitCode, out: stdout.text(), err: stderr.text() };
}

for (const mode of ["inline", "worker"] as const) {
  const t = suite(`process environment (${mode})`);
  if (mode === "worker") t.after(() => closeWorkers(host));

  t("a stock wasi-libc program starts in WorkingDir: relative paths and getcwd hold, absolute paths still reach the root", async () => {
    const r = await run({ cmd: ["cwd", "in.json", "/in.json", "./sub/deep", "../in.json"], workingDir: "/data" }, mode);
    assert.is(r.err, "");
    assert.is(r.out, "cwd /data\nin.json: data's in.json\n/in.json: the root's in.json\n./sub/deep: deep\n../in.json: the root's in.json\ntty 000\n");
  });

  t("chdir after the start moves on from WorkingDir", async () => {
    const r = await run({ cmd: ["cwd", "cd", "sub", "deep", "cd", "/", "in.json"], workingDir: "/data" }, mode);
    assert.is(r.out, "cwd /data\ncwd /data/sub\ndeep: deep\ncwd /\nin.json: the root's in.json\ntty 000\n");
  });

  t("relative paths, .. and chdir print what the same program prints on Linux from the same directory", async () => {
    // Relative paths only (an absolute one means the host's root natively), and no `cd ..`:
    // wasi-libc's chdir keeps "/data/sub/.." as its cwd where Linux says /data, under any runtime.
    const args = ["in.json", "./sub/deep", "../in.json", "cd", "sub", "deep", "../in.json", "../sub/./deep"];
    const native = onLinux(args);
    const r = await run({ cmd: ["cwd", ...args], workingDir: "/data" }, mode);
    assert.is(r.err, "");
    assert.is(r.out, "cwd /data\nin.json: data's in.json\n./sub/deep: deep\n../in.json: the root's in.json\ncwd /data/sub\ndeep: deep\n../in.json: data's in.json\n../sub/./deep: deep\ntty 000\n");
    if (native !== undefined) assert.is(r.out, native);
  });

  t("without WorkingDir the program starts at /", async () => {
    const r = await run({ cmd: ["cwd", "in.json"] }, mode);
    assert.is(r.out, "cwd /\nin.json: the root's in.json\ntty 000\n");
  });

  t("stdio are pipes to the program without a terminal, ttys with one (isatty)", async () => {
    assert.ok((await run({ cmd: ["cwd"] }, mode)).out.endsWith("tty 000\n"));
    assert.ok((await run({ cmd: ["cwd"], tty: true }, mode)).out.endsWith("tty 111\n"));
  });

  t("env as Docker builds it: PATH, HOSTNAME, TERM with a terminal, the image's and container's, HOME last; no PWD", async () => {
    const r = await run({ cmd: ["args"], imageEnv: ["LANG=C"], env: ["A=1"], hostname: "f00dcafe1234", tty: true }, mode);
    const env = r.out.split("\n").filter((l) => l.startsWith("env ")).map((l) => l.slice(4));
    assert.equal(env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=f00dcafe1234", "TERM=xterm", "LANG=C", "A=1", "HOME=/root"]);
  });

  t("arguments and environment beyond ASCII reach the program whole, beside a working directory (libc's buffer sized in bytes)", async () => {
    // The shim counted an argument's UTF-16 length: libc's buffer fell short of its bytes,
    // argv was overwritten, and the working directory's path landed on the last argument.
    const args = ["héllo wörld", "日本語 ✓", "plain"];
    const r = await run({ cmd: ["args", ...args], env: ["V=ça va ✓", "W=ok"], hostname: "h" }, mode);
    assert.is(r.err, "");
    const lines = r.out.split("\n");
    assert.equal(lines.filter((l) => l.startsWith("argv[")), ["argv[0]=args", ...args.map((a, i) => `argv[${i + 1}]=${a}`)]);
    assert.equal(lines.filter((l) => l.startsWith("env V=") || l.startsWith("env W=")), ["env V=ça va ✓", "env W=ok"]);
    // A program whose libc keeps a working directory: its path goes after the arguments' bytes.
    const c = await run({ cmd: ["cwd", "héllo", "日本語 ✓", "in.json"], env: ["V=ça va ✓"], workingDir: "/data" }, mode);
    assert.is(c.err, "");
    assert.is(c.out, "cwd /data\nmissing héllo\nmissing 日本語 ✓\nin.json: data's in.json\ntty 000\n");
  });

  t("an image's PATH and HOME replace the defaults in place; the container's replace the image's", async () => {
    const r = await run({ cmd: ["args"], imageEnv: ["PATH=/bin", "HOME=/home/app"], env: ["HOME=/srv", "TERM=dumb"], hostname: "h", home: "/root", tty: true }, mode);
    const env = r.out.split("\n").filter((l) => l.startsWith("env ")).map((l) => l.slice(4));
    assert.equal(env, ["PATH=/bin", "HOSTNAME=h", "TERM=dumb", "HOME=/srv"]);
  });
  t.run();
}
