/**
 * /dev/fd/N, /dev/stdin, /dev/stdout, /dev/tty and /proc/self as a WASI program sees them,
 * inline and in a worker (the devfd fixture, tests/wasi/fixtures/devfd.c): opening one
 * hands out the process's own fd (a dup: one offset; closing it leaves the first open),
 * a missing fd is ENOENT, /dev/tty is the terminal with -t and ENXIO without.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers, DevFs, MountedVfs, ProcFs, runProcess } from "../../src/wasi/mod.ts";
import { UnionFS, WritableLayer } from "../../src/fs/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { fixture, textSink } from "./_helpers.ts";

const { workerHost } = runtimeHost();
const t = suite("process nodes: /dev/fd, /dev/std*, /dev/tty, /proc/self");
t.after(() => closeWorkers(workerHost));

/** A union with the fixtures, and /dev and /proc mounted as the engine mounts them. */
function view(): MountedVfs {
  const fs = new UnionFS({ lowers: [], upper: new WritableLayer() });
  fs.mkdir("/bin");
  fs.mkdir("/tmp");
  for (const name of ["devfd", "args", "cat"]) fs.writeFile(`/bin/${name}`, fixture(name));
  return new MountedVfs(fs, [
    { target: "/dev", fs: new DevFs() },
    { target: "/proc", fs: new ProcFs({ startedAt: Date.now(), mounts: "overlay / overlay rw,relatime 0 0\n" }) },
  ]);
}

async function run(mode: "inline" | "worker", cmd: string[], o: { tty?: boolean; stdin?: string; memoryBytes?: number } = {}) {
  const stdout = textSink(), stderr = textSink();
  const r = await runProcess({ cmd, tty: o.tty }, {
    rootfs: view(), stdout, stderr, stdin: new TextEncoder().encode(o.stdin ?? ""), mode, workerHost: mode === "worker" ? workerHost : undefined,
    limits: o.memoryBytes ? { memoryBytes: o.memoryBytes } : undefined,
  }).done;
  return { code: r.exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

const DUP = [
  "dup: ok, a new fd: yes",
  "offset after a write through the dup: 2",
  "write after the dup closed: 1",
  "file: abc",
  "/dev/fd/99: No such file or directory",
  "through /dev/stdout",
  "stdout after /dev/stdout closed: ok",
  "/dev/stdin: ok 5 \"input\"",
].join("\n");

for (const mode of ["inline", "worker"] as const) {
  t(`${mode}: /dev/fd/N is the process's fd N (one offset; closing it leaves the first open), and /dev/tty is ENXIO without a terminal`, async () => {
    const r = await run(mode, ["devfd"], { stdin: "input and more" });
    assert.equal(r, { code: 0, stdout: `${DUP}\n/dev/tty: No such device or address\n`, stderr: "" });
  });

  t(`${mode}: with a terminal, /dev/tty writes to stdout and reads stdin, and isatty() says so`, async () => {
    const r = await run(mode, ["devfd"], { tty: true, stdin: "input and more" });
    assert.equal(r, { code: 0, stdout: `${DUP}\nto the terminal\n/dev/tty: read 9 " and more", isatty 1\n`, stderr: "" });
  });

  t(`${mode}: /proc/self/cmdline and environ are the process's own, /proc/meminfo its memory cap`, async () => {
    const r = await run(mode, ["cat", "/proc/self/cmdline", "/proc/self/environ", "/proc/meminfo"], { memoryBytes: 64 * 1024 * 1024 });
    assert.is(r.stderr, "");
    const [cmdline, environ, meminfo] = [r.stdout.slice(0, 43), r.stdout.slice(43, r.stdout.indexOf("MemTotal")), r.stdout.slice(r.stdout.indexOf("MemTotal"))];
    assert.is(cmdline, "cat\0/proc/self/cmdline\0/proc/self/environ\0/proc/meminfo\0".slice(0, 43));
    assert.ok(environ.includes("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0"), JSON.stringify(environ));
    // Linux's columns: the label padded to 16, the value to 8.
    assert.match(meminfo, /^MemTotal: {10}65536 kB\nMemFree: {8}[ \d]{8} kB\nMemAvailable: {3}[ \d]{8} kB\n/);
  });
}

t.run();
