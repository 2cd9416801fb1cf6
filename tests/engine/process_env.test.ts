/**
 * A container's process gets Docker's environment, with the toolbox image: the working
 * directory (made when missing, in the container's layer, as Docker makes it), HOSTNAME
 * (the short id or -h), HOME from the image's passwd for the user, TERM and ttys with -t,
 * no PWD from the engine (sh sets it, as dash does), and the same for an exec.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closeWorkers } from "../../src/wasi/mod.ts";
import { runtimeHost } from "../../server/platform/mod.ts";
import { failure, run, sampleEngine } from "./_samples.ts";

const { workerHost } = runtimeHost();

for (const mode of ["inline", "worker"] as const) {
  const t = suite(`container process environment (${mode})`);
  const engine = () => sampleEngine(["toolbox"], mode === "worker" ? { workerHost } : {});
  if (mode === "worker") t.after(() => closeWorkers(workerHost));

  t("env is Docker's: PATH from the image, HOSTNAME the short id, HOME /root; no PWD", async () => {
    const e = await engine();
    const r = await run(e, { Image: "toolbox", Cmd: ["env"] });
    assert.is(r.stderr, "");
    assert.is(r.stdout, `PATH=/usr/bin:/bin\nHOSTNAME=${r.id.slice(0, 12)}\nHOME=/root\n`);
  });

  t("-h sets HOSTNAME; -t adds TERM=xterm and makes stdio ttys (test -t); without -t they are pipes", async () => {
    const e = await engine();
    const tty = await run(e, { Image: "toolbox", Hostname: "myhost", Tty: true, Cmd: ["sh", "-c", "echo $HOSTNAME $TERM; test -t 0 && test -t 1 && test -t 2 && echo tty"] });
    assert.is(tty.stdout + tty.stderr, "myhost xterm\r\ntty\r\n");
    const pipe = await run(e, { Image: "toolbox", Cmd: ["sh", "-c", "echo \"$TERM\"; test -t 1 || echo pipe; test -t 0 || echo pipe"] });
    assert.is(pipe.stdout + pipe.stderr, "\npipe\npipe\n");
  });

  t("WorkingDir holds for sh, its children and pwd; a missing one is made in the container's layer", async () => {
    const e = await engine();
    const r = await run(e, { Image: "toolbox", WorkingDir: "/made/here", Cmd: ["sh", "-c", "pwd; echo $PWD; echo hi > f; cat ./f; ls"] });
    assert.is(r.stderr, "");
    assert.is(r.stdout, "/made/here\n/made/here\nhi\nf\n");
    const changes = (await e.containers.changes(r.id)).map((c) => `${c.Kind} ${c.Path}`).sort();
    assert.equal(changes, ["1 /made", "1 /made/here", "1 /made/here/f"]);
  });

  t("a WorkingDir that is a file fails the start with Docker's message", async () => {
    const e = await engine();
    const { Id } = await e.containers.create({ Image: "toolbox", WorkingDir: "/etc/passwd", Cmd: ["pwd"] });
    const [kind, message] = await failure(e.containers.start(Id));
    assert.is(kind, "invalid");
    assert.match(message, /chdir to cwd \("\/etc\/passwd"\) set in config.json failed: not a directory/);
  });

  t("HOME comes from the user's passwd entry; an unknown user gets /", async () => {
    const e = await engine();
    const add = await run(e, { Image: "toolbox", Cmd: ["sh", "-c", "echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd"] });
    assert.is(add.code, 0);
    const { Id: image } = await e.containers.commit(add.id, { repo: "withapp" });
    for (const [user, home] of [["app", "/home/app"], ["1000:1000", "/home/app"], ["root", "/root"], ["4242", "/"]]) {
      const r = await run(e, { Image: image, User: user, Cmd: ["sh", "-c", "echo $HOME"] });
      assert.is(r.stdout, `${home}\n`, user);
    }
  });

  // Inline, a running container holds the thread until it ends: no exec beside it.
  if (mode === "worker") t("an exec gets the container's env with its own -t and -w", async () => {
    const e = await engine();
    const { Id } = await e.containers.create({ Image: "toolbox", Hostname: "box", Cmd: ["sleep", "30"] });
    await e.containers.start(Id);
    let out = "";
    const io = { onOutput: (_s: string, d: Uint8Array) => void (out += new TextDecoder().decode(d)) };
    const ex = e.exec.create(Id, { Cmd: ["sh", "-c", "echo $HOSTNAME $TERM $HOME; pwd; test -t 1 && echo tty"], Tty: true, WorkingDir: "/etc" });
    assert.is(await e.exec.start(ex.Id, io), 0);
    assert.is(out, "box xterm /root\r\n/etc\r\ntty\r\n");
    await e.containers.kill(Id);
  });
  t.run();
}
