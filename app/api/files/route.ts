import { listFiles } from "@/lib/server/files";
import { json, withUser } from "@/lib/server/route";
import { listFilesQuerySchema } from "@/lib/validation/uploads";

// GET /api/files?limit=&cursor= — my files, newest first
export const GET = withUser(async ({ req, user }) => {
  const query = listFilesQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return json(await listFiles({ user, ...query }));
});
