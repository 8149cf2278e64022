import { listFiles } from "@/lib/server/files";
import { json, withUser } from "@/lib/server/route";
import { listFilesQuerySchema } from "@/lib/validation/files";
import { queryObject } from "@/lib/validation/listing";

// GET /api/files?q=&type=&sort=&order=&limit=&cursor= — my files, one keyset page
export const GET = withUser(async ({ req, user }) => {
  return json(await listFiles({ user, query: listFilesQuerySchema.parse(queryObject(req.nextUrl.searchParams)) }));
});
