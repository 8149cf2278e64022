import "server-only";

import { Prisma } from "@/generated/prisma/client";
import type { AdminJobsDto, DeadJobDto, UploadStatus } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import { isWorkerSilent } from "@/lib/jobs";

import { assertAdmin, type Actor } from "../access";
import { recordAudit, type RequestMeta } from "../audit";
import { db } from "../db";
import { env } from "../env";
import { TASK_NAMES } from "./queue";

// The admin console's view of the job queue (queue.ts): what waits, what died, how fast the last
// hour went, which worker processes are alive; and putting a dead job back in the queue.
//
// A job counts as dead when attempts >= max_attempts and no worker holds it: graphile-worker
// raises attempts when it takes a job, so a job on its last attempt is running, not dead.

const DEAD = Prisma.sql`j.attempts >= j.max_attempts AND j.locked_at IS NULL`;
const DEAD_JOBS_SHOWN = 100;

interface DeadJobRow {
  id: bigint;
  task: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: Date;
  failedAt: Date;
  uploadId: string | null;
  uploadName: string | null;
  uploadStatus: UploadStatus | null;
  webhookEvent: string | null;
}

// GET /api/admin/jobs
export async function jobsOverview(actor: Actor): Promise<AdminJobsDto> {
  assertAdmin(actor);
  const [queues, dead, lastHour, workers] = await Promise.all([
    db().$queryRaw<Array<{ task: string; waiting: number; later: number; running: number; dead: number }>>`
      SELECT j.task_identifier AS task,
        count(*) FILTER (WHERE j.locked_at IS NULL AND j.attempts < j.max_attempts AND j.run_at <= now())::int AS waiting,
        count(*) FILTER (WHERE j.locked_at IS NULL AND j.attempts < j.max_attempts AND j.run_at > now())::int AS later,
        count(*) FILTER (WHERE j.locked_at IS NOT NULL)::int AS running,
        count(*) FILTER (WHERE ${DEAD})::int AS dead
      FROM graphile_worker.jobs j GROUP BY j.task_identifier`,
    db().$queryRaw<DeadJobRow[]>`
      SELECT j.id, j.task_identifier AS task, j.attempts, j.max_attempts AS "maxAttempts", j.last_error AS "lastError",
        j.created_at AS "createdAt",
        -- When its last attempt ended (graphile-worker's updated_at does not move on failure).
        coalesce((SELECT max(r."finishedAt") AT TIME ZONE 'UTC' FROM "JobRun" r WHERE r."jobId" = j.id), j.updated_at) AS "failedAt",
        u.id::text AS "uploadId", u.name AS "uploadName", u.status::text AS "uploadStatus", d.event AS "webhookEvent"
      FROM graphile_worker.jobs j
      -- The public view leaves the payload out; only the private table has it.
      JOIN graphile_worker._private_jobs p ON p.id = j.id
      LEFT JOIN "Upload" u ON u.id::text = p.payload->>'uploadId'
      LEFT JOIN "WebhookDelivery" d ON d.id::text = p.payload->>'deliveryId'
      WHERE ${DEAD}
      ORDER BY j.updated_at DESC, j.id DESC
      LIMIT ${DEAD_JOBS_SHOWN}`,
    // JobRun's times are UTC wall-clock (timestamp without time zone), as Prisma writes them.
    db().$queryRaw<AdminJobsDto["lastHour"]>`
      SELECT task, count(*)::int AS runs, count(*) FILTER (WHERE NOT ok)::int AS failures,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "queuedAt") * 1000)::float8 AS "latencyP50Ms",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "queuedAt") * 1000)::float8 AS "latencyP95Ms",
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "startedAt") * 1000)::float8 AS "runTimeP50Ms",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "startedAt") * 1000)::float8 AS "runTimeP95Ms"
      FROM "JobRun" WHERE "finishedAt" > (now() AT TIME ZONE 'UTC') - interval '1 hour'
      GROUP BY task ORDER BY task`,
    db().workerProcess.findMany({ orderBy: [{ host: "asc" }, { pid: "asc" }] }),
  ]);
  const now = new Date();
  const byTask = new Map(queues.map((q) => [q.task, q]));
  const tasks = [...new Set<string>([...TASK_NAMES, ...byTask.keys()])];
  return {
    queues: tasks.map((task) => byTask.get(task) ?? { task, waiting: 0, later: 0, running: 0, dead: 0 }),
    deadJobs: dead.map(toDeadJobDto),
    lastHour,
    workers: workers.map((w) => ({
      id: w.id,
      host: w.host,
      pid: w.pid,
      concurrency: w.concurrency,
      startedAt: w.startedAt.toISOString(),
      lastSeenAt: w.lastSeenAt.toISOString(),
      isSilent: isWorkerSilent(w.lastSeenAt, now, env().WORKER_STALE_AFTER_SECONDS),
    })),
    generatedAt: now.toISOString(),
  };
}

function toDeadJobDto(row: DeadJobRow): DeadJobDto {
  return {
    id: row.id.toString(),
    task: row.task,
    file: row.uploadId ? { id: row.uploadId, name: row.uploadName ?? "", status: row.uploadStatus ?? "READY" } : null,
    webhookEvent: row.webhookEvent,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    failedAt: row.failedAt.toISOString(),
  };
}

/** A job id as the API takes it: graphile-worker's bigint, in digits. Anything else names nothing. */
function jobIdOf(raw: string): string {
  if (!/^\d{1,18}$/.test(raw)) throw new AppError("not_found", "No such job.");
  return raw;
}

/** 404 when there is no such job; 409 when it is not dead (waiting, running or retrying still). */
async function notDeadError(jobId: string): Promise<AppError> {
  const [job] = await db().$queryRaw<Array<{ id: bigint }>>`SELECT id FROM graphile_worker.jobs WHERE id = ${jobId}::bigint`;
  return job
    ? new AppError("invalid_state", "This job is not dead: it is waiting, running or will be retried by itself.")
    : new AppError("not_found", "No such job. It may have been retried and finished, or deleted.");
}

// POST /api/admin/jobs/:jobId/retry — a dead job goes back in the queue, due now, with every attempt again.
export async function retryDeadJob(args: { actor: Actor; jobId: string; meta: RequestMeta }): Promise<{ id: string }> {
  assertAdmin(args.actor);
  const jobId = jobIdOf(args.jobId);
  // (reschedule_jobs and complete_jobs return private rows, with a task id rather than its name.)
  // Only a job that is still dead (and held by no worker) is rescheduled: two admins pressing
  // Retry at once reschedule it once, and the second is told it is no longer dead.
  // A webhook job sends only a PENDING delivery: its delivery, marked FAILED when the job died, is
  // made PENDING again in the same statement (as Redeliver does), or the retry would send nothing.
  const rows = await db().$queryRaw<Array<{ id: bigint; task: string }>>`
    WITH target AS (SELECT j.id, j.task_identifier FROM graphile_worker.jobs j WHERE j.id = ${jobId}::bigint AND ${DEAD}),
    rescheduled AS (SELECT r.id FROM graphile_worker.reschedule_jobs(ARRAY(SELECT id FROM target), run_at := now(), attempts := 0) r),
    revived AS (
      UPDATE "WebhookDelivery" d SET status = 'PENDING'
      FROM graphile_worker._private_jobs p
      WHERE p.id IN (SELECT id FROM rescheduled) AND d.id::text = p.payload->>'deliveryId' AND d.status = 'FAILED'
      RETURNING d.id
    )
    SELECT t.id, t.task_identifier AS task FROM rescheduled r JOIN target t ON t.id = r.id`;
  const [job] = rows;
  if (!job) throw await notDeadError(jobId);
  await recordAudit(db(), { action: "job.retried", actorUserId: args.actor.id, detail: { jobId, task: job.task } }, args.meta);
  return { id: jobId };
}

// DELETE /api/admin/jobs/:jobId — give up on a dead job for good.
export async function deleteDeadJob(args: { actor: Actor; jobId: string; meta: RequestMeta }): Promise<void> {
  assertAdmin(args.actor);
  const jobId = jobIdOf(args.jobId);
  const rows = await db().$queryRaw<Array<{ id: bigint; task: string }>>`
    WITH target AS (SELECT j.id, j.task_identifier FROM graphile_worker.jobs j WHERE j.id = ${jobId}::bigint AND ${DEAD})
    SELECT t.id, t.task_identifier AS task FROM graphile_worker.complete_jobs(ARRAY(SELECT id FROM target)) r JOIN target t ON t.id = r.id`;
  const [job] = rows;
  if (!job) throw await notDeadError(jobId);
  await recordAudit(db(), { action: "job.deleted", actorUserId: args.actor.id, detail: { jobId, task: job.task } }, args.meta);
}
