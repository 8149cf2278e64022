import { json, withAdmin } from "@/lib/server/route";
import { adminRevokeShares } from "@/lib/server/shares";

// POST /api/admin/files/:id/revoke-shares — revoke every live link to a file
export const POST = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  return json({ revoked: await adminRevokeShares({ actor: user, fileId: params.id, meta }) });
});
