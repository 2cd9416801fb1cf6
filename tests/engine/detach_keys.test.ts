import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DetachScanner, parseDetachKeys } from "../../src/engine/_detach_keys.ts";
import { EngineError } from "../../src/engine/errors.ts";

const bytes = (...xs: number[]) => Uint8Array.of(...xs);
const P = 0x10, Q = 0x11; // ctrl-p, ctrl-q

const parse = suite("parseDetachKeys: Docker's detach keys, as moby/term ToBytes reads them");

parse("an empty spec is Docker's default, ctrl-p,ctrl-q", () => {
  assert.equal(parseDetachKeys(""), bytes(P, Q));
  assert.equal(parseDetachKeys("ctrl-p,ctrl-q"), bytes(P, Q));
});

parse("keys are single characters, ctrl-X or DEL", () => {
  assert.equal(parseDetachKeys("ctrl-a,a"), bytes(1, 97));
  assert.equal(parseDetachKeys("ctrl-@,ctrl-[,~,ctrl-o"), bytes(0, 27, 126, 15));
  assert.equal(parseDetachKeys("DEL,+"), bytes(127, 43));
  assert.equal(parseDetachKeys("ctrl-z,ctrl-\\,ctrl-],ctrl-^,ctrl-_"), bytes(26, 28, 29, 30, 31));
  assert.equal(parseDetachKeys("x"), bytes(0x78));
  assert.equal(parseDetachKeys(" "), bytes(0x20));
});

parse("an invalid spec is refused with the daemon's message", () => {
  for (const spec of ["shift-a", "ctrl-P", "ctrl-", "ctrl-ab", "ctrl-1", "a,", ",a", "é", "del", "ctrl-p, ctrl-q"]) {
    try {
      parseDetachKeys(spec);
      assert.unreachable(`"${spec}" was accepted`);
    } catch (e) {
      assert.instance(e, EngineError);
      assert.is((e as EngineError).kind, "invalid");
      assert.is((e as EngineError).message, `Invalid detach keys (${spec}) provided`);
    }
  }
});

const scan = suite("DetachScanner: moby/term's EscapeProxy");

/** Each push's pass and detached, for chunks pushed in order. */
function pushAll(keys: Uint8Array, chunks: number[][]) {
  const s = new DetachScanner(keys);
  return chunks.map((c) => {
    const r = s.push(Uint8Array.from(c));
    return { pass: [...r.pass], detached: r.detached };
  });
}

scan("input without the sequence passes unchanged", () => {
  assert.equal(pushAll(bytes(P, Q), [[0x61, 0x62, 0x63]]), [{ pass: [0x61, 0x62, 0x63], detached: false }]);
  assert.equal(pushAll(bytes(P, Q), [[]]), [{ pass: [], detached: false }]);
});

scan("the whole sequence detaches; bytes before it pass, none of it does, bytes after it are dropped", () => {
  assert.equal(pushAll(bytes(P, Q), [[0x61, P, Q, 0x62], [0x63]]), [
    { pass: [0x61], detached: true },
    { pass: [], detached: true },
  ]);
});

scan("a sequence typed across chunks is held back, then detaches", () => {
  assert.equal(pushAll(bytes(P, Q), [[0x61, P], [Q]]), [
    { pass: [0x61], detached: false },
    { pass: [], detached: true },
  ]);
  assert.equal(pushAll(parseDetachKeys("a,b,c,d"), [[0x61, 0x62], [0x63, 0x64]]), [
    { pass: [], detached: false },
    { pass: [], detached: true },
  ]);
});

scan("a held prefix that stops matching is released in order, with what follows", () => {
  assert.equal(pushAll(bytes(P, Q), [[P], [0x61, 0x62]]), [
    { pass: [], detached: false },
    { pass: [P, 0x61, 0x62], detached: false },
  ]);
  assert.equal(pushAll(parseDetachKeys("a,b,c"), [[0x78, 0x61], [0x62], [0x78]]), [
    { pass: [0x78], detached: false },
    { pass: [], detached: false },
    { pass: [0x61, 0x62, 0x78], detached: false },
  ]);
  // moby's proxy_test: ctrl-p, a, ctrl-p ctrl-q
  assert.equal(pushAll(bytes(P, Q), [[P], [0x61], [P, Q]]), [
    { pass: [], detached: false },
    { pass: [P, 0x61], detached: false },
    { pass: [], detached: true },
  ]);
});

scan("as in moby, the byte that breaks a match does not start a new one", () => {
  assert.equal(pushAll(bytes(P, Q), [[P, P, Q]]), [{ pass: [P, P, Q], detached: false }]);
  assert.equal(pushAll(bytes(P, Q), [[P], [P], [Q]]), [
    { pass: [], detached: false },
    { pass: [P, P], detached: false },
    { pass: [Q], detached: false },
  ]);
});

scan("one byte at a time passes the same bytes as one chunk", () => {
  const keys = parseDetachKeys("ctrl-x,ctrl-y,z");
  const input = [1, 0x18, 2, 0x18, 0x19, 3, 0x18, 0x19, 0x7a, 4];
  const whole = pushAll(keys, [input]);
  const single = pushAll(keys, input.map((b) => [b]));
  assert.equal(single.flatMap((r) => r.pass), whole[0]!.pass);
  assert.equal(whole[0], { pass: [1, 0x18, 2, 0x18, 0x19, 3], detached: true });
  assert.equal(single.map((r) => r.detached), [false, false, false, false, false, false, false, false, true, true]);
});

parse.run();
scan.run();
