import { adminRevokeShares } from "@/lib/server/admin";
import { json, withAdmin } from "@/lib/server/route";

// POST /api/admin/files/:id/revoke-shares — revoke every live link to a file
export const POST = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  return json({ revoked: await adminRevokeShares({ admin: user, fileId: params.id, meta }) });
});
