import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LoadBudget, LoadBudgetError } from "../../src/oci/mod.ts";

const t = suite("load budget");

t("leases share the budget: a reservation past it is refused at once, naming the budget and how to raise it", () => {
  const budget = new LoadBudget(100);
  const a = budget.lease("a.tar"), b = budget.lease("b.tar");
  a.reserve(60);
  b.reserve(30);
  assert.is(budget.used, 90);
  let err: unknown;
  try {
    b.reserve(20);
  } catch (e) {
    err = e;
  }
  assert.instance(err, LoadBudgetError);
  assert.instance(err, RangeError); // a bad-input error: 400 at the API, as a bad archive is
  assert.is((err as Error).message, "Cannot load b.tar: it would pass the memory budget for image loads of 100 bytes (this load holds 30 bytes, other loads 60, and 20 more were asked for); raise the budget with the engine option loadMemoryBytes (the server's --load-memory flag), or retry when the other loads end");
  // A refused lease refuses again with the same error; what it holds is given back as it
  // is freed (release) or when its load ends, not before.
  assert.throws(() => b.reserve(0), (e: unknown) => e === err);
  assert.is(budget.used, 90);
  b.release(10);
  assert.is(budget.used, 80);
  b.end();
  b.end();
  assert.is(budget.used, 60);
  a.reserve(40);
  assert.is(budget.used, 100);
  a.release(30);
  assert.is(a.held, 70);
  a.end();
  a.end();
  assert.is(budget.used, 0);
});

t("a lone load past the budget is not told to wait for others", () => {
  const lease = new LoadBudget(10).lease("big.tar");
  assert.throws(() => lease.reserve(11), /^Cannot load big.tar: .* other loads 0, and 11 more were asked for\); raise the budget with the engine option loadMemoryBytes \(the server's --load-memory flag\)$/);
});

t("an invalid budget is refused", () => {
  assert.throws(() => new LoadBudget(Number.NaN), /invalid load memory budget/);
  assert.throws(() => new LoadBudget(-1), /invalid load memory budget/);
});

t.run();
