import { deleteDeadJob } from "@/lib/server/jobs/console";
import { noContent, withAdmin } from "@/lib/server/route";

// DELETE /api/admin/jobs/:jobId — drop a dead job for good
export const DELETE = withAdmin<{ jobId: string }>(async ({ params, user, meta }) => {
  await deleteDeadJob({ actor: user, jobId: params.jobId, meta });
  return noContent();
});
