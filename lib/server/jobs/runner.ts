import "server-only";

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { Logger as GraphileLogger, run, runMigrations, runOnce, type Job, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import pg from "pg";

import { pool as appPool } from "../db";
import { env } from "../env";
import { logger } from "../log";
import { metrics } from "../metrics";
import { TASK_NAMES, type TaskName } from "./queue";
import { taskHandlers } from "./tasks";

// The workers of one process: graphile-worker's runner, plus what it leaves to us. Each process
// keeps a row in "WorkerProcess" fresh (a heartbeat); whichever process finds another's row stale
// for WORKER_STALE_AFTER_SECONDS takes it for dead (killed, lost its machine) and unlocks the jobs
// it held, so another worker retries them — graphile-worker itself waits 4 hours. Each finished
// attempt is written to "JobRun" for the console's latency and failure figures.

export interface JobWorker {
  id: string;
  stop(): Promise<void>;
}

/**
 * What graphile-worker says goes to our log: its errors and warnings as such; the rest (a line per
 * job) at debug, since each failed attempt gets a line of ours (recordRun) anyway.
 */
function graphileLogger(): GraphileLogger {
  return new GraphileLogger((scope) => (level, message) => {
    const log = logger().child({ component: "jobs", ...(scope.workerId ? { workerId: scope.workerId } : {}) });
    const severity: string = level; // graphile's LogLevel is a const enum of these strings
    if (severity === "error") log.error(message);
    else if (severity === "warning") log.warn(message);
    else log.debug(message);
  });
}

const UTC_NOW = "(now() AT TIME ZONE 'UTC')";
const SINGLE_SESSION_POLL_MS = 2000;

/** Runs whatever jobs are due, one at a time, every couple of seconds: for a database with one session. */
function pollOnSharedConnection(runDue: () => Promise<void>): Pick<Runner, "stop"> {
  let current: Promise<void> = Promise.resolve();
  let isBusy = false;
  const timer = setInterval(() => {
    if (isBusy) return;
    isBusy = true;
    current = runDue()
      .catch((error: unknown) => logger().warn({ err: error }, `jobs: ${(error as Error).message}`))
      .finally(() => (isBusy = false));
  }, SINGLE_SESSION_POLL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
}

export async function startJobWorker(options: { concurrency: number; handleSignals: boolean }): Promise<JobWorker> {
  const config = env();
  const id = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  // A database with a single session (dev's embedded PGlite, DATABASE_POOL_SIZE=1) takes no second
  // connection: the jobs share the app's one, and are found by polling (LISTEN would hold it).
  const isSingleSession = config.DATABASE_POOL_SIZE === 1;
  const pool = isSingleSession ? appPool() : new pg.Pool({ connectionString: config.DATABASE_URL, max: options.concurrency + 3 });
  if (!isSingleSession) {
    pool.on("error", (error) => logger().warn({ err: error }, `jobs: idle database connection lost (${error.message})`));
    // A connection that breaks mid-query is graphile-worker's to retry; without a listener it would end the process.
    pool.on("connect", (client) => client.on("error", (error) => logger().warn({ err: error }, `jobs: database connection lost (${error.message})`)));
  }
  const workerIds = new Set<string>();
  const started = new Map<string, number>();
  const events: WorkerEvents = new EventEmitter();
  events.on("pool:create", ({ workerPool }) => workerIds.add(workerPool.id));
  events.on("worker:create", ({ worker }) => workerIds.add(worker.workerId));
  events.on("job:start", ({ job }) => started.set(job.id, Date.now()));
  events.on("job:success", ({ job, worker }) => void recordRun(job, worker.workerId, null));
  events.on("job:error", ({ job, worker, error }) => void recordRun(job, worker.workerId, error));

  async function recordRun(job: Job, workerId: string, error: unknown): Promise<void> {
    const startedAt = started.get(job.id) ?? Date.now();
    started.delete(job.id);
    const isDead = error !== null && job.attempts >= job.max_attempts;
    const result = error === null ? "ok" : isDead ? "dead" : "retry";
    metrics().jobs.inc({ task: job.task_identifier, result });
    metrics().jobDuration.observe({ task: job.task_identifier }, (Date.now() - startedAt) / 1000);
    const message = error === null ? null : (error instanceof Error ? error.message : JSON.stringify(error)).slice(0, 2000);
    if (error !== null) {
      const text = `job ${job.task_identifier} #${job.id} failed (attempt ${job.attempts} of ${job.max_attempts}${isDead ? ", dead" : ""}): ${message}`;
      if (isDead) logger().error({ jobId: job.id, task: job.task_identifier }, text);
      else logger().warn({ jobId: job.id, task: job.task_identifier }, text);
    }
    try {
      await pool.query(
        `INSERT INTO "JobRun" ("jobId", task, key, ok, attempt, "maxAttempts", "queuedAt", "startedAt", "finishedAt", error, "workerId")
         VALUES ($1, $2, $3, $4, $5, $6, $7 AT TIME ZONE 'UTC', $8 AT TIME ZONE 'UTC', ${UTC_NOW}, $9, $10)`,
        [job.id, job.task_identifier, job.key, error === null, job.attempts, job.max_attempts, job.created_at, new Date(startedAt), message, workerId],
      );
    } catch (failure) {
      logger().warn({ err: failure }, `jobs: could not record the run of job #${job.id}`);
    }
  }

  const staleAfter = config.WORKER_STALE_AFTER_SECONDS;
  const heartbeat = async () => {
    try {
      await pool.query(
        `INSERT INTO "WorkerProcess" (id, "workerIds", host, pid, concurrency, "startedAt", "lastSeenAt")
         VALUES ($1, $2, $3, $4, $5, ${UTC_NOW}, ${UTC_NOW})
         ON CONFLICT (id) DO UPDATE SET "workerIds" = EXCLUDED."workerIds", "lastSeenAt" = EXCLUDED."lastSeenAt"`,
        [id, [...workerIds], hostname(), process.pid, options.concurrency],
      );
      // Processes silent too long died holding their jobs: give the jobs back to the queue.
      const { rows } = await pool.query<{ id: string; workerIds: string[] }>(
        `WITH dead AS (
           DELETE FROM "WorkerProcess" WHERE "lastSeenAt" < ${UTC_NOW} - make_interval(secs => $1) AND id <> $2 RETURNING id, "workerIds"
         ), unlocked AS (
           SELECT graphile_worker.force_unlock_workers(coalesce((SELECT array_agg(w) FROM dead, unnest(dead."workerIds") AS w), '{}'::text[]))
         )
         SELECT dead.id, dead."workerIds" FROM dead, unlocked`,
        [staleAfter, id],
      );
      for (const row of rows) logger().warn(`jobs: worker process ${row.id} fell silent; the jobs it held are queued again`);
    } catch (error) {
      logger().warn({ err: error }, `jobs: heartbeat failed (${(error as Error).message})`);
    }
  };
  // The registration first: a job this process takes is findable by its worker ids should it die.
  await runMigrations({ pgPool: pool, logger: graphileLogger() });
  const taskList: TaskList = Object.fromEntries(TASK_NAMES.map((name: TaskName) => [name, taskHandlers[name]]));
  const runnerOptions = {
    pgPool: pool,
    taskList,
    // No scheduled (cron) jobs: the reconciler has its own timer.
    crontab: "",
    events,
    logger: graphileLogger(),
    noHandleSignals: !options.handleSignals,
  };
  const runner: Pick<Runner, "stop"> = isSingleSession
    ? pollOnSharedConnection(() => runOnce(runnerOptions))
    : // Retries and jobs unlocked from a dead worker are found by polling; new jobs arrive by NOTIFY at once.
      await run({ ...runnerOptions, concurrency: options.concurrency, pollInterval: 1000 });
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), Math.max(1000, (staleAfter * 1000) / 6));
  timer.unref();
  logger().info(`jobs: ${options.concurrency} worker(s) running in this process (${id})`);

  let stopping: Promise<void> | undefined;
  return {
    id,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        await runner.stop();
        await pool.query(`DELETE FROM "WorkerProcess" WHERE id = $1`, [id]).catch(() => undefined);
        if (!isSingleSession) await pool.end();
      })()),
  };
}
