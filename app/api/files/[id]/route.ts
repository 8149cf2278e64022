import { deleteFile, getFile } from "@/lib/server/files";
import { json, noContent, withUser } from "@/lib/server/route";

// GET /api/files/:id — one of my files
export const GET = withUser<{ id: string }>(async ({ params, user }) => {
  return json({ file: await getFile({ user, fileId: params.id }) });
});

// DELETE /api/files/:id — delete the object and the file
export const DELETE = withUser<{ id: string }>(async ({ params, user, meta }) => {
  await deleteFile({ user, fileId: params.id, meta });
  return noContent();
});
