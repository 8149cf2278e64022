import { adminAbortUpload } from "@/lib/server/admin";
import { withAdmin } from "@/lib/server/route";

// DELETE /api/admin/uploads/:id — abort a pending upload (in storage too)
export const DELETE = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  await adminAbortUpload({ admin: user, uploadId: params.id, meta });
  return new Response(null, { status: 204 });
});
