import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DockerfileError, type Instruction, parseDockerfile } from "../../src/dockerfile/mod.ts";

const t = suite("dockerfile parser");

const parse = (text: string) => parseDockerfile(text).instructions;
const one = (line: string): Instruction => parse(`FROM scratch\n${line}\n`)[1]!;
const errorOf = (text: string): DockerfileError => {
  try {
    parseDockerfile(text);
  } catch (e) {
    assert.instance(e, DockerfileError);
    return e as DockerfileError;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
};

t("each instruction keeps its keyword upper case, its line, and its original text for the Step line", () => {
  const df = parse("from toolbox\n\n  run echo   hi  \nCmd [\"sh\"]\n");
  assert.equal(df.map((i) => [i.keyword, i.line, i.original]), [["FROM", 1, "from toolbox"], ["RUN", 3, "run echo   hi"], ["CMD", 4, 'Cmd ["sh"]']]);
});

t("every instruction's arguments are split as moby's line parsers split them", () => {
  const cases: Array<[string, string[], boolean]> = [
    ["RUN echo $HOME  'a b'", ["echo $HOME  'a b'"], false],
    ['RUN ["echo", "a b"]', ["echo", "a b"], true],
    ["RUN [not json", ["[not json"], false],
    ['CMD [ "x" ] trailing', ['[ "x" ] trailing'], false],
    ['ENTRYPOINT ["/bin/app"]', ["/bin/app"], true],
    ['SHELL ["/bin/sh", "-ec"]', ["/bin/sh", "-ec"], true],
    ["COPY a  b /dst/", ["a", "b", "/dst/"], false],
    ['COPY ["a b", "/dst/"]', ["a b", "/dst/"], true],
    ["ADD https://x/y.tar /", ["https://x/y.tar", "/"], false],
    ["VOLUME /a /b", ["/a", "/b"], false],
    ['VOLUME ["/data"]', ["/data"], true],
    ["EXPOSE 80 443/tcp", ["80", "443/tcp"], false],
    ["WORKDIR /my dir", ["/my dir"], false],
    ["USER 1000:1000", ["1000:1000"], false],
    ["STOPSIGNAL SIGINT", ["SIGINT"], false],
    ["MAINTAINER Ann <ann@example.com>", ["Ann <ann@example.com>"], false],
    ["ARG A B=2 C=\"x y\"", ["A", "B=2", 'C="x y"'], false],
    ['ENV A=1 B="two words" C=a\\ b', ["A", "1", "=", "B", '"two words"', "=", "C", "a\\ b", "="], false],
    ["ENV LEGACY value with  spaces", ["LEGACY", "value with  spaces", ""], false],
    ['LABEL "com.example.v"="1.0" plain=yes', ['"com.example.v"', '"1.0"', "=", "plain", "yes", "="], false],
    ["HEALTHCHECK CMD curl -f http://localhost/", ["CMD", "curl -f http://localhost/"], false],
    ['HEALTHCHECK CMD ["true"]', ["CMD", "true"], true],
    ["HEALTHCHECK NONE", ["NONE"], false],
    ["ONBUILD RUN make", ["RUN", "make"], false],
    ['ONBUILD COPY ["a", "b"]', ["COPY", "a", "b"], true],
  ];
  for (const [line, args, json] of cases) {
    const inst = one(line);
    assert.equal(inst.args, args, line);
    assert.is(inst.json, json, line);
  }
});

t("a JSON array of something other than strings is refused, not taken as a shell form", () => {
  assert.is(errorOf('FROM a\nCMD ["a", 1]').message, "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only");
});

t("flags are read before the arguments, quoted values unquoted, `--` ends them", () => {
  const inst = one('COPY --chown=1:2 --from="build stage" --link a /b');
  assert.equal(inst.flags, { chown: "1:2", from: "build stage", link: true });
  assert.equal(inst.rawFlags, ["--chown=1:2", "--from=build stage", "--link"]);
  assert.equal(inst.args, ["a", "/b"]);
  assert.equal(one("RUN -- --not-a-flag").args, ["--not-a-flag"]);
  assert.equal(one("RUN echo --not-a-flag").flags, {});
});

t("continuation lines are joined; comment lines inside are skipped; an empty one is warned about", () => {
  const df = parseDockerfile("FROM a\nRUN echo one \\\n  # a comment\n    two \\\n\n  three\nRUN next\n");
  const [, run, next] = df.instructions;
  assert.is(run!.original, "RUN echo one     two   three");
  assert.is(run!.line, 2);
  assert.is(run!.endLine, 6);
  assert.is(next!.line, 7);
  assert.equal(df.warnings, ["Empty continuation line found in: RUN echo one     two   three"]);
});

t("an escaped escape character at the end of a line does not continue it", () => {
  const [, a, b] = parse("FROM a\nRUN echo x\\\\\nRUN echo y\n");
  assert.is(a!.original, "RUN echo x\\\\");
  assert.is(b!.original, "RUN echo y");
});

t("a continuation at the very end of the file ends the instruction", () => {
  assert.is(parse("FROM a\nRUN echo \\")[1]!.original, "RUN echo");
});

t("CRLF line endings and a byte-order mark are accepted", () => {
  const df = parse("\uFEFFFROM a\r\nRUN echo \\\r\n  hi\r\n");
  assert.equal(df.map((i) => i.original), ["FROM a", "RUN echo   hi"]);
});

t("# escape=` makes the backtick the escape and continuation character", () => {
  const df = parseDockerfile("# escape=`\nFROM a\nRUN dir C:\\ `\n  /b\nCOPY a\\b `\n  c:\\dest\\\n");
  assert.is(df.escape, "`");
  assert.equal(df.instructions.map((i) => i.original), ["FROM a", "RUN dir C:\\   /b", "COPY a\\b   c:\\dest\\"]);
});

t("directives are read only at the top; after a comment or instruction they are comments", () => {
  assert.is(parseDockerfile("# syntax=docker/dockerfile:1\n#escape = `\nFROM a\n").escape, "`");
  assert.is(parseDockerfile("# a comment\n# escape=`\nFROM a\n").escape, "\\");
  assert.is(parseDockerfile("FROM a\n# escape=`\n").escape, "\\");
  assert.is(errorOf("# escape=`\n# escape=\\\nFROM a").message, "dockerfile parse error on line 2: only one escape parser directive can be used");
  assert.is(errorOf("# escape=x\nFROM a").message, "dockerfile parse error on line 1: invalid escape token 'x' does not match ` or \\");
});

t("heredocs of RUN, COPY and ADD carry their content; quoted names do not expand; <<- chomps tabs", () => {
  const df = parse("FROM a\nRUN <<EOF\necho $HOME\n  EOF not yet\nEOF\nCOPY <<-'END' <<B /dst/\n\tliteral $X\n\tEND\nb\nB\nRUN echo done\n");
  const [, run, copy, last] = df;
  assert.equal(run!.heredocs, [{ name: "EOF", content: "echo $HOME\n  EOF not yet\n", expand: true, chomp: false }]);
  assert.is(run!.endLine, 5);
  assert.equal(copy!.heredocs, [{ name: "END", content: "literal $X\n", expand: false, chomp: true }, { name: "B", content: "b\n", expand: true, chomp: false }]);
  assert.is(last!.line, 11);
  assert.is(one('RUN ["cat", "<<EOF"]').heredocs, undefined);
});

t("errors say the line and Docker's words", () => {
  const cases: Array<[string, string]> = [
    ["FROM a\nRUNN x", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"],
    ["FROM a\n\ncopyy a b", "dockerfile parse error on line 3: unknown instruction: copyy (did you mean copy?)"],
    ["FROM a\nFROBNICATE", "dockerfile parse error on line 2: unknown instruction: FROBNICATE"],
    ["FROM a\nCOPY --chwon=1 a b", "dockerfile parse error on line 2: unknown flag: --chwon (did you mean chown?)"],
    ["FROM a\nRUN \\\n  --mount=x \\\n  --bogus echo", "dockerfile parse error on line 2: unknown flag: --bogus"],
    ["FROM a\nWORKDIR", "dockerfile parse error on line 2: WORKDIR requires exactly one argument"],
    ["FROM a\nENV", "dockerfile parse error on line 2: ENV requires at least one argument"],
    ["FROM a\nRUN", "dockerfile parse error on line 2: RUN requires at least one argument"],
    ["FROM a\nEXPOSE", "dockerfile parse error on line 2: EXPOSE requires at least one argument"],
    ["FROM a\nCOPY onlyone", "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"],
    ["FROM", "dockerfile parse error on line 1: FROM requires either one or three arguments"],
    ["FROM a AS 1st", 'dockerfile parse error on line 1: invalid name for build stage: "1st", name can\'t start with a number or contain symbols'],
    ["FROM a\nENV NOVALUE", "dockerfile parse error on line 2: ENV must have two arguments"],
    ["FROM a\nENV A=1 B", 'dockerfile parse error on line 2: Syntax error - can\'t find = in "B". Must be of the form: name=value'],
    ["FROM a\nLABEL =x", "dockerfile parse error on line 2: LABEL names can not be blank"],
    ["FROM a\nARG =x", "dockerfile parse error on line 2: ARG names can not be blank"],
    ["FROM a\nSHELL /bin/sh -c", "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form"],
    ["FROM a\nONBUILD ONBUILD RUN x", "dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ["FROM a\nONBUILD FROM b", "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger"],
    ["FROM a\nonbuild maintainer me", "dockerfile parse error on line 2: MAINTAINER isn't allowed as an ONBUILD trigger"],
    ["FROM a\nCOPY --link=maybe a b", "dockerfile parse error on line 2: expecting boolean value for flag --link, not: maybe"],
    ["FROM a\nCOPY --from a b", "dockerfile parse error on line 2: missing a value on flag: --from"],
    ["FROM a\nCOPY --from=x --from=y a b", "dockerfile parse error on line 2: duplicate flag specified: --from"],
    ["FROM a\nRUN <<EOF\necho\n", "dockerfile parse error on line 2: unterminated heredoc"],
    ["FROM a\nCOPY a <<EOF\nx\nEOF", "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination"],
    ["FROM a\nHEALTHCHECK NONE x", "dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments"],
    ["FROM a\nHEALTHCHECK CMD", "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD"],
    ["FROM a\nHEALTHCHECK TEST x", 'dockerfile parse error on line 2: Unknown type "TEST" in HEALTHCHECK (try CMD)'],
    ["FROM a\nHEALTHCHECK --interval=5 CMD x", 'dockerfile parse error on line 2: time: missing unit in duration "5"'],
    ["FROM a\nHEALTHCHECK --timeout=10us CMD x", 'dockerfile parse error on line 2: Interval "timeout" cannot be less than 1ms'],
    ["FROM a\nHEALTHCHECK --retries=-1 CMD x", "dockerfile parse error on line 2: --retries cannot be negative (-1)"],
    ["FROM a\nHEALTHCHECK --retries=x CMD x", 'dockerfile parse error on line 2: strconv.ParseInt: parsing "x": invalid syntax'],
    ["FROM a\nVOLUME [\"\"]", "dockerfile parse error on line 2: VOLUME specified can not be an empty string"],
    ["FROM a\nUSER", "dockerfile parse error on line 2: USER requires exactly one argument"],
  ];
  for (const [text, message] of cases) {
    const e = errorOf(text);
    assert.is(e.message, message, text);
    assert.is(e.line, Number(/line (\d+)/.exec(message)![1]), text);
  }
});

t("an empty Dockerfile and one with only comments are refused", () => {
  assert.is(errorOf("").message, "the Dockerfile (Dockerfile) cannot be empty");
  assert.is(parseDockerfileName(""), "the Dockerfile (build/Dockerfile.dev) cannot be empty");
  assert.is(errorOf("# nothing\n\n   \n").message, "file with no instructions");
});

function parseDockerfileName(text: string): string {
  try {
    parseDockerfile(text, { name: "build/Dockerfile.dev" });
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

t("lines built to make a backtracking RegExp crawl parse in linear passes", () => {
  // Each of these took seconds to minutes with moby's expressions run by a backtracking engine.
  assert.is(errorOf(`# escape=x${" ".repeat(60000)}y\nFROM a\n`).line, 1);
  assert.is(parse(`FROM a\nRUN "<<${" ".repeat(60000)}<"\n`)[1]!.heredocs, undefined);
  assert.is(parse(`FROM a\nRUN x${"\r".repeat(60000)}y\n`).length, 2);
  assert.is(parse(`FROM a\nRUN x ${"\\ ".repeat(20000)}\n`).length, 2);
});

t("a physical line longer than moby's scanner reads is refused, not parsed slowly", () => {
  assert.match(errorOf(`FROM a\nRUN echo ${"x".repeat(70000)}\n`).message, "dockerfile line greater than max allowed size of 65535");
});

t.run();
