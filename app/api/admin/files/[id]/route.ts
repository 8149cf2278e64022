import { adminDeleteFile } from "@/lib/server/files";
import { noContent, withAdmin } from "@/lib/server/route";

// DELETE /api/admin/files/:id — delete anyone's file (object and file; its links revoked)
export const DELETE = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  await adminDeleteFile({ actor: user, fileId: params.id, meta });
  return noContent();
});
