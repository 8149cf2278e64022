import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { AdminAuditQuery } from "@/lib/validation/admin";
import { assertAdmin, isUuid, type Actor } from "./access";
import { db, type Tx } from "./db";
import { createdOnDays } from "./upload-search";

/** Where a request came from, as recorded with everything it was granted. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** The personal API token the request authenticated with, if any. */
  tokenId?: string;
}

export type AuditAction =
  | "user.created"
  | "user.signed_in"
  | "upload.reserved"
  | "upload.signed"
  | "upload.completed"
  | "upload.rejected"
  | "upload.aborted"
  | "upload.expired"
  | "upload.quarantined"
  | "reconciler.run"
  | "file.deleted"
  | "file.download_signed"
  | "file.integrity_failed"
  | "file.shares_revoked"
  | "user.role_changed"
  | "user.disabled"
  | "user.enabled"
  | "user.quota_changed"
  | "token.created"
  | "token.revoked"
  | "share.created"
  | "share.revoked"
  | "share.downloaded"
  | "share.preview_signed"
  | "share.password_failed";

export interface AuditEntry {
  action: AuditAction;
  actorUserId: string | null;
  uploadId?: string;
  shareLinkId?: string;
  key?: string;
  detail?: Prisma.InputJsonValue;
}

/** Records one event; pass the transaction of the change it describes where there is one. */
export async function recordAudit(tx: Tx, entry: AuditEntry, meta: RequestMeta): Promise<void> {
  await tx.auditEvent.create({ data: { ...entry, actorTokenId: meta.tokenId ?? null, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) ?? null } });
}

/** No actor has this id: a filter on it matches nothing. */
const NOBODY = "00000000-0000-0000-0000-000000000000";

// GET /api/admin/audit — newest first, keyset by id.
export async function listAudit(actor: Actor, query: AdminAuditQuery) {
  assertAdmin(actor);
  const filters: Prisma.AuditEventWhereInput[] = [];
  if (query.actor) {
    // An email, or the id of a user or of an API token; anything else names nobody.
    if (query.actor.includes("@")) {
      const actor = await db().user.findUnique({ where: { email: query.actor }, select: { id: true } });
      filters.push({ actorUserId: actor?.id ?? NOBODY });
    } else {
      filters.push(isUuid(query.actor) ? { OR: [{ actorUserId: query.actor }, { actorTokenId: query.actor }] } : { actorUserId: NOBODY });
    }
  }
  if (query.action) filters.push({ action: { startsWith: query.action } });
  // The id of an upload or a share link, or part of an object key.
  if (query.object) filters.push(isUuid(query.object) ? { OR: [{ uploadId: query.object }, { shareLinkId: query.object }] } : { key: { contains: query.object } });
  filters.push(...createdOnDays(query.from, query.to));
  if (query.cursor) filters.push({ id: { lt: BigInt(query.cursor) } });
  const rows = await db().auditEvent.findMany({ where: { AND: filters }, orderBy: { id: "desc" }, take: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const actorIds = [...new Set(page.flatMap((e) => (e.actorUserId ? [e.actorUserId] : [])))];
  const actors = new Map((await db().user.findMany({ where: { id: { in: actorIds } }, select: { id: true, email: true } })).map((u) => [u.id, u.email]));
  return {
    events: page.map((e) => ({
      id: e.id.toString(),
      action: e.action,
      actorUserId: e.actorUserId,
      actorEmail: e.actorUserId ? (actors.get(e.actorUserId) ?? null) : null,
      actorTokenId: e.actorTokenId,
      uploadId: e.uploadId,
      shareLinkId: e.shareLinkId,
      key: e.key,
      detail: e.detail,
      ip: e.ip,
      userAgent: e.userAgent,
      createdAt: e.createdAt.toISOString(),
    })),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}

/** Deletes audit rows older than AUDIT_RETENTION_DAYS; run hourly by each instance (idempotent). */
export async function pruneAuditEvents(retentionDays: number): Promise<number> {
  const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
  const { count } = await db().auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } });
  return count;
}
