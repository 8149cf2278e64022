import { createThumbnailUrl } from "@/lib/server/files";
import { redirectToStorage, withUser } from "@/lib/server/route";

// GET /api/files/:id/thumbnail — 302 to a short-lived inline GET of the generated WebP, for the list's <img>
export const GET = withUser<{ id: string }>(async ({ params, user, meta }) => {
  const url = await createThumbnailUrl({ user, fileId: params.id, meta });
  return redirectToStorage(url);
});
