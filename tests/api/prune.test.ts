/** The prune endpoints as the docker CLI calls them for system prune, with Docker's filters. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { untilTime } from "../../src/engine/_prune_filters.ts";
import { message, post, sampleApi } from "./_app.ts";

const t = suite("api: prune filters");
const f = (o: Record<string, string[]>) => `filters=${encodeURIComponent(JSON.stringify(o))}`;

t("containers/prune takes label, label! and until; another filter is Docker's 400", async () => {
  const { req } = await sampleApi();
  const make = async (labels: Record<string, string>) => ((await (await req("/v1.47/containers/create", post({ Image: "toolbox", Cmd: ["true"], Labels: labels }))).json()) as { Id: string }).Id;
  const a = await make({ tier: "web" }), b = await make({ tier: "db" }), c = await make({});
  let r = (await (await req(`/v1.47/containers/prune?${f({ until: ["2000-01-01T00:00:00Z"] })}`, post())).json()) as { ContainersDeleted: string[] | null };
  assert.is(r.ContainersDeleted, null, "nothing was created before 2000");
  r = (await (await req(`/v1.47/containers/prune?${f({ label: ["tier=web"] })}`, post())).json()) as { ContainersDeleted: string[] | null };
  assert.equal(r.ContainersDeleted, [a]);
  r = (await (await req(`/v1.47/containers/prune?${f({ "label!": ["tier"] })}`, post())).json()) as { ContainersDeleted: string[] | null };
  assert.equal(r.ContainersDeleted, [c]);
  r = (await (await req(`/v1.47/containers/prune?${f({ until: ["0s"] })}`, post())).json()) as { ContainersDeleted: string[] | null };
  assert.equal(r.ContainersDeleted, [b]);
  const bad = await req(`/v1.47/containers/prune?${f({ color: ["red"] })}`, post());
  assert.is(bad.status, 400);
  assert.is(await message(bad), "invalid filter 'color'");
});

t("volumes/prune: all=false keeps named volumes; build/prune and networks/prune answer", async () => {
  const { req } = await sampleApi([]);
  await req("/v1.47/volumes/create", post({ Name: "named" }));
  const r = (await (await req(`/v1.47/volumes/prune?${f({ all: ["false"] })}`, post())).json()) as { VolumesDeleted: string[] | null };
  assert.is(r.VolumesDeleted, null);
  assert.equal(await (await req("/v1.47/build/prune?all=1", post())).json(), { CachesDeleted: null, SpaceReclaimed: 0 });
  assert.equal(await (await req("/v1.47/networks/prune", post())).json(), { NetworksDeleted: null });
});

t("until reads Go durations, unix seconds and RFC 3339 as moby's GetTimestamp", () => {
  assert.is(untilTime("1h30m", 10_000_000), 10_000_000 - 5_400_000);
  assert.is(untilTime("1700000000.5"), 1_700_000_000_500);
  assert.is(untilTime("2024-01-02T03:04:05Z"), Date.UTC(2024, 0, 2, 3, 4, 5));
});

t.run();
