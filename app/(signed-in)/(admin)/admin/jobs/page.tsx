import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { AdminJobActions } from "@/components/admin-job-actions";
import { LocalTime } from "@/components/ui/local-time";
import type { AdminJobsDto, DeadJobDto } from "@/lib/dto";
import { formatDuration } from "@/lib/jobs";
import { jobsOverview } from "@/lib/server/jobs/console";
import { requireAdmin } from "@/lib/server/session";

export const metadata: Metadata = { title: "Admin · Jobs" };

/** What each task does, in the words an admin reads the page with. */
const TASK_LABELS: Record<string, string> = {
  checksum: "Checksums (SHA-256 of each new file)",
  thumbnail: "Thumbnails (WebP of each new picture)",
  webhook: "Webhook deliveries",
};

const card = "rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900";
const muted = "text-slate-600 dark:text-slate-400";
const empty = `rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8 text-center text-sm ${muted} dark:border-slate-600 dark:bg-slate-900`;

export default async function AdminJobsPage() {
  const admin = await requireAdmin();
  const data = await jobsOverview(admin);
  const lastHour = new Map(data.lastHour.map((h) => [h.task, h]));

  return (
    <div className="space-y-8">
      <section className="space-y-3" aria-labelledby="queue-heading">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="queue-heading" className="text-lg font-semibold">
            Queue
          </h2>
          <p className={`text-xs ${muted}`}>
            As of <LocalTime value={data.generatedAt} />. Reload the page to see it move.
          </p>
        </div>
        <ul className="grid gap-3 md:grid-cols-3">
          {data.queues.map((q) => (
            <li key={q.task} className={card} data-testid="job-queue">
              <h3 className="font-medium">{TASK_LABELS[q.task] ?? q.task}</h3>
              <dl className="mt-3 grid grid-cols-2 gap-x-3 gap-y-2 text-sm">
                <Figure label="Waiting now" value={q.waiting} />
                <Figure label="Retry later" value={q.later} />
                <Figure label="Running" value={q.running} />
                <Figure label="Dead" value={q.dead} tone={q.dead > 0 ? "bad" : undefined} />
              </dl>
              <LastHour stats={lastHour.get(q.task)} />
            </li>
          ))}
        </ul>
      </section>

      <section className="space-y-3" aria-labelledby="dead-heading">
        <h2 id="dead-heading" className="text-lg font-semibold">
          Dead jobs
        </h2>
        {data.deadJobs.length === 0 ? (
          <p className={empty} data-testid="dead-jobs-empty">
            No dead jobs. A job that fails all its attempts appears here with its last error; fix the cause, then retry it.
          </p>
        ) : (
          <ul className="space-y-3">
            {data.deadJobs.map((job) => (
              <DeadJob key={job.id} job={job} />
            ))}
          </ul>
        )}
      </section>

      <section className="space-y-3" aria-labelledby="workers-heading">
        <h2 id="workers-heading" className="text-lg font-semibold">
          Worker processes
        </h2>
        {data.workers.length === 0 ? (
          <p className={empty} data-testid="workers-empty">
            No worker process is running, so nothing in the queue moves. Start one with <code>npm run worker</code>, or run the app with{" "}
            <code>WORKER_CONCURRENCY</code> above 0.
          </p>
        ) : (
          <ul className="grid gap-3 md:grid-cols-2">
            {data.workers.map((w) => (
              <Worker key={w.id} worker={w} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Figure({ label, value, tone }: { label: string; value: ReactNode; tone?: "bad" }) {
  return (
    <div className="min-w-0">
      <dt className={`text-xs ${muted}`}>{label}</dt>
      <dd className={`font-semibold tabular-nums ${tone === "bad" ? "text-red-700 dark:text-red-300" : ""}`}>{value}</dd>
    </div>
  );
}

function LastHour({ stats }: { stats: AdminJobsDto["lastHour"][number] | undefined }) {
  if (!stats) return <p className={`mt-3 border-t border-slate-200 pt-3 text-sm dark:border-slate-700 ${muted}`}>No runs in the last hour.</p>;
  return (
    <div className="mt-3 border-t border-slate-200 pt-3 dark:border-slate-700">
      <h4 className={`text-xs font-medium ${muted}`}>Last hour</h4>
      <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-2 text-sm">
        <Figure label="Runs" value={stats.runs.toLocaleString("en")} />
        <Figure label="Failures" value={stats.failures.toLocaleString("en")} tone={stats.failures > 0 ? "bad" : undefined} />
        <Figure label="Queued → done, p50 / p95" value={`${formatDuration(stats.latencyP50Ms)} / ${formatDuration(stats.latencyP95Ms)}`} />
        <Figure label="Run time, p50 / p95" value={`${formatDuration(stats.runTimeP50Ms)} / ${formatDuration(stats.runTimeP95Ms)}`} />
      </dl>
    </div>
  );
}

function DeadJob({ job }: { job: DeadJobDto }) {
  return (
    <li className={`${card} space-y-2`} data-testid="dead-job">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-medium">
          {TASK_LABELS[job.task] ?? job.task} <span className={`text-xs font-normal ${muted}`}>#{job.id}</span>
        </p>
        <p className={`text-xs ${muted}`}>
          {job.attempts} of {job.maxAttempts} attempts · last failed <LocalTime value={job.failedAt} />
        </p>
      </div>
      <p className="text-sm">
        {job.file ? (
          <>
            For{" "}
            <Link href={`/admin?q=${encodeURIComponent(job.file.id)}`} className="break-all text-indigo-600 hover:underline dark:text-indigo-400">
              {job.file.name}
            </Link>
            {job.file.status !== "READY" ? <span className={muted}> (now {job.file.status.toLowerCase()})</span> : null}
          </>
        ) : job.webhookEvent ? (
          <>A {job.webhookEvent} event</>
        ) : (
          <span className={muted}>What it was for is gone.</span>
        )}
      </p>
      {job.lastError ? (
        <p className="rounded-md bg-red-50 px-3 py-2 font-mono text-xs break-words whitespace-pre-wrap text-red-800 dark:bg-red-950/40 dark:text-red-200">
          {job.lastError}
        </p>
      ) : null}
      <AdminJobActions id={job.id} task={job.task} />
    </li>
  );
}

function Worker({ worker }: { worker: AdminJobsDto["workers"][number] }) {
  return (
    <li className={`${card} flex flex-wrap items-start justify-between gap-2`} data-testid="worker-process">
      <div className="min-w-0 text-sm">
        <p className="font-medium break-all">
          {worker.host} · pid {worker.pid}
        </p>
        <p className={muted}>
          {worker.concurrency} at a time · started <LocalTime value={worker.startedAt} />
        </p>
        <p className={muted}>
          Last seen <LocalTime value={worker.lastSeenAt} />
        </p>
      </div>
      {worker.isSilent ? (
        <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200 dark:bg-amber-950/40 dark:text-amber-200 dark:ring-amber-800">
          silent
        </span>
      ) : (
        <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-emerald-200 dark:bg-emerald-950/40 dark:text-emerald-300 dark:ring-emerald-800">
          alive
        </span>
      )}
    </li>
  );
}
