import "server-only";

import type { Prisma, Upload } from "@/generated/prisma/client";
import type { AdminUploadsQuery } from "@/lib/validation/admin";

import { assertAdmin, type Actor } from "./access";
import { cursorTime, decodeCursor, encodeCursor, invalidCursor } from "./cursor";
import { db } from "./db";

// The admin console's view of every upload: search, filters, sort, keyset pages, totals.

const SORT_COLUMNS = { date: "createdAt", size: "size", name: "name" } as const;
type SortColumn = (typeof SORT_COLUMNS)[keyof typeof SORT_COLUMNS];

function sortValue(column: SortColumn, row: Upload): string {
  if (column === "createdAt") return row.createdAt.toISOString();
  return column === "size" ? row.size.toString() : row.name;
}

function parseSortValue(column: SortColumn, value: string): Date | bigint | string {
  if (column === "createdAt") return cursorTime(value);
  if (column === "name") return value;
  // A size: a whole number of bytes that fits the column (bigint).
  if (!/^\d{1,18}$/.test(value)) throw invalidCursor();
  return BigInt(value);
}

/** The admin searches' days (YYYY-MM-DD, UTC, both ends included) as filters on createdAt. */
export function createdOnDays(from: string | undefined, to: string | undefined): Array<{ createdAt: { gte: Date } | { lt: Date } }> {
  const startOf = (day: string) => new Date(`${day}T00:00:00Z`);
  return [...(from ? [{ createdAt: { gte: startOf(from) } }] : []), ...(to ? [{ createdAt: { lt: new Date(startOf(to).getTime() + 86_400_000) } }] : [])];
}

// GET /api/admin/uploads — search, filter, sort, keyset pages, and totals by status.
export async function listAllUploads(actor: Actor, query: AdminUploadsQuery) {
  assertAdmin(actor);
  const column = SORT_COLUMNS[query.sort];
  const filters: Prisma.UploadWhereInput[] = [];
  if (query.q) {
    filters.push({
      OR: [
        { name: { contains: query.q, mode: "insensitive" } },
        { key: { contains: query.q, mode: "insensitive" } },
        { owner: { email: { contains: query.q, mode: "insensitive" } } },
      ],
    });
  }
  if (query.status) filters.push({ status: query.status });
  if (query.type) filters.push({ contentType: query.type });
  if (query.owner) filters.push({ owner: { email: query.owner } });
  filters.push(...createdOnDays(query.from, query.to));
  if (query.minSize !== undefined) filters.push({ size: { gte: BigInt(query.minSize) } });
  if (query.maxSize !== undefined) filters.push({ size: { lte: BigInt(query.maxSize) } });
  if (query.cursor) {
    const { value, id } = decodeCursor(query.cursor);
    const v = parseSortValue(column, value);
    const [atOrBeyond, beyond] = query.order === "desc" ? (["lte", "lt"] as const) : (["gte", "gt"] as const);
    // (column, id) beyond the cursor. The first, redundant-looking bound is what lets PostgreSQL
    // start the index scan at the cursor: with the OR alone it walks the index from the start
    // (measured on 100,000 rows: 200–1,000 ms per deep page without it, 1–9 ms with it).
    filters.push({ [column]: { [atOrBeyond]: v } }, { OR: [{ [column]: { [beyond]: v } }, { id: { [beyond]: id } }] });
  }
  const rows = await db().upload.findMany({
    where: { AND: filters },
    orderBy: [{ [column]: query.order }, { id: query.order }],
    take: query.limit + 1,
    include: { owner: { select: { email: true } }, _count: { select: { shareLinks: { where: { revokedAt: null } } } } },
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    uploads: page.map((u) => ({
      id: u.id,
      name: u.name,
      key: u.key,
      size: Number(u.size),
      type: u.contentType,
      status: u.status,
      ownerId: u.ownerId,
      ownerEmail: u.owner.email,
      createdAt: u.createdAt.toISOString(),
      completedAt: u.completedAt?.toISOString() ?? null,
      rejectReason: u.rejectReason,
      liveShareLinks: u._count.shareLinks,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ value: sortValue(column, last), id: last.id }) : null,
    totals: await uploadTotals(),
  };
}

async function uploadTotals() {
  const groups = await db().upload.groupBy({ by: ["status"], _count: { _all: true }, _sum: { size: true } });
  const byStatus = Object.fromEntries(groups.map((g) => [g.status, { files: g._count._all, bytes: Number(g._sum.size ?? 0) }]));
  const ready = byStatus.READY ?? { files: 0, bytes: 0 };
  return { files: ready.files, bytes: ready.bytes, byStatus };
}
