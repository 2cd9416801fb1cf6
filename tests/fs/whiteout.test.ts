import { suite } from "uvu";
import * as assert from "uvu/assert";
import { diff, exportMerged, exportUpper, Layer, UnionFS, WritableLayer, MAX_LOWER_DEPTH } from "../../src/fs/mod.ts";
import { indexTar, writeTar } from "../../src/tar/mod.ts";
import { dir, file, link, opaque, symlink, whiteout } from "../tar/_fixtures.ts";
import { commit, unionOf, view } from "./_view.ts";

const t = suite("whiteouts and opaque directories");

const cases: Array<{ name: string; layers: Parameters<typeof unionOf>; expect: string[] }> = [
  {
    name: "a whiteout deletes a lower file",
    layers: [[dir("etc"), file("etc/a", "a"), file("etc/b", "b")], [whiteout("etc/a")]],
    expect: ["/etc dir", "/etc/b file \"b\""],
  },
  {
    name: "a whiteout must not remove what its own layer added",
    layers: [[dir("etc")], [file("etc/a", "new"), whiteout("etc/a")]],
    expect: ["/etc dir", "/etc/a file \"new\""],
  },
  {
    name: "a whiteout of a directory hides its whole subtree",
    layers: [[dir("d"), dir("d/sub"), file("d/sub/x", "x"), file("keep", "k")], [whiteout("d")]],
    expect: ["/keep file \"k\""],
  },
  {
    name: "an opaque marker hides lower children, whatever its position in the tar",
    layers: [[dir("d"), file("d/old", "o")], [file("d/new", "n"), opaque("d"), dir("d")]],
    expect: ["/d dir", "/d/new file \"n\""],
  },
  {
    name: "an opaque marker first in the tar keeps its own layer's entries",
    layers: [[dir("d"), file("d/old", "o")], [opaque("d"), dir("d"), file("d/new", "n")]],
    expect: ["/d dir", "/d/new file \"n\""],
  },
  {
    name: "re-creating a deleted lower path does not bring back the lower children",
    layers: [[dir("d"), file("d/old", "o")], [whiteout("d")], [dir("d"), file("d/fresh", "f")]],
    expect: ["/d dir", "/d/fresh file \"f\""],
  },
  {
    name: "a file replaces a lower directory of the same name",
    layers: [[dir("x"), file("x/y", "y")], [file("x", "now a file")]],
    expect: ["/x file \"now a file\""],
  },
];

for (const c of cases) {
  t(c.name, () => {
    assert.equal(view(unionOf(...c.layers)), c.expect);
  });
}

t("the umoci v2 image merges as umoci unpack shows it", () => {
  // Layers as `tar -tvzf` showed them (shared/reference docker-engine-api.md section 7).
  const fs = unionOf(
    [dir(""), dir("bin"), file("bin/x", "wasm-x\n", 0o755), dir("etc"), file("etc/a", "a\n"), dir("etc/dir"), file("etc/dir/f", "f\n"), file("etc/dir/g", "g\n")],
    [dir("bin"), file("bin/hard", "wasm-x\n"), symlink("bin/link", "x"), link("bin/x", "bin/hard"), dir("etc"), whiteout("etc/a"), dir("etc/dir"), whiteout("etc/dir/f"), whiteout("etc/dir/g"), file("etc/dir/h", "h\n")],
    [opaque("etc/dir"), dir("etc/dir"), file("etc/dir/z", "z\n")],
    [whiteout("bin/hard")],
  );
  assert.equal(view(fs), ["/bin dir", "/bin/link symlink -> x", "/bin/x file \"wasm-x\\n\"", "/etc dir", "/etc/dir dir", "/etc/dir/z file \"z\\n\""]);
  assert.is(fs.lstat("/bin/x").nlink, 1n);
});

t("unlink() leaves a whiteout when the name exists below, and the image never changes", () => {
  const layers = [new Layer(writeTar([dir("etc"), file("etc/passwd", "root"), file("etc/motd", "hi")]))];
  const a = new UnionFS({ lowers: layers, upper: new WritableLayer() });
  const b = new UnionFS({ lowers: layers, upper: new WritableLayer() });
  a.unlink("/etc/passwd");
  a.writeFile("/etc/motd", new TextEncoder().encode("changed"));
  b.mkdir("/srv");
  assert.equal(view(a), ["/etc dir", "/etc/motd file \"changed\""]);
  assert.equal(view(b), ["/etc dir", "/etc/motd file \"hi\"", "/etc/passwd file \"root\"", "/srv dir"]);
  assert.equal(diff(a), [{ Path: "/etc", Kind: 0 }, { Path: "/etc/motd", Kind: 0 }, { Path: "/etc/passwd", Kind: 2 }]);
  assert.equal(diff(b), [{ Path: "/srv", Kind: 1 }]);
  const fresh = new UnionFS({ lowers: layers, upper: new WritableLayer() });
  assert.equal(view(fresh), ["/etc dir", "/etc/motd file \"hi\"", "/etc/passwd file \"root\""]);
  assert.is(a.stack, b.stack); // the lower index is built once per image
});

t("mkdir() over a whiteout makes an opaque directory", () => {
  const fs = unionOf([dir("d"), file("d/old", "o")]);
  fs.unlink("/d/old");
  fs.rmdir("/d");
  fs.mkdir("/d");
  fs.writeFile("/d/new", new TextEncoder().encode("n"));
  assert.equal(view(fs), ["/d dir", "/d/new file \"n\""]);
  assert.ok(indexTar(exportUpper(fs)).some((e) => e.path === "d/.wh..wh..opq"));
  assert.equal(view(commit(fs)), view(fs));
});

t("a stack deeper than 500 layers is refused with a clear error", () => {
  const layer = new Layer(writeTar([file("a", "1")]));
  try {
    new UnionFS({ lowers: Array.from({ length: MAX_LOWER_DEPTH + 1 }, () => layer), upper: new WritableLayer() });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /more than 500 lower layers/);
  }
});

t("exportMerged() flattens the view into one tar", () => {
  const fs = unionOf([dir("a"), file("a/x", "1")], [file("a/y", "2"), whiteout("a/x")]);
  assert.equal(indexTar(exportMerged(fs)).map((e) => e.path), ["a", "a/y"]);
});

t.run();
