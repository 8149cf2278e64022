import { json, withAdmin } from "@/lib/server/route";
import { listUsers } from "@/lib/server/users";
import { adminUsersQuerySchema } from "@/lib/validation/admin";
import { queryObject } from "@/lib/validation/listing";

// GET /api/admin/users — accounts with usage against quota
export const GET = withAdmin(async ({ req, user }) => {
  return json(await listUsers(user, adminUsersQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
