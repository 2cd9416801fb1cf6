import { suite } from "uvu";
import * as assert from "uvu/assert";
import { applyChanges, applyConfigCommand, type Command, DockerfileError, parseChanges, parseDockerfile, toCommand } from "../../src/dockerfile/mod.ts";
import type { ContainerConfig } from "../../src/oci/mod.ts";

const t = suite("dockerfile config changes");

const cmd = (line: string): Command => toCommand(parseDockerfile(`FROM scratch\n${line}\n`).instructions[1]!);
const apply = (config: ContainerConfig, ...lines: string[]) => lines.reduce((c, l) => applyConfigCommand(c, cmd(l)), config);
const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.instance(e, DockerfileError);
    return (e as Error).message;
  }
  return "no error";
};

t("ENV replaces a variable in place and appends a new one", () => {
  assert.equal(apply({ Env: ["PATH=/bin", "A=1"] }, "ENV A=2 B=3", "ENV PATH /usr/bin").Env, ["PATH=/usr/bin", "A=2", "B=3"]);
});

t("LABEL adds to the labels; the input config is not changed", () => {
  const base: ContainerConfig = { Labels: { a: "1" } };
  assert.equal(apply(base, "LABEL b=2 a=3").Labels, { a: "3", b: "2" });
  assert.equal(base.Labels, { a: "1" });
});

t("CMD and ENTRYPOINT shell forms run through SHELL, /bin/sh -c by default", () => {
  assert.equal(apply({}, "CMD echo hi").Cmd, ["/bin/sh", "-c", "echo hi"]);
  assert.equal(apply({}, 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', "CMD echo hi").Cmd, ["/bin/ash", "-eo", "pipefail", "-c", "echo hi"]);
  assert.equal(apply({}, 'CMD ["a", "b"]').Cmd, ["a", "b"]);
  assert.equal(apply({}, "ENTRYPOINT exec app").Entrypoint, ["/bin/sh", "-c", "exec app"]);
});

t("ENTRYPOINT clears the Cmd unless a CMD was set before it in the same stage", () => {
  const c = apply({ Cmd: ["base-cmd"] }, 'ENTRYPOINT ["/app"]');
  assert.equal(c.Entrypoint, ["/app"]);
  assert.is(c.Cmd, undefined);
  const kept = applyConfigCommand(apply({}, 'CMD ["x"]'), cmd('ENTRYPOINT ["/app"]'), { cmdSet: true });
  assert.equal(kept.Cmd, ["x"]);
  assert.is(apply({ Entrypoint: ["/old"] }, "ENTRYPOINT []").Entrypoint, undefined);
});

t("WORKDIR resolves relative to the previous one and is cleaned", () => {
  assert.is(apply({}, "WORKDIR /a", "WORKDIR b", "WORKDIR ../c/./d/").WorkingDir, "/a/c/d");
  assert.is(apply({}, "WORKDIR rel").WorkingDir, "/rel");
  assert.is(apply({ WorkingDir: "/x" }, "WORKDIR /y//z").WorkingDir, "/y/z");
});

t("EXPOSE normalises ports and ranges to port/proto", () => {
  assert.equal(apply({ ExposedPorts: { "22/tcp": {} } }, "EXPOSE 80 53/UDP 9000-9002/tcp 127.0.0.1:8080:81").ExposedPorts, {
    "22/tcp": {}, "80/tcp": {}, "53/udp": {}, "9000/tcp": {}, "9001/tcp": {}, "9002/tcp": {}, "81/tcp": {},
  });
  assert.is(messageOf(() => apply({}, "EXPOSE http")), "invalid containerPort: http");
  assert.is(messageOf(() => apply({}, "EXPOSE 80/xyz")), "invalid proto: xyz");
  assert.is(messageOf(() => apply({}, "EXPOSE 70000")), "invalid containerPort: 70000");
});

t("VOLUME, USER, STOPSIGNAL (checked as moby checks it), SHELL, ONBUILD", () => {
  const c = apply({}, "VOLUME /data /logs", "USER 1000", "STOPSIGNAL SIGUSR1", 'SHELL ["/bin/ash", "-c"]', "ONBUILD RUN make", "ONBUILD COPY . /src");
  assert.equal(c, { Volumes: { "/data": {}, "/logs": {} }, User: "1000", StopSignal: "SIGUSR1", Shell: ["/bin/ash", "-c"], OnBuild: ["RUN make", "COPY . /src"] });
  assert.is(apply({}, "STOPSIGNAL 9").StopSignal, "9");
  assert.is(apply({}, "STOPSIGNAL rtmin+3").StopSignal, "rtmin+3");
  assert.is(messageOf(() => apply({}, "STOPSIGNAL SIGFOO")), "Invalid signal: SIGFOO");
  assert.is(messageOf(() => apply({}, "STOPSIGNAL 0")), "Invalid signal: 0");
});

t("HEALTHCHECK stores Docker's HealthConfig; NONE stores Test [NONE]", () => {
  assert.equal(apply({}, "HEALTHCHECK --interval=30s --retries=2 CMD wget -q localhost").Healthcheck, { Test: ["CMD-SHELL", "wget -q localhost"], Interval: 30e9, Retries: 2 });
  assert.equal(apply({ Healthcheck: { Test: ["CMD", "x"] } }, "HEALTHCHECK NONE").Healthcheck, { Test: ["NONE"] });
});

t("commands that change no config leave it as it was", () => {
  const base = { Env: ["A=1"] };
  for (const line of ["RUN x", "COPY a b", "ARG X", "MAINTAINER me"]) assert.equal(apply(base, line), base, line);
});

t("parseChanges() takes only what `docker commit --change` takes, with Docker's message", () => {
  assert.equal(parseChanges(["CMD x", "EXPOSE 80"]).map((c) => c.kind), ["cmd", "expose"]);
  assert.equal(parseChanges([]), []);
  for (const bad of ["RUN echo", "FROM x", "COPY a b", "ADD a b", "ARG A", "SHELL [\"sh\"]", "MAINTAINER me"]) {
    assert.is(messageOf(() => parseChanges([bad])), `${bad.split(" ")[0]} is not a valid change command`, bad);
  }
  assert.is(messageOf(() => parseChanges(["run echo"])), "run is not a valid change command");
  assert.is(messageOf(() => parseChanges(["CMD x", "BOGUS y"])), "dockerfile parse error on line 2: unknown instruction: BOGUS");
});

t("applyChanges() applies each change in order, expanded with the config's Env as it stands", () => {
  const out = applyChanges({ Env: ["PORT=8080", "HOME=/root"], Cmd: ["old"] }, ["ENV DATA=$HOME/data", "VOLUME $DATA", "EXPOSE $PORT", 'CMD ["serve"]', 'ENTRYPOINT ["/app"]', "LABEL from=$PORT"]);
  assert.equal(out, {
    Env: ["PORT=8080", "HOME=/root", "DATA=/root/data"], Volumes: { "/root/data": {} }, ExposedPorts: { "8080/tcp": {} },
    Cmd: ["serve"], Entrypoint: ["/app"], Labels: { from: "8080" },
  });
  assert.is(applyChanges({ Cmd: ["old"] }, ['ENTRYPOINT ["/app"]']).Cmd, undefined);
  assert.equal(applyChanges({ Cmd: ["x"] }, []), { Cmd: ["x"] });
});

t.run();
