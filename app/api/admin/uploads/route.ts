import { json, withAdmin } from "@/lib/server/route";
import { listAllUploads } from "@/lib/server/upload-search";
import { adminUploadsQuerySchema } from "@/lib/validation/admin";
import { queryObject } from "@/lib/validation/listing";

// GET /api/admin/uploads — every upload: search, filters, sort, cursor pages, totals
export const GET = withAdmin(async ({ req, user }) => {
  return json(await listAllUploads(user, adminUploadsQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
