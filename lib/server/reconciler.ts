import "server-only";
import pg from "pg";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";
import { storage } from "./storage";
import { settleUpload } from "./uploads";

// Brings the database and the bucket back into agreement, whatever was lost on the way:
//  - an object landed but its completion call never came → verified, READY or REJECTED;
//  - a reservation ran out unfinished → EXPIRED, its multipart upload aborted in storage;
//  - a multipart upload no live reservation owns → aborted (they cost money while they sit);
//  - an object under users/ with no live row (PENDING, READY, QUARANTINED) → reported as an
//    orphan, deleted with `fix`.
// Idempotent, and safe with many instances: only the holder of a PostgreSQL advisory lock runs.

const RECONCILE_LOCK_ID = 7_411_202_613;
/** A completion call may still be on its way; leave fresh reservations to it. */
const LOST_CALLBACK_GRACE_MS = 60_000;
const PENDING_BATCH = 1000;
const PREFIX = "users/";
const SYSTEM: RequestMeta = { ip: null, userAgent: "valet-reconciler" };

export interface ReconcileReport {
  skipped: boolean;
  dryRun: boolean;
  recovered: number;
  rejected: number;
  expired: number;
  multipartAborted: number;
  orphans: string[];
  orphansDeleted: number;
}

export async function reconcile(options: { dryRun?: boolean; fix?: boolean } = {}): Promise<ReconcileReport> {
  const dryRun = options.dryRun ?? false;
  const report: ReconcileReport = { skipped: false, dryRun, recovered: 0, rejected: 0, expired: 0, multipartAborted: 0, orphans: [], orphansDeleted: 0 };
  // A session-level lock on a connection of its own: holding a transaction open instead would
  // block the whole embedded database in dev mode.
  const lock = new pg.Client({ connectionString: env().DATABASE_URL });
  await lock.connect();
  try {
    const { rows } = await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [RECONCILE_LOCK_ID]);
    if (!rows[0]?.ok) return { ...report, skipped: true };
    await settlePending(report, dryRun);
    await abortStaleMultipart(report, dryRun);
    await findOrphans(report, dryRun, options.fix ?? false);
    if (!dryRun) {
      const { orphans, ...counts } = report;
      await recordAudit(db(), { action: "reconciler.run", actorUserId: null, detail: { ...counts, orphans: orphans.length } }, SYSTEM);
    }
    return report;
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [RECONCILE_LOCK_ID]).catch(() => undefined);
    await lock.end();
  }
}

async function settlePending(report: ReconcileReport, dryRun: boolean) {
  const now = new Date();
  const pending = await db().upload.findMany({
    where: { status: "PENDING", createdAt: { lt: new Date(now.getTime() - LOST_CALLBACK_GRACE_MS) } },
    orderBy: { createdAt: "asc" },
    take: PENDING_BATCH,
  });
  for (const upload of pending) {
    const stored = await storage().headObject(upload.key);
    if (stored) {
      if (dryRun) {
        report.recovered += 1;
        continue;
      }
      const settled = await settleUpload(upload, stored, null, SYSTEM);
      if (settled.status === "READY") report.recovered += 1;
      else report.rejected += 1;
    } else if (upload.expiresAt <= now) {
      report.expired += 1;
      if (dryRun) continue;
      if (upload.s3UploadId) await storage().abortMultipartUpload(upload.key, upload.s3UploadId);
      await db().$transaction(async (tx) => {
        const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { status: "EXPIRED", completedAt: now } });
        if (moved.count === 1) await recordAudit(tx, { action: "upload.expired", actorUserId: null, uploadId: upload.id, key: upload.key }, SYSTEM);
      });
    }
  }
}

async function abortStaleMultipart(report: ReconcileReport, dryRun: boolean) {
  const uploads = await storage().listMultipartUploads(PREFIX);
  if (uploads.length === 0) return;
  const rows = await db().upload.findMany({ where: { key: { in: [...new Set(uploads.map((u) => u.key))] } } });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const now = Date.now();
  for (const u of uploads) {
    const row = byKey.get(u.key);
    const isLive = row !== undefined && row.status === "PENDING" && row.expiresAt.getTime() > now && (row.s3UploadId === null || row.s3UploadId === u.uploadId);
    if (isLive) continue;
    report.multipartAborted += 1;
    if (!dryRun) await storage().abortMultipartUpload(u.key, u.uploadId);
  }
}

async function findOrphans(report: ReconcileReport, dryRun: boolean, fix: boolean) {
  const keys = await storage().listObjectKeys(PREFIX);
  if (keys.length === 0) return;
  const live = await db().upload.findMany({ where: { key: { in: keys }, status: { in: ["PENDING", "READY", "QUARANTINED"] } }, select: { key: true } });
  const liveKeys = new Set(live.map((r) => r.key));
  report.orphans = keys.filter((k) => !liveKeys.has(k));
  if (!fix || dryRun) return;
  for (const key of report.orphans) {
    await storage().deleteObject(key);
    report.orphansDeleted += 1;
  }
}

/** The last run's counts, for the admin console. */
export async function lastReconcileRun() {
  const event = await db().auditEvent.findFirst({ where: { action: "reconciler.run" }, orderBy: { id: "desc" } });
  return event ? { at: event.createdAt.toISOString(), counts: event.detail as Record<string, number> } : null;
}
