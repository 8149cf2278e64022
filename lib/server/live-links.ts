import "server-only";

import { Prisma } from "@/generated/prisma/client";

import { NOW_UTC } from "./db";

/**
 * A share link that still works, in SQL: not revoked, not expired, not used up (what
 * share-policy's shareStatus calls "active", for one row in JS). `table` names the ShareLink row
 * in the statement: its alias, or "ShareLink" itself.
 */
export function isLiveShareLink(table: string): Prisma.Sql {
  const column = (name: string) => Prisma.raw(`"${table}"."${name}"`);
  return Prisma.sql`${column("revokedAt")} IS NULL AND ${column("expiresAt")} > ${NOW_UTC} AND (${column("maxDownloads")} IS NULL OR ${column("downloadCount")} < ${column("maxDownloads")})`;
}
