// Quota and rate-limit arithmetic, free of I/O so every edge is unit-tested.
import { formatBytes } from "./format";

export interface Usage {
  /** READY files plus live PENDING reservations. */
  bytes: number;
  files: number;
}

export interface Quota {
  bytes: number;
  files: number;
}

/** Why reserving `size` more bytes would exceed the quota, or null when it fits exactly or better. */
export function quotaRefusal(usage: Usage, quota: Quota, size: number): string | null {
  if (usage.files + 1 > quota.files) {
    return `You have ${usage.files} of your ${quota.files} files (counting uploads in progress). Delete some files to upload more.`;
  }
  if (usage.bytes + size > quota.bytes) {
    const left = Math.max(0, quota.bytes - usage.bytes);
    return `This file is ${formatBytes(size)} but only ${formatBytes(left)} of your ${formatBytes(quota.bytes)} quota is left (${formatBytes(usage.bytes)} used, counting uploads in progress).`;
  }
  return null;
}

/** A fixed window: `count` requests so far in the window that opened at `windowStart`. */
export function retryAfterSeconds(count: number, limit: number, windowStart: Date, now: Date, windowSeconds: number): number {
  if (count <= limit) return 0;
  const opensAgain = windowStart.getTime() + windowSeconds * 1000;
  return Math.max(1, Math.ceil((opensAgain - now.getTime()) / 1000));
}
