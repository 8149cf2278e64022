import { noContent, withAdmin } from "@/lib/server/route";
import { adminAbortUpload } from "@/lib/server/uploads";

// DELETE /api/admin/uploads/:id — abort a pending upload (in storage too)
export const DELETE = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  await adminAbortUpload({ actor: user, uploadId: params.id, meta });
  return noContent();
});
