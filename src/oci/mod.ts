/**
 * Image formats: sha256 digests (WebCrypto), diffId and chainId, manifests, configs and
 * indexes, reading `docker save` archives and OCI image layouts into verified images, and
 * writing them back in forms that skopeo, umoci and docker accept.
 *
 * @example
 * ```ts
 * import { readImageArchive, writeDockerArchive } from "./mod.ts";
 * const images = await readImageArchive(archiveBytes, { name: "toolbox.tar" });
 * const again = await writeDockerArchive(images.map((i) => ({ configBytes: i.configBytes, layers: i.layers, repoTags: i.repoTags })));
 * ```
 */
export { chainIds, type Digester, digestHex, DigestMismatchError, isDigest, sha256, type Sha256Hasher, type Sha256Impl, verifyDigest, webCryptoSha256 } from "./digest.ts";
export * from "./media_types.ts";
export { encodeConfig, parseConfig, type ContainerConfig, type HealthConfig, type HistoryEntry, type ImageConfig } from "./config.ts";
export { parseIndex, parseManifest, type Descriptor, type ImageIndex, type Manifest } from "./manifest.ts";
export { type LoadAbilities, readImageArchive, type LoadedImage, type LoadedLayer, type ReadArchiveOptions } from "./archive_read.ts";
export { ociLayoutFiles, writeDockerArchive, writeOciArchive, type ExportImage, type ExportLayer, type LayoutFile } from "./archive_write.ts";
export { checkLayerEntries, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from "./layer_check.ts";
export { OciFormatError } from "./_json.ts";
export { DEFAULT_LOAD_MEMORY, LoadBudget, LoadBudgetError, type LoadLease } from "./load_budget.ts";
export {
  type CredentialsFor, DOCKER_HUB, formatPlatform, isWasiPlatform, parsePlatform, pickManifest, pingRegistry, type Platform, RegistryClient, type RegistryCredentials,
  RegistryError, type RegistryOptions,
} from "./distribution/mod.ts";
