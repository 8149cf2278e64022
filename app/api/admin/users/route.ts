import { json, withAdmin } from "@/lib/server/route";
import { listUsers } from "@/lib/server/users";
import { adminUsersQuerySchema, queryObject } from "@/lib/validation/admin";

// GET /api/admin/users — accounts with usage against quota
export const GET = withAdmin(async ({ req, user }) => {
  return json(await listUsers(user, adminUsersQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
