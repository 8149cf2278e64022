import "server-only";

import pg from "pg";

import { Prisma, type Upload } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { THUMBNAIL_SOURCE_TYPES } from "@/lib/media-types";

import { assertAdmin, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db, NOW_UTC } from "./db";
import { env } from "./env";
import { addJobSql } from "./jobs/queue";
import { logger } from "./log";
import { metrics, type ReconcilerKind } from "./metrics";
import { OBJECT_PREFIX, statusOf, storage, unfinishedUploadId } from "./storage";
import { finishAndSettle, settleUpload } from "./uploads";

// Brings the database and the bucket back into agreement, whatever was lost on the way:
//  - an object landed (on Azure: every block) but its completion call never came → verified
//    (Azure: the blocks committed first), READY or REJECTED;
//  - a reservation ran out unfinished → EXPIRED, its multipart upload aborted in storage;
//  - a multipart upload (S3) or uncommitted blocks (Azure) no live reservation owns → aborted
//    (they cost money while they sit; Azure would drop the blocks only after a week);
//  - an object whose row is dead (ABORTED, REJECTED, DELETED, EXPIRED) → deleted: the row
//    proves nobody may have it (a URL the browser still held can put one back after a cancel);
//  - an object with no row at all → reported as an orphan, deleted only with `fix`;
//  - a READY file that never got its checksum or thumbnail, and has no job for it (queued before
//    the jobs existed, or its row changed outside Valet) → its job queued again. A dead job is
//    not: it waits for an admin (console: Jobs).
// Idempotent, and safe with many instances: only the holder of a PostgreSQL advisory lock runs.
// One object that fails is logged, counted in `errors` and skipped; it never ends the run.

const RECONCILE_LOCK_ID = 7_411_202_613;
/** A completion call may still be on its way; leave fresh reservations to it. */
const LOST_CALLBACK_GRACE_MS = 60_000;
const PENDING_BATCH = 500;
const SYSTEM: RequestMeta = { ip: null, userAgent: "valet-reconciler" };
const LIVE_STATUSES = new Set<Upload["status"]>(["PENDING", "READY", "QUARANTINED"]);

export interface ReconcileReport {
  skipped: boolean;
  dryRun: boolean;
  recovered: number;
  rejected: number;
  expired: number;
  multipartAborted: number;
  /** Objects whose row is terminal: deleted (counted, not deleted, in a dry run). */
  deadObjectsDeleted: number;
  orphans: string[];
  orphansDeleted: number;
  /** READY files whose missing checksum or thumbnail job was queued again (counted, not queued, in a dry run). */
  jobsRequeued: number;
  /** Objects or rows that answered an error; each was logged and skipped. */
  errors: number;
}

export async function reconcile(options: { dryRun?: boolean; fix?: boolean } = {}): Promise<ReconcileReport> {
  const dryRun = options.dryRun ?? false;
  const report: ReconcileReport = {
    skipped: false,
    dryRun,
    recovered: 0,
    rejected: 0,
    expired: 0,
    multipartAborted: 0,
    deadObjectsDeleted: 0,
    orphans: [],
    orphansDeleted: 0,
    jobsRequeued: 0,
    errors: 0,
  };
  const lock = await takeLock();
  if (!lock) {
    metrics().reconcilerRuns.inc({ result: "skipped" });
    return { ...report, skipped: true };
  }
  try {
    await settlePending(report, dryRun);
    await abortStaleMultipart(report, dryRun);
    await sweepObjects(report, dryRun, options.fix ?? false);
    await requeueMissingJobs(report, dryRun);
    if (!dryRun) {
      const { orphans, ...counts } = report;
      await recordAudit(db(), { action: "reconciler.run", actorUserId: null, detail: { ...counts, orphans: orphans.length } }, SYSTEM);
      countRun(report);
    }
    return report;
  } catch (error) {
    metrics().reconcilerRuns.inc({ result: "failed" });
    throw error;
  } finally {
    await lock.release();
  }
}

/** Files settled this recently may still have their jobs on the way (queued with the change, so this is belt and braces). */
const JOB_GRACE_SECONDS = 5 * 60;
const REQUEUE_BATCH = 500;

/**
 * Queues the checksum and thumbnail jobs READY files lack: no result on the row and no job for it
 * in the queue (waiting, running or dead). A batch per run; the next run takes the rest.
 */
async function requeueMissingJobs(report: ReconcileReport, dryRun: boolean): Promise<void> {
  const missing = (task: "checksum" | "thumbnail", wants: Prisma.Sql) => Prisma.sql`
    (SELECT u.id, ${task}::text AS task FROM "Upload" u
    WHERE u.status = 'READY' AND u."completedAt" < ${NOW_UTC} - make_interval(secs => ${JOB_GRACE_SECONDS}) AND ${wants}
      AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = ${`${task}:`}::text || u.id::text)
    LIMIT ${REQUEUE_BATCH})`;
  const lacking = Prisma.sql`
    ${missing("checksum", Prisma.sql`u.sha256 IS NULL`)}
    UNION ALL
    ${missing("thumbnail", Prisma.sql`u."thumbnailKey" IS NULL AND u."thumbnailNote" IS NULL AND u."contentType" = ANY(${[...THUMBNAIL_SOURCE_TYPES]}::text[])`)}`;
  // One statement either way: counting, or queueing every job it finds.
  const [row] = await db().$queryRaw<Array<{ n: number }>>(
    dryRun
      ? Prisma.sql`SELECT count(*)::int AS n FROM (${lacking}) l`
      : Prisma.sql`SELECT count(${addJobSql(Prisma.sql`l.task`, Prisma.sql`json_build_object('uploadId', l.id)`, Prisma.sql`l.task || ':' || l.id::text`)})::int AS n
          FROM (${lacking}) l`,
  );
  report.jobsRequeued = row?.n ?? 0;
}

/** A finished run's counts, into this instance's metrics. */
function countRun(report: ReconcileReport): void {
  const counts: Record<ReconcilerKind, number> = {
    recovered: report.recovered,
    rejected: report.rejected,
    expired: report.expired,
    multipart_aborted: report.multipartAborted,
    dead_objects_deleted: report.deadObjectsDeleted,
    orphans_found: report.orphans.length,
    orphans_deleted: report.orphansDeleted,
    jobs_requeued: report.jobsRequeued,
    errors: report.errors,
  };
  for (const [kind, n] of Object.entries(counts)) metrics().reconcilerItems.inc({ kind }, n);
  metrics().reconcilerRuns.inc({ result: "ok" });
  metrics().reconcilerLastRun.set(Date.now() / 1000);
}

/**
 * A session-level advisory lock, so that one instance reconciles at a time; null when another
 * holds it. On a connection of its own (holding a transaction open instead would block the
 * embedded dev database), except where the pool has a single connection: that connection is then
 * the one session there is, and taking and releasing the lock through it is exact.
 */
async function takeLock(): Promise<{ release: () => Promise<void> } | null> {
  if (env().DATABASE_POOL_SIZE === 1) {
    const [row] = await db().$queryRaw<Array<{ ok: boolean }>>`SELECT pg_try_advisory_lock(${RECONCILE_LOCK_ID}::bigint) AS ok`;
    if (!row?.ok) return null;
    return { release: async () => void (await db().$queryRaw`SELECT pg_advisory_unlock(${RECONCILE_LOCK_ID}::bigint)`.catch(() => undefined)) };
  }
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [RECONCILE_LOCK_ID]);
  const release = async () => {
    await client.query("SELECT pg_advisory_unlock($1)", [RECONCILE_LOCK_ID]).catch(() => undefined);
    await client.end();
  };
  if (rows[0]?.ok) return { release };
  await release();
  return null;
}

/** Runs one step for one object; a failure is logged and counted, and the run goes on. */
async function guarded(report: ReconcileReport, what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    report.errors += 1;
    const status = statusOf(error);
    logger().error(
      { err: error, storageStatus: status },
      `reconciler: ${what} failed, skipped: ${status ? `storage answered ${status} ` : ""}${(error as Error).message}`,
    );
  }
}

/** Every PENDING reservation past the grace period, oldest first, a page at a time: none can starve the rest. */
async function settlePending(report: ReconcileReport, dryRun: boolean) {
  const now = new Date();
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db().upload.findMany({
      where: {
        status: "PENDING",
        createdAt: { lt: new Date(now.getTime() - LOST_CALLBACK_GRACE_MS) },
        ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: PENDING_BATCH,
    });
    for (const upload of page) await guarded(report, `settling upload ${upload.id}`, () => settleOne(upload, report, dryRun, now));
    if (page.length < PENDING_BATCH) return;
    const last = page.at(-1)!;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

async function settleOne(upload: Upload, report: ReconcileReport, dryRun: boolean, now: Date) {
  const stored = await storage().headObject(upload.key);
  if (!stored && !dryRun && storage().kind === "azure" && upload.strategy === "MULTIPART" && (await settleStagedBlocks(upload, report))) return;
  if (stored) {
    if (dryRun) {
      report.recovered += 1;
      return;
    }
    const settled = await settleUpload(upload, stored, null, SYSTEM);
    if (settled.status === "READY") report.recovered += 1;
    else report.rejected += 1;
  } else if (upload.expiresAt <= now) {
    report.expired += 1;
    if (dryRun) return;
    const unfinished = unfinishedUploadId(upload);
    if (unfinished) await storage().abortMultipartUpload(upload.key, unfinished);
    const isMoved = await db().$transaction(async (tx) => {
      const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { status: "EXPIRED", completedAt: now } });
      if (moved.count === 1) await recordAudit(tx, { action: "upload.expired", actorUserId: null, uploadId: upload.id, key: upload.key }, SYSTEM);
      return moved.count === 1;
    });
    if (isMoved) metrics().uploads.inc({ outcome: "EXPIRED" });
  }
}

/**
 * Azure: every block is in storage but the completion call never came (on S3 the browser would
 * have completed the multipart upload, and the HEAD above finds it). Commit and verify as
 * completion would; false while blocks are still missing.
 */
async function settleStagedBlocks(upload: Upload, report: ReconcileReport): Promise<boolean> {
  let settled;
  try {
    settled = await finishAndSettle(upload, null, SYSTEM);
  } catch (error) {
    if (error instanceof AppError && error.code === "not_uploaded") return false;
    throw error;
  }
  if (!settled) return false;
  if (settled.status === "READY") report.recovered += 1;
  else report.rejected += 1;
  return true;
}

async function abortStaleMultipart(report: ReconcileReport, dryRun: boolean) {
  const uploads = await storage().listMultipartUploads(OBJECT_PREFIX);
  if (uploads.length === 0) return;
  const rows = await db().upload.findMany({ where: { key: { in: [...new Set(uploads.map((u) => u.key))] } } });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const now = Date.now();
  for (const u of uploads) {
    const row = byKey.get(u.key);
    const isLive = row !== undefined && row.status === "PENDING" && row.expiresAt.getTime() > now && (row.s3UploadId === null || row.s3UploadId === u.uploadId);
    if (isLive) continue;
    report.multipartAborted += 1;
    if (!dryRun) await guarded(report, `aborting multipart upload ${u.uploadId} on ${u.key}`, () => storage().abortMultipartUpload(u.key, u.uploadId));
  }
}

/** Each page of objects under users/ against the rows that own their keys. */
async function sweepObjects(report: ReconcileReport, dryRun: boolean, fix: boolean) {
  for await (const keys of storage().objectKeyPages(OBJECT_PREFIX)) {
    if (keys.length === 0) continue;
    const rows = await db().upload.findMany({ where: { key: { in: keys } }, select: { key: true, status: true } });
    const statusByKey = new Map(rows.map((r) => [r.key, r.status]));
    for (const key of keys) {
      const status = statusByKey.get(key);
      if (status !== undefined && LIVE_STATUSES.has(status)) continue;
      if (status === undefined) {
        report.orphans.push(key);
        if (!fix || dryRun) continue;
        await guarded(report, `deleting orphan ${key}`, async () => {
          await storage().deleteObject(key);
          report.orphansDeleted += 1;
        });
      } else if (dryRun) {
        report.deadObjectsDeleted += 1;
      } else {
        await guarded(report, `deleting ${key} (its upload is ${status.toLowerCase()})`, async () => {
          await storage().deleteObject(key);
          report.deadObjectsDeleted += 1;
        });
      }
    }
  }
}

/** The last run's counts, for the admin console. */
export async function lastReconcileRun(actor: Actor) {
  assertAdmin(actor);
  const event = await db().auditEvent.findFirst({ where: { action: "reconciler.run" }, orderBy: { id: "desc" } });
  return event ? { at: event.createdAt.toISOString(), counts: event.detail as Record<string, number> } : null;
}
