import { json, readJson, withAdmin } from "@/lib/server/route";
import { updateUser } from "@/lib/server/users";
import { updateUserSchema } from "@/lib/validation/admin";

// PATCH /api/admin/users/:id — role, quota, disable/enable
export const PATCH = withAdmin<{ id: string }>(async ({ req, params, user, meta }) => {
  const input = await readJson(req, updateUserSchema);
  return json({ user: await updateUser({ actor: user, userId: params.id, input, meta }) });
});
