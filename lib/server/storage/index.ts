import "server-only";

import { env } from "../env";
import { createStorageProbe, storageUnavailable, type StorageProbe } from "./availability";
import { AZURE_BLOCKS_UPLOAD_ID, createAzureStorage } from "./azure";
import type { StorageBackend } from "./backend";
import { createS3Storage, keyPair } from "./s3";

// The storage Valet runs on, chosen once by STORAGE (s3 or azure): services only see StorageBackend.

export { OBJECT_PREFIX, statusOf, THUMBNAIL_PREFIX } from "./backend";
export type { ContentExpectation, PresignedRequest, StorageBackend, StoredObject } from "./backend";

let cached: StorageBackend | undefined;

export function storage(): StorageBackend {
  if (!cached) {
    const e = env();
    cached = e.AZURE
      ? createAzureStorage(e.AZURE, storageProbe())
      : createS3Storage(
          {
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET ?? "",
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            credentials: keyPair(e.S3_ACCESS_KEY_ID, e.S3_SECRET_ACCESS_KEY),
            uploadCredentials: keyPair(e.S3_UPLOAD_ACCESS_KEY_ID, e.S3_UPLOAD_SECRET_ACCESS_KEY),
            downloadCredentials: keyPair(e.S3_DOWNLOAD_ACCESS_KEY_ID, e.S3_DOWNLOAD_SECRET_ACCESS_KEY),
          },
          storageProbe(),
        );
  }
  return cached;
}

/**
 * What storage holds of an upload that is not an object yet: its S3 multipart upload (once
 * pinned), or on Azure the blob's uncommitted blocks. Null for a single PUT.
 */
export function unfinishedUploadId(upload: { s3UploadId: string | null; strategy: "SINGLE" | "MULTIPART" }): string | null {
  if (upload.s3UploadId) return upload.s3UploadId;
  return storage().kind === "azure" && upload.strategy === "MULTIPART" ? AZURE_BLOCKS_UPLOAD_ID : null;
}

// On globalThis: the instance the server starts (instrumentation) and the ones route handlers
// import must be the same probe, whatever module instances the bundler made.
const globalForProbe = globalThis as unknown as { valetStorageProbe?: StorageProbe };

/** This process's view of whether storage is reachable (availability.ts). */
export function storageProbe(): StorageProbe {
  globalForProbe.valetStorageProbe ??= createStorageProbe({ ping: () => storage().ping(), intervalMs: env().STORAGE_PROBE_INTERVAL_SECONDS * 1000 });
  return globalForProbe.valetStorageProbe;
}

/** 503 storage_unavailable, at once and without asking storage, while storage is known to be down. */
export function assertStorageAvailable(): void {
  if (storageProbe().status() === "unavailable") throw storageUnavailable();
}
