// Upload geometry, shared by the server (which signs) and the browser (which slices), so both
// always agree on where each part starts and how long it is.
import { MiB, TiB } from "./units";

/**
 * Files above this go as S3 multipart uploads. Below it a single PUT is quick enough that
 * restarting it after a failure costs little; above it, parts make pause, retry and resume
 * cheap (only the unfinished part is sent again).
 */
export const MULTIPART_THRESHOLD_BYTES = 16 * MiB;

/**
 * Part size for ordinary files: a retry re-sends at most 8 MiB, and a 1 GiB file has 128
 * parts, so the browser fetches its part URLs in two batches of at most MAX_SIGN_BATCH.
 */
export const DEFAULT_PART_BYTES = 8 * MiB;

/** S3's minimum for every part but the last. */
export const MIN_PART_BYTES = 5 * MiB;
/** S3's maximum number of parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's maximum object size. */
export const MAX_OBJECT_BYTES = 5 * TiB;
/** Most presign requests one sign call may carry. */
export const MAX_SIGN_BATCH = 100;

export type UploadStrategy = "single" | "multipart";

export interface UploadPlan {
  strategy: UploadStrategy;
  /** Bytes in every part but the last (the whole size for a single upload). */
  partSize: number;
  partCount: number;
}

export function planUpload(size: number): UploadPlan {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  if (size <= MULTIPART_THRESHOLD_BYTES) return { strategy: "single", partSize: size, partCount: 1 };
  // Grow the part (in whole MiB) only when the default would need more than MAX_PARTS parts:
  // a 5 TiB file gets 525 MiB parts, 9,987 of them.
  const partSize = Math.max(DEFAULT_PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
  return { strategy: "multipart", partSize, partCount: Math.ceil(size / partSize) };
}

/** Exact byte length of part `partNumber` (1-based); this is what gets signed. */
export function partLength(plan: Pick<UploadPlan, "partSize" | "partCount">, size: number, partNumber: number): number {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw new RangeError(`part ${partNumber} is outside 1..${plan.partCount}`);
  }
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}
