import { retryDeadJob } from "@/lib/server/jobs/console";
import { json, withAdmin } from "@/lib/server/route";

// POST /api/admin/jobs/:jobId/retry — a dead job back in the queue, due now, attempts reset
export const POST = withAdmin<{ jobId: string }>(async ({ params, user, meta }) =>
  json({ job: await retryDeadJob({ actor: user, jobId: params.jobId, meta }) }),
);
