/**
 * /dev and /proc as FileSystems (src/wasi/devfs.ts, procfs.ts), without a process: the
 * devices' reads and writes, the links into /proc/self, fixed names and metadata, and
 * /proc's files in Linux's formats. What the process nodes open as in a process is
 * tests/wasi/process_fds.test.ts's; in a container, tests/engine/devices.test.ts's.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DevFs, ProcFs } from "../../src/wasi/mod.ts";
import type { FileSystem, FsHandle, OpenOptions } from "../../src/fs/mod.ts";
import { code } from "../fs/_vfs_cases.ts";

const t = suite("/dev and /proc as filesystems");
const dec = new TextDecoder();
const O: OpenOptions = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false, follow: true };
/** What a shell's `> path` asks. */
const CREATE: OpenOptions = { ...O, read: false, write: true, create: true, truncate: true };

function withOpen<T>(fs: FileSystem, path: string, o: OpenOptions, fn: (h: FsHandle) => T): T {
  const h = fs.open(path, o);
  try {
    return fn(h);
  } finally {
    h.close();
  }
}

t("/dev lists Docker's devices and links; stat shows character devices; a link's readlink is Linux's, stat follows it", () => {
  const dev = new DevFs();
  assert.equal(dev.readdir("/").map((e) => `${e.name}:${e.type}`), [
    "fd:symlink", "full:char", "null:char", "random:char", "shm:dir", "stderr:symlink", "stdin:symlink", "stdout:symlink", "tty:char", "urandom:char", "zero:char",
  ]);
  assert.equal([dev.stat("/null").type, dev.stat("/null").mode, dev.stat("/shm").mode], ["char", 0o666, 0o1777]);
  assert.equal([dev.lstat("/stdout").type, dev.readlink("/stdout"), dev.stat("/stdout").type], ["symlink", "/proc/self/fd/1", "char"]);
  assert.equal([dev.readlink("/fd"), dev.stat("/fd").type, dev.stat("/fd/7").type, dev.stat("/fd/").type], ["/proc/self/fd", "dir", "char", "dir"]);
  assert.is(code(() => dev.stat("/fd/x")), "ENOENT");
  assert.is(code(() => dev.stat("/null/")), "ENOTDIR");
  assert.is(code(() => dev.open("/stdout", { ...O, follow: false })), "ELOOP");
});

t("null reads end of file and takes writes; zero reads zeros; full reads zeros and refuses writes with ENOSPC; urandom reads random bytes", () => {
  const dev = new DevFs();
  const buf = new Uint8Array(64).fill(7);
  assert.is(withOpen(dev, "/null", CREATE, (h) => h.write(new Uint8Array(10), 0)), 10);
  assert.is(withOpen(dev, "/null", O, (h) => h.read(buf, 0)), 0);
  assert.is(withOpen(dev, "/zero", O, (h) => h.read(buf, 123)), 64);
  assert.ok(buf.every((b) => b === 0));
  buf.fill(7);
  assert.is(withOpen(dev, "/full", O, (h) => h.read(buf, 0)), 64);
  assert.ok(buf.every((b) => b === 0));
  assert.is(withOpen(dev, "/full", CREATE, (h) => code(() => h.write(new Uint8Array(1), 0))), "ENOSPC");
  const a = new Uint8Array(100_000), b = new Uint8Array(100_000);
  withOpen(dev, "/urandom", O, (h) => (h.read(a, 0), h.read(b, 0)));
  assert.not.equal(a, b);
  assert.ok(new Set(a).size > 200);
  assert.is(withOpen(dev, "/zero", CREATE, (h) => code(() => h.truncate(0))), "EINVAL");
  assert.is(dev.readFile("/null").length, 0);
});

t("/dev's names and metadata are fixed: EACCES for a new name, unlink, rename, chmod; EEXIST for an existing one", () => {
  const dev = new DevFs();
  assert.is(code(() => dev.open("/newfile", CREATE)), "EACCES");
  assert.is(code(() => dev.writeFile("/newfile", new Uint8Array(1))), "EACCES");
  assert.is(code(() => dev.mkdir("/pts")), "EACCES");
  assert.is(code(() => dev.mkdir("/shm")), "EEXIST");
  assert.is(code(() => dev.unlink("/null")), "EACCES");
  assert.is(code(() => dev.unlink("/nope")), "ENOENT");
  assert.is(code(() => dev.unlink("/shm")), "EISDIR");
  assert.is(code(() => dev.rename("/null", "/void")), "EACCES");
  assert.is(code(() => dev.chmod("/null", 0o600)), "EACCES");
  assert.is(code(() => dev.open("/null", { ...CREATE, exclusive: true })), "EEXIST");
  assert.is(dev.stat("/null").mode, 0o666);
});

t("tty and the fd nodes are process nodes: a handle names what it stands for, and opened past the WASI layer it is ENXIO", () => {
  const dev = new DevFs();
  assert.equal(withOpen(dev, "/tty", O, (h) => h.process), { kind: "tty" });
  assert.equal(withOpen(dev, "/stdin", O, (h) => h.process), { kind: "fd", fd: 0 });
  assert.equal(withOpen(dev, "/fd/12", CREATE, (h) => h.process), { kind: "fd", fd: 12 });
  assert.equal(withOpen(dev, "/fd", { ...O, directory: true }, (h) => h.process), { kind: "fds" });
  assert.is(withOpen(dev, "/tty", O, (h) => code(() => h.read(new Uint8Array(1), 0))), "ENXIO");
  assert.is(withOpen(dev, "/null", O, (h) => h.process), undefined);
});

t("/proc: cpuinfo per processor, uptime since the start, mounts through the self/mounts link, version naming strata; read-only", () => {
  const proc = new ProcFs({ startedAt: Date.now() - 90_500, mounts: "overlay / overlay rw,relatime 0 0\n" });
  const text = (p: string) => dec.decode(proc.readFile(p));
  const cpus = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
  assert.is(text("/cpuinfo").match(/^processor\t: \d+$/gm)?.length, cpus);
  assert.match(text("/cpuinfo"), /^model name\t: WebAssembly \(strata\)$/m);
  assert.match(text("/uptime"), /^90\.\d\d 0\.00\n$/);
  assert.equal([proc.readlink("/mounts"), text("/mounts"), text("/self/mounts")], ["self/mounts", "overlay / overlay rw,relatime 0 0\n", "overlay / overlay rw,relatime 0 0\n"]);
  assert.match(text("/version"), /^Linux version .*strata/);
  assert.equal([proc.stat("/uptime").size, proc.stat("/uptime").type], [0n, "file"]); // Linux's /proc files are 0 bytes long to stat
  assert.is(code(() => proc.open("/uptime", CREATE)), "EACCES");
  assert.is(code(() => proc.open("/new", CREATE)), "ENOENT");
  assert.is(code(() => proc.unlink("/uptime")), "EACCES");
  assert.equal(proc.readdir("/self").map((e) => e.name), ["cmdline", "environ", "fd", "mounts"]);
});

t("/proc/meminfo and self/cmdline are made for the process that opens them (render), in Linux's layout", () => {
  const proc = new ProcFs({ startedAt: Date.now(), mounts: "" });
  const render = (path: string) => withOpen(proc, path, O, (h) => {
    const node = h.process;
    if (node?.kind !== "file") throw new Error(`${path} is not a process file`);
    return dec.decode(node.render({ args: ["sh", "-c", "x"], env: ["A=1"], memory: { used: 16 * 65536, limit: 64 << 20 } }));
  });
  assert.is(render("/self/cmdline"), "sh\0-c\0x\0");
  assert.is(render("/self/environ"), "A=1\0");
  assert.ok(render("/meminfo").startsWith("MemTotal:          65536 kB\nMemFree:           64512 kB\nMemAvailable:      64512 kB\n"), render("/meminfo"));
});

t.run();
