import "server-only";

import { Prisma } from "@/generated/prisma/client";

import { db, type Tx } from "../db";
import { env } from "../env";

// Valet's background jobs: a durable queue in PostgreSQL (graphile-worker's schema,
// graphile_worker). A job is a row added by `graphile_worker.add_job` in the same transaction as
// the change that calls for it, so a crash can neither lose one (the change committed) nor invent
// one (it rolled back). Workers (runner.ts) take each job once (SKIP LOCKED), retry a failing one
// with exponential backoff (e^attempt seconds, at most e^10 ≈ 6 h apart), and leave one that used
// every attempt in place with its last error: the dead jobs the admin console lists.

export const JOB_SCHEMA = "graphile_worker";

/** The tasks, with how often each may be tried before it is dead. */
export const TASKS = {
  // Reads the whole object from storage: a few attempts ride out a storage blip.
  checksum: { maxAttempts: 8 },
  thumbnail: { maxAttempts: 5 },
  webhook: { maxAttempts: () => env().WEBHOOK_MAX_ATTEMPTS },
} as const;

export type TaskName = keyof typeof TASKS;

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

function maxAttemptsOf(task: TaskName): number {
  const limit = TASKS[task].maxAttempts;
  return typeof limit === "function" ? limit() : limit;
}

/**
 * The call that adds one job, as an SQL expression (its values may be columns of a query). `key`
 * makes it unique while queued: adding a job whose key is already waiting replaces that one
 * instead of adding a second (a running one is left alone and a new one queued, as
 * graphile-worker does). Max attempts are the task's (queue.ts TASKS).
 */
export function addJobSql(task: Prisma.Sql, payload: Prisma.Sql, key: Prisma.Sql): Prisma.Sql {
  const attempts = Prisma.join(
    TASK_NAMES.map((name) => Prisma.sql`WHEN ${name}::text THEN ${maxAttemptsOf(name)}::int`),
    " ",
  );
  return Prisma.sql`graphile_worker.add_job(${task}, ${payload}, max_attempts := (CASE ${task} ${attempts} END), job_key := ${key})`;
}

/** Adds a job in the transaction of the change that calls for it. */
export async function addJob(tx: Tx, task: TaskName, payload: Record<string, unknown>, key: string): Promise<void> {
  await tx.$queryRaw(Prisma.sql`SELECT (${addJobSql(Prisma.sql`${task}::text`, Prisma.sql`${JSON.stringify(payload)}::json`, Prisma.sql`${key}::text`)}).id`);
}

/** The jobs a READY upload gets: its checksum, and a thumbnail if it is a picture we decode. */
export async function addReadyJobs(tx: Tx, uploadId: string, thumbnailable: boolean): Promise<void> {
  await addJob(tx, "checksum", { uploadId }, `checksum:${uploadId}`);
  if (thumbnailable) await addJob(tx, "thumbnail", { uploadId }, `thumbnail:${uploadId}`);
}

/** How long finished job attempts (JobRun) and webhook deliveries are kept for the console. */
export const JOB_RUN_RETENTION_DAYS = 7;
export const WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

/** Prunes old job attempts and settled webhook deliveries (housekeeping, hourly in every instance). */
export async function pruneJobHistory(): Promise<number> {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
  const runs = await db().jobRun.deleteMany({ where: { finishedAt: { lt: daysAgo(JOB_RUN_RETENTION_DAYS) } } });
  const deliveries = await db().webhookDelivery.deleteMany({
    where: { createdAt: { lt: daysAgo(WEBHOOK_DELIVERY_RETENTION_DAYS) }, status: { not: "PENDING" } },
  });
  return runs.count + deliveries.count;
}
