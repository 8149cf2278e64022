import { jobsOverview } from "@/lib/server/jobs/console";
import { json, withAdmin } from "@/lib/server/route";

// GET /api/admin/jobs — queue depth per task, dead jobs, the last hour's runs, worker processes
export const GET = withAdmin(async ({ user }) => json(await jobsOverview(user)));
