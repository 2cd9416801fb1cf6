import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeConfig, OciFormatError, parseConfig } from "../../src/oci/mod.ts";

const t = suite("image config");
const enc = new TextEncoder();
const doc = (config: unknown) => enc.encode(JSON.stringify({ architecture: "wasm", os: "wasip1", config, rootfs: { type: "layers", diff_ids: [] }, history: [] }));

t("parseConfig() keeps what Docker keeps: Healthcheck, OnBuild, Shell, ArgsEscaped", () => {
  const c = parseConfig(doc({
    Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 30e9, Timeout: 0, Retries: 3 }, OnBuild: ["RUN make"], Shell: ["/bin/ash", "-c"], ArgsEscaped: true,
  }), "config.json").config;
  assert.equal(c, { Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 30e9, Retries: 3 }, OnBuild: ["RUN make"], Shell: ["/bin/ash", "-c"], ArgsEscaped: true });
});

t("encodeConfig() writes them back, so a parsed config survives a round trip", () => {
  const first = parseConfig(doc({ Healthcheck: { Test: ["NONE"] }, OnBuild: ["COPY . /src"], Shell: ["/bin/sh", "-ec"] }), "a.json");
  assert.equal(parseConfig(encodeConfig(first), "b.json"), first);
});

t("a malformed Healthcheck or OnBuild says which field is wrong", () => {
  assert.throws(() => parseConfig(doc({ Healthcheck: { Test: "CMD true" } }), "c.json"), (e: unknown) => e instanceof OciFormatError && /config\.Healthcheck\.Test/.test((e as Error).message));
  assert.throws(() => parseConfig(doc({ Healthcheck: { Interval: -1 } }), "c.json"), (e: unknown) => e instanceof OciFormatError && /config\.Healthcheck\.Interval/.test((e as Error).message));
  assert.throws(() => parseConfig(doc({ OnBuild: [1] }), "c.json"), (e: unknown) => e instanceof OciFormatError && /config\.OnBuild/.test((e as Error).message));
});

t.run();
