import "server-only";

import { Prisma } from "@/generated/prisma/client";
import type { AdminAuditQuery } from "@/lib/validation/admin";

import { assertAdmin, isUuid, type Actor } from "./access";
import { db, NOW_UTC, queryRows, type Tx } from "./db";
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
  | "user.sign_in_refused"
  | "user.identity_linked"
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
  | "file.thumbnail_signed"
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
  | "share.password_failed"
  | "webhook.created"
  | "webhook.updated"
  | "webhook.deleted"
  | "webhook.secret_rotated"
  | "webhook.redelivered"
  | "share.thumbnail_signed"
  | "job.retried"
  | "job.deleted";

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

/**
 * The same row as an INSERT … SELECT for a statement of the caller's (written as a CTE), inserted
 * only when `when` holds: the event is recorded in the same round trip, and the same transaction,
 * as the change it describes.
 */
export function auditRowSql(entry: AuditEntry, meta: RequestMeta, when: Prisma.Sql = Prisma.sql`true`): Prisma.Sql {
  const [action, actorUserId, actorTokenId, uploadId, shareLinkId, key, detail, ip, userAgent] = auditValues(entry, meta);
  return Prisma.sql`
    INSERT INTO "AuditEvent" (${AUDIT_COLUMNS}, "createdAt")
    SELECT ${action}::text, ${actorUserId}::uuid, ${actorTokenId}::uuid, ${uploadId}::uuid, ${shareLinkId}::uuid, ${key}::text, ${detail}::jsonb, ${ip}::text, ${userAgent}::text, ${NOW_UTC}
    WHERE ${when}`;
}

const AUDIT_COLUMNS = Prisma.raw(`action, "actorUserId", "actorTokenId", "uploadId", "shareLinkId", key, detail, ip, "userAgent"`);

/** A row's values in AUDIT_COLUMNS order, as recordAudit writes them; createdAt is the database's clock. */
function auditValues(entry: AuditEntry, meta: RequestMeta) {
  const detail = entry.detail === undefined ? null : JSON.stringify(entry.detail);
  return [
    entry.action,
    entry.actorUserId,
    meta.tokenId ?? null,
    entry.uploadId ?? null,
    entry.shareLinkId ?? null,
    entry.key ?? null,
    detail,
    meta.ip,
    meta.userAgent?.slice(0, 512) ?? null,
  ] as const;
}

/** Rows one shared INSERT takes at most (a few hundred KiB of parameters at the longest). */
const MAX_AUDIT_ROWS_PER_INSERT = 500;

interface QueuedRow {
  values: ReturnType<typeof auditValues>;
  written(): void;
  failed(error: unknown): void;
}
const queuedRows: QueuedRow[] = [];
let isWritingQueue = false;

/**
 * Records an event that changes nothing else (a sign call that pins no new digest) in an INSERT
 * shared with the calls that arrive while the previous one is being written, as PostgreSQL's own
 * group commit does: under load a row costs a fraction of a round trip. The promise settles when
 * the row is committed, or fails with its whole INSERT, so a caller that awaits it never hands out
 * what it records before the record is in the database.
 */
export function recordAuditShared(entry: AuditEntry, meta: RequestMeta): Promise<void> {
  const values = auditValues(entry, meta);
  return new Promise((written, failed) => {
    queuedRows.push({ values, written, failed });
    if (!isWritingQueue) void writeQueuedRows();
  });
}

async function writeQueuedRows(): Promise<void> {
  isWritingQueue = true;
  while (queuedRows.length > 0) {
    const rows = queuedRows.splice(0, MAX_AUDIT_ROWS_PER_INSERT);
    const column = (i: number) => rows.map((r) => r.values[i]);
    try {
      await queryRows(Prisma.sql`
        INSERT INTO "AuditEvent" (${AUDIT_COLUMNS}, "createdAt")
        SELECT action, "actorUserId", "actorTokenId", "uploadId", "shareLinkId", key, detail::jsonb, ip, "userAgent", ${NOW_UTC}
        FROM unnest(${column(0)}::text[], ${column(1)}::uuid[], ${column(2)}::uuid[], ${column(3)}::uuid[], ${column(4)}::uuid[], ${column(5)}::text[], ${column(6)}::text[], ${column(7)}::text[], ${column(8)}::text[])
          AS t(${AUDIT_COLUMNS})`);
      for (const row of rows) row.written();
    } catch (error) {
      for (const row of rows) row.failed(error);
    }
  }
  isWritingQueue = false;
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
  if (query.object)
    filters.push(isUuid(query.object) ? { OR: [{ uploadId: query.object }, { shareLinkId: query.object }] } : { key: { contains: query.object } });
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
