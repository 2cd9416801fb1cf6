import { suite } from "uvu";
import * as assert from "uvu/assert";
import { splitCommand } from "../../server/ui/command.ts";

const t = suite("ui: the run form's command line split into argv as a shell splits words");

t("blanks, quotes and escapes", () => {
  assert.equal(splitCommand("  echo   hi  "), ["echo", "hi"]);
  assert.equal(splitCommand(`sh -c "echo \\$HOME > /f; echo \\"q\\""`), ["sh", "-c", `echo $HOME > /f; echo "q"`]);
  assert.equal(splitCommand(`echo 'a  "b" \\n' c\\ d ""`), ["echo", `a  "b" \\n`, "c d", ""]);
  assert.equal(splitCommand(""), []);
});

t("an unclosed quote is an error that says where", () => {
  assert.throws(() => splitCommand(`echo "abc`), /unclosed double quote in the command at 6/);
  assert.throws(() => splitCommand(`echo 'abc`), /unclosed single quote/);
});

t.run();
