import { createDownloadUrl } from "@/lib/server/files";
import { withUser } from "@/lib/server/route";

// GET /api/files/:id/download — 302 to a fresh presigned GET; the bytes come from storage
export const GET = withUser<{ id: string }>(async ({ params, user, meta }) => {
  const url = await createDownloadUrl({ user, fileId: params.id, meta });
  return new Response(null, { status: 302, headers: { location: url, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
});
