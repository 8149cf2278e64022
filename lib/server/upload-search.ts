import "server-only";

import { Prisma } from "@/generated/prisma/client";
import type { AdminUploadsQuery } from "@/lib/validation/admin";

import { assertAdmin, type Actor } from "./access";
import { db } from "./db";
import { containsText, uploadPage } from "./upload-pages";

// The admin console's view of every upload: search, filters, sort, keyset pages, totals.

/** The admin searches' days (YYYY-MM-DD, UTC, both ends included) as bounds on createdAt: from the start of one, until the end of the other. */
function dayBounds(from: string | undefined, to: string | undefined): { from?: Date; until?: Date } {
  const startOf = (day: string) => new Date(`${day}T00:00:00Z`);
  return { ...(from ? { from: startOf(from) } : {}), ...(to ? { until: new Date(startOf(to).getTime() + 86_400_000) } : {}) };
}

/** The same days as Prisma filters on createdAt. */
export function createdOnDays(from: string | undefined, to: string | undefined): Array<{ createdAt: { gte: Date } | { lt: Date } }> {
  const bounds = dayBounds(from, to);
  return [...(bounds.from ? [{ createdAt: { gte: bounds.from } }] : []), ...(bounds.until ? [{ createdAt: { lt: bounds.until } }] : [])];
}

// GET /api/admin/uploads — search, filter, sort, keyset pages, and totals by status.
export async function listAllUploads(actor: Actor, query: AdminUploadsQuery) {
  assertAdmin(actor);
  const filters: Prisma.Sql[] = [];
  // Name, key or owner email.
  const searched = [Prisma.sql`u.name`, Prisma.sql`u.key`, Prisma.sql`o.email`];
  const { q } = query;
  if (q)
    filters.push(
      Prisma.join(
        searched.map((column) => containsText(column, q)),
        " OR ",
      ),
    );
  if (query.status) filters.push(Prisma.sql`u.status = ${query.status}::"UploadStatus"`);
  if (query.type) filters.push(Prisma.sql`u."contentType" = ${query.type}`);
  if (query.owner) filters.push(Prisma.sql`o.email = ${query.owner}`);
  const days = dayBounds(query.from, query.to);
  if (days.from) filters.push(Prisma.sql`u."createdAt" >= ${days.from.toISOString()}::timestamp(3)`);
  if (days.until) filters.push(Prisma.sql`u."createdAt" < ${days.until.toISOString()}::timestamp(3)`);
  if (query.minSize !== undefined) filters.push(Prisma.sql`u.size >= ${String(query.minSize)}::bigint`);
  if (query.maxSize !== undefined) filters.push(Prisma.sql`u.size <= ${String(query.maxSize)}::bigint`);
  const { rows, nextCursor } = await uploadPage({ ...query, filters, withOwnerEmail: true });
  return {
    uploads: rows.map((u) => ({
      id: u.id,
      name: u.name,
      key: u.key,
      size: Number(u.size),
      type: u.contentType,
      status: u.status,
      ownerId: u.ownerId,
      ownerEmail: u.ownerEmail ?? "",
      createdAt: u.createdAt.toISOString(),
      completedAt: u.completedAt?.toISOString() ?? null,
      rejectReason: u.rejectReason,
      liveShareLinks: u.liveShareLinks,
      // Quarantined files never show theirs (GET /api/admin/files/:id/thumbnail refuses them too).
      thumbnail: u.thumbnailKey !== null && u.status === "READY",
    })),
    nextCursor,
    totals: await uploadTotals(),
  };
}

async function uploadTotals() {
  const groups = await db().upload.groupBy({ by: ["status"], _count: { _all: true }, _sum: { size: true } });
  const byStatus = Object.fromEntries(groups.map((g) => [g.status, { files: g._count._all, bytes: Number(g._sum.size ?? 0) }]));
  const ready = byStatus.READY ?? { files: 0, bytes: 0 };
  return { files: ready.files, bytes: ready.bytes, byStatus };
}
