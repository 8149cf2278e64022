import { deleteFiles } from "@/lib/server/files";
import { json, readJson, withUser } from "@/lib/server/route";
import { deleteFilesSchema } from "@/lib/validation/files";

// POST /api/files/delete — delete several of my files; ids that are not mine are reported as not found
export const POST = withUser(async ({ req, user, meta }) => {
  const { ids } = await readJson(req, deleteFilesSchema);
  return json(await deleteFiles({ user, ids, meta }));
});
