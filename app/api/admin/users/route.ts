import { listUsers } from "@/lib/server/admin";
import { json, withAdmin } from "@/lib/server/route";
import { adminUsersQuerySchema, queryObject } from "@/lib/validation/admin";

// GET /api/admin/users — accounts with usage against quota
export const GET = withAdmin(async ({ req }) => {
  return json(await listUsers(adminUsersQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
