import { json, withUser } from "@/lib/server/route";
import { completeUpload } from "@/lib/server/uploads";

// POST /api/uploads/:id/complete — verify the object in storage, then mark the file READY
export const POST = withUser<{ id: string }>(async ({ params, user, meta }) => {
  return json({ file: await completeUpload({ user, uploadId: params.id, meta }) });
});
