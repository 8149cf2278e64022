import { json, readJson, withUser } from "@/lib/server/route";
import { claimFirstAdmin } from "@/lib/server/setup";
import { setupSchema } from "@/lib/validation/users";

// POST /api/setup {token} — on a fresh install, the signed-in holder of the setup token becomes the administrator
export const POST = withUser(async ({ req, user, meta }) => {
  const { token } = await readJson(req, setupSchema);
  await claimFirstAdmin({ actor: user, token, meta });
  return json({ ok: true });
});
