import { listAudit } from "@/lib/server/admin";
import { json, withAdmin } from "@/lib/server/route";
import { adminAuditQuerySchema, queryObject } from "@/lib/validation/admin";

// GET /api/admin/audit — who was handed which key, and every state change
export const GET = withAdmin(async ({ req }) => {
  return json(await listAudit(adminAuditQuerySchema.parse(queryObject(req.nextUrl.searchParams))));
});
