/**
 * A third client: the Python docker SDK (docker-py) reads the 101's head through a
 * buffered HTTP parser and then reads the raw socket, so output that arrives with the
 * head is lost to it. An attach of `echo hello` — before start, and with logs=1 after the
 * exit — must give `hello` every time (it gave nothing in 5 of 8 tries when the 101 and
 * the first frame left together).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { type Started, startServer } from "./_server.ts";

const t = suite("the Python docker SDK");
const probe = spawnSync("python3", ["-c", "import docker"], { encoding: "utf8" });
const MISSING = probe.error ? "python3 is not installed" : probe.status !== 0 ? "the Python docker SDK (python3-docker) is not installed" : "";

const SCRIPT = `
import sys, docker
c = docker.DockerClient(base_url=sys.argv[1])
before = after = 0
for i in range(8):
    ct = c.containers.create("toolbox", ["echo", "hello"])
    s = ct.attach_socket(params={"stdout": 1, "stderr": 1, "stream": 1})
    ct.start()
    data = b""
    while True:
        b = s._sock.recv(4096)
        if not b: break
        data += b
    before += b"hello" in data
    ct.wait()
    after += b"hello" in ct.attach(stdout=True, stderr=True, logs=True, stream=False)
    ct.remove(force=True)
print(before, after)
`;

let server: Started;
if (MISSING) console.log(`skip: the Python docker SDK: ${MISSING}`);
else {
  t.before(async () => void (server = await startServer()));
  t.after(async () => void await server.stop());

  t("attach gives the first output every time: before start, and logs=1 after the exit", () => {
    const r = spawnSync("python3", ["-c", SCRIPT, server.url], { encoding: "utf8", timeout: 120_000 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim(), "8 8");
  });
}

t.run();
