import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runProcess, ModuleCache } from "../../src/wasi/mod.ts";
import { rootfsWithFixtures, textSink } from "./_helpers.ts";
import { put } from "../fs/_view.ts";

const inline = suite("runProcess inline");

inline("a program found through PATH prints to stdout and exits 0", async () => {
  const stdout = textSink();
  const r = await runProcess({ cmd: ["hello"] }, { rootfs: rootfsWithFixtures(), stdout }).done;
  assert.is(r.exitCode, 0);
  assert.is(stdout.text(), "hello\n");
});

inline("argv is Entrypoint + Cmd, env merges container Env over image Env, no PWD (Docker sets none)", async () => {
  const rootfs = rootfsWithFixtures();
  rootfs.mkdir("/work");
  const stdout = textSink();
  const r = await runProcess({ entrypoint: ["args"], cmd: ["one", "two words"], imageEnv: ["A=image", "B=keep", "PATH=/bin"], env: ["A=container"], workingDir: "/work" }, { rootfs, stdout }).done;
  assert.is(r.exitCode, 0);
  const text = stdout.text();
  assert.ok(text.includes("argv[0]=args\nargv[1]=one\nargv[2]=two words\n"));
  assert.ok(text.includes("env A=container\n") && text.includes("env B=keep\n"));
  assert.not.ok(text.includes("env PWD="));
  assert.not.ok(text.includes("env A=image"));
});

inline("a symlink to a multi-call binary keeps argv[0]", async () => {
  const rootfs = rootfsWithFixtures();
  rootfs.symlink("/bin/args", "/bin/applet");
  const stdout = textSink();
  await runProcess({ cmd: ["applet"] }, { rootfs, stdout }).done;
  assert.ok(stdout.text().startsWith("argv[0]=applet\n"));
});

inline("a #! script runs its interpreter from the rootfs with the script's path", async () => {
  const rootfs = rootfsWithFixtures();
  put(rootfs, "/usr/bin/script", "#!/bin/args -x\necho hi\n");
  const stdout = textSink();
  const r = await runProcess({ cmd: ["/usr/bin/script", "arg"] }, { rootfs, stdout }).done;
  assert.ok(stdout.text().startsWith("argv[0]=/bin/args\nargv[1]=-x\nargv[2]=/usr/bin/script\nargv[3]=arg\n"));
  assert.is(r.exitCode, 0);
});

inline("a missing program exits 127 with Docker's message on stderr", async () => {
  const stderr = textSink();
  const r = await runProcess({ cmd: ["nosuch"] }, { rootfs: rootfsWithFixtures(), stderr }).done;
  assert.equal([r.exitCode, r.error], [127, undefined]);
  assert.is(stderr.text(), 'exec: "nosuch": executable file not found in $PATH\n');
});

inline("a file that is not WebAssembly exits 126 with Linux's message on stderr, not as an error", async () => {
  const rootfs = rootfsWithFixtures();
  put(rootfs, "/bin/text", "just text");
  const stderr = textSink();
  const r = await runProcess({ cmd: ["/bin/text"] }, { rootfs, stderr }).done;
  assert.equal([r.exitCode, r.error], [126, undefined]);
  assert.is(stderr.text(), "exec /bin/text: exec format error: neither a WebAssembly module nor a script with a #! line\n");
});

inline("stdin bytes reach the program", async () => {
  const stdout = textSink();
  await runProcess({ cmd: ["cat"] }, { rootfs: rootfsWithFixtures(), stdout, stdin: new TextEncoder().encode("piped in\n") }).done;
  assert.is(stdout.text(), "piped in\n");
});

inline("a stdin stream reaches the program", async () => {
  const stdout = textSink();
  const stdin = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode("a\n")); c.enqueue(new TextEncoder().encode("b\n")); c.close(); } });
  await runProcess({ cmd: ["cat"] }, { rootfs: rootfsWithFixtures(), stdout, stdin }).done;
  assert.is(stdout.text(), "a\nb\n");
});

inline("strata.spawn runs a child in the same filesystem with the parent's stdio", async () => {
  const stdout = textSink();
  const r = await runProcess({ cmd: ["spawner", "args", "x"], env: ["PATH=/bin"] }, { rootfs: rootfsWithFixtures(), stdout }).done;
  assert.is(r.exitCode, 0);
  assert.ok(stdout.text().includes("argv[0]=args\nargv[1]=x\n"));
  assert.ok(stdout.text().endsWith("child status 3\n"));
});

inline("strata.spawn returns 127 for a missing child", async () => {
  const stdout = textSink();
  await runProcess({ cmd: ["spawner", "nosuch"] }, { rootfs: rootfsWithFixtures(), stdout, stderr: textSink() }).done;
  assert.ok(stdout.text().endsWith("child status 127\n"));
});

inline("alloc fails at the memory cap and the result says OOMKilled", async () => {
  const stderr = textSink();
  const r = await runProcess({ cmd: ["alloc", "64"] }, { rootfs: rootfsWithFixtures(), stderr, limits: { memoryBytes: 16 * 1024 * 1024 } }).done;
  assert.is(r.oomKilled, true);
  assert.is.not(r.exitCode, 0);
  assert.match(stderr.text(), /out of memory after 1[0-5] MiB/);
});

inline("alloc under the cap succeeds and is not OOMKilled", async () => {
  const r = await runProcess({ cmd: ["alloc", "4"] }, { rootfs: rootfsWithFixtures(), stdout: textSink(), limits: { memoryBytes: 64 * 1024 * 1024 } }).done;
  assert.equal([r.exitCode, r.oomKilled], [0, false]);
});

inline("a timeout ends a sleeping program with 137", async () => {
  const r = await runProcess({ cmd: ["sleeper", "100", "loop"] }, { rootfs: rootfsWithFixtures(), limits: { timeoutMs: 150 } }).done;
  assert.equal([r.exitCode, r.timedOut, r.reason], [137, true, "kill"]);
});

inline("sleep blocks for its time without returning early", async () => {
  const t = Date.now();
  const stdout = textSink();
  await runProcess({ cmd: ["sleeper", "60"] }, { rootfs: rootfsWithFixtures(), stdout }).done;
  assert.ok(Date.now() - t >= 55);
  assert.is(stdout.text(), "slept\n");
});

inline("modules are compiled once per digest and shared across containers", async () => {
  const modules = new ModuleCache();
  for (let i = 0; i < 3; i++) await runProcess({ cmd: ["hello"] }, { rootfs: rootfsWithFixtures(), modules, stdout: textSink() }).done;
  assert.is(modules.size, 1);
});

inline("a precompiled module registered by digest is used instead of compiling", async () => {
  const { fixture } = await import("./_helpers.ts");
  const { fileDigest } = await import("../../src/wasi/mod.ts");
  const modules = new ModuleCache();
  const bytes = fixture("hello");
  modules.register(fileDigest(bytes), new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  const stdout = textSink();
  await runProcess({ cmd: ["hello"] }, { rootfs: rootfsWithFixtures(), modules, stdout }).done;
  assert.is(stdout.text(), "hello\n");
  assert.is(modules.size, 1);
});

inline.run();
