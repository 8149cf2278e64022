import { withUser } from "@/lib/server/route";
import { abortUpload } from "@/lib/server/uploads";

// DELETE /api/uploads/:id — cancel a pending upload (aborted in storage too)
export const DELETE = withUser<{ id: string }>(async ({ params, user, meta }) => {
  await abortUpload({ user, uploadId: params.id, meta });
  return new Response(null, { status: 204 });
});
