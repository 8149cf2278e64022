import { listAllUploads } from "@/lib/server/admin";
import { json, withAdmin } from "@/lib/server/route";
import { adminUploadsQuerySchema, queryObject } from "@/lib/validation/admin";

// GET /api/admin/uploads — every upload: search, filters, sort, cursor pages, totals
export const GET = withAdmin(async ({ req }) => {
  return json(await listAllUploads(adminUploadsQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
