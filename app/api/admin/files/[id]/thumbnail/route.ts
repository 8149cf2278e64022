import { adminThumbnailUrl } from "@/lib/server/files";
import { redirectToStorage, withAdmin } from "@/lib/server/route";

// GET /api/admin/files/:id/thumbnail — 302 to anyone's generated thumbnail, for the console's list
export const GET = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  const url = await adminThumbnailUrl({ actor: user, fileId: params.id, meta });
  return redirectToStorage(url);
});
