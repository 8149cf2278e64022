import { json, readJson, withUser } from "@/lib/server/route";
import { createShareLink, listShareLinks } from "@/lib/server/shares";
import { createShareSchema } from "@/lib/validation/shares";

// POST /api/files/:id/shares — create a link; its URL is in this answer only
export const POST = withUser<{ id: string }>(async ({ req, params, user, meta }) => {
  const input = await readJson(req, createShareSchema);
  return json({ share: await createShareLink({ user, fileId: params.id, input, meta }) }, 201);
});

// GET /api/files/:id/shares — the file's links with their status and use
export const GET = withUser<{ id: string }>(async ({ params, user }) => {
  return json({ shares: await listShareLinks({ user, fileId: params.id }) });
});
