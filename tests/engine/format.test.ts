import { suite } from "uvu";
import * as assert from "uvu/assert";
import { humanDuration, isoTime } from "../../src/engine/mod.ts";
import { statusString } from "../../src/engine/_format.ts";

const fmt = suite("Docker's human strings (docker/go-units HumanDuration, Status)");

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;

fmt("seconds and minutes truncate", () => {
  assert.is(humanDuration(0), "Less than a second");
  assert.is(humanDuration(999), "Less than a second");
  assert.is(humanDuration(-5 * S), "Less than a second");
  assert.is(humanDuration(1 * S), "1 second");
  assert.is(humanDuration(1999), "1 second");
  assert.is(humanDuration(2 * S), "2 seconds");
  assert.is(humanDuration(59 * S + 999), "59 seconds");
  assert.is(humanDuration(60 * S), "About a minute");
  assert.is(humanDuration(119 * S), "About a minute");
  assert.is(humanDuration(2 * M), "2 minutes");
  assert.is(humanDuration(5 * M + 59 * S), "5 minutes");
  assert.is(humanDuration(59 * M + 59 * S), "59 minutes");
});

fmt("hours round to the nearest; days, weeks, months are whole parts of them", () => {
  assert.is(humanDuration(60 * M), "About an hour");
  assert.is(humanDuration(H + 29 * M), "About an hour");
  assert.is(humanDuration(H + 30 * M), "2 hours");
  assert.is(humanDuration(47 * H + 29 * M), "47 hours");
  assert.is(humanDuration(47 * H + 30 * M), "2 days");
  assert.is(humanDuration(13 * D + 23 * H), "13 days");
  assert.is(humanDuration(14 * D), "2 weeks");
  assert.is(humanDuration(21 * D), "3 weeks");
  assert.is(humanDuration(59 * D + 23 * H), "8 weeks");
  assert.is(humanDuration(60 * D), "2 months");
  assert.is(humanDuration(729 * D + 23 * H), "24 months");
  assert.is(humanDuration(730 * D), "2 years");
  assert.is(humanDuration(3 * 365 * D + 100 * D), "3 years");
});

fmt("Status strings are docker ps's", () => {
  const now = 10 * D;
  assert.is(statusString("running", 0, now - 5 * M, 0, now), "Up 5 minutes");
  assert.is(statusString("running", 0, now - 300, 0, now), "Up Less than a second");
  assert.is(statusString("exited", 0, 0, now - 2 * H, now), "Exited (0) 2 hours ago");
  assert.is(statusString("exited", 137, 0, now - 90 * S, now), "Exited (137) About a minute ago");
  assert.is(statusString("removing", 0, 0, 0, now), "Removal In Progress");
  assert.is(statusString("created", 0, 0, 0, now), "Created");
});

fmt("times are RFC 3339 with nanoseconds; 0 is Go's zero time", () => {
  assert.is(isoTime(0), "0001-01-01T00:00:00Z");
  assert.is(isoTime(Date.UTC(2024, 4, 1, 10, 0, 0, 123)), "2024-05-01T10:00:00.123000000Z");
});

fmt.run();
