/**
 * What Docker gives every container besides its image, with the toolbox, inline and in
 * workers: /dev (null, zero, full, random, urandom, tty, fd, std*, shm), a small /proc,
 * and /etc/hostname, /etc/hosts, /etc/resolv.conf of its own. They are mounts: writes to
 * them never reach the container's layer, so `docker diff`, commit and export stay
 * empty of them; execs see the same files.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { indexTar } from "../../src/tar/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { heldOpen, output, run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();

/** /etc/hosts as Docker 28 writes it for a container on --network none. */
const HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\nff00::\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

const DEV = "fd\nfull\nnull\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n";

for (const mode of ["inline", "worker"] as const) {
  const t = suite(`/dev, /proc and /etc files (${mode})`);
  const engine = () => sampleEngine(["toolbox"], mode === "worker" ? { workerHost } : {});
  if (mode === "worker") t.after(() => closeWorkers(workerHost));

  t("devices behave as Linux's, /etc/hostname is the container's, /proc has uptime and mounts; /dev/full fails with ENOSPC", async () => {
    const e = await engine();
    const script = "echo hi > /dev/null; cat /dev/null; head -c 4 /dev/zero | wc -c; head -c 9 /dev/urandom | wc -c; cat /etc/hostname; hostname; uname -n; " +
      "ls /dev; cat /proc/uptime; cat /proc/mounts; echo x > /dev/full";
    const r = await run(e, { Image: "toolbox", Cmd: ["sh", "-c", script] });
    const name = r.id.slice(0, 12);
    assert.is(r.stderr, "echo: write error: No space left on device\n");
    assert.is(r.code, 1);
    const [head, uptime, mounts] = [`4\n9\n${name}\n${name}\n${name}\n${DEV}`, r.stdout.split("\n").at(-9), r.stdout.split("\n").slice(-8).join("\n")];
    assert.ok(r.stdout.startsWith(head), r.stdout);
    assert.match(uptime!, /^\d+\.\d\d 0\.00$/);
    assert.is(mounts, [
      "overlay / overlay rw,relatime 0 0", "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0", "tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0",
      "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0", "strata /etc/resolv.conf strata rw,relatime 0 0",
      "strata /etc/hostname strata rw,relatime 0 0", "strata /etc/hosts strata rw,relatime 0 0", "",
    ].join("\n"));
  });

  t("ls shows /dev and /proc in an image that has neither, and ls -l shows character devices and links", async () => {
    const e = await engine();
    const r = await run(e, { Image: "toolbox", Cmd: ["sh", "-c", "ls /; ls -l /dev | grep -c '^c'; ls -l /dev/stdout; readlink /dev/fd; ls /proc /proc/self"] });
    assert.is(r.stderr, "");
    const [root, rest] = [r.stdout.slice(0, r.stdout.indexOf("6\n")), r.stdout.slice(r.stdout.indexOf("6\n"))];
    assert.is(root, "bin\ndev\netc\nhome\nopt\nproc\nroot\nsrv\ntmp\nusr\n");
    assert.match(rest, /^6\nlrwxrwxrwx .* \/dev\/stdout -> \/proc\/self\/fd\/1\n\/proc\/self\/fd\n/);
    assert.ok(rest.endsWith("/proc:\ncpuinfo\nloadavg\nmeminfo\nmounts\nself\nuptime\nversion\n\n/proc/self:\ncmdline\nenviron\nfd\nmounts\n"), rest);
  });

  t("/dev/stdout and /dev/stderr reach the container's log, /dev/stdin reads its stdin", async () => {
    const e = await engine();
    const c = await heldOpen(e, { Cmd: ["sh", "-c", "echo out > /dev/stdout; echo err > /dev/stderr; cat /dev/stdin"] });
    c.release("piped in\n");
    assert.equal(await e.containers.wait(c.id), { StatusCode: 0, Error: null });
    assert.equal(await output(e, c.id), { stdout: "out\npiped in\n", stderr: "err\n" });
  });

  t("/dev/tty is the terminal with -t and fails with ENXIO without one", async () => {
    const e = await engine();
    const none = await run(e, { Image: "toolbox", Cmd: ["sh", "-c", "echo hi > /dev/tty"] });
    assert.equal([none.code, none.stdout, none.stderr], [1, "", "sh: can't create /dev/tty: No such device or address\n"]);
    const tty = await run(e, { Image: "toolbox", Tty: true, Cmd: ["sh", "-c", "echo to the terminal > /dev/tty"] });
    assert.equal([tty.code, tty.stdout, tty.stderr], [0, "to the terminal\r\n", ""]);
  });

  t("-h names the host in /etc/hostname, hostname and uname -n; /etc/hosts and resolv.conf are Docker's for --network none, with --add-host and --dns", async () => {
    const e = await engine();
    const r = await run(e, {
      Image: "toolbox", Hostname: "myhost", HostConfig: { ExtraHosts: ["db:10.0.0.5"], Dns: ["192.0.2.53"], DnsSearch: ["example.org"] },
      Cmd: ["sh", "-c", "cat /etc/hostname; hostname; uname -n; cat /etc/hosts; grep -v '^#' /etc/resolv.conf"],
    });
    assert.is(r.stderr, "");
    assert.is(r.stdout, `myhost\nmyhost\nmyhost\n${HOSTS}10.0.0.5\tdb\n\nnameserver 192.0.2.53\nsearch example.org\n`);
  });

  t("writes to /dev/null, /dev/shm and the /etc files are not in diff, commit or export; a restart starts them afresh", async () => {
    const e = await engine();
    const script = "ls /dev/shm; cat /etc/hostname; echo a > /dev/null; echo b > /dev/shm/x; echo c > /etc/hostname; echo d >> /etc/hosts; " +
      "echo e > /etc/resolv.conf; cat /dev/shm/x /etc/hostname; tail -n 1 /etc/hosts";
    const r = await run(e, { Image: "toolbox", Hostname: "first", Cmd: ["sh", "-c", script] });
    assert.equal([r.code, r.stdout, r.stderr], [0, "first\nb\nc\nd\n", ""]);
    assert.equal(await e.containers.changes(r.id), []);
    const names = indexTar(await e.containers.export(r.id)).map((x) => x.path.replace(/\/$/, ""));
    assert.ok(names.includes("etc/passwd") && names.includes("etc/hostname"), names.join(" "));
    assert.not.ok(names.some((n) => /^(dev|proc)(\/|$)|shm/.test(n)), names.join(" "));
    const exported = indexTar(await e.containers.export(r.id)).find((x) => x.path === "etc/hostname")!;
    assert.is(new TextDecoder().decode(exported.data), "toolbox\n");
    const { Id: image } = await e.containers.commit(r.id, {});
    const after = await run(e, { Image: image, Hostname: "next", Cmd: ["sh", "-c", "ls /dev/shm; cat /etc/hostname; tail -n 1 /etc/hosts"] });
    assert.equal([after.stdout, after.stderr], ["next\nff02::2\tip6-allrouters\n", ""]);
    await e.containers.start(r.id); // the same container again: its files are written anew, /dev/shm is empty
    await e.containers.wait(r.id);
    const again = await output(e, r.id);
    assert.equal(again, { stdout: "first\nb\nc\nd\n".repeat(2), stderr: "" });
    assert.equal(await e.containers.changes(r.id), []);
  });

  t("programs that name devices work: sqlite3 -init /dev/null, .once /dev/stdout", async () => {
    const e = await sampleEngine(["sqlite"], mode === "worker" ? { workerHost } : {});
    const script = "sqlite3 -init /dev/null :memory: 'select 40+2;'; printf '.once /dev/stdout\\nselect 7;\\n' | sqlite3 :memory:";
    const r = await run(e, { Image: "sqlite", Cmd: ["sh", "-c", script] });
    assert.equal([r.code, r.stdout, r.stderr], [0, "42\n7\n", ""]);
  });

  t("an exec sees the container's /dev, /proc and /etc files, and shares /dev/shm and /etc/hostname with the container's process", async () => {
    const e = await engine();
    const c = await heldOpen(e, { Hostname: "box", Cmd: ["sh", "-c", "cat; cat /dev/shm/note /etc/hostname"] });
    const exec = async (cmd: string) => {
      let out = "";
      const ex = e.exec.create(c.id, { Cmd: ["sh", "-c", cmd] });
      const code = await e.exec.start(ex.Id, { onOutput: (_s, d) => void (out += new TextDecoder().decode(d)) });
      return [code, out];
    };
    assert.equal(await exec("cat /etc/hostname; ls /dev/fd; echo from exec > /dev/shm/note; echo renamed > /etc/hostname"), [0, "box\n0\n1\n2\n3\n4\n"]);
    assert.equal(await exec("cat /dev/shm/note /etc/hostname; head -n 1 /proc/mounts"), [0, "from exec\nrenamed\noverlay / overlay rw,relatime 0 0\n"]);
    c.release("main\n");
    assert.equal(await e.containers.wait(c.id), { StatusCode: 0, Error: null });
    assert.equal(await output(e, c.id), { stdout: "main\nfrom exec\nrenamed\n", stderr: "" });
    assert.equal(await e.containers.changes(c.id), []);
  });

  t.run();
}
