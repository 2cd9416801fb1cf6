/**
 * The fields `docker ps` and `docker images` expose to `--format` (the docker CLI's
 * formatter contexts), computed from API rows: `{{.ID}}`, `{{.Names}}`, `{{.Size}}`…
 */
import { ago, ellipsis, goQuote, goTime, humanSize, shortId } from "./_format.ts";

export interface ContainerRow {
  Id: string; Names: string[]; Image: string; ImageID: string; Command: string; Created: number; State: string; Status: string;
  Labels: Record<string, string> | null; Mounts?: Array<{ Name?: string; Source: string }>; SizeRw?: number; SizeRootFs?: number;
}

export const PS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
export const PS_HEADERS: Record<string, string> = {
  ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED", Status: "STATUS",
  Ports: "PORTS", Names: "NAMES", Size: "SIZE", Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS", State: "STATE", LocalVolumes: "LOCAL VOLUMES",
};

/** One `docker ps` row as its formatter context shows it (strings, as Docker's json output). */
export function psView(c: ContainerRow, o: { trunc: boolean; now?: number }): Record<string, string> {
  const labels = c.Labels ?? {};
  const size = c.SizeRw === undefined ? "" : (c.SizeRootFs ?? 0) > 0
    ? `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs!)})` : humanSize(c.SizeRw);
  const names = c.Names.map((n) => n.replace(/^\//, "")).filter((n) => !o.trunc || !n.includes("/"));
  return {
    Command: goQuote(o.trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTime(c.Created),
    ID: o.trunc ? shortId(c.Id) : c.Id,
    Image: o.trunc && c.Image.startsWith("sha256:") ? shortId(c.Image) : c.Image,
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Name).length),
    Mounts: (c.Mounts ?? []).map((m) => (o.trunc ? ellipsis(m.Name ?? m.Source, 15) : m.Name ?? m.Source)).join(","),
    Names: names.join(","),
    Networks: "",
    Ports: "",
    RunningFor: ago(c.Created, o.now),
    Size: size,
    State: c.State,
    Status: c.Status,
  };
}

export interface ImageRow {
  Id: string; RepoTags: string[] | null; RepoDigests?: string[] | null; Created: number; Size: number;
  SharedSize?: number; Containers?: number; Labels?: Record<string, string> | null;
}

export const IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
export const IMAGES_HEADERS: Record<string, string> = {
  Repository: "REPOSITORY", Tag: "TAG", ID: "IMAGE ID", Digest: "DIGEST", CreatedSince: "CREATED", CreatedAt: "CREATED AT",
  Size: "SIZE", Containers: "CONTAINERS", SharedSize: "SHARED SIZE", UniqueSize: "UNIQUE SIZE", VirtualSize: "VIRTUAL SIZE",
};

/** `docker images` rows: one per tag (an untagged image is one `<none> <none>` row). */
export function imageViews(img: ImageRow, o: { trunc: boolean; now?: number }): Array<Record<string, string>> {
  const tags = img.RepoTags?.length ? img.RepoTags : ["<none>:<none>"];
  const shared = img.SharedSize ?? -1;
  return tags.map((t) => {
    const colon = t.lastIndexOf(":");
    const slash = t.lastIndexOf("/");
    const [repo, tag] = colon > slash ? [t.slice(0, colon), t.slice(colon + 1)] : [t, "<none>"];
    return {
      Containers: img.Containers === undefined || img.Containers < 0 ? "N/A" : String(img.Containers),
      CreatedAt: goTime(img.Created),
      CreatedSince: ago(img.Created, o.now),
      Digest: img.RepoDigests?.[0]?.split("@")[1] ?? "<none>",
      ID: o.trunc ? shortId(img.Id) : img.Id,
      Repository: repo,
      SharedSize: shared < 0 ? "N/A" : humanSize(shared),
      Size: humanSize(img.Size),
      Tag: tag,
      UniqueSize: shared < 0 ? "N/A" : humanSize(img.Size - shared),
      VirtualSize: humanSize(img.Size),
    };
  });
}
