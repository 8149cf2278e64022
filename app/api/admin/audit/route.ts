import { listAudit } from "@/lib/server/audit";
import { json, withAdmin } from "@/lib/server/route";
import { adminAuditQuerySchema } from "@/lib/validation/admin";
import { queryObject } from "@/lib/validation/listing";

// GET /api/admin/audit — who was handed which key, and every state change
export const GET = withAdmin(async ({ req, user }) => {
  return json(await listAudit(user, adminAuditQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
