import { json, noContent, withUser } from "@/lib/server/route";
import { abortUpload, getUpload } from "@/lib/server/uploads";

// GET /api/uploads/:id — one of your reservations (a reloaded page resumes from it)
export const GET = withUser<{ id: string }>(async ({ params, user }) => json({ upload: await getUpload({ user, uploadId: params.id }) }));

// DELETE /api/uploads/:id — cancel a pending upload (aborted in storage too)
export const DELETE = withUser<{ id: string }>(async ({ params, user, meta }) => {
  await abortUpload({ user, uploadId: params.id, meta });
  return noContent();
});
