import "server-only";
import type { Prisma, Upload } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import type { AdminAuditQuery, AdminUploadsQuery, UpdateUserInput } from "@/lib/validation/admin";
import { recordAudit, type RequestMeta } from "./audit";
import { decodeCursor, encodeCursor } from "./cursor";
import { db } from "./db";
import { removeFile } from "./files";
import { abortPendingUpload, effectiveQuota, usageOf } from "./uploads";
import type { SessionUser } from "./users";

// Everything behind /admin and /api/admin. Callers have already checked the ADMIN role.

const SORT_COLUMNS = { date: "createdAt", size: "size", name: "name" } as const;
type SortColumn = (typeof SORT_COLUMNS)[keyof typeof SORT_COLUMNS];

function sortValue(column: SortColumn, row: Upload): string {
  if (column === "createdAt") return row.createdAt.toISOString();
  return column === "size" ? row.size.toString() : row.name;
}

function parseSortValue(column: SortColumn, value: string): Date | bigint | string {
  try {
    if (column === "createdAt") return new Date(value);
    return column === "size" ? BigInt(value) : value;
  } catch {
    throw new AppError("invalid_input", "cursor is not one this API handed out.");
  }
}

const endOfDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000);

// GET /api/admin/uploads — search, filter, sort, keyset pages, and totals by status.
export async function listAllUploads(query: AdminUploadsQuery) {
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
  if (query.from) filters.push({ createdAt: { gte: new Date(`${query.from}T00:00:00Z`) } });
  if (query.to) filters.push({ createdAt: { lt: endOfDay(query.to) } });
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

interface UserUsageRow {
  id: string;
  email: string;
  name: string | null;
  role: "USER" | "ADMIN";
  createdAt: Date;
  disabledAt: Date | null;
  lastActiveAt: Date | null;
  quotaBytes: bigint | null;
  quotaFiles: number | null;
  files: bigint;
  bytes: bigint | null;
  pendingFiles: bigint;
  pendingBytes: bigint | null;
}

// GET /api/admin/users — usage against quota, newest accounts first.
export async function listUsers(query: { q?: string; limit: number; cursor?: string }) {
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const pattern = query.q ? `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await db().$queryRaw<UserUsageRow[]>`
    SELECT u.id, u.email, u.name, u.role, u."createdAt", u."disabledAt", u."lastActiveAt", u."quotaBytes", u."quotaFiles",
      COUNT(f.id) FILTER (WHERE f.status = 'READY') AS files,
      SUM(f.size) FILTER (WHERE f.status = 'READY') AS bytes,
      COUNT(f.id) FILTER (WHERE f.status = 'PENDING' AND f."expiresAt" > (now() AT TIME ZONE 'UTC')) AS "pendingFiles",
      SUM(f.size) FILTER (WHERE f.status = 'PENDING' AND f."expiresAt" > (now() AT TIME ZONE 'UTC')) AS "pendingBytes"
    FROM "User" u LEFT JOIN "Upload" f ON f."ownerId" = u.id
    WHERE (${pattern}::text IS NULL OR u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})
      AND (${cursor?.value ?? null}::timestamp IS NULL OR (u."createdAt", u.id) < (${cursor?.value ?? null}::timestamp, ${cursor?.id ?? null}::uuid))
    GROUP BY u.id
    ORDER BY u."createdAt" DESC, u.id DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    users: page.map((u) => {
      const quota = effectiveQuota(u);
      return {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        createdAt: u.createdAt.toISOString(),
        disabled: u.disabledAt !== null,
        lastActiveAt: u.lastActiveAt?.toISOString() ?? null,
        files: Number(u.files),
        bytes: Number(u.bytes ?? 0),
        pendingFiles: Number(u.pendingFiles),
        pendingBytes: Number(u.pendingBytes ?? 0),
        quotaBytes: quota.bytes,
        quotaFiles: quota.files,
        hasCustomQuota: u.quotaBytes !== null || u.quotaFiles !== null,
      };
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ value: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

// PATCH /api/admin/users/:id — role, quota, disable/enable; each change audited.
export async function updateUser(args: { admin: SessionUser; userId: string; input: UpdateUserInput; meta: RequestMeta }) {
  const { admin, userId, input, meta } = args;
  const target = await db().user.findUnique({ where: { id: userId } });
  if (!target) throw new AppError("not_found", "No such user.");
  if (target.id === admin.id && (input.disabled === true || input.role === "USER")) {
    throw new AppError("invalid_state", "You cannot disable yourself or remove your own admin role. Ask another admin.");
  }
  const now = new Date();
  await db().$transaction(async (tx) => {
    const actor = { actorUserId: admin.id, detail: {} as Prisma.InputJsonObject };
    if (input.role !== undefined && input.role !== target.role) {
      await tx.user.update({ where: { id: userId }, data: { role: input.role } });
      await recordAudit(tx, { ...actor, action: "user.role_changed", detail: { userId, from: target.role, to: input.role } }, meta);
    }
    if (input.quotaBytes !== undefined || input.quotaFiles !== undefined) {
      const data = {
        ...(input.quotaBytes !== undefined ? { quotaBytes: input.quotaBytes === null ? null : BigInt(input.quotaBytes) } : {}),
        ...(input.quotaFiles !== undefined ? { quotaFiles: input.quotaFiles } : {}),
      };
      await tx.user.update({ where: { id: userId }, data });
      await recordAudit(tx, { ...actor, action: "user.quota_changed", detail: { userId, quotaBytes: input.quotaBytes ?? null, quotaFiles: input.quotaFiles ?? null } }, meta);
    }
    if (input.disabled !== undefined && input.disabled !== (target.disabledAt !== null)) {
      await tx.user.update({ where: { id: userId }, data: { disabledAt: input.disabled ? now : null } });
      await recordAudit(tx, { ...actor, action: input.disabled ? "user.disabled" : "user.enabled", detail: { userId } }, meta);
    }
  });
  if (input.disabled === true && target.disabledAt === null) {
    // Their sessions, tokens and links stop at once (every check reads disabledAt); what they
    // were still uploading is aborted, in storage too.
    const pending = await db().upload.findMany({ where: { ownerId: userId, status: "PENDING" } });
    for (const upload of pending) await abortPendingUpload(upload, admin.id, meta);
  }
  const updated = await db().user.findUniqueOrThrow({ where: { id: userId } });
  return { id: updated.id, email: updated.email, role: updated.role, disabled: updated.disabledAt !== null, usage: await usageOf(db(), userId), quota: effectiveQuota(updated) };
}

// DELETE /api/admin/files/:id
export async function adminDeleteFile(args: { admin: SessionUser; fileId: string; meta: RequestMeta }) {
  const file = await db().upload.findFirst({ where: { id: args.fileId, status: { in: ["READY", "QUARANTINED"] } } });
  if (!file) throw new AppError("not_found", "No such file.");
  await removeFile(file, args.admin.id, args.meta);
}

// POST /api/admin/files/:id/revoke-shares
export async function adminRevokeShares(args: { admin: SessionUser; fileId: string; meta: RequestMeta }): Promise<number> {
  const file = await db().upload.findUnique({ where: { id: args.fileId } });
  if (!file) throw new AppError("not_found", "No such file.");
  return db().$transaction(async (tx) => {
    const live = await tx.shareLink.findMany({ where: { uploadId: file.id, revokedAt: null }, select: { id: true } });
    await tx.shareLink.updateMany({ where: { id: { in: live.map((l) => l.id) } }, data: { revokedAt: new Date() } });
    for (const link of live) {
      await recordAudit(tx, { action: "share.revoked", actorUserId: args.admin.id, uploadId: file.id, shareLinkId: link.id, key: file.key }, args.meta);
    }
    return live.length;
  });
}

// DELETE /api/admin/uploads/:id — abort a pending upload, in storage too
export async function adminAbortUpload(args: { admin: SessionUser; uploadId: string; meta: RequestMeta }) {
  const upload = await db().upload.findUnique({ where: { id: args.uploadId } });
  if (!upload) throw new AppError("not_found", "No such upload.");
  if (upload.status === "ABORTED") return;
  if (upload.status !== "PENDING") throw new AppError("invalid_state", `This upload is ${upload.status.toLowerCase()}, not pending.`);
  await abortPendingUpload(upload, args.admin.id, args.meta);
}

// GET /api/admin/audit — newest first, keyset by id.
export async function listAudit(query: AdminAuditQuery) {
  const filters: Prisma.AuditEventWhereInput[] = [];
  if (query.actor) {
    if (query.actor.includes("@")) {
      const actor = await db().user.findUnique({ where: { email: query.actor }, select: { id: true } });
      filters.push({ actorUserId: actor?.id ?? "00000000-0000-0000-0000-000000000000" });
    } else {
      filters.push({ OR: [{ actorUserId: query.actor }, { actorTokenId: query.actor }] });
    }
  }
  if (query.action) filters.push({ action: { startsWith: query.action } });
  if (query.object) {
    const isUuid = /^[0-9a-f-]{36}$/i.test(query.object);
    filters.push(isUuid ? { OR: [{ uploadId: query.object }, { shareLinkId: query.object }] } : { key: { contains: query.object } });
  }
  if (query.from) filters.push({ createdAt: { gte: new Date(`${query.from}T00:00:00Z`) } });
  if (query.to) filters.push({ createdAt: { lt: endOfDay(query.to) } });
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
