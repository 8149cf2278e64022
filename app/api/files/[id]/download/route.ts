import { createDownloadUrl } from "@/lib/server/files";
import { redirectToStorage, withUser } from "@/lib/server/route";

// GET /api/files/:id/download[?inline=1] — 302 to a fresh presigned GET; bytes come from storage
export const GET = withUser<{ id: string }>(async ({ req, params, user, meta }) => {
  const inline = req.nextUrl.searchParams.get("inline") === "1";
  const url = await createDownloadUrl({ user, fileId: params.id, inline, meta });
  return redirectToStorage(url);
});
