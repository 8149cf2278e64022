import { adminDeleteFile } from "@/lib/server/admin";
import { withAdmin } from "@/lib/server/route";

// DELETE /api/admin/files/:id — delete anyone's file (object and file; its links revoked)
export const DELETE = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  await adminDeleteFile({ admin: user, fileId: params.id, meta });
  return new Response(null, { status: 204 });
});
