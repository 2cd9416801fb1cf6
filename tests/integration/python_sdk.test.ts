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

/** What the SDK reads of inspect, info, images and errors: each check prints ok or what failed. */
const FIELDS = `
import sys, docker
from docker.errors import ImageNotFound, NotFound, APIError
c = docker.DockerClient(base_url=sys.argv[1])
out = []
def check(name, cond): out.append(name + (" ok" if cond else " FAILED"))
info = c.info()
check("info Debug", info.get("Debug") is False)
check("info NFd", "NFd" in info)
ct = c.containers.create("toolbox", ["true"], labels={"k": "v"})
ct.reload()
hc = ct.attrs["HostConfig"]
check("LogConfig", hc["LogConfig"] == {"Type": "json-file", "Config": {}})
check("RestartPolicy", hc["RestartPolicy"]["Name"] == "no")
check("fields", all(k in hc for k in ["NetworkMode", "PortBindings", "AutoRemove", "CapAdd", "Dns", "Privileged", "ReadonlyRootfs", "ShmSize", "Runtime"]))
check("labels", ct.labels == {"k": "v"})
try:
    c.images.get("nosuch:9"); check("ImageNotFound on get", False)
except ImageNotFound as e:
    check("ImageNotFound on get", "No such image: nosuch:9" in str(e))
try:
    c.containers.create("nosuch:9", ["true"]); check("ImageNotFound on create", False)
except ImageNotFound:
    check("ImageNotFound on create", True)
try:
    c.containers.get("nosuch"); check("NotFound container", False)
except NotFound as e:
    check("NotFound container", not isinstance(e, ImageNotFound))
check("networks", sorted(n.name for n in c.networks.list()) == ["bridge", "host", "none"])
check("images by name", [t for i in c.images.list("toolbox") for t in i.tags] == ["toolbox:latest"])
r = c.containers.run("toolbox", ["echo", "hi"], entrypoint="", remove=True)
check("entrypoint ''", r == b"hi\\n")
ct.remove()
pr = c.containers.prune(filters={"label": "nosuch"})
check("prune", pr.get("ContainersDeleted") is None)
print("\\n".join(out))
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

  t("inspect, info, images, networks and errors carry what the SDK reads (ImageNotFound from Docker's wording)", () => {
    const r = spawnSync("python3", ["-c", FIELDS, server.url], { encoding: "utf8", timeout: 120_000 });
    assert.is(r.status, 0, r.stderr);
    const failed = r.stdout.split("\n").filter((l) => l.endsWith("FAILED"));
    assert.equal(failed, [], r.stdout);
    assert.is(r.stdout.split("\n").filter((l) => l.endsWith(" ok")).length, 13, r.stdout);
  });
}

t.run();
