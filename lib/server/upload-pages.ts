import "server-only";

import { Prisma } from "@/generated/prisma/client";
import type { UploadStatus } from "@/lib/dto";
import type { SortOrder, UploadSort } from "@/lib/validation/listing";

import { cursorTime, decodeCursor, encodeCursor, invalidCursor } from "./cursor";
import { db } from "./db";
import { isLiveShareLink } from "./live-links";

// Keyset pages of uploads, for My files and the admin console alike. A sort is one column with
// the id as tiebreak, and each has an index ending in (column, id): the owner's
// (ownerId, status, column, id) for My files, (column, id) for the console. The cursor is the last
// row's (column, id), and a page is the rows beyond it: an index range scan of limit + 1 rows
// however deep the page, where OFFSET would walk every row before it.

export interface UploadPageQuery {
  /** SQL conditions on the upload `u` (and, with withOwnerEmail, its owner `o`), all of which must hold. */
  filters: Prisma.Sql[];
  sort: UploadSort;
  order: SortOrder;
  limit: number;
  cursor?: string;
  withOwnerEmail?: boolean;
}

export interface UploadPageRow {
  id: string;
  ownerId: string;
  key: string;
  name: string;
  size: bigint;
  contentType: string;
  status: UploadStatus;
  rejectReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
  sha256: string | null;
  thumbnailKey: string | null;
  /** Links to it that still work: not revoked, not expired, not used up. */
  liveShareLinks: number;
  /** Only with withOwnerEmail. */
  ownerEmail?: string;
}

const SORT_COLUMNS: Record<UploadSort, Prisma.Sql> = { date: Prisma.raw(`u."createdAt"`), size: Prisma.raw("u.size"), name: Prisma.raw("u.name") };

function sortValue(sort: UploadSort, row: UploadPageRow): string {
  if (sort === "date") return row.createdAt.toISOString();
  return sort === "size" ? row.size.toString() : row.name;
}

/** The cursor's sort value as a typed SQL parameter; a value this API could not have handed out is invalid_input. */
function sortValueSql(sort: UploadSort, value: string): Prisma.Sql {
  // An ISO time with a Z: a timestamp column (UTC, no zone) takes its wall-clock part.
  if (sort === "date") return Prisma.sql`${cursorTime(value).toISOString()}::timestamp(3)`;
  if (sort === "name") return Prisma.sql`${value}`;
  // A size: a whole number of bytes that fits the column (bigint).
  if (!/^\d{1,18}$/.test(value)) throw invalidCursor();
  return Prisma.sql`${value}::bigint`;
}

/** (column, id) beyond the cursor, in the page's order. */
function beyondCursor(sort: UploadSort, order: SortOrder, cursor: string): Prisma.Sql {
  const { value, id } = decodeCursor(cursor);
  const column = SORT_COLUMNS[sort];
  const v = sortValueSql(sort, value);
  const [atOrBeyond, beyond] = order === "desc" ? [Prisma.raw("<="), Prisma.raw("<")] : [Prisma.raw(">="), Prisma.raw(">")];
  // The first, redundant-looking bound is what lets PostgreSQL start the index scan at the cursor:
  // with the OR alone it walks the index from the start (measured on 100,000 rows: 200–1,000 ms
  // per deep page without it, 1–9 ms with it).
  return Prisma.sql`${column} ${atOrBeyond} ${v} AND (${column} ${beyond} ${v} OR u.id ${beyond} ${id}::uuid)`;
}

/**
 * The statement for one page (limit + 1 rows: the extra one says whether there is a next page).
 * Live links are counted per row by a subquery on the ShareLink(uploadId) index, in the same
 * statement: a join to a grouped count, as Prisma writes `_count`, would count every live link
 * in the table for every page.
 */
export function uploadPageStatement(page: UploadPageQuery): Prisma.Sql {
  const column = SORT_COLUMNS[page.sort];
  const direction = Prisma.raw(page.order === "desc" ? "DESC" : "ASC");
  const conditions = [...page.filters, ...(page.cursor ? [beyondCursor(page.sort, page.order, page.cursor)] : [])];
  const where =
    conditions.length > 0
      ? Prisma.sql`WHERE ${Prisma.join(
          conditions.map((c) => Prisma.sql`(${c})`),
          " AND ",
        )}`
      : Prisma.empty;
  const owner = page.withOwnerEmail ? { column: Prisma.sql`, o.email AS "ownerEmail"`, join: Prisma.sql`JOIN "User" o ON o.id = u."ownerId"` } : null;
  return Prisma.sql`
    SELECT u.id, u."ownerId", u.key, u.name, u.size, u."contentType", u.status::text AS status, u."rejectReason", u."createdAt", u."completedAt", u.sha256, u."thumbnailKey",
      (SELECT count(*)::int FROM "ShareLink" s WHERE s."uploadId" = u.id AND ${isLiveShareLink("s")}) AS "liveShareLinks"
      ${owner?.column ?? Prisma.empty}
    FROM "Upload" u ${owner?.join ?? Prisma.empty}
    ${where}
    ORDER BY ${column} ${direction}, u.id ${direction}
    LIMIT ${page.limit + 1}`;
}

/** One page of uploads and the cursor for the next (null on the last page). */
export async function uploadPage(page: UploadPageQuery): Promise<{ rows: UploadPageRow[]; nextCursor: string | null }> {
  const rows = await db().$queryRaw<UploadPageRow[]>(uploadPageStatement(page));
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return { rows: shown, nextCursor: rows.length > page.limit && last ? encodeCursor({ value: sortValue(page.sort, last), id: last.id }) : null };
}

/** `name ILIKE '%text%'` for text as typed: its % and _ match themselves. */
export function containsText(column: Prisma.Sql, text: string): Prisma.Sql {
  return Prisma.sql`${column} ILIKE ${containsPattern(text)}`;
}

/** The LIKE pattern for "contains text": its %, _ and \ match themselves. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, "\\$&")}%`;
}
