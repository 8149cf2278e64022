import { json, readJson, withUser } from "@/lib/server/route";
import { createUpload } from "@/lib/server/uploads";
import { createUploadSchema } from "@/lib/validation/uploads";

// POST /api/uploads — reserve a server-chosen key for a file the browser is about to send
export const POST = withUser(async ({ req, user, meta }) => {
  const input = await readJson(req, createUploadSchema);
  const upload = await createUpload({ user, input, meta });
  return json({ upload }, 201);
});
