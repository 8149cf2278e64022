import { createApiToken, listApiTokens } from "@/lib/server/api-tokens";
import { json, readJson, withUser } from "@/lib/server/route";
import { createApiTokenSchema } from "@/lib/validation/tokens";

// POST /api/tokens — a personal API token; the secret is in this answer only
export const POST = withUser(async ({ req, user, meta }) => {
  const input = await readJson(req, createApiTokenSchema);
  return json({ token: await createApiToken({ user, input, meta }) }, 201);
});

// GET /api/tokens — my tokens (never their secrets)
export const GET = withUser(async ({ user }) => json({ tokens: await listApiTokens(user) }));
