import "server-only";

import { AppError } from "@/lib/errors";
import { quotaRefusal, type Quota, type Usage } from "@/lib/limits";

import type { Tx } from "./db";
import { env } from "./env";

// Per-user quotas: what counts against them, and the check a reservation makes.

export function effectiveQuota(user: { quotaBytes: bigint | null; quotaFiles: number | null }): Quota {
  return { bytes: user.quotaBytes === null ? env().QUOTA_BYTES : Number(user.quotaBytes), files: user.quotaFiles ?? env().QUOTA_FILES };
}

/**
 * What counts against a quota: READY files, QUARANTINED ones (their objects are kept until an admin
 * or the owner deletes them) and reservations that can still be used.
 */
export async function usageOf(tx: Tx, ownerId: string): Promise<Usage> {
  const usage = await tx.upload.aggregate({
    where: { ownerId, OR: [{ status: { in: ["READY", "QUARANTINED"] } }, { status: "PENDING", expiresAt: { gt: new Date() } }] },
    _sum: { size: true },
    _count: { _all: true },
  });
  return { bytes: Number(usage._sum.size ?? 0), files: usage._count._all };
}

/**
 * Refuses (413) a reservation of `size` more bytes that would overshoot the owner's quota. Locks the
 * owner's row for the rest of the transaction, so concurrent reservations on any instance cannot
 * each see room for themselves and together overshoot.
 */
export async function assertRoomFor(tx: Tx, ownerId: string, size: number): Promise<void> {
  const [owner] = await tx.$queryRaw<Array<{ quotaBytes: bigint | null; quotaFiles: number | null }>>`
    SELECT "quotaBytes", "quotaFiles" FROM "User" WHERE id = ${ownerId}::uuid FOR UPDATE`;
  const refusal = quotaRefusal(await usageOf(tx, ownerId), effectiveQuota(owner ?? { quotaBytes: null, quotaFiles: null }), size);
  if (refusal) throw new AppError("quota_exceeded", refusal);
}
