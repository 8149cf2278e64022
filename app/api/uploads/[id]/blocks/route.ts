import { json, withUser } from "@/lib/server/route";
import { listStagedBlocks } from "@/lib/server/uploads";

// GET /api/uploads/:id/blocks — the parts of an Azure block upload storage already holds (a reloaded page resumes from them)
export const GET = withUser<{ id: string }>(async ({ params, user }) => json({ parts: await listStagedBlocks({ user, uploadId: params.id }) }));
