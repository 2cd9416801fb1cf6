/**
 * Every toolbox applet under node:wasi over a temporary root: output and exit status as
 * coreutils/busybox give them. Each case runs `sh -c SCRIPT` (applets run in-process) or
 * an applet directly by argv[0], like a /bin/NAME symlink.
 */
import { createHash } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeRoot, run, sh, WASI_SKIP } from "./_run.ts";

const test = suite("toolbox applets");
if (WASI_SKIP) console.log(`skip: toolbox applets: ${WASI_SKIP}`);
const it = WASI_SKIP ? test.skip : test;

const FILES = { "a.txt": "pear\napple\nfig\napple\n", "n.txt": "10\n9\n100\n", "csv": "a,b,c\n1,2,3\n" };
type Case = [name: string, script: string, stdout: string, code?: number, stderr?: string];

const CASES: Case[] = [
  ["cat prints files and reads stdin for -", "echo in | cat /a.txt -", "pear\napple\nfig\napple\nin\n"],
  ["cat of a missing file says so and exits 1", "cat /nope", "", 1, "cat: /nope: No such file or directory\n"],
  ["echo joins its arguments, -n drops the newline, -e reads escapes", "echo a  b; echo -n x; echo -e 'y\\tz'", "a b\nxy\tz\n"],
  ["printf formats strings, numbers and reuses its format", "printf '%s=%d|' a 1 b 2; printf '%05.1f %x %c\\n' 3.14159 255 zed", "a=1|b=2|003.1 ff z\n"],
  ["ls lists sorted names one per line and hides dotfiles", "mkdir /d; touch /d/b /d/a /d/.h; ls /d; ls -a /d | grep -c h", "a\nb\n1\n"],
  ["ls -l shows type, size and name, with link targets", "mkdir /d; echo 12345 > /d/f; ln -s f /d/l; ls -l /d", ""],
  ["ls -d and -1 name the operand itself", "mkdir /d; ls -d1 /d", "/d\n"],
  ["ls -R walks subdirectories", "mkdir -p /r/s; touch /r/s/x; ls -R /r", "/r:\ns\n\n/r/s:\nx\n"],
  ["ls of a missing path exits 2", "ls /nope", "", 2, "ls: cannot access '/nope': No such file or directory\n"],
  ["mkdir -p makes parents; mkdir of an existing dir fails", "mkdir -p /x/y/z && ls /x/y; mkdir /x", "z\n", 1, "mkdir: cannot create directory '/x': File exists\n"],
  ["rm -r removes trees, rm -f ignores missing files, rm of a dir needs -r", "mkdir -p /t/u; touch /t/u/f; rm /t; rm -r /t; rm -f /none; ls /", "a.txt\ncsv\nn.txt\n", 0, "rm: cannot remove '/t': Is a directory\n"],
  ["rm of a missing file exits 1", "rm /nope", "", 1, "rm: cannot remove '/nope': No such file or directory\n"],
  ["rmdir removes empty dirs and refuses full ones", "mkdir -p /e /f/g; rmdir /e; rmdir /f", "", 1, "rmdir: failed to remove '/f': Directory not empty\n"],
  ["touch creates files and cannot touch under a missing dir", "touch /new; ls /new; touch /no/x", "/new\n", 1, "touch: cannot touch '/no/x': No such file or directory\n"],
  ["cp copies files, -r copies trees, -p keeps times", "mkdir -p /s/d; echo hi > /s/d/f; touch -d 0 /s/d/f 2>/dev/null; cp -r /s /c; cat /c/d/f; cp /a.txt /a2; cmp=$(cat /a2 | wc -l); echo $cmp; cp -p /a.txt /a3 && stat -c %Y /a.txt /a3 | uniq | wc -l", "hi\n4\n1\n"],
  ["cp of a directory without -r is refused", "mkdir /s; cp /s /t", "", 1, "cp: -r not specified; omitting directory '/s'\n"],
  ["mv renames and moves into directories", "mkdir /d; mv /a.txt /b.txt; mv /b.txt /d; ls /d; mv /nope /d", "b.txt\n", 1, "mv: cannot stat '/nope': No such file or directory\n"],
  ["ln makes hard links and, with -s, symlinks; -f replaces", "ln /a.txt /h; ln -s a.txt /s; ln -sf n.txt /s; readlink /s; stat -c %h /a.txt; ln -s x /s", "n.txt\n2\n", 1, "ln: failed to create symbolic link '/s': File exists\n"],
  ["readlink prints targets, -f resolves; a non-link exits 1", "mkdir /d; ln -s d /l; ln -s l /l2; readlink /l2; readlink -f /l2/x; readlink /a.txt", "l\n/d/x\n", 1],
  ["realpath resolves links, dots and relative paths", "mkdir -p /d/e; ln -s d/e /l; cd /d; realpath ../l/./ e/.. /nope", "/d/e\n/d\n", 1, "realpath: /nope: No such file or directory\n"],
  ["stat describes a file and formats with -c", "stat -c '%n %s %F' /a.txt /; stat /csv | head -2", ""],
  ["wc counts lines, words and bytes", "wc /a.txt; wc -l < /a.txt; echo one two | wc -w", "      4       4      21 /a.txt\n4\n2\n"],
  ["head and tail take -n, the old -N, and tail -n +N", "head -n 2 /a.txt; head -1 /a.txt; tail -n 1 /a.txt; tail -n +3 /a.txt; seq 20 | tail -2", "pear\napple\npear\napple\nfig\napple\n19\n20\n"],
  ["head of a missing file exits 1", "head /nope", "", 1, "head: cannot open '/nope' for reading: No such file or directory\n"],
  ["grep -v -i -n -c filter lines by basic regex", "grep -n 'ap*le' /a.txt; grep -c apple /a.txt; grep -v apple /a.txt; echo APPLE | grep -i 'apple$'", "2:apple\n4:apple\n2\npear\nfig\nAPPLE\n"],
  ["grep -r searches a tree; no match exits 1; a missing file 2", "mkdir -p /g/h; echo needle > /g/h/f; grep -r needle /g; grep zzz /a.txt; echo $?; grep x /nope", "/g/h/f:needle\n1\n", 2, "grep: /nope: No such file or directory\n"],
  ["sed s///g, d, p and -n", "sed 's/p/P/g' /a.txt | head -2; sed '2d;3d' /a.txt; sed -n '/fig/p' /a.txt; echo abc | sed 's/\\(b\\)/[\\1&]/'", "Pear\naPPle\npear\napple\nfig\na[bb]c\n"],
  ["sort -r -n -u and uniq -c", "sort /a.txt | uniq -c; sort -n /n.txt; sort -rn /n.txt | head -1; sort -u /a.txt", "      2 apple\n      1 fig\n      1 pear\n9\n10\n100\n100\napple\nfig\npear\n"],
  ["cut -d -f and -c", "cut -d, -f2,3 /csv; cut -c1-3 /a.txt | head -1; cut /csv", "b,c\n2,3\npea\n", 1, "cut: you must specify a list of bytes, characters, or fields\n"],
  ["tr maps, deletes and squeezes", "echo hello | tr a-z A-Z; echo hello | tr -d l; echo 'a   b' | tr -s ' '", "HELLO\nheo\na b\n"],
  ["tee copies stdin to files and stdout; -a appends", "echo one | tee /t1 > /dev/null; echo two | tee -a /t1; cat /t1", "two\none\ntwo\n"],
  ["env prints the environment and runs a command with more", "env | grep ^FOO=; env BAR=2 sh -c 'echo $BAR'; echo ${BAR:-unset}", "FOO=1\n2\nunset\n", 0],
  ["pwd follows cd", "cd /; mkdir w; cd w; pwd", "/w\n"],
  ["true, false and ! give their statuses", "true; echo $?; false; echo $?; ! false; echo $?", "0\n1\n0\n"],
  ["test and [ compare strings, numbers and files", "[ a = a ] && echo s; [ 3 -lt 10 ] && echo n; test -f /a.txt -a -d / && echo f; [ -e /nope ] || echo e; [ ! -z x ] && echo z", "s\nn\nf\ne\nz\n"],
  ["test with a bad integer exits 2", "[ x -eq 1 ]", "", 2, "test: x: integer expression expected\n"],
  ["sleep waits and rejects bad intervals", "sleep 0.01 && echo slept; sleep x", "slept\n", 1, "sleep: invalid time interval 'x'\n"],
  ["seq counts with first, increment and last", "seq 3; seq 2 2 6; seq -s, 1 3", "1\n2\n3\n2\n4\n6\n1,2,3\n"],
  ["basename and dirname split paths", "basename /a/b.txt .txt; basename /a/b/; dirname /a/b.txt; dirname b; dirname /", "b\nb\n/a\n.\n/\n"],
  ["find matches -name, -type and -maxdepth", "mkdir -p /f/g; touch /f/x.c /f/g/y.c /f/z.h; find /f -name '*.c'; find /f -type d; find /f -maxdepth 1 -type f", "/f/g/y.c\n/f/x.c\n/f\n/f/g\n/f/x.c\n/f/z.h\n"],
  ["find of a missing path exits 1", "find /nope", "", 1, "find: '/nope': No such file or directory\n"],
  ["chmod accepts modes for existing files and reports missing ones", "chmod 755 /a.txt && chmod u+x /a.txt && echo ok; chmod 644 /nope", "ok\n", 1, "chmod: cannot access '/nope': No such file or directory\n"],
  ["du -s -h sums a tree", "mkdir /u; printf '%2000s' x > /u/f; du -s /u; du -sh /u", "6\t/u\n6.0K\t/u\n"],
  ["df reports the root file system", "df | head -1", "Filesystem     1K-blocks      Used Available Use% Mounted on\n"],
  ["date prints UTC with a +FORMAT", "date -d @86400 +%Y-%m-%dT%H:%M:%S; date +%Y | grep -c '^20'", "1970-01-02T00:00:00\n1\n"],
  ["uname, hostname, id and whoami describe the system", "uname; uname -m; hostname; id; whoami", "WASI\nwasm32\nbox\nuid=0(root) gid=0(root) groups=0(root)\nroot\n"],
  ["yes repeats a line until the reader has enough", "yes | head -n 2; yes ok | head -n 1", "y\ny\nok\n"],
  ["sha256sum hashes files and stdin", "printf abc | sha256sum; sha256sum /csv", ""],
  ["xargs appends stdin words to a command, -n batches", "printf 'a b\\nc' | xargs echo x; echo 1 2 3 | xargs -n 2 echo", "x a b c\n1 2\n3\n"],
  ["which finds commands on PATH and exits 1 otherwise", "mkdir /bin; touch /bin/tool; which tool; which nope", "/bin/tool\n", 1],
];

for (const c of CASES) {
  it(c[0], () => {
    const root = makeRoot(FILES);
    try {
      const r = sh(root.dir, c[1], { env: { FOO: "1", HOSTNAME: "box" } });
      const [, , stdout, code = 0, stderr] = c;
      if (c[0].startsWith("ls -l")) {
        assert.match(r.stdout, /^total \d+\n-rw-r--r-- +1 root +root +6 \w{3} [ \d]\d \d\d:\d\d f\nlrwxrwxrwx +1 root +root +1 .* l -> f\n$/);
      } else if (c[0].startsWith("stat describes")) {
        assert.match(r.stdout, /^\/a\.txt 21 regular file\n\/ \d+ directory\n  File: \/csv\n  Size: 12 /);
      } else if (c[0].startsWith("sha256sum")) {
        const [first, second] = r.stdout.split("\n");
        assert.is(first, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -");
        assert.is(second, `${_sha256("a,b,c\n1,2,3\n")}  /csv`);
      } else {
        assert.is(r.stdout, stdout);
      }
      if (stderr !== undefined) assert.is(r.stderr, stderr);
      else if (code === 0) assert.is(r.stderr, "");
      assert.is(r.code, code, `exit status of: ${c[1]}\n${r.stderr}`);
    } finally {
      root.rm();
    }
  });
}

function _sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

it("an applet runs by argv[0] (a /bin/NAME symlink) and by `toolbox APPLET`", () => {
  const root = makeRoot(FILES);
  try {
    assert.equal(run(root.dir, ["/bin/cat", "/csv"]), { code: 0, stdout: "a,b,c\n1,2,3\n", stderr: "" });
    assert.equal(run(root.dir, ["toolbox", "echo", "hi"]), { code: 0, stdout: "hi\n", stderr: "" });
    const bad = run(root.dir, ["toolbox", "nosuch"]);
    assert.is(bad.code, 127);
    assert.is(bad.stderr, "nosuch: applet not found\n");
  } finally {
    root.rm();
  }
});

it("an invalid option is reported with the applet's usage status", () => {
  const root = makeRoot(FILES);
  try {
    const r = run(root.dir, ["ls", "-z"]);
    assert.is(r.code, 2);
    assert.is(r.stderr, "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n");
    assert.is(run(root.dir, ["cat", "-z"]).code, 1);
  } finally {
    root.rm();
  }
});

test.run();
