import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Command, expandCommand, parseDockerfile, toCommand } from "../../src/dockerfile/mod.ts";

const t = suite("dockerfile commands");

const cmd = (line: string): Command => toCommand(parseDockerfile(`FROM scratch\n${line}\n`).instructions[1]!);
const first = (line: string): Command => toCommand(parseDockerfile(line).instructions[0]!);

t("FROM reads the image, a stage name (lower-cased) and --platform", () => {
  assert.equal(first("FROM toolbox"), { kind: "from", image: "toolbox" });
  assert.equal(first("FROM --platform=linux/amd64 toolbox:1 AS Build"), { kind: "from", image: "toolbox:1", stage: "build", platform: "linux/amd64" });
  assert.equal(first("from ${BASE} as x"), { kind: "from", image: "${BASE}", stage: "x" });
});

t("RUN, CMD and ENTRYPOINT keep the shell form as one string and the exec form as the array", () => {
  assert.equal(cmd("RUN echo $HOME && ls"), { kind: "run", shell: true, cmd: ["echo $HOME && ls"] });
  assert.equal(cmd('RUN ["ls", "-l"]'), { kind: "run", shell: false, cmd: ["ls", "-l"] });
  assert.equal(cmd("CMD sleep 1"), { kind: "cmd", shell: true, cmd: ["sleep 1"] });
  assert.equal(cmd('ENTRYPOINT ["/app", "--flag"]'), { kind: "entrypoint", shell: false, cmd: ["/app", "--flag"] });
  assert.equal(cmd("ENTRYPOINT []"), { kind: "entrypoint", shell: false, cmd: [] });
});

t("RUN's BuildKit flags parse, so the builder can refuse them by name", () => {
  assert.equal(cmd("RUN --mount=type=cache,target=/c --network=none make"), {
    kind: "run", shell: true, cmd: ["make"], mounts: ["type=cache,target=/c"], network: "none", flagsUsed: ["mount", "network"],
  });
});

t("COPY and ADD read sources, destination and their flags", () => {
  assert.equal(cmd("COPY --from=build --chown=app:app --chmod=0755 --link a b /dst/"), {
    kind: "copy", sources: ["a", "b"], dest: "/dst/", from: "build", chown: "app:app", chmod: "0755", link: true,
  });
  assert.equal(cmd('COPY ["with space", "/d"]'), { kind: "copy", sources: ["with space"], dest: "/d" });
  assert.equal(cmd("COPY --exclude=*.md --exclude=*.txt . /src"), { kind: "copy", sources: ["."], dest: "/src", exclude: ["*.md", "*.txt"] });
  assert.equal(cmd("ADD --checksum=sha256:abc https://x/y.tgz /"), { kind: "add", sources: ["https://x/y.tgz"], dest: "/", checksum: "sha256:abc" });
  assert.throws(() => cmd("ADD --from=x a b"), /unknown flag: --from/);
});

t("COPY of a heredoc makes an inline source", () => {
  const c = toCommand(parseDockerfile('FROM a\nCOPY <<EOF <<"RAW" /etc/\nhello $NAME\nEOF\nraw $NAME\nRAW\n').instructions[1]!);
  assert.equal(c, {
    kind: "copy", sources: [], dest: "/etc/",
    contents: [{ path: "EOF", data: "hello $NAME\n", expand: true }, { path: "RAW", data: "raw $NAME\n", expand: false }],
  });
});

t("ENV and LABEL give pairs (legacy `ENV k v` too), ARG names with optional defaults", () => {
  assert.equal(cmd('ENV A=1 B="x y"'), { kind: "env", pairs: [["A", "1"], ["B", '"x y"']] });
  assert.equal(cmd("ENV PATH /usr/bin:/bin"), { kind: "env", pairs: [["PATH", "/usr/bin:/bin"]] });
  assert.equal(cmd("LABEL a=b c=d"), { kind: "label", pairs: [["a", "b"], ["c", "d"]] });
  assert.equal(cmd("ARG A B=2 C="), { kind: "arg", args: [{ name: "A" }, { name: "B", value: "2" }, { name: "C", value: "" }] });
});

t("WORKDIR, USER, EXPOSE (sorted as moby sorts), VOLUME, SHELL, STOPSIGNAL, MAINTAINER", () => {
  assert.equal(cmd("WORKDIR /app"), { kind: "workdir", path: "/app" });
  assert.equal(cmd("USER nobody"), { kind: "user", user: "nobody" });
  assert.equal(cmd("EXPOSE 8080 443/tcp 53/udp"), { kind: "expose", ports: ["443/tcp", "53/udp", "8080"] });
  assert.equal(cmd("VOLUME /a /b"), { kind: "volume", paths: ["/a", "/b"] });
  assert.equal(cmd('SHELL ["/bin/sh", "-ec"]'), { kind: "shell", shell: ["/bin/sh", "-ec"] });
  assert.equal(cmd("STOPSIGNAL SIGQUIT"), { kind: "stopsignal", signal: "SIGQUIT" });
  assert.equal(cmd("MAINTAINER me"), { kind: "maintainer", name: "me" });
});

t("HEALTHCHECK reads its durations into nanoseconds, CMD-SHELL for the shell form, NONE as null", () => {
  assert.equal(cmd("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1.5s --retries=4 CMD curl -f http://x/"), {
    kind: "healthcheck", test: ["CMD-SHELL", "curl -f http://x/"], interval: 90e9, timeout: 500e6, startPeriod: 2e9, startInterval: 1.5e9, retries: 4,
  });
  assert.equal(cmd('HEALTHCHECK CMD ["check", "--now"]'), { kind: "healthcheck", test: ["CMD", "check", "--now"] });
  assert.equal(cmd("HEALTHCHECK --interval=0s CMD x"), { kind: "healthcheck", test: ["CMD-SHELL", "x"] });
  assert.equal(cmd("HEALTHCHECK none"), { kind: "healthcheck", test: null });
});

t("ONBUILD keeps the trigger as written", () => {
  assert.equal(cmd("onbuild  RUN  make  install"), { kind: "onbuild", expression: "RUN  make  install" });
  assert.equal(cmd('ONBUILD COPY --chown=1 ["a", "b"]'), { kind: "onbuild", expression: 'COPY --chown=1 ["a", "b"]' });
});

const ENV: Record<string, string> = { APP: "/srv/app", USER: "app", PORTS: "80 443", V: "1.0", EMPTY: "" };
const env = (n: string) => ENV[n];

t("expandCommand() expands what the classic builder expands and leaves shell forms to the shell", () => {
  assert.equal(expandCommand(cmd("ENV DIR=$APP/data 'K'=\"${V}-x\""), env), { kind: "env", pairs: [["DIR", "/srv/app/data"], ["K", "1.0-x"]] });
  assert.equal(expandCommand(cmd("ENV LEGACY \"quoted $V\""), env), { kind: "env", pairs: [["LEGACY", "quoted 1.0"]] });
  assert.equal(expandCommand(cmd("LABEL version=$V"), env), { kind: "label", pairs: [["version", "1.0"]] });
  assert.equal(expandCommand(cmd("WORKDIR $APP"), env), { kind: "workdir", path: "/srv/app" });
  assert.equal(expandCommand(cmd("USER ${USER}:${USER}"), env), { kind: "user", user: "app:app" });
  assert.equal(expandCommand(cmd("VOLUME $APP/data"), env), { kind: "volume", paths: ["/srv/app/data"] });
  assert.equal(expandCommand(cmd("EXPOSE $PORTS 53/udp"), env), { kind: "expose", ports: ["80", "443", "53/udp"] });
  assert.equal(expandCommand(cmd("COPY --chown=$USER src/$V/ $APP/"), env), { kind: "copy", sources: ["src/1.0/"], dest: "/srv/app/", chown: "app" });
  assert.equal(expandCommand(cmd("ARG X=$V Y"), env), { kind: "arg", args: [{ name: "X", value: "1.0" }, { name: "Y" }] });
  assert.equal(expandCommand(first("FROM base:$V"), env), { kind: "from", image: "base:1.0" });
  assert.equal(expandCommand(cmd("RUN echo $APP"), env), { kind: "run", shell: true, cmd: ["echo $APP"] });
  assert.equal(expandCommand(cmd("CMD echo $APP"), env), { kind: "cmd", shell: true, cmd: ["echo $APP"] });
  assert.equal(expandCommand(cmd("STOPSIGNAL ${SIG:-SIGTERM}"), env), { kind: "stopsignal", signal: "SIGTERM" });
});

t("expandCommand() expands an unquoted heredoc source's variables, keeping its quotes", () => {
  const c = toCommand(parseDockerfile('FROM a\nCOPY <<EOF <<"RAW" /d/\nat "$APP"\nEOF\nat $APP\nRAW\n').instructions[1]!);
  const x = expandCommand(c, env);
  assert.ok(x.kind === "copy");
  assert.equal(x.contents!.map((s) => s.data), ['at "/srv/app"\n', "at $APP\n"]);
});

t.run();
