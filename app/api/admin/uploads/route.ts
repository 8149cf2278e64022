import { json, withAdmin } from "@/lib/server/route";
import { listAllUploads } from "@/lib/server/upload-search";
import { adminUploadsQuerySchema, queryObject } from "@/lib/validation/admin";

// GET /api/admin/uploads — every upload: search, filters, sort, cursor pages, totals
export const GET = withAdmin(async ({ req, user }) => {
  return json(await listAllUploads(user, adminUploadsQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
